"""The terminal's domain Receipt, adapted (duck-typed) into the printer's document, printed and decoded back."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from drivers.printer.adapt import document_from_receipt
from drivers.printer.layout import MM58, MM80, encode_receipt
from drivers.printer.preview import decode
from terminal.domain import Cart, Money, Sale, TaxRate, Tender, TenderKind
from terminal.domain.receipt import Receipt

VAT13 = TaxRate("VAT13", Decimal("0.13"), inclusive=True)


def _receipt() -> Receipt:
    cart = Cart("CNY")
    cart.add("6920152400777", "可口可乐 330ml", Money(350, "CNY"), VAT13, quantity=2)
    cart.add("4006381333931", "Notebook A5", Money(1290, "CNY"), VAT13)
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    sale = Sale.from_cart(cart, terminal_id="T-0001", created_at=now, sale_id="S-42")
    sale.add_tender(Tender(TenderKind.CARD_CONTACT, Money(1000, "CNY"), reference="A1", card_last4="4242"))
    sale.add_tender(Tender(TenderKind.CASH, Money(2000, "CNY")))
    sale.complete(now)
    return Receipt.for_sale(sale, header=("Corner Shop",))


def test_domain_receipt_prints_with_the_same_facts_as_its_text() -> None:
    receipt = _receipt()
    doc = document_from_receipt(receipt, qr_link="https://einvoice.example.cn/i/S-42")
    for paper in (MM58, MM80):
        text = decode(encode_receipt(doc, paper)).text
        for fact in ("Corner Shop", "可口可乐 330ml", "Notebook A5", "**** 4242", "S-42", "VAT13 13% incl.",
                     f"CNY {receipt.total.major_text()}", receipt.change.major_text()):
            assert fact in text, (paper, fact)
    assert receipt.change.amount > 0 and doc.change == receipt.change.amount
