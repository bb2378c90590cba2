"""Shared examples and hypothesis strategies for the domain tests (imported by name: pytest puts this folder on
sys.path)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from terminal.domain import CURRENCIES, Cart, Discount, Money, Rounding, Sale, TaxRate, Tender, TenderKind

NOW = datetime(2025, 11, 25, 10, 40, 5, 123456, tzinfo=UTC)
VAT13_INCL = TaxRate("VAT13", Decimal("0.13"), inclusive=True)
VAT9_EXCL = TaxRate("VAT9", Decimal("0.09"), inclusive=False)
RATES = (
    VAT13_INCL,
    VAT9_EXCL,
    TaxRate("VAT6", Decimal("0.06"), inclusive=True, rounding=Rounding.HALF_EVEN),
    TaxRate("ZERO", Decimal("0"), inclusive=True),
    TaxRate("ST", Decimal("0.08875"), inclusive=False),
    TaxRate("GST", Decimal("0.07"), inclusive=False, rounding=Rounding.DOWN),
)
# within 2**63 with room for sums and products: a till never sees more than 10**12 minor units on one line
AMOUNT_LIMIT = 10**12


def cny(text: str) -> Money:
    return Money.parse(text, "CNY")


def example_cart() -> Cart:
    """Tea 2 x 3.50 (13% incl., 10% off), bread 12.00 (9% excl.), CNY 1.00 off the cart. Total 18.32."""
    cart = Cart("CNY")
    cart.add("6901", "Green tea 500ml", cny("3.50"), VAT13_INCL, quantity=2, discount=Discount.percent(10))
    cart.add("6902", "Bread", cny("12.00"), VAT9_EXCL)
    cart.set_discount(Discount.fixed(cny("1.00")))
    return cart


def card(amount: Money, last4: str = "4242", kind: TenderKind = TenderKind.CARD_CONTACTLESS) -> Tender:
    return Tender(kind, amount, reference="AUTH-000123", card_last4=last4)


def cash(amount: Money) -> Tender:
    return Tender(TenderKind.CASH, amount)


def paid_sale(cart: Cart | None = None, *tenders: Tender) -> Sale:
    """A completed sale of `cart` (the example cart by default), paid in cash unless tenders are given."""
    sale = Sale.from_cart(cart or example_cart(), terminal_id="T-0001", created_at=NOW)
    for tender in tenders or ((cash(sale.total),) if sale.total.is_positive else ()):
        sale.add_tender(tender)
    sale.complete(NOW)
    return sale


def json_leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str)
            yield from json_leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_leaves(item)
    else:
        yield value


def assert_plain_json(payload: dict[str, Any]) -> None:
    """Only the types the journal's canonical JSON accepts: no floats, no tuples, no Decimals, no datetimes."""
    for leaf in json_leaves(payload):
        assert leaf is None or type(leaf) in (str, int, bool), f"{leaf!r} is not a plain JSON value"
    assert json.loads(json.dumps(payload)) == payload


# -- strategies ------------------------------------------------------------------------------------------------------

currencies = st.sampled_from(sorted(CURRENCIES))
roundings = st.sampled_from(list(Rounding))
rates = st.decimals(min_value=0, max_value=1, places=5)


def money(currency: str, min_value: int = -AMOUNT_LIMIT, max_value: int = AMOUNT_LIMIT) -> st.SearchStrategy[Money]:
    return st.integers(min_value, max_value).map(lambda n: Money(n, currency))


def discounts(currency: str) -> st.SearchStrategy[Discount | None]:
    return st.one_of(
        st.none(),
        st.decimals(min_value=Decimal("0.01"), max_value=100, places=2).map(Discount.percent),
        money(currency, 1, 500_000).map(Discount.fixed),
    )


@st.composite
def carts(draw: st.DrawFn, currency: str | None = None) -> Cart:
    code = currency or draw(currencies)
    cart = Cart(code)
    for i in range(draw(st.integers(1, 6))):
        cart.add(
            f"SKU{i}",
            f"Item {i}",
            draw(money(code, 0, 200_000)),
            draw(st.sampled_from(RATES)),
            quantity=draw(st.integers(1, 20)),
            discount=draw(discounts(code)),
        )
    cart.set_discount(draw(discounts(code)))
    return cart


@st.composite
def paid_sales(draw: st.DrawFn) -> Sale:
    """Sales paid by up to two non-cash tenders, then cash for the rest (sometimes with change)."""
    sale = Sale.from_cart(draw(carts()), terminal_id="T-0001", created_at=NOW)
    for i in range(draw(st.integers(0, 2))):
        if sale.remaining.is_zero:
            break
        amount = draw(st.integers(1, sale.remaining.amount))
        kind = draw(st.sampled_from([k for k in TenderKind if k is not TenderKind.CASH]))
        last4 = draw(st.one_of(st.none(), st.integers(0, 9999).map("{:04d}".format)))
        sale.add_tender(Tender(kind, Money(amount, sale.currency), f"REF{i}", last4))
    if sale.remaining.is_positive:
        sale.add_tender(cash(sale.remaining + Money(draw(st.integers(0, 10_000)), sale.currency)))
    sale.complete(NOW)
    return sale
