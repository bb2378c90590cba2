"""Refunds and voids on real parts: the signed journal, the sales index, operators with hashed PINs, the EMV kernel
over the card emulator, the ESC/POS printer, and a real hub process over HTTP (through a fault proxy for outages)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from checkout_support import VAT, JournalFailingOn, cny, records, types
from faultproxy import Fault, FaultProxy
from test_sales_index import Clock, sell

from terminal.checkout import (
    AfterSale,
    CheckoutError,
    InvalidTransition,
    NotAllowed,
    RefundRefused,
    SaleIndex,
    SaleNotFound,
    VoidRefused,
)
from terminal.demo.rig import build_till
from terminal.domain import Refund, TenderKind

T0 = datetime(2025, 11, 25, 9, 0, tzinfo=UTC)
SUP = {"approver_id": "S-001", "approver_pin": "2468"}


def aftersale(till) -> AfterSale:
    index = SaleIndex.open(till.journal)
    till._closers.append(index.close)
    return AfterSale(till.checkout, index)


def refunds(till) -> list[Refund]:
    return [Refund.from_dict(r.payload) for r in records(till) if r.type == "refund.completed"]


def paid_back(refund: Refund) -> list[tuple[str, int]]:
    return [(str(t.kind), t.amount.amount) for t in refund.tenders]


def hub_day(hub, till, day: str) -> dict:
    [total] = hub.admin("GET", f"/v1/admin/settlement?day={day}&terminal={till.keystore.terminal_id}")
    return total


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def local_till(tmp_path, clock):
    made = build_till(tmp_path / "till", terminal_id="T-AS-1", clock=clock)
    yield made
    made.close()


def three_and_one(till) -> str:
    """Line 1: 3 x 10.00, line 2: 1 x 5.00; paid 50.00 cash (15.00 change)."""
    co = till.checkout
    co.start_sale()
    co.add_item("TEA", "Tea", cny("10.00"), VAT, quantity=3)
    co.add_item("CUP", "Cup", cny("5.00"), VAT)
    co.checkout()
    out = co.pay_cash(cny("50.00"))
    assert out.change_minor == 1500
    return out.sale_id


def test_partial_then_whole_refund_never_more_than_paid(local_till):
    after, sale_id = aftersale(local_till), three_and_one(local_till)
    quote = after.quote_refund(sale_id, {1: 1})
    assert quote.total == cny("10.00") and paid_back_quote(quote) == [("cash", 1000)]
    out = after.refund(sale_id, {1: 1}, reason="damaged", **SUP)
    assert out.ok and out.change_minor == 1000 and out.receipt_printed
    assert out.sentence == "Refunded CNY 10.00. Give back CNY 10.00 cash."
    assert types(local_till)[-4:] == ["audit.privileged", "refund.completed", "receipt.printed", "drawer.opened"]
    with pytest.raises(RefundRefused, match="Only 2 of Tea can still be refunded"):
        after.quote_refund(sale_id, {1: 3})
    with pytest.raises(RefundRefused, match="Line 9 is not on this sale"):
        after.quote_refund(sale_id, {9: 1})
    with pytest.raises(RefundRefused, match="at least one item"):
        after.refund(sale_id, {}, reason="x", **SUP)
    rest = after.refund(sale_id, {1: 2, 2: 1}, reason="changed mind", **SUP)
    assert rest.change_minor == 2500
    with pytest.raises(RefundRefused, match="already been refunded in full"):
        after.refund(sale_id, {2: 1}, reason="again", **SUP)
    done = refunds(local_till)
    assert [r.total.amount for r in done] == [1000, 2500]
    assert sum(r.total.amount for r in done) == 3500  # exactly what was paid: 50.00 taken, 15.00 change
    assert all(r.approver_id == "S-001" and r.terminal_id == "T-AS-1" for r in done)
    summary = after.index.search()[0]
    assert summary.status == "refunded" and summary.refunded == cny("35.00")
    assert after.index.find(sale_id).refunded_total == cny("35.00")


def paid_back_quote(quote) -> list[tuple[str, int]]:
    return [(str(t.kind), t.amount.amount) for t in quote.tenders]


def test_cashier_needs_a_supervisor_and_a_wrong_pin_refunds_nothing(local_till, tmp_path, clock):
    after, sale_id = aftersale(local_till), sell(local_till, "20.00", cash="20.00")
    with pytest.raises(NotAllowed, match="supervisor must approve"):
        after.refund(sale_id, {1: 1}, reason="damaged")
    with pytest.raises(NotAllowed, match="Wrong PIN"):
        after.refund(sale_id, {1: 1}, reason="damaged", approver_id="S-001", approver_pin="0000")
    with pytest.raises(NotAllowed, match="cannot approve"):
        after.refund(sale_id, {1: 1}, reason="damaged", approver_id="C-001", approver_pin="1357")
    with pytest.raises(NotAllowed):
        after.void(sale_id, reason="wrong basket")
    assert "refund.completed" not in types(local_till) and "sale.voided" not in types(local_till)
    assert after.index.find(sale_id).refunded_total == cny("0")
    assert after.refund(sale_id, {1: 1}, reason="damaged", approver_id="M-001", approver_pin="9999").ok
    audit = [r.payload for r in records(local_till) if r.type == "audit.privileged"]
    assert audit[-1]["approved_by"] == "M-001" and audit[-1]["details"]["sale_id"] == sale_id

    sup_till = build_till(tmp_path / "sup", terminal_id="T-AS-SUP", clock=clock, operator_id="S-001")
    try:  # a supervisor at the till approves their own refund
        own = AfterSale(sup_till.checkout, SaleIndex.open(sup_till.journal))
        sold = sell(sup_till, "8.00", cash="10.00")
        assert own.refund(sold, {1: 1}, reason="wrong size").ok
        assert refunds(sup_till)[0].approver_id == "S-001"
        own.index.close()
    finally:
        sup_till.close()


def test_refusals_while_a_sale_is_open_and_for_unknown_sales(local_till):
    after, sale_id = aftersale(local_till), sell(local_till, "20.00", cash="20.00")
    local_till.checkout.start_sale()
    with pytest.raises(InvalidTransition, match="Finish or cancel the open sale first"):
        after.refund(sale_id, {1: 1}, reason="damaged", **SUP)
    with pytest.raises(InvalidTransition):
        after.void(sale_id, reason="wrong", **SUP)
    local_till.checkout.cancel()
    with pytest.raises(SaleNotFound, match="No completed sale"):
        after.refund("not-a-sale", {1: 1}, reason="damaged", **SUP)
    with pytest.raises(RefundRefused, match="reason"):
        after.refund(sale_id, {1: 1}, reason="  ", **SUP)


def test_void_same_day_once_not_after_a_refund_and_not_on_a_later_day(local_till, clock):
    after = aftersale(local_till)
    sale_id = sell(local_till, "30.00", cash="50.00")
    clock.now = T0 + timedelta(hours=8)
    out = after.void(sale_id, reason="wrong basket", **SUP)
    assert out.ok and out.change_minor == 3000 and out.sentence == "Sale voided (CNY 30.00). Give back CNY 30.00 cash."
    assert types(local_till)[-4:] == ["audit.privileged", "sale.voided", "receipt.printed", "drawer.opened"]
    voided = next(r.payload for r in records(local_till) if r.type == "sale.voided")
    assert voided["type"] == "void" and voided["sale_id"] == sale_id and voided["approver_id"] == "S-001"
    with pytest.raises(VoidRefused, match="voided already"):
        after.void(sale_id, reason="again", **SUP)
    with pytest.raises(RefundRefused, match="voided"):
        after.refund(sale_id, {1: 1}, reason="x", **SUP)
    assert after.index.search()[0].status == "voided"

    refunded = sell(local_till, "12.00", "3.00", cash="15.00")
    after.refund(refunded, {2: 1}, reason="broken", **SUP)
    with pytest.raises(VoidRefused, match="has refunds"):
        after.void(refunded, reason="wrong", **SUP)

    yesterday = sell(local_till, "9.00", cash="9.00")
    clock.now = T0 + timedelta(days=1, minutes=1)
    before = len(records(local_till))
    with pytest.raises(VoidRefused, match="earlier business day"):
        after.void(yesterday, reason="wrong", **SUP)
    assert len(records(local_till)) == before  # refused before the approval: nothing journalled
    assert after.refund(yesterday, {1: 1}, reason="wrong", **SUP).ok  # a refund is the way after settlement


def test_split_tender_refund_goes_card_first_then_cash_and_reaches_the_hub(till, hub):
    after = aftersale(till)
    co = till.checkout
    co.start_sale()
    co.add_item("COAT", "Coat", cny("70.00"), VAT)
    co.add_item("HAT", "Hat", cny("30.00"), VAT)
    co.checkout()
    till.card_reader.present("visa")
    assert co.pay_card(cny("60.00")).result == "approved"
    sale_id = co.pay_cash(cny("50.00")).sale_id  # 40.00 due, 10.00 change
    day = datetime.now(UTC).date().isoformat()

    quote = after.quote_refund(sale_id, {2: 1})
    assert paid_back_quote(quote) == [("card_contact", 3000)]
    hat = after.refund(sale_id, {2: 1}, reason="too small", **SUP)  # the sale is not synced: captured online first
    assert hat.ok and not hat.offline and "went to the bank" in hat.sentence and hat.change_minor == 0
    assert hub_day(hub, till, day)["refunds"] == 3000  # booked online, before any journal sync
    assert "drawer.opened" not in types(till)[-3:]
    coat = after.refund(sale_id, {1: 1}, reason="wrong colour", **SUP)
    first, second = refunds(till)
    assert paid_back(first) == [("card_contact", 3000)]
    assert paid_back(second) == [("card_contact", 3000), ("cash", 4000)]  # card up to its 60.00, then cash kept
    assert coat.change_minor == 4000 and "Give back CNY 40.00 cash." in coat.sentence
    card = first.tenders[0]
    assert card.reference.startswith("A") and card.card_last4

    assert till.uplink.sync_once(pull=False).ok
    assert till.uplink.sync_once(pull=False).sent == 0
    held = hub.admin("GET", f"/v1/admin/terminals/{till.keystore.terminal_id}")
    assert held["records"] == {"accepted": len(records(till))}  # nothing declined: no refund booked twice
    totals = hub_day(hub, till, day)
    assert totals["sales"] == 10000 and totals["refunds"] == 10000 and totals["net"] == 0
    assert hub.admin("GET", "/v1/admin/trial-balance")["balanced"]


def test_refund_over_two_cards_goes_online_for_both_and_is_booked_once(till, hub):
    after = aftersale(till)
    co = till.checkout
    co.start_sale()
    co.add_item("TENT", "Tent", cny("100.00"), VAT)
    co.checkout()
    till.card_reader.present("visa")
    assert co.pay_card(cny("40.00")).result == "approved"
    till.card_reader.present("unionpay")
    sale_id = co.pay_card().sale_id  # the other 60.00 on a second card
    day = datetime.now(UTC).date().isoformat()
    whole = after.refund(sale_id, {1: 1}, reason="returned", **SUP)
    assert whole.ok and not whole.offline and "went to the bank" in whole.sentence
    (refund,) = refunds(till)
    assert paid_back(refund) == [("card_contact", 4000), ("card_contact", 6000)]
    assert hub_day(hub, till, day)["refunds"] == 10000  # both holds refunded online, before any sync
    assert till.uplink.sync_once(pull=False).ok
    held = hub.admin("GET", f"/v1/admin/terminals/{till.keystore.terminal_id}")
    assert held["records"] == {"accepted": len(records(till))}
    totals = hub_day(hub, till, day)
    assert totals["refunds"] == 10000 and totals["net"] == 0  # the record did not book it again
    assert hub.admin("GET", "/v1/admin/trial-balance")["balanced"]


def test_hub_down_refund_is_journalled_then_booked_once_when_synced(tmp_path, hub):
    cut = {"all": False}

    def policy(_n: int, _method: str, _path: str) -> Fault:
        return Fault.DROP if cut["all"] else Fault.PASS

    with FaultProxy(hub.port, policy) as proxy:
        till = build_till(tmp_path / "till", terminal_id="T-AS-OUTAGE", hub_url=proxy.url,
                          enrol_code=hub.enrol_code("M-DEMO").encode(), auth_budget_s=1.0)
        try:
            after = aftersale(till)
            sale_id = sell(till, "25.00", "15.00", card="unionpay")
            assert till.uplink.sync_once(pull=False).ok  # the sale (and its capture) is at the hub
            day = datetime.now(UTC).date().isoformat()
            cut["all"] = True
            out = after.refund(sale_id, {1: 1}, reason="faulty", **SUP)
            assert out.ok and out.offline
            assert "reaches the bank when the network is back" in out.sentence
            [refund] = refunds(till)
            assert paid_back(refund) == [("card_contact", 2500)]
            assert "refunds" not in hub_day(hub, till, day) or hub_day(hub, till, day)["refunds"] == 0
            cut["all"] = False
            assert till.uplink.sync_once(pull=False).ok
            assert till.uplink.sync_once(pull=False).sent == 0  # booked once
            assert hub_day(hub, till, day)["refunds"] == 2500
            held = hub.admin("GET", f"/v1/admin/terminals/{till.keystore.terminal_id}")
            assert held["records"] == {"accepted": len(records(till))}
            again = after.refund(sale_id, {2: 1}, reason="faulty too", **SUP)  # online again: straight to the hub
            assert not again.offline and hub_day(hub, till, day)["refunds"] == 4000
            with pytest.raises(RefundRefused, match="already been refunded in full"):
                after.refund(sale_id, {2: 1}, reason="third time", **SUP)
            assert till.uplink.sync_once(pull=False).ok
            assert hub_day(hub, till, day)["refunds"] == 4000 and hub_day(hub, till, day)["net"] == 0
            assert hub.admin("GET", "/v1/admin/trial-balance")["balanced"]
        finally:
            till.close()


def test_online_void_releases_the_card_at_the_hub(till, hub):
    after = aftersale(till)
    sale_id = sell(till, "64.00", card="visa")
    day = datetime.now(UTC).date().isoformat()
    out = after.void(sale_id, reason="wrong customer", **SUP)
    assert out.ok and not out.offline and out.change_minor == 0
    assert out.sentence == "Sale voided (CNY 64.00). The card or QR payment is released."
    held = hub.admin("GET", f"/v1/admin/terminals/{till.keystore.terminal_id}")
    assert held["records"]["accepted"] >= types(till).index("sale.voided") + 1 and "declined" not in held["records"]
    totals = hub_day(hub, till, day)
    assert totals["sales"] == 0 and totals["net"] == 0
    assert hub.admin("GET", "/v1/admin/trial-balance")["balanced"]
    assert [str(k) for k in after.index.search(amount_minor=6400)[0].tender_kinds] == [str(TenderKind.CARD_CONTACT)]


def test_a_refund_paid_out_online_but_not_saved_is_finished_never_paid_twice(till, hub):
    """Issue 10: the bank paid out before refund.completed was written; a journal failure then left no trace. Now the
    intent is journalled first, a second refund of the sale is refused, and 'finish' completes the same refund."""
    after = aftersale(till)
    co = till.checkout
    co.start_sale()
    co.add_item("LAMP", "Lamp", cny("80.00"), VAT)
    co.checkout()
    till.card_reader.present("visa")
    sale_id = co.pay_card().sale_id
    day = datetime.now(UTC).date().isoformat()
    co.ports.journal = JournalFailingOn(till, "refund.completed")
    with pytest.raises(CheckoutError, match="finish the refund"):
        after.refund(sale_id, {1: 1}, reason="broken", **SUP)
    co.ports.journal = till.journal
    assert hub_day(hub, till, day)["refunds"] == 8000  # the bank paid it out
    assert types(till).count("refund.requested") == 1 and "refund.completed" not in types(till)
    with pytest.raises(RefundRefused, match="started and not saved"):
        after.refund(sale_id, {1: 1}, reason="broken", **SUP)
    done = after.finish_refund(sale_id)
    assert done.ok and "Refunded CNY 80.00." in done.sentence
    (refund,) = refunds(till)
    requested = next(r.payload for r in records(till) if r.type == "refund.requested")
    assert refund.refund_id == requested["refund_id"]
    assert hub_day(hub, till, day)["refunds"] == 8000  # asked again under the same keys: not paid twice
    with pytest.raises(RefundRefused, match="no unfinished refund"):
        after.finish_refund(sale_id)
    assert till.uplink.sync_once(pull=False).ok
    held = hub.admin("GET", f"/v1/admin/terminals/{till.keystore.terminal_id}")
    assert held["records"] == {"accepted": len(records(till))}
    totals = hub_day(hub, till, day)
    assert totals["refunds"] == 8000 and totals["net"] == 0
    assert hub.admin("GET", "/v1/admin/trial-balance")["balanced"]
