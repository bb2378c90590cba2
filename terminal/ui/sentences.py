"""The cashier's sentence for an outcome, in the screen's language.

The checkout (no Qt) words its outcomes in English. On a translated screen the window re-words the common ones
from the outcome's fields and reason codes (the codes are the message ids), so a Chinese screen does not show
English banners; anything not covered falls back to the checkout's own English sentence.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from terminal.domain import Money

REASON_CODES = (  # the ids lupdate collects; their translations are whole cashier sentences
    QT_TRANSLATE_NOOP("Reason", "blacklisted"), QT_TRANSLATE_NOOP("Reason", "currency_not_accepted"),
    QT_TRANSLATE_NOOP("Reason", "no_fx_rate"), QT_TRANSLATE_NOOP("Reason", "over_sale_limit"),
    QT_TRANSLATE_NOOP("Reason", "aml_limit"), QT_TRANSLATE_NOOP("Reason", "offline_sale_limit"),
    QT_TRANSLATE_NOOP("Reason", "offline_total_limit"), QT_TRANSLATE_NOOP("Reason", "offline_too_long"),
    QT_TRANSLATE_NOOP("Reason", "velocity_hour"), QT_TRANSLATE_NOOP("Reason", "velocity_day"),
    QT_TRANSLATE_NOOP("Reason", "key_entered"), QT_TRANSLATE_NOOP("Reason", "amount_pin"),
    QT_TRANSLATE_NOOP("Reason", "amount_supervisor"), QT_TRANSLATE_NOOP("Reason", "risk_pin"),
    QT_TRANSLATE_NOOP("Reason", "risk_supervisor"), QT_TRANSLATE_NOOP("Reason", "risk_decline"),
    QT_TRANSLATE_NOOP("Reason", "card_expired"), QT_TRANSLATE_NOOP("Reason", "card_blacklisted"),
    QT_TRANSLATE_NOOP("Reason", "card_cvm_failed"), QT_TRANSLATE_NOOP("Reason", "card_declined"),
    QT_TRANSLATE_NOOP("Reason", "hub_declined"), QT_TRANSLATE_NOOP("Reason", "qr_needs_network"),
    QT_TRANSLATE_NOOP("Reason", "step_up_pin_refused"), QT_TRANSLATE_NOOP("Reason", "step_up_supervisor_refused"),
)


def sentence(outcome: Any, currency: str, lang: str, total: Money | None = None) -> str:
    """What the banner or the receipt page says about `outcome` (`total`: the sale's, for a completed one)."""
    if lang == "en":
        return outcome.sentence
    translate = QCoreApplication.translate
    for code in outcome.reasons:
        worded = translate("Reason", code)
        if worded != code:
            return worded
    change, left = Money(outcome.change_minor, currency), Money(outcome.remaining_minor, currency)
    if outcome.result == "completed" and outcome.receipt_printed is not False and outcome.remaining_minor == 0:
        paid = total.format() if total is not None else ""
        if outcome.change_minor:
            return translate("Sentence", "Paid {0}. Give {1} change.").format(paid, change.format())
        return translate("Sentence", "Paid {0}.").format(paid)
    if outcome.result == "approved":
        return translate("Sentence", "Approved. {0} still to pay.").format(left.format())
    if outcome.result == "tender":
        return translate("Sentence", "Total {0}. Choose how to pay.").format(left.format())
    return outcome.sentence
