from __future__ import annotations

import json
import re
import unicodedata
from datetime import timedelta, timezone

import pytest
from domain_builders import NOW, VAT13_INCL, assert_plain_json, card, cash, cny, example_cart, paid_sale, paid_sales
from hypothesis import given
from hypothesis import strategies as st

from terminal.domain import (
    Cart,
    Receipt,
    ReceiptKind,
    RecordError,
    Sale,
    SaleStateError,
    Tender,
    TenderKind,
)

GOLDEN_SALE = """\
            EDGEPOS DEMO SHOP
                   SALE
Time               2025-11-25 10:40:05 UTC
Terminal                            T-0001
Sale                                S-0001
------------------------------------------
Green tea 500ml
  2 x 3.50                            5.96
  Discount                           -1.04
Bread
  1 x 12.00                          11.34
  Discount                           -0.66
------------------------------------------
Subtotal                             19.00
Discount                             -1.70
incl. VAT13 13%                       0.69
VAT9 9%                               1.02
TOTAL CNY                            18.32
------------------------------------------
Card contactless **** 4242           10.00
  Ref                          AUTH-000123
Cash                                 10.00
Change                                1.68
"""


def example_sale() -> Sale:
    sale = Sale.from_cart(example_cart(), terminal_id="T-0001", created_at=NOW, sale_id="S-0001")
    sale.add_tender(card(cny("10.00")))
    sale.add_tender(cash(cny("10.00")))
    sale.complete(NOW)
    return sale


def columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_sale_receipt_text():
    receipt = Receipt.for_sale(example_sale(), header=["EDGEPOS DEMO SHOP"])
    assert receipt.render_text() == GOLDEN_SALE


def test_sale_receipt_data():
    receipt = Receipt.for_sale(example_sale())
    assert receipt.kind is ReceiptKind.SALE and receipt.document_id == receipt.sale_id == "S-0001"
    assert [(x.name, x.quantity, x.amount) for x in receipt.lines] == [
        ("Green tea 500ml", 2, cny("5.96")),
        ("Bread", 1, cny("11.34")),
    ]
    assert (receipt.subtotal, receipt.discount, receipt.total, receipt.change) == (
        cny("19.00"),
        cny("1.70"),
        cny("18.32"),
        cny("1.68"),
    )
    assert [(t.card, t.amount) for t in receipt.tenders] == [("**** 4242", cny("10.00")), (None, cny("10.00"))]


def test_no_receipt_for_an_unpaid_sale():
    sale = Sale.from_cart(example_cart(), terminal_id="T-0001", created_at=NOW)
    with pytest.raises(SaleStateError):
        Receipt.for_sale(sale)
    with pytest.raises(SaleStateError):
        Receipt.for_void(sale)


def test_refund_receipt():
    sale = example_sale()
    refund = sale.refund(
        lines={1: 1}, tenders=[card(cny("2.98"))], reason="Damaged bottle", approver_id="M-1", at=NOW, refund_id="R-1"
    )
    receipt = Receipt.for_refund(sale, refund)
    assert receipt.kind is ReceiptKind.REFUND and receipt.document_id == "R-1" and receipt.sale_id == "S-0001"
    assert receipt.total == cny("2.98") and receipt.change == cny("0.00")
    assert receipt.subtotal - receipt.discount == receipt.total  # tax included: nothing added on top
    text = receipt.render_text(width=32)
    assert "REFUND" in text and "REFUND TOTAL CNY" in text and "Reason: Damaged bottle" in text
    assert "Refund                       R-1" in text
    with pytest.raises(RecordError):
        Receipt.for_refund(paid_sale(), refund)


def test_void_receipt_lists_the_payments_to_reverse():
    sale = example_sale()
    sale.void(reason="Wrong customer", approver_id="M-7", at=NOW + timedelta(minutes=2), void_id="V-1")
    receipt = Receipt.for_void(sale)
    assert receipt.kind is ReceiptKind.VOID and receipt.document_id == "V-1" and receipt.reason == "Wrong customer"
    assert receipt.issued_at == NOW + timedelta(minutes=2)
    text = receipt.render_text()
    assert "VOID" in text and "Payments to reverse:" in text and "**** 4242" in text


def test_times_print_in_the_shop_time_zone():
    text = Receipt.for_sale(example_sale()).render_text(tz=timezone(timedelta(hours=8), "CST"))
    assert "2025-11-25 18:40:05 CST" in text


def test_long_and_wide_names_fit_the_paper():
    cart = Cart("CNY")
    cart.add("1", "农夫山泉天然饮用水550毫升装整箱特惠二十四瓶", cny("29.90"), VAT13_INCL)
    cart.add("2", "An extraordinarily long product name that no printer could ever fit", cny("1.00"), VAT13_INCL)
    cart.add("3", "Supercalifragilisticexpialidocious-and-then-some", cny("1.00"), VAT13_INCL)
    sale = paid_sale(cart, Tender(TenderKind.QR_CUSTOMER, cny("31.90"), reference="4200001234567890123456789"))
    for width in (24, 32, 42, 48):
        text = Receipt.for_sale(sale, header=["店铺 " * 20]).render_text(width=width)
        assert all(columns(line) <= width for line in text.splitlines()), text
        assert "农夫山泉" in text


def test_too_narrow_paper_is_refused():
    with pytest.raises(ValueError):
        Receipt.for_sale(example_sale()).render_text(width=20)


def test_receipt_round_trips_and_refuses_an_unmasked_card():
    receipt = Receipt.for_sale(example_sale(), header=["EDGEPOS DEMO SHOP", "1 Harbour Road"])
    payload = receipt.to_dict()
    assert_plain_json(payload)
    assert Receipt.from_dict(json.loads(json.dumps(payload))) == receipt
    tenders = [{**payload["tenders"][0], "card": "4242424242424242"}, payload["tenders"][1]]
    with pytest.raises(RecordError, match="masked"):
        Receipt.from_dict({**payload, "tenders": tenders})


# -- properties ------------------------------------------------------------------------------------------------------

LONG_DIGIT_RUN = re.compile(r"[0-9]{12,}")


@given(paid_sales(), st.sampled_from([32, 42, 48]))
def test_any_receipt_fits_adds_up_and_shows_no_card_number(sale, width):
    receipt = Receipt.for_sale(sale)
    text = receipt.render_text(width=width)
    assert all(columns(line) <= width for line in text.splitlines())
    assert not LONG_DIGIT_RUN.search(text.replace(sale.sale_id, ""))  # only ever 4 card digits (amounts < 12 digits)
    for tender in sale.tenders:
        if tender.card_last4:
            assert f"**** {tender.card_last4}" in text
    assert receipt.total == sale.total and receipt.change == sale.change_due
    assert sum(t.amount.amount for t in receipt.tenders) - receipt.change.amount == receipt.total.amount
    assert sum(x.amount.amount for x in receipt.lines) == receipt.subtotal.amount - receipt.discount.amount
    payload = receipt.to_dict()
    assert_plain_json(payload)
    assert Receipt.from_dict(json.loads(json.dumps(payload))) == receipt
