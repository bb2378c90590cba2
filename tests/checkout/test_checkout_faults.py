"""Faults that once left the till stuck or took money wrongly (issue 10, defects 1-4): each test failed before its fix.

A device that errors mid step-up, a refused wallet confirmation, a journal that fails after the sale is durable, a
card that only its issuer may approve while the hub is down, and a hub that answers "no" after an outage."""

from __future__ import annotations

import dataclasses

import pytest
from checkout_support import JournalFailingOn, basket, card_number, cny, records, types

from drivers.card.emulator import CardProfile
from drivers.errors import DeviceTimeout
from terminal.checkout import CheckoutError, State

ONLINE_PIN = bytes(8) + bytes.fromhex("4200")  # enciphered PIN verified online, fail if unsuccessful


def test_a_card_that_times_out_checking_the_pin_declines_the_step_and_the_sale_goes_on(till) -> None:
    basket(till, "3500.00")  # above the retail PIN amount
    till.card_reader.present("visa")
    assert till.checkout.pay_card().result == "step_up" and till.checkout.state is State.STEP_UP_PIN

    def times_out(pin: str) -> bool:
        raise DeviceTimeout("the card did not answer VERIFY")

    till.card_reader.verify_pin = times_out
    out = till.checkout.enter_pin("1234")
    assert out.result == "declined" and till.checkout.state is State.TENDER_SELECTION
    assert out.sentence == "The card could not check the PIN. Ask for another way to pay."
    assert [r.payload["result"] for r in records(till) if r.type == "tender.step_up"] == ["refused"]
    assert till.checkout.pay_cash(cny("3500.00")).result == "completed"


def test_a_bug_during_the_pin_check_returns_to_the_tender_choice(till) -> None:
    basket(till, "3500.00")
    till.card_reader.present("visa")
    till.checkout.pay_card()
    till.card_reader.verify_pin = lambda pin: 1 / 0
    with pytest.raises(CheckoutError, match="nothing was taken"):
        till.checkout.enter_pin("1234")
    assert till.checkout.state is State.TENDER_SELECTION and types(till)[-1] == "tender.failed"
    assert till.checkout.pay_cash(cny("3500.00")).result == "completed"


def test_a_refused_wallet_confirmation_keeps_the_shop_code_shown(till, monkeypatch) -> None:
    basket(till, "20.00")
    till.checkout.show_merchant_qr()
    real = till.checkout._wallet_token
    calls = {"n": 0}

    def refuse_once(code: str) -> str:
        calls["n"] += 1
        if calls["n"] == 1:
            raise CheckoutError("QR payments are not set up on this till.")
        return real(code)

    monkeypatch.setattr(till.checkout, "_wallet_token", refuse_once)
    with pytest.raises(CheckoutError, match="not set up"):
        till.checkout.merchant_qr_paid("wallet-123456")
    assert till.checkout.state is State.MERCHANT_QR  # still waiting for the wallet, with its attempt
    assert till.checkout.merchant_qr_paid("wallet-123456").result == "completed"


@pytest.mark.parametrize("failing", ["receipt.printed", "drawer.opened", "receipt.failed"])
def test_a_journal_failure_after_the_sale_is_saved_still_ends_at_idle(till, failing) -> None:
    if failing == "receipt.failed":
        def jammed(document):
            raise DeviceTimeout("the printer did not answer")

        till.checkout.ports.printer.print_receipt = jammed
    till.checkout.ports.journal = JournalFailingOn(till, failing)
    basket(till, "30.00")
    out = till.checkout.pay_cash(cny("50.00"))
    assert out.result == "completed" and out.change_minor == 2000
    assert types(till).count("sale.completed") == 1
    expected = State.RECEIPT_FAILED if failing == "receipt.failed" else State.IDLE
    assert till.checkout.state is expected
    if expected is State.RECEIPT_FAILED:
        assert till.checkout.skip_receipt().result == "completed"
    assert till.checkout.state is State.IDLE
    till.checkout.start_sale()  # the next customer can be served
    assert till.checkout.state is State.BASKET


def test_a_crash_in_the_printer_driver_offers_a_reprint_instead_of_a_stuck_till(till) -> None:
    till.checkout.ports.printer.print_receipt = lambda document: {}["no such printer setting"]
    basket(till, "12.00")
    out = till.checkout.pay_cash(cny("12.00"))
    assert out.result == "completed" and out.receipt_printed is False
    assert till.checkout.state is State.RECEIPT_FAILED
    assert till.checkout.skip_receipt().result == "completed" and till.checkout.state is State.IDLE


def test_offline_a_card_that_asks_for_its_issuer_is_not_approved(offline_till) -> None:
    till = offline_till
    basket(till, "20.00")  # under the kernel's floor limit: only the card itself asks to go online
    till.card_reader.present("online")
    out = till.checkout.pay_card()
    assert out.result == "declined" and out.reasons == ("card_needs_online",)
    assert "sale.completed" not in types(till) and till.checkout.state is State.TENDER_SELECTION
    till.card_reader.present("visa")  # an ordinary card under the floor limit is still fine offline
    assert till.checkout.pay_card().result == "completed"


def test_offline_an_online_pin_card_is_never_approved_without_its_pin(offline_till) -> None:
    till = offline_till
    basket(till, "80.00")
    till.card_reader.present(CardProfile("online-pin", card_number("476178"), cvm_list=ONLINE_PIN), pin="1234")
    out = till.checkout.pay_card()
    assert out.result == "declined" and out.reasons == ("card_needs_online",)
    assert not [r for r in records(till) if r.type == "tender.approved"]


def test_a_hub_decline_after_an_outage_ends_the_offline_budget(till) -> None:
    real_authorise = till.uplink.client.authorise
    answers = iter(["unavailable", "declined"])

    def flaky(request, budget_s):
        answer = real_authorise(request, budget_s)
        wanted = next(answers, None)
        if wanted is None:
            return answer
        return dataclasses.replace(answer, decision=wanted)

    till.checkout.ports.auth = type("Flaky", (), {"authorise": staticmethod(flaky),
                                                  "void": staticmethod(till.uplink.client.void)})()
    basket(till, "20.00")
    till.card_reader.present("visa")
    assert till.checkout.pay_card().offline  # the hub seemed silent: approved offline
    assert till.checkout.offline is not None
    basket(till, "20.00")
    till.card_reader.present("unionpay")
    assert till.checkout.pay_card().result == "declined"  # the hub answered: it is back
    assert till.checkout.offline is None


def test_a_paid_sale_that_could_not_be_saved_takes_no_second_payment(till) -> None:
    """Found by the stateful test: the second cash payment was journalled as approved, then the sale refused it."""
    till.checkout.ports.journal = JournalFailingOn(till, "sale.completed")
    basket(till, "10.00")
    with pytest.raises(CheckoutError, match="not finished"):
        till.checkout.pay_cash(cny("10.00"))
    approved = types(till).count("tender.approved")
    with pytest.raises(CheckoutError, match="paid but could not be saved"):
        till.checkout.pay_cash(cny("10.00"))
    assert types(till).count("tender.approved") == approved  # nothing more was taken
    till.checkout.ports.journal = till.journal
    assert till.checkout.cancel().sentence == "Sale cancelled. Give back CNY 10.00 cash."
