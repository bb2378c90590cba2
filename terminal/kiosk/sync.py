"""The lane's sync with the hub, as the cashier app runs it (terminal.ui.shop): the uplink in its own thread, and
after each good round the money the lane did not keep is given back - card holds it gave up on are voided
(terminal.checkout.release_abandoned_holds) and digital-currency payments whose answer was lost or whose sale was
cancelled go back to the paying wallet (terminal.checkout.cbdc.UnansweredPayments: `cbdc.unanswered` /
`cbdc.give_back` -> `cbdc.released`)."""

from __future__ import annotations

from typing import Any

from terminal.checkout import release_abandoned_holds
from terminal.checkout.cbdc import UnansweredPayments


class GiveBack:
    """What one good sync round releases on a lane's till (also called directly by the headless run)."""

    def __init__(self, till: Any) -> None:
        self.till = till
        ports = till.checkout.ports
        self.unanswered = UnansweredPayments(till.journal, ports.cbdc) if ports.cbdc is not None else None

    def __call__(self, _report: Any = None) -> int:
        """Release now; returns how many holds and digital-currency payments were settled."""
        done = release_abandoned_holds(self.till.journal, self.till.checkout.ports.auth)
        if self.unanswered is not None:
            done += self.unanswered.release()
        return done


def start_sync(till: Any) -> GiveBack | None:
    """Start the till's uplink with the give-back after each good round (None: the till has no hub)."""
    if till.uplink is None:
        return None
    give_back = GiveBack(till)
    till.uplink.after_round = give_back
    till.uplink.start()  # stopped by the till's closers (uplink.close)
    return give_back
