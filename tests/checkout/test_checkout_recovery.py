"""A tender step that fails unexpectedly (a broken model, a bug) leaves the sale at the tender choice, nothing
taken, and the cashier can go on: pay another way or cancel."""

from __future__ import annotations

import pytest
from checkout_support import basket, cny, types

from terminal.checkout import CheckoutError, State


def test_a_crash_in_the_risk_engine_returns_to_the_tender_choice(offline_till) -> None:
    till = offline_till
    basket(till, "25.00")
    real = till.risk.decide

    def broken(*args, **kwargs):
        raise RuntimeError("model file unreadable")

    till.risk.decide = broken
    till.card_reader.present("visa")
    with pytest.raises(CheckoutError, match="nothing was taken"):
        till.checkout.pay_card()
    assert till.checkout.state is State.TENDER_SELECTION
    assert till.checkout.sale is not None and till.checkout.sale.paid.is_zero
    assert types(till)[-1] == "tender.failed"
    till.risk.decide = real
    outcome = till.checkout.pay_cash(cny("30.00"))  # the customer pays cash instead
    assert outcome.result == "completed" and outcome.change_minor == 500


def test_after_a_crash_the_sale_can_be_cancelled(offline_till) -> None:
    till = offline_till
    basket(till, "12.00")
    till.risk.decide = lambda *a, **k: 1 / 0
    with pytest.raises(CheckoutError):
        till.checkout.pay_customer_qr("28" + "1" * 16)
    assert till.checkout.cancel().result == "cancelled"
    assert till.checkout.state is State.IDLE
