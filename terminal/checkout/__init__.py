"""The checkout state machine (no Qt): the UI and the headless benchmark drive the same `Checkout`."""

from drivers.card.inprocess import EmulatedCardReader
from terminal.checkout.errors import CheckoutError, InvalidTransition, NotAllowed
from terminal.checkout.holds import pending_releases, release_abandoned_holds
from terminal.checkout.machine import Checkout
from terminal.checkout.outcome import Outcome
from terminal.checkout.ports import CheckoutPorts
from terminal.checkout.states import TRANSITIONS, State

__all__ = [
    "TRANSITIONS",
    "Checkout",
    "CheckoutError",
    "CheckoutPorts",
    "EmulatedCardReader",
    "InvalidTransition",
    "NotAllowed",
    "Outcome",
    "State",
    "pending_releases",
    "release_abandoned_holds",
]
