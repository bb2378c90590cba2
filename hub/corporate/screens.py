"""The checks every corporate payout passes in its paying transaction, before the rail (hub.corporate.execute runs
`SCREENS`): the FX check refuses a foreign-currency payout when the hub's rate is stale or missing (the row fails
with that reason and nothing is booked) and keeps the rate used; the AML screen records large and structuring alerts
in the same transaction, so an alert exists exactly when its payment does.
"""

from __future__ import annotations

from datetime import datetime

from hub.backend import Tx
from hub.corporate import aml, fx
from hub.corporate.rails import Payout, RailRefused
from hub.corporate.settings import default_config


def fx_screen(tx: Tx, payout: Payout, now: datetime) -> None:
    config = default_config()
    if payout.currency == config.home_currency:
        return
    try:
        quote = fx.quote(tx, payout.amount, payout.currency, config.home_currency, now, config.fx_max_age)
    except fx.FxRefused as no:
        raise RailRefused(no.code, no.message) from None
    quote.record(tx, payout.idem_key, now)


def aml_screen(tx: Tx, payout: Payout, now: datetime) -> None:
    payee = aml.payee_key(payout.payee_name, payout.bank_code, payout.account_masked)
    try:
        aml.screen(tx, merchant_id=payout.merchant_id, ref=payout.idem_key, payee_name=payout.payee_name,
                   payee=payee, shown=payout.account_masked, amount=payout.amount,
                   currency=payout.currency, config=default_config(), now=now)
    except fx.FxRefused as no:  # a threshold in another currency needs a fresh rate too
        raise RailRefused(no.code, no.message) from None


SCREENS = (fx_screen, aml_screen)
