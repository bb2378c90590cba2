"""Journal refunds are bound to sales the hub booked (issue 11, item 1), on both backends: a refund names a booked,
unvoided sale of the same terminal (or, by policy, of the same merchant) and never gives back more of a tender than
that sale took minus earlier refunds. Anything else is declined: stored, no money moves."""

from __future__ import annotations

from pathlib import Path

from hubkit import Terminal, refund, sale, tender, unique, void

from hub.store import Store
from sync.protocol import AuthRequest, AuthResponse, TenderKind


def enrolled(store: Store, tmp_path: Path, merchant_id: str | None = None) -> Terminal:
    return Terminal.create(tmp_path, merchant_id=merchant_id).enrol(store)


def statuses(store: Store, term: Terminal, *records) -> list[tuple[str, str | None]]:
    answer = store.ingest_records(term.id, list(records))
    return [(str(r.status), r.code) for r in answer.results]


def refunds_booked(store: Store, term: Terminal) -> int:
    return store.balances().get((f"merchant:{term.merchant_id}:refunds", "CNY"), 0)


def test_refund_of_a_sale_the_hub_never_saw_is_declined(store: Store, terminal: Terminal) -> None:
    """The attack: a card refund of 10^12 for a sale that does not exist took the merchant's net to -10^12."""
    bogus = terminal.append("refund.completed", refund(unique("sale"), [tender("card_contact", 10**12)]))
    assert statuses(store, terminal, bogus) == [("declined", "unknown_sale")]
    assert refunds_booked(store, terminal) == 0


def test_refunds_never_exceed_what_the_sale_took_per_tender(store: Store, terminal: Terminal) -> None:
    cash = sale([tender("cash", 3000)])
    card = sale([tender("card_contact", 1000, reference="OFFLINE-1")])
    assert statuses(store, terminal, terminal.append("sale.completed", cash),
                    terminal.append("sale.completed", card)) == [("accepted", None)] * 2
    too_much = terminal.append("refund.completed", refund(cash["sale_id"], [tender("cash", 5000)]))
    wrong_way = terminal.append("refund.completed", refund(cash["sale_id"], [tender("card_contact", 100)]))
    assert statuses(store, terminal, too_much, wrong_way) == [("declined", "refund_exceeds_sale")] * 2
    part = terminal.append("refund.completed", refund(cash["sale_id"], [tender("cash", 2000)]))
    rest_and_more = terminal.append("refund.completed", refund(cash["sale_id"], [tender("cash", 1001)]))
    rest = terminal.append("refund.completed", refund(cash["sale_id"], [tender("cash", 1000)]))
    card_back = terminal.append("refund.completed", refund(card["sale_id"], [tender("card_contact", 1000,
                                                                                   reference="OFFLINE-1")]))
    assert statuses(store, terminal, part, rest_and_more, rest, card_back) == [
        ("accepted", None), ("declined", "refund_exceeds_sale"), ("accepted", None), ("accepted", None)]
    assert refunds_booked(store, terminal) == 4000


def test_a_sale_and_its_refunds_in_one_batch_are_capped_together(store: Store, terminal: Terminal) -> None:
    cash = sale([tender("cash", 700)])
    records = [terminal.append("sale.completed", cash),
               terminal.append("refund.completed", refund(cash["sale_id"], [tender("cash", 400)])),
               terminal.append("refund.completed", refund(cash["sale_id"], [tender("cash", 400)]))]
    assert statuses(store, terminal, *records) == [("accepted", None), ("accepted", None),
                                                   ("declined", "refund_exceeds_sale")]


def test_another_terminals_sale_or_hold_cannot_be_refunded(store: Store, terminal: Terminal, tmp_path: Path) -> None:
    """Terminal B refunded 5,000 having sold 3,000, and a reference to terminal A's hold was booked as an unlinked
    refund; both are declined, by default also within one merchant."""
    other = enrolled(store, tmp_path, merchant_id=terminal.merchant_id)
    sale_id = unique("sale")
    hold = store.authorise(terminal.id, AuthRequest(auth_id=unique("auth"), sale_id=sale_id,
                                                    tender=TenderKind.CARD_CONTACTLESS,
                                                    amount={"amount": 5000, "currency": "CNY"})).model(AuthResponse)
    own_sale = sale([tender("card_contactless", 5000, reference=hold.auth_id)], sale_id=sale_id)
    assert statuses(store, terminal, terminal.append("sale.completed", own_sale)) == [("accepted", None)]
    small = sale([tender("cash", 3000)])
    assert statuses(store, other, other.append("sale.completed", small)) == [("accepted", None)]
    foreign_hold = other.append("refund.completed", refund(small["sale_id"], [
        tender("card_contactless", 2000, reference=hold.auth_id)]))
    foreign_sale = other.append("refund.completed", refund(sale_id, [tender("card_contactless", 5000,
                                                                            reference=hold.auth_id)]))
    assert statuses(store, other, foreign_hold, foreign_sale) == [("declined", "unknown_auth"),
                                                                 ("declined", "unknown_sale")]
    assert refunds_booked(store, terminal) == 0


def test_merchant_policy_lets_a_store_terminal_refund_a_sibling_sale(store: Store, terminal: Terminal,
                                                                     tmp_path: Path) -> None:
    desk = enrolled(store, tmp_path, merchant_id=terminal.merchant_id)
    stranger = enrolled(store, tmp_path)
    sold = sale([tender("cash", 3000)])
    assert statuses(store, terminal, terminal.append("sale.completed", sold)) == [("accepted", None)]
    store.refund_scope = "merchant"
    try:
        assert statuses(store, stranger, stranger.append("refund.completed", refund(
            sold["sale_id"], [tender("cash", 100)]))) == [("declined", "unknown_sale")]
        assert statuses(store, desk, desk.append("refund.completed", refund(sold["sale_id"], [tender("cash", 2500)])),
                        desk.append("refund.completed", refund(sold["sale_id"], [tender("cash", 600)]))) == [
            ("accepted", None), ("declined", "refund_exceeds_sale")]
        assert statuses(store, terminal, terminal.append("refund.completed", refund(
            sold["sale_id"], [tender("cash", 600)]))) == [("declined", "refund_exceeds_sale")]
        sale_id = unique("sale")
        hold = store.authorise(terminal.id, AuthRequest(auth_id=unique("auth"), sale_id=sale_id,
                                                        tender=TenderKind.CARD_CONTACTLESS,
                                                        amount={"amount": 3000, "currency": "CNY"})).model(AuthResponse)
        card = sale([tender("card_contactless", 3000, reference=hold.auth_id)], sale_id=sale_id)
        assert statuses(store, terminal, terminal.append("sale.completed", card)) == [("accepted", None)]
        back = [desk.append("refund.completed", refund(sale_id, [tender("card_contactless", amount,
                                                                        reference=hold.auth_id)]))
                for amount in (2000, 1500)]
        assert statuses(store, desk, *back) == [("accepted", None), ("declined", "refund_exceeds_capture")]
    finally:
        store.refund_scope = "terminal"
    assert refunds_booked(store, terminal) == 4500


def test_voided_sales_cannot_be_refunded_and_refunded_sales_cannot_be_voided(store: Store,
                                                                              terminal: Terminal) -> None:
    voided, refunded = sale([tender("cash", 900)]), sale([tender("cash", 800)])
    records = [terminal.append("sale.completed", voided), terminal.append("sale.voided", void(voided["sale_id"])),
               terminal.append("refund.completed", refund(voided["sale_id"], [tender("cash", 900)])),
               terminal.append("sale.completed", refunded),
               terminal.append("refund.completed", refund(refunded["sale_id"], [tender("cash", 300)])),
               terminal.append("sale.voided", void(refunded["sale_id"]))]
    assert [s for s in statuses(store, terminal, *records)] == [
        ("accepted", None), ("accepted", None), ("declined", "sale_voided"), ("accepted", None), ("accepted", None),
        ("declined", "has_refunds")]
    m = terminal.merchant_id
    assert store.balances()[(f"merchant:{m}:cash", "CNY")] == 500
