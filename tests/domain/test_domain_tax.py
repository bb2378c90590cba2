from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from domain_builders import AMOUNT_LIMIT, VAT9_EXCL, VAT13_INCL, cny, currencies, money, rates, roundings
from hypothesis import given
from hypothesis import strategies as st

from terminal.domain import CartError, InvalidAmount, InvalidValue, Money, Rounding, TaxBreakdown, TaxRate
from terminal.domain.tax import summarize_taxes


def test_cny_13_percent_inclusive_on_113():
    result = VAT13_INCL.breakdown(cny("113.00"))
    assert (result.net, result.tax, result.gross) == (cny("100.00"), cny("13.00"), cny("113.00"))


def test_cny_13_percent_exclusive_on_100():
    rate = TaxRate("VAT13", Decimal("0.13"), inclusive=False)
    result = rate.breakdown(cny("100.00"))
    assert (result.net, result.tax, result.gross) == (cny("100.00"), cny("13.00"), cny("113.00"))


def test_inclusive_tax_on_an_awkward_price():
    # 3.50 / 1.13 = 3.0973... -> net 3.10, tax 0.40: the tax absorbs the rounding, so the shelf price stays exact
    result = VAT13_INCL.breakdown(cny("3.50"))
    assert (result.net, result.tax, result.gross) == (cny("3.10"), cny("0.40"), cny("3.50"))


def test_jpy_consumption_tax_has_no_decimals():
    rate = TaxRate("JCT10", Decimal("0.10"), inclusive=True)
    result = rate.breakdown(Money(1100, "JPY"))
    assert (result.net, result.tax) == (Money(1000, "JPY"), Money(100, "JPY"))
    result = TaxRate("JCT8", Decimal("0.08"), inclusive=False).breakdown(Money(199, "JPY"))  # 15.92 yen
    assert result.tax == Money(16, "JPY")


def test_half_up_and_half_even_differ_on_an_exact_half():
    # 5% of 0.50 is 2.5 fen: commercial rounding gives 3, banker's rounding gives 2
    half_up = TaxRate("S5", Decimal("0.05"), inclusive=False, rounding=Rounding.HALF_UP)
    half_even = TaxRate("S5", Decimal("0.05"), inclusive=False, rounding=Rounding.HALF_EVEN)
    assert half_up.breakdown(cny("0.50")).tax == cny("0.03")
    assert half_even.breakdown(cny("0.50")).tax == cny("0.02")
    # 5% of 0.70 is 3.5 fen: both give 4
    assert half_up.breakdown(cny("0.70")).tax == half_even.breakdown(cny("0.70")).tax == cny("0.04")


def test_inclusive_rounding_rule_applies_to_the_net():
    # 0.05 at 100% included: net 2.5 fen
    up = TaxRate("X", Decimal("1"), inclusive=True, rounding=Rounding.HALF_UP).breakdown(cny("0.05"))
    even = TaxRate("X", Decimal("1"), inclusive=True, rounding=Rounding.HALF_EVEN).breakdown(cny("0.05"))
    assert (up.net, up.tax) == (cny("0.03"), cny("0.02"))
    assert (even.net, even.tax) == (cny("0.02"), cny("0.03"))


def test_zero_rate_has_no_tax():
    for inclusive in (True, False):
        result = TaxRate("ZERO", Decimal("0"), inclusive).breakdown(cny("9.99"))
        assert (result.net, result.tax, result.gross) == (cny("9.99"), cny("0.00"), cny("9.99"))


def test_a_refund_amount_taxes_as_the_mirror_image():
    assert VAT13_INCL.breakdown(cny("-3.50")) == TaxBreakdown(cny("-3.10"), cny("-0.40"), cny("-3.50"))
    assert VAT9_EXCL.breakdown(cny("-0.50")).tax == -VAT9_EXCL.breakdown(cny("0.50")).tax


@pytest.mark.parametrize("rate", [Decimal("13"), Decimal("-0.01"), Decimal("1.01"), Decimal("NaN"), Decimal("Inf")])
def test_rate_must_be_a_fraction_between_0_and_1(rate):
    with pytest.raises(InvalidAmount, match=r"13% is 0\.13"):
        TaxRate("VAT", rate, inclusive=True)


def test_rate_must_be_a_decimal_and_the_code_present():
    with pytest.raises(TypeError):
        TaxRate("VAT", 0.13, inclusive=True)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        TaxRate("VAT", Decimal("0.13"), inclusive=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidValue):
        TaxRate(" ", Decimal("0.13"), inclusive=True)


def test_breakdown_must_add_up():
    with pytest.raises(InvalidAmount):
        TaxBreakdown(cny("1.00"), cny("0.13"), cny("1.14"))


def test_percent_text():
    assert VAT13_INCL.percent_text == "13"
    assert TaxRate("ST", Decimal("0.08875"), False).percent_text == "8.875"
    assert TaxRate("Z", Decimal("0"), False).percent_text == "0"
    assert TaxRate("F", Decimal("0.10"), False).percent_text == "10"


def test_summary_groups_by_code_and_refuses_one_code_with_two_rates():
    lines = [VAT13_INCL.breakdown(cny("113.00")), VAT13_INCL.breakdown(cny("3.50")), VAT9_EXCL.breakdown(cny("1.00"))]

    class Line:
        def __init__(self, rate, breakdown):
            self.tax_rate, self.net, self.tax, self.gross = rate, breakdown.net, breakdown.tax, breakdown.gross

    summary = summarize_taxes(
        [Line(VAT13_INCL, lines[0]), Line(VAT9_EXCL, lines[2]), Line(VAT13_INCL, lines[1])], "CNY"
    )
    assert [s.rate.code for s in summary] == ["VAT13", "VAT9"]
    assert summary[0].tax == cny("13.40") and summary[0].gross == cny("116.50")
    other13 = TaxRate("VAT13", Decimal("0.13"), inclusive=False)
    with pytest.raises(CartError):
        summarize_taxes([Line(VAT13_INCL, lines[0]), Line(other13, other13.breakdown(cny("1.00")))], "CNY")


# -- properties ------------------------------------------------------------------------------------------------------


@given(currencies.flatmap(money), rates, roundings)
def test_inclusive_net_plus_tax_is_the_gross_exactly(gross, rate, rule):
    result = TaxRate("T", rate, inclusive=True, rounding=rule).breakdown(gross)
    assert result.gross == gross
    assert result.net + result.tax == gross
    exact_net = Fraction(gross.amount) / (1 + Fraction(rate))
    assert abs(result.net.amount - exact_net) < 1
    if rule in (Rounding.HALF_UP, Rounding.HALF_EVEN):
        assert abs(result.net.amount - exact_net) <= Fraction(1, 2)
    assert (result.tax.amount >= 0) == (gross.amount >= 0) or result.tax.is_zero


@given(currencies.flatmap(money), rates, roundings)
def test_exclusive_gross_is_net_plus_tax(net, rate, rule):
    result = TaxRate("T", rate, inclusive=False, rounding=rule).breakdown(net)
    assert result.net == net
    assert result.gross == net + result.tax
    exact_tax = Fraction(net.amount) * Fraction(rate)
    assert abs(result.tax.amount - exact_tax) < 1
    if rule in (Rounding.HALF_UP, Rounding.HALF_EVEN):
        assert abs(result.tax.amount - exact_tax) <= Fraction(1, 2)


@given(st.integers(0, AMOUNT_LIMIT), rates, roundings, st.booleans())
def test_tax_is_never_negative_nor_above_the_amount_for_a_sale(amount, rate, rule, inclusive):
    result = TaxRate("T", rate, inclusive, rule).breakdown(Money(amount, "CNY"))
    assert 0 <= result.tax.amount <= amount
    assert 0 <= result.net.amount <= result.gross.amount


@given(rates, roundings, st.booleans())
def test_tax_rate_round_trips_through_a_dict(rate, rule, inclusive):
    tax_rate = TaxRate("VAT", rate, inclusive, rule)
    data = tax_rate.to_dict()
    assert isinstance(data["rate"], str)
    assert TaxRate.from_dict(data) == tax_rate
    with pytest.raises(TypeError):
        TaxRate.from_dict({**data, "rate": float(rate)})
