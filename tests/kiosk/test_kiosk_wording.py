"""Every sentence the kiosk's screens and station show is a code worded in English and in Chinese: what the lane
says at each step, each intervention, each way to pay, each reason a payment failed, each step as the station
names it. (Refusals raised with code= are checked by tests/ui/test_wording.py, which reads terminal/kiosk too.)"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QCoreApplication

import terminal.kiosk as kiosk
from terminal.kiosk.interventions import Intervention, Kind
from terminal.kiosk.states import Step
from terminal.kiosk.tenders import TENDERS, customer_reason
from terminal.ui.app import application
from terminal.ui.wording import CATALOGUE, word

SAID = re.compile(r'_say\("([a-z_]+)"')


def kiosk_codes() -> set[str]:
    codes: set[str] = set()
    for path in Path(kiosk.__file__).parent.glob("*.py"):
        codes |= set(SAID.findall(path.read_text()))
    codes |= {Intervention(kind).code for kind in Kind}
    codes |= {tender.label_code for tender in TENDERS.values()}
    codes |= {customer_reason(c) for c in ("qr_needs_network", "step_up_pin_refused", "device_timeout", "risk_decline")}
    codes |= {f"kiosk_step_{step}" for step in Step}
    return codes


def test_every_kiosk_sentence_is_worded_in_english_and_chinese(qapp) -> None:
    codes = kiosk_codes()
    assert len(codes) > 40
    missing = sorted(code for code in codes if code not in CATALOGUE)
    assert not missing, f"word these in terminal/ui/wording.py: {missing}"
    try:
        application("zh_CN")
        untranslated = sorted(code for code in codes
                              if QCoreApplication.translate("Code", CATALOGUE[code]) == CATALOGUE[code])
    finally:
        application("en")
    assert not untranslated, f"translate these in the .ts: {untranslated}"
    assert "fraud" not in word(customer_reason("risk_decline"))  # a customer never reads the cashier's wording
