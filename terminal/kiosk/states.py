"""The kiosk lane's steps and the only transitions between them (the screens draw from the same table).

The lane's own steps sit above the checkout's (terminal.checkout.states): SCANNING holds the checkout's BASKET,
PAYING its tender steps. HELP (an intervention) and IDLE_WARNING interrupt a step and return to it.
"""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    ATTRACT = "attract"  # "Touch to start", nothing open
    LANGUAGE = "language"  # English / 简体中文, large type, high contrast
    SCANNING = "scanning"  # scan and bag; product search with pictures; the basket alongside
    WEIGHING = "weighing"  # a price-per-kg item waits on the scale
    BASKET = "basket"  # review before paying
    PAYING = "paying"  # card insert/tap, payment code, shop QR (digital currency: see terminal.kiosk.tenders)
    RECEIPT_CHOICE = "receipt_choice"  # print, QR e-receipt on screen, none
    THANK_YOU = "thank_you"
    HELP = "help"  # an intervention stops the lane until an attendant clears it
    IDLE_WARNING = "idle_warning"  # "Do you need more time?"
    OUT_OF_SERVICE = "out_of_service"  # put there by an attendant (or when the lane cannot sell)


S = Step
RESUMABLE = frozenset({S.SCANNING, S.WEIGHING, S.BASKET, S.PAYING})
TRANSITIONS: dict[Step, frozenset[Step]] = {
    S.ATTRACT: frozenset({S.LANGUAGE, S.OUT_OF_SERVICE}),
    S.LANGUAGE: frozenset({S.SCANNING, S.ATTRACT, S.IDLE_WARNING}),
    S.SCANNING: frozenset({S.WEIGHING, S.BASKET, S.HELP, S.IDLE_WARNING, S.ATTRACT}),
    S.WEIGHING: frozenset({S.SCANNING, S.HELP, S.IDLE_WARNING, S.ATTRACT}),
    S.BASKET: frozenset({S.SCANNING, S.PAYING, S.HELP, S.IDLE_WARNING, S.ATTRACT}),
    S.PAYING: frozenset({S.BASKET, S.RECEIPT_CHOICE, S.HELP, S.IDLE_WARNING, S.ATTRACT}),
    S.RECEIPT_CHOICE: frozenset({S.THANK_YOU}),
    S.THANK_YOU: frozenset({S.ATTRACT}),
    S.HELP: frozenset({*RESUMABLE, S.ATTRACT, S.OUT_OF_SERVICE}),
    S.IDLE_WARNING: frozenset({*RESUMABLE, S.LANGUAGE, S.ATTRACT}),
    S.OUT_OF_SERVICE: frozenset({S.ATTRACT}),
}
# steps with an open basket: idle reset and out-of-service cancel it (journalled) first
WITH_BASKET = frozenset({S.SCANNING, S.WEIGHING, S.BASKET, S.PAYING, S.HELP, S.IDLE_WARNING})
