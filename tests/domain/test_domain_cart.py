from __future__ import annotations

from decimal import Decimal

import pytest
from domain_builders import VAT9_EXCL, VAT13_INCL, carts, cny, example_cart
from hypothesis import given

from terminal.domain import (
    Cart,
    CartError,
    CurrencyMismatch,
    Discount,
    InvalidAmount,
    InvalidValue,
    Money,
    TaxRate,
    UnknownCurrency,
)
from terminal.domain.cart import price_lines


def test_example_cart_prices_every_step():
    tea, bread = example_cart().priced_lines()
    # tea: 2 x 3.50 = 7.00, 10% off = 0.70 -> 6.30; bread 12.00. Cart 1.00 off shared 630:1200 -> 0.34 + 0.66
    assert (tea.extended, tea.line_discount, tea.cart_discount) == (cny("7.00"), cny("0.70"), cny("0.34"))
    assert (tea.net, tea.tax, tea.gross) == (cny("5.27"), cny("0.69"), cny("5.96"))  # 13% included in 5.96
    assert (bread.extended, bread.line_discount, bread.cart_discount) == (cny("12.00"), cny("0.00"), cny("0.66"))
    assert (bread.net, bread.tax, bread.gross) == (cny("11.34"), cny("1.02"), cny("12.36"))  # 9% on top of 11.34


def test_example_cart_totals():
    totals = example_cart().totals()
    assert totals.subtotal == cny("19.00")
    assert totals.discount == cny("1.70")
    assert totals.tax == cny("1.71")
    assert totals.net == cny("16.61")
    assert totals.total == cny("18.32")
    assert [(t.rate.code, t.tax) for t in totals.taxes] == [("VAT13", cny("0.69")), ("VAT9", cny("1.02"))]


def test_lines_keep_their_numbers_through_edits():
    cart = Cart("CNY")
    a = cart.add("A", "Apple", cny("1.00"), VAT13_INCL)
    b = cart.add("B", "Banana", cny("2.00"), VAT13_INCL, quantity=3)
    cart.remove(a.line_no)
    c = cart.add("C", "Cherry", cny("3.00"), VAT13_INCL)
    assert [line.line_no for line in cart.lines] == [2, 3] == [b.line_no, c.line_no]
    assert cart.set_quantity(2, 5).quantity == 5
    assert cart.totals().total == cny("13.00")
    with pytest.raises(CartError, match="Line 1 is not in the cart"):
        cart.set_quantity(1, 2)
    with pytest.raises(CartError):
        cart.remove(1)


def test_cart_refuses_another_currency():
    cart = Cart("CNY")
    with pytest.raises(CurrencyMismatch, match="This cart is in CNY"):
        cart.add("A", "Apple", Money(100, "USD"), VAT13_INCL)
    with pytest.raises(CurrencyMismatch):
        cart.set_discount(Discount.fixed(Money(100, "HKD")))
    cart.add("A", "Apple", cny("1.00"), VAT13_INCL)
    with pytest.raises(CurrencyMismatch):
        cart.set_line_discount(1, Discount.fixed(Money(100, "HKD")))
    with pytest.raises(UnknownCurrency):
        Cart("ABC")


def test_cart_refuses_bad_lines():
    cart = Cart("CNY")
    with pytest.raises(InvalidAmount, match="at least 1"):
        cart.add("A", "Apple", cny("1.00"), VAT13_INCL, quantity=0)
    with pytest.raises(TypeError):
        cart.add("A", "Apple", cny("1.00"), VAT13_INCL, quantity=1.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount, match="cannot be negative"):
        cart.add("A", "Apple", cny("-1.00"), VAT13_INCL)
    with pytest.raises(InvalidValue):
        cart.add("", "Apple", cny("1.00"), VAT13_INCL)
    cart.add("A", "Apple", cny("1.00"), VAT13_INCL)
    with pytest.raises(InvalidAmount):
        cart.set_quantity(1, 0)
    assert len(cart.lines) == 1 and cart.lines[0].quantity == 1


def test_one_tax_code_means_one_rate():
    cart = Cart("CNY")
    cart.add("A", "Apple", cny("1.00"), VAT13_INCL)
    with pytest.raises(CartError, match="VAT13"):
        cart.add("B", "Banana", cny("1.00"), TaxRate("VAT13", Decimal("0.13"), inclusive=False))


def test_line_discounts():
    cart = Cart("CNY")
    cart.add("A", "Apple", cny("10.00"), VAT13_INCL, quantity=3, discount=Discount.percent(Decimal("12.5")))
    cart.add("B", "Banana", cny("2.00"), VAT13_INCL, discount=Discount.fixed(cny("5.00")))  # more than the line
    apple, banana = cart.priced_lines()
    assert apple.line_discount == cny("3.75") and apple.gross == cny("26.25")
    assert banana.line_discount == cny("2.00") and banana.gross == cny("0.00")  # free, never negative
    cart.set_line_discount(1, None)
    assert cart.totals().total == cny("30.00")


def test_cart_discount_is_shared_without_losing_a_cent():
    cart = Cart("CNY")
    for sku in "ABC":
        cart.add(sku, f"Item {sku}", cny("10.00"), VAT13_INCL)
    cart.set_discount(Discount.fixed(cny("1.00")))
    assert [line.cart_discount.amount for line in cart.priced_lines()] == [34, 33, 33]
    assert cart.totals().total == cny("29.00")
    cart.set_discount(Discount.fixed(cny("100.00")))  # more than the cart: everything free, nothing negative
    assert cart.totals().total == cny("0.00")
    assert all(line.gross.is_zero for line in cart.priced_lines())
    cart.set_discount(None)
    assert cart.totals().total == cny("30.00")


def test_a_free_cart_takes_no_discount():
    cart = Cart("CNY")
    cart.add("G", "Gift", cny("0.00"), VAT13_INCL)
    cart.set_discount(Discount.percent(50))
    assert cart.totals().total == cny("0.00") and cart.totals().discount == cny("0.00")


@pytest.mark.parametrize(
    "make",
    [
        lambda: Discount.percent(0),
        lambda: Discount.percent(101),
        lambda: Discount.percent(Decimal("-5")),
        lambda: Discount.fixed(cny("0.00")),
        lambda: Discount.fixed(cny("-1.00")),
        lambda: Discount(),
        lambda: Discount(rate=Decimal("0.1"), amount=cny("1.00")),
    ],
)
def test_discount_must_be_one_positive_thing(make):
    with pytest.raises(InvalidAmount):
        make()


def test_discount_types_and_descriptions():
    with pytest.raises(TypeError):
        Discount.percent(10.0)  # type: ignore[arg-type]
    assert Discount.percent(10).describe() == "10% off"
    assert Discount.percent(Decimal("12.5")).describe() == "12.5% off"
    assert Discount.fixed(cny("5.00")).describe() == "CNY 5.00 off"
    for discount in (Discount.percent(Decimal("12.5")), Discount.fixed(cny("5.00"))):
        assert Discount.from_dict(discount.to_dict()) == discount


def test_cart_is_empty_until_a_line_is_added():
    cart = Cart("JPY")
    assert cart.is_empty and cart.totals().total == Money(0, "JPY")
    cart.add("A", "Onigiri", Money(150, "JPY"), TaxRate("JCT8", Decimal("0.08"), inclusive=True), quantity=2)
    assert not cart.is_empty and cart.totals().total == Money(300, "JPY")


# -- properties ------------------------------------------------------------------------------------------------------


@given(carts())
def test_totals_are_the_sums_of_the_lines(cart):
    lines = cart.priced_lines()
    totals = cart.totals()
    code = cart.currency
    assert totals.subtotal == Money.total((line.extended for line in lines), code)
    assert totals.discount == Money.total((line.discount for line in lines), code)
    assert totals.total == Money.total((line.gross for line in lines), code)
    assert totals.net + totals.tax == totals.total
    assert Money.total((t.gross for t in totals.taxes), code) == totals.total
    assert Money.total((t.tax for t in totals.taxes), code) == totals.tax
    added_tax = Money.total((t.tax for t in totals.taxes if not t.rate.inclusive), code)
    assert totals.subtotal - totals.discount + added_tax == totals.total


@given(carts())
def test_discounts_never_make_a_line_negative(cart):
    for line in cart.priced_lines():
        assert not line.line_discount.is_negative and not line.cart_discount.is_negative
        assert line.discount <= line.extended
        assert not line.net.is_negative and not line.tax.is_negative and not line.gross.is_negative
        assert line.extended - line.discount == line.amount


@given(carts())
def test_cart_discount_is_shared_exactly_and_in_proportion(cart):
    lines = cart.priced_lines()
    after_line = [line.extended - line.line_discount for line in lines]
    base = Money.total(after_line, cart.currency)
    expected = cart.discount.amount_off(base) if cart.discount else Money.zero(cart.currency)
    shares = [line.cart_discount for line in lines]
    assert Money.total(shares, cart.currency) == expected  # nothing lost, nothing invented
    for share, after in zip(shares, after_line, strict=True):
        assert share <= after
        if base.is_positive:  # within one minor unit of the exact proportional share
            assert abs(share.amount * base.amount - expected.amount * after.amount) < base.amount


@given(carts())
def test_pricing_is_deterministic(cart):
    assert cart.priced_lines() == tuple(price_lines(cart.lines, cart.discount, cart.currency))
    assert cart.totals() == cart.totals()


def test_bread_line_of_the_example_uses_exclusive_tax():
    bread = example_cart().priced_lines()[1]
    assert bread.tax_rate is VAT9_EXCL and bread.amount == bread.net
