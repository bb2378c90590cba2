from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from domain_builders import AMOUNT_LIMIT, currencies, money, roundings
from hypothesis import assume, given
from hypothesis import strategies as st

from terminal.domain import (
    CURRENCIES,
    CurrencyMismatch,
    DomainError,
    InvalidAmount,
    Money,
    Rounding,
    UnknownCurrency,
    round_minor,
)
from terminal.domain.money import MAX_MINOR

# -- the currency table ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "exponent"),
    [("CNY", 2), ("USD", 2), ("EUR", 2), ("HKD", 2), ("JPY", 0), ("GBP", 2), ("KRW", 0), ("KWD", 3), ("BHD", 3)],
)
def test_minor_units_follow_iso_4217(code, exponent):
    assert CURRENCIES[code].exponent == exponent
    assert Money(1, code).exponent == exponent


@pytest.mark.parametrize("code", ["XXX", "cny", "", "RMB"])
def test_unknown_or_non_canonical_currency_is_refused(code):
    with pytest.raises(UnknownCurrency):
        Money(100, code)


def test_domain_errors_are_value_errors_with_a_readable_sentence():
    with pytest.raises(ValueError, match=r"^Cannot add CNY and USD\.$") as caught:
        Money(1, "CNY") + Money(1, "USD")
    assert isinstance(caught.value, DomainError)


# -- no floats, no look-alikes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [1.5, 1.0, True, Decimal("1"), "100", None])
def test_amount_must_be_a_real_int(amount):
    with pytest.raises(TypeError):
        Money(amount, "CNY")


@pytest.mark.parametrize("factor", [1.5, 2.0, True, Decimal("2"), Fraction(1, 2)])
def test_multiplying_by_anything_but_an_int_is_refused(factor):
    with pytest.raises(TypeError):
        Money(100, "CNY") * factor
    with pytest.raises(TypeError):
        factor * Money(100, "CNY")


def test_money_does_not_mix_with_plain_numbers():
    with pytest.raises(TypeError):
        Money(100, "CNY") + 1
    with pytest.raises(TypeError):
        _ = Money(100, "CNY") < 1
    with pytest.raises(TypeError):
        Money.from_decimal(1.25, "CNY")
    with pytest.raises(TypeError):
        Money(100, "CNY").scale(0.5)
    with pytest.raises(TypeError):
        Money(100, "CNY").allocate([0.5, 0.5])


def test_amounts_beyond_64_bits_are_refused():
    assert Money(MAX_MINOR, "CNY").amount == MAX_MINOR
    with pytest.raises(InvalidAmount):
        Money(MAX_MINOR + 1, "CNY")
    with pytest.raises(InvalidAmount):
        Money(MAX_MINOR, "CNY") + Money(1, "CNY")


# -- parsing and formatting ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "minor"),
    [
        ("12.34", "CNY", 1234),
        ("12.3", "CNY", 1230),
        ("12", "CNY", 1200),
        ("-0.05", "USD", -5),
        ("0", "EUR", 0),
        ("1200", "JPY", 1200),
        ("1.234", "KWD", 1234),
    ],
)
def test_parse_major_units_exactly(text, code, minor):
    assert Money.parse(text, code) == Money(minor, code)


@pytest.mark.parametrize(
    ("text", "code"),
    [("1.005", "CNY"), ("12.5", "JPY"), ("12.340", "CNY"), ("1.2345", "KWD")],
)
def test_parse_refuses_more_decimals_than_the_currency_has(text, code):
    with pytest.raises(InvalidAmount, match="decimal"):
        Money.parse(text, code)


@pytest.mark.parametrize("text", ["", "abc", "1e3", " 12", "12.", ".5", "1,000.00", "+1", "١٢", "NaN", "1" * 25])
def test_parse_refuses_what_is_not_a_plain_amount(text):
    with pytest.raises(InvalidAmount):
        Money.parse(text, "CNY")


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(1234, "CNY"), "CNY 12.34"),
        (Money(5, "CNY"), "CNY 0.05"),
        (Money(-50, "USD"), "USD -0.50"),
        (Money(1200, "JPY"), "JPY 1200"),
        (Money(-7, "JPY"), "JPY -7"),
        (Money(1234, "KWD"), "KWD 1.234"),
        (Money(0, "GBP"), "GBP 0.00"),
    ],
)
def test_format(money, text):
    assert money.format() == text == str(money)


def test_decimal_conversion_is_exact_and_rounding_is_named():
    assert Money(1234, "CNY").to_decimal() == Decimal("12.34")
    assert Money(1200, "JPY").to_decimal() == Decimal(1200)
    assert Money.from_decimal(Decimal("12.345"), "CNY") == Money(1235, "CNY")  # HALF_UP by default
    assert Money.from_decimal(Decimal("12.345"), "CNY", Rounding.HALF_EVEN) == Money(1234, "CNY")
    assert Money.from_decimal(Decimal("-12.345"), "CNY") == Money(-1235, "CNY")
    assert Money.from_decimal(Decimal("1199.5"), "JPY") == Money(1200, "JPY")
    assert Money.from_decimal(7, "USD") == Money(700, "USD")
    with pytest.raises(InvalidAmount):
        Money.from_decimal(Decimal("NaN"), "CNY")


# -- rounding rules --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "half_up", "half_even", "down", "up"),
    [
        (Fraction(5, 2), 3, 2, 2, 3),
        (Fraction(7, 2), 4, 4, 3, 4),
        (Fraction(-5, 2), -3, -2, -2, -3),
        (Fraction(12, 5), 2, 2, 2, 3),
        (Fraction(13, 5), 3, 3, 2, 3),
        (Decimal("0.5"), 1, 0, 0, 1),
        (4, 4, 4, 4, 4),
    ],
)
def test_rounding_rules(value, half_up, half_even, down, up):
    assert round_minor(value, Rounding.HALF_UP) == half_up
    assert round_minor(value, Rounding.HALF_EVEN) == half_even
    assert round_minor(value, Rounding.DOWN) == down
    assert round_minor(value, Rounding.UP) == up
    assert round_minor(value) == half_up  # the default is commercial rounding


@given(st.fractions(max_denominator=10**6).filter(lambda f: abs(f) < 10**12), roundings)
def test_rounding_lands_on_a_neighbour_and_is_symmetric(value, rule):
    rounded = round_minor(value, rule)
    assert abs(rounded - value) < 1
    if rule in (Rounding.HALF_UP, Rounding.HALF_EVEN):
        assert abs(rounded - value) <= Fraction(1, 2)
    assert round_minor(-value, rule) == -rounded


# -- allocation ------------------------------------------------------------------------------------------------------


def test_split_100_three_ways_loses_nothing():
    assert [m.amount for m in Money(100, "CNY").split(3)] == [34, 33, 33]
    assert [m.amount for m in Money(-100, "CNY").split(3)] == [-34, -33, -33]
    assert [m.amount for m in Money(100, "CNY").allocate([1, 1, 1])] == [34, 33, 33]


def test_allocate_by_ratios():
    assert [m.amount for m in Money(100, "CNY").allocate([70, 20, 10])] == [70, 20, 10]
    assert [m.amount for m in Money(5, "CNY").allocate([3, 7])] == [2, 3]  # 1.5 and 3.5: the tie goes to the first
    assert [m.amount for m in Money(100, "CNY").allocate([0, 1, 1])] == [0, 50, 50]
    assert [m.amount for m in Money(2, "JPY").allocate([1, 1, 1])] == [1, 1, 0]
    assert Money(1, "CNY").allocate([5]) == [Money(1, "CNY")]


@pytest.mark.parametrize("ratios", [[], [0, 0], [1, -1]])
def test_allocate_refuses_meaningless_ratios(ratios):
    with pytest.raises(InvalidAmount):
        Money(100, "CNY").allocate(ratios)


def test_split_needs_at_least_one_part():
    with pytest.raises(InvalidAmount):
        Money(100, "CNY").split(0)


@given(st.integers(-AMOUNT_LIMIT, AMOUNT_LIMIT), st.lists(st.integers(0, 10**6), min_size=1, max_size=20))
def test_allocate_is_exact_and_proportional(amount, ratios):
    assume(sum(ratios) > 0)
    parts = Money(amount, "CNY").allocate(ratios)
    assert len(parts) == len(ratios)
    assert sum(p.amount for p in parts) == amount
    whole = sum(ratios)
    for part, ratio in zip(parts, ratios, strict=True):
        assert abs(part.amount * whole - amount * ratio) < whole  # within one unit of the exact share
        assert part.currency == "CNY"
        if ratio == 0:
            assert part.amount == 0
        assert part.amount == 0 or (part.amount > 0) == (amount > 0)


@given(st.integers(-AMOUNT_LIMIT, AMOUNT_LIMIT), st.integers(1, 50))
def test_equal_shares_differ_by_at_most_one_unit(amount, n):
    parts = [p.amount for p in Money(amount, "EUR").split(n)]
    assert sum(parts) == amount
    assert max(parts) - min(parts) <= 1
    assert [abs(p) for p in parts] == sorted((abs(p) for p in parts), reverse=True)  # larger parts first


# -- arithmetic ------------------------------------------------------------------------------------------------------

same_currency_pair = currencies.flatmap(lambda c: st.tuples(money(c), money(c), money(c)))


@given(same_currency_pair)
def test_addition_is_commutative_and_associative(triple):
    a, b, c = triple
    assert a + b == b + a
    assert (a + b) + c == a + (b + c)
    assert (a + b).currency == a.currency


@given(same_currency_pair)
def test_subtraction_undoes_addition(triple):
    a, b, _ = triple
    assert a + b - b == a
    assert a - a == Money.zero(a.currency)
    assert a + (-a) == Money.zero(a.currency)
    negated = -a
    assert -negated == a
    assert a - b == -(b - a)
    assert abs(a) == (a if a.amount >= 0 else -a)


@given(same_currency_pair, st.integers(-1000, 1000))
def test_multiplication_distributes(triple, k):
    a, b, _ = triple
    assert (a + b) * k == a * k + b * k == k * (a + b)


@given(same_currency_pair)
def test_ordering_follows_the_amounts(triple):
    a, b, _ = triple
    assert (a < b) == (a.amount < b.amount)
    assert (a <= b) == (a.amount <= b.amount)
    assert (a > b) == (a.amount > b.amount)
    assert (a >= b) == (a.amount >= b.amount)
    assert max(a, b).amount == max(a.amount, b.amount)


@given(st.lists(currencies, min_size=2, max_size=2, unique=True), st.integers(-(10**6), 10**6), st.integers())
def test_mixed_currencies_always_raise(codes, x, y):
    y = y % MAX_MINOR
    a, b = Money(x, codes[0]), Money(y, codes[1])
    for combine in (
        lambda: a + b,
        lambda: a - b,
        lambda: a < b,
        lambda: a <= b,
        lambda: a > b,
        lambda: a >= b,
        lambda: Money.total([a, b], codes[0]),
    ):
        with pytest.raises(CurrencyMismatch):
            combine()
    assert a != b  # equality answers (never equal) rather than raise, so Money works in sets and dicts


@given(currencies.flatmap(money))
def test_text_decimal_and_dict_round_trips(m):
    assert Money.parse(m.major_text(), m.currency) == m
    assert Money.from_decimal(m.to_decimal(), m.currency) == m
    assert Money.from_dict(m.to_dict()) == m
    assert type(m.to_dict()["amount"]) is int


@given(money("CNY", -10**9, 10**9), st.decimals(min_value=0, max_value=10, places=4), roundings)
def test_scale_rounds_once_by_the_named_rule(m, factor, rule):
    scaled = m.scale(factor, rule)
    assert scaled.amount == round_minor(Fraction(m.amount) * Fraction(factor), rule)
    assert abs(scaled.amount - Fraction(m.amount) * Fraction(factor)) < 1


def test_total_of_nothing_is_zero_in_that_currency():
    assert Money.total([], "JPY") == Money(0, "JPY")
    assert Money.total([Money(1, "JPY"), Money(2, "JPY")], "JPY") == Money(3, "JPY")
