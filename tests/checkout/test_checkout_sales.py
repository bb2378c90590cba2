"""Behaviour of the checkout state machine on real parts: the EMV kernel over the card emulator, the shipped risk
model, the signed journal, a real hub process over HTTP, an ESC/POS printer (dummy, or the TCP simulator)."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from checkout_support import JournalFailingOn, basket, card_number, cny, records, types

from drivers.card.emulator import TEST_CARDS, CardProfile
from drivers.printer.device import EscposPrinter
from drivers.printer.sim import NetworkPrinterSim
from sync.hub_client import HubRefused
from sync.protocol import PositiveAmount
from sync.verify import verify_journal
from terminal.checkout import CheckoutError, InvalidTransition, State
from terminal.demo.rig import build_till
from terminal.operators import NotPermitted, WrongPin


def test_cash_sale_gives_change_journals_prints_and_opens_the_drawer(till):
    basket(till, "18.50", "2.00")
    out = till.checkout.pay_cash(cny("50.00"))
    assert out.result == "completed" and out.change_minor == 2950
    assert out.sentence == "Paid CNY 20.50. Give CNY 29.50 change."
    assert out.receipt_printed and till.checkout.state is State.IDLE
    sale = next(r for r in records(till) if r.type == "sale.completed").payload
    assert sale["change"]["amount"] == 2950 and sale["tenders"][0]["kind"] == "cash"
    assert types(till)[-5:] == ["sale.started", "tender.approved", "sale.completed", "receipt.printed",
                                "drawer.opened"]


def test_split_card_and_cash_online_hold_is_captured_once_at_the_hub(till, hub):
    basket(till, "100.00")
    till.card_reader.present("visa")
    first = till.checkout.pay_card(cny("60.00"))
    assert first.result == "approved" and not first.offline and first.remaining_minor == 4000
    assert first.sentence == "Card CNY 60.00 approved. CNY 40.00 still to pay."
    done = till.checkout.pay_cash(cny("40.00"))
    assert done.result == "completed"
    sale = next(r for r in records(till) if r.type == "sale.completed")
    card = sale.payload["tenders"][0]
    assert card["reference"].startswith("A") and card["card_last4"] and "token" in card
    sealed = till.journal.reveal(sale)
    assert sealed["tenders"][0]["cryptogram"] and "pan" not in str(sealed)
    report = till.uplink.sync_once(pull=False)
    assert report.ok
    held = hub.admin("GET", f"/v1/admin/terminals/{till.keystore.terminal_id}")
    assert held["records"] == {"accepted": len(records(till))}
    with pytest.raises(HubRefused):  # the hold was captured by the sale record: it cannot be captured twice
        till.uplink.client.void(card["reference"], "late void")


def test_contactless_customer_qr_and_merchant_qr(till):
    basket(till, "30.00")
    till.contactless_reader.present("unionpay")
    assert till.checkout.pay_card(cny("10.00"), contactless=True).result == "approved"
    assert till.checkout.pay_customer_qr("28" + "7" * 16, cny("10.00")).result == "approved"
    shown = till.checkout.show_merchant_qr()
    assert shown.result == "qr_shown" and shown.qr_payload.startswith("000201")
    assert "54" in shown.qr_payload and till.checkout.state is State.MERCHANT_QR
    done = till.checkout.merchant_qr_paid("wallet-payment-8841")
    assert done.result == "completed"
    kinds = [t["kind"] for t in next(r for r in records(till) if r.type == "sale.completed").payload["tenders"]]
    assert kinds == ["card_contactless", "qr_customer", "qr_merchant"]


def test_a_shop_qr_is_not_a_customer_payment_code(till):
    basket(till)
    with pytest.raises(Exception, match="shop's QR code"):
        till.checkout.pay_customer_qr("000201010212" + "x" * 30)


def test_card_blocked_by_risk_is_declined_with_the_cashier_sentence(till):
    basket(till, "25.00")
    till.card_reader.present("blacklisted")
    till.checkout.pay_card()  # the first time it passes; then the hub's list (here: the local one) blocks it
    assert till.checkout.state is State.IDLE
    sold = [r for r in records(till) if r.type == "sale.completed"][-1]
    till.blacklist.tokens.add(sold.payload["tenders"][0]["token"])
    basket(till, "25.00")
    till.card_reader.present("blacklisted")
    out = till.checkout.pay_card()
    assert out.result == "declined" and out.reasons[0] == "blacklisted"
    assert out.sentence == "This card or wallet is blocked. Ask for another way to pay."
    assert till.checkout.state is State.TENDER_SELECTION
    assert types(till)[-1] == "tender.declined"
    assert till.checkout.pay_cash(cny("25.00")).result == "completed"


def test_expired_card_is_declined_by_the_kernel(till):
    basket(till)
    till.card_reader.present("expired")
    out = till.checkout.pay_card()
    assert out.result == "declined" and "expired" in out.sentence


def test_pin_step_up_approved_by_the_card(till):
    basket(till, "3500.00")  # above the retail PIN amount
    till.card_reader.present("visa")
    asked = till.checkout.pay_card()
    assert asked.result == "step_up" and till.checkout.state is State.STEP_UP_PIN
    assert asked.sentence == "Large amount: ask the customer to enter the PIN."
    done = till.checkout.enter_pin("1234")
    assert done.result == "completed" and done.stepped_up
    step = next(r.payload for r in records(till) if r.type == "tender.step_up")
    assert step["result"] == "approved" and step["step"] == "pin"


def test_pin_step_up_refused_by_a_wrong_pin(till):
    basket(till, "3500.00")
    till.card_reader.present("visa")
    till.checkout.pay_card()
    out = till.checkout.enter_pin("0000")
    assert out.result == "declined" and till.checkout.state is State.TENDER_SELECTION
    assert [r.payload["result"] for r in records(till) if r.type == "tender.step_up"] == ["refused"]


def test_supervisor_step_up_needs_a_supervisor(till):
    basket(till, "25000.00")  # above the retail supervisor amount
    till.card_reader.present("visa")
    asked = till.checkout.pay_card()
    assert asked.result == "step_up" and till.checkout.state is State.STEP_UP_SUPERVISOR
    with pytest.raises(NotPermitted):
        till.checkout.supervisor_approve("C-001", "1357")  # a cashier cannot approve
    with pytest.raises(WrongPin):
        till.checkout.supervisor_approve("S-001", "0000")
    assert till.checkout.state is State.STEP_UP_SUPERVISOR  # still waiting for a real approval
    done = till.checkout.supervisor_approve("S-001", "2468")
    assert done.result == "completed" and done.stepped_up
    step = next(r.payload for r in records(till) if r.type == "tender.step_up")
    assert step["approved_by"] == "S-001" and step["operator"] == "C-001"
    audit = [r.payload for r in records(till) if r.type == "audit.privileged"][-1]
    assert audit["action"] == "step_up_supervisor" and audit["approved_by"] == "S-001"


def test_cancel_after_an_online_card_voids_its_hold(till):
    basket(till, "100.00")
    till.card_reader.present("visa")
    assert till.checkout.pay_card(cny("70.00")).result == "approved"
    auth_id = next(r for r in records(till) if r.type == "tender.approved").payload["reference"]
    out = till.checkout.cancel("customer changed their mind")
    assert out.result == "cancelled" and till.checkout.state is State.IDLE
    assert [r.payload["auth_id"] for r in records(till) if r.type == "tender.voided"] == [auth_id]
    cancelled = next(r.payload for r in records(till) if r.type == "sale.cancelled")
    assert cancelled["voided"] == [auth_id] and cancelled["queued"] == []
    with pytest.raises(HubRefused):  # voided: nothing left to capture
        till.uplink.client.capture(auth_id, PositiveAmount(amount=7000, currency="CNY"))
    assert "sale.completed" not in types(till)


def test_cancel_mid_step_up_leaves_nothing_behind(till):
    basket(till, "3500.00")
    till.card_reader.present("visa")
    till.checkout.pay_card()
    out = till.checkout.cancel()
    assert out.result == "cancelled" and "tender.approved" not in types(till)


def test_card_pulled_out_mid_flow_goes_back_to_tender_choice(till):
    basket(till, "20.00")
    till.card_reader.present("pulled")
    out = till.checkout.pay_card()
    assert out.result == "error" and out.sentence.startswith("The card was removed too soon.")
    assert till.checkout.state is State.TENDER_SELECTION and types(till)[-1] == "tender.failed"
    till.card_reader.present("visa")
    assert till.checkout.pay_card().result == "completed"


def test_paper_out_after_payment_keeps_the_sale_and_offers_a_reprint(tmp_path, hub):
    sim = NetworkPrinterSim().start()
    sim.paper = False
    till = build_till(tmp_path / "till", terminal_id="T-CO-PAPER", printer=EscposPrinter(sim.url, simulated=True))
    try:
        basket(till, "12.00")
        out = till.checkout.pay_cash(cny("20.00"))
        assert out.result == "completed" and out.receipt_printed is False
        assert "Load a new paper roll" in out.sentence and "Reprint" in out.sentence
        assert till.checkout.state is State.RECEIPT_FAILED
        assert types(till)[-2:] == ["sale.completed", "receipt.failed"]
        with pytest.raises(InvalidTransition):
            till.checkout.cancel()  # paid is paid
        sim.paper = True
        again = till.checkout.reprint()
        assert again.receipt_printed and till.checkout.state is State.IDLE
        assert types(till)[-2:] == ["receipt.printed", "drawer.opened"]
        assert b"TOTAL" in sim.take()
    finally:
        till.close()
        sim.stop()


def test_offline_card_approved_within_limits_and_refused_beyond(offline_till):
    till = offline_till
    basket(till, "120.00")
    till.card_reader.present("visa")
    out = till.checkout.pay_card()
    assert out.result == "completed" and out.offline
    assert types(till).count("auth.abandoned") == 1
    assert till.checkout.offline is not None and till.checkout.offline.approved_total == 12000
    basket(till, "600.00")  # above the retail offline per-sale limit (500.00)
    till.card_reader.present("unionpay")
    refused = till.checkout.pay_card()
    assert refused.result == "declined" and refused.reasons[0] == "offline_sale_limit"
    assert refused.sentence.startswith("We are offline and this amount is too high.")
    qr = till.checkout.pay_customer_qr("28" + "1" * 16, cny("10.00"))
    assert qr.sentence.startswith("QR payments need the network")
    assert till.checkout.pay_cash(cny("600.00")).result == "completed"


def test_offline_total_allowance_runs_out(tmp_path):
    now = [datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]
    till = build_till(tmp_path / "till", terminal_id=f"T-CO-{uuid.uuid4().hex[:8]}", hub_url="http://127.0.0.1:9",
                      clock=lambda: now[0])
    outcomes = []
    for i in range(12):  # twelve different customers' cards, 480.00 each; the allowance is 5,000.00
        now[0] += timedelta(minutes=20)  # customers of a shop, not a burst of new cards (the model stops those)
        basket(till, "480.00")
        till.card_reader.present(CardProfile(f"customer{i}", card_number(f"4761{i:02d}")))
        out = till.checkout.pay_card()
        if out.result == "step_up":
            out = (till.checkout.enter_pin("1234") if till.checkout.state is State.STEP_UP_PIN
                   else till.checkout.supervisor_approve("S-001", "2468"))
        outcomes.append(out.result)
        if out.result != "completed":
            assert out.reasons[0] == "offline_total_limit"
            assert out.sentence == "We are offline and the offline allowance is used up. Ask for cash."
            break
    assert outcomes == ["completed"] * 10 + ["declined"]
    assert till.checkout.offline.approved_total == 480_000
    till.close()


def test_invalid_transitions_raise_a_typed_error_with_a_sentence(till):
    co = till.checkout
    with pytest.raises(InvalidTransition, match="You cannot take cash now"):
        co.pay_cash(cny("1.00"))
    with pytest.raises(InvalidTransition, match="no open sale"):
        co.cancel()
    co.start_sale()
    with pytest.raises(InvalidTransition):
        co.pay_card()
    with pytest.raises(Exception, match="basket is empty"):
        co.checkout()
    assert co.cancel().result == "cancelled"


def test_every_step_is_journalled_and_the_journal_verifies(till):
    basket(till, "50.00")
    till.card_reader.present("expired")
    till.checkout.pay_card()
    till.card_reader.present("pulled")
    till.checkout.pay_card()
    till.card_reader.present("visa")
    till.checkout.pay_card(cny("20.00"))
    till.checkout.pay_cash(cny("40.00"))
    basket(till, "5.00")
    till.checkout.cancel()
    assert types(till)[5:] == [
        "sale.started", "tender.declined", "tender.failed", "risk.decided", "tender.approved", "tender.approved",
        "sale.completed", "receipt.printed", "drawer.opened", "sale.started", "sale.cancelled"]
    report = verify_journal(till.journal.path)
    assert report.ok, report.problem


def test_a_journal_that_cannot_write_means_no_payment_and_the_hold_is_voided(till):
    basket(till, "40.00")
    voided: list[str] = []

    class Watched:  # the real hub client, noting which holds the checkout voids
        authorise = staticmethod(till.uplink.client.authorise)

        @staticmethod
        def void(auth_id, reason):
            voided.append(auth_id)
            return till.uplink.client.void(auth_id, reason)

    till.checkout.ports.journal = JournalFailingOn(till, "tender.approved")
    till.checkout.ports.auth = Watched()
    till.card_reader.present("visa")
    with pytest.raises(CheckoutError, match="could not be saved"):
        till.checkout.pay_card(cny("20.00"))
    assert till.checkout.state is State.TENDER_SELECTION and till.checkout.sale.paid.amount == 0
    assert len(voided) == 1
    with pytest.raises(HubRefused):  # the hold is gone at the hub
        till.uplink.client.capture(voided[0], PositiveAmount(amount=2000, currency="CNY"))
    till.checkout.ports.journal = till.journal
    assert till.checkout.pay_cash(cny("40.00")).result == "completed"


def test_a_sale_that_cannot_be_journalled_stays_open_and_can_be_cancelled(till):
    basket(till, "30.00")
    till.checkout.ports.journal = JournalFailingOn(till, "sale.completed")
    till.card_reader.present("visa")
    with pytest.raises(CheckoutError, match="not finished"):
        till.checkout.pay_card()
    assert till.checkout.state is State.TENDER_SELECTION
    assert str(till.checkout.sale.status) == "open" and till.checkout.sale.remaining.is_zero
    till.checkout.ports.journal = till.journal
    out = till.checkout.cancel("journal failure")
    assert out.result == "cancelled"
    assert len(next(r.payload for r in records(till) if r.type == "sale.cancelled")["voided"]) == 1


def test_a_paid_sale_is_saved_again_once_the_journal_writes(till):
    basket(till, "30.00")
    journal = till.checkout.ports.journal = JournalFailingOn(till, "sale.completed")
    with pytest.raises(CheckoutError):
        till.checkout.pay_cash(cny("30.00"))
    journal.failing = False
    out = till.checkout.retry_commit()
    assert out.result == "completed" and till.checkout.state is State.IDLE
    assert types(till).count("sale.completed") == 1


def test_cancel_while_the_shop_qr_is_shown(till):
    basket(till, "12.00")
    assert till.checkout.show_merchant_qr().result == "qr_shown"
    till.checkout.back()
    assert till.checkout.state is State.TENDER_SELECTION
    till.checkout.show_merchant_qr()
    assert till.checkout.cancel().result == "cancelled" and till.checkout.state is State.IDLE


def test_no_card_number_or_pin_in_the_journal_or_the_log(till, caplog):
    caplog.set_level(logging.DEBUG)
    pan = TEST_CARDS["pin"].pan
    basket(till, "3500.00")
    till.card_reader.present("pin", pin="1234")  # the card asks for its PIN itself; then the amount steps up
    out = till.checkout.pay_card()
    if out.result == "step_up" and till.checkout.state is State.STEP_UP_PIN:
        out = till.checkout.enter_pin("1234")
    assert out.result == "completed", out
    stored = b"".join(p.read_bytes() for p in till.data_dir.iterdir() if p.is_file())
    assert pan.encode() not in stored and pan not in caplog.text
    assert b'"1234"' not in stored
