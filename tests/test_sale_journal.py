"""A sale, its refund and a void travel through the real journal and come back equal: the domain's records are
exactly what the journal accepts (canonical JSON, no floats, no card number in clear)."""

from __future__ import annotations

from datetime import timedelta

from domain.domain_builders import NOW, card, cash, example_cart, paid_sale

from sync.journal import Journal
from terminal.domain import Money, Receipt, Refund, Sale, Void


def test_sale_refund_and_void_round_trip_through_the_journal(tmp_path, keystore):
    sale = Sale.from_cart(example_cart(), terminal_id="T-0001", created_at=NOW)
    sale.add_tender(card(sale.total))
    sale.complete(NOW)
    back = Money.total((line.amount for line in sale.quote_refund({1: 1})), sale.currency)
    refund = sale.refund(lines={1: 1}, tenders=[cash(back)], reason="damaged", approver_id="SUP-7",
                         at=NOW + timedelta(minutes=5))
    other = paid_sale()
    other.void(reason="wrong basket", approver_id="SUP-7", at=NOW + timedelta(minutes=6))
    path = tmp_path / "j.db"
    with Journal.create(path, keystore) as journal:
        journal.append("sale.completed", sale.to_dict(), {"last4": "4242"})
        journal.append("refund.completed", refund.to_dict())
        journal.append("sale.completed", other.to_dict())
        journal.append("sale.voided", other.void_record.to_dict())
        journal.append("receipt.printed", Receipt.for_sale(sale).to_dict())

    with Journal.open(path, keystore) as journal:
        stored_sale, stored_refund, _, stored_void, stored_receipt = journal.records()
    assert Sale.from_dict(stored_sale.payload) == Sale.from_dict(sale.to_dict())
    assert Refund.from_dict(stored_refund.payload) == refund
    assert Void.from_dict(stored_void.payload) == other.void_record
    assert Receipt.from_dict(stored_receipt.payload) == Receipt.for_sale(sale)
    assert stored_refund.payload["sale_id"] == stored_sale.payload["sale_id"]  # a refund names its original sale
