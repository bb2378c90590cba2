"""The checkout's AuthPort over the sync uplink: the same calls, with the uplink's errors turned into the port's
(terminal.checkout.ports), so the checkout and the after-sale never import sync.uplink."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sync.protocol import AuthRequest, PositiveAmount
from sync.uplink import AuthOutcome, HubRefused, HubUnavailable, Uplink
from terminal.checkout.ports import HubRefusal, HubUnreachable, SendReport


class HubLink:
    """terminal.checkout.ports.AuthPort for a till with a hub."""

    def __init__(self, uplink: Uplink) -> None:
        self.uplink = uplink

    def authorise(self, request: AuthRequest, budget_s: float = 2.0) -> AuthOutcome:
        with _translated():
            return self.uplink.authorise(request, budget_s)

    def void(self, auth_id: str, reason: str) -> Any:
        with _translated():
            return self.uplink.void(auth_id, reason)

    def capture(self, auth_id: str, amount: PositiveAmount) -> Any:
        with _translated():
            return self.uplink.capture(auth_id, amount)

    def refund(self, refund_id: str, auth_id: str, amount: PositiveAmount, reason: str) -> Any:
        with _translated():
            return self.uplink.refund(refund_id, auth_id, amount, reason)

    def send_now(self) -> SendReport:
        report = self.uplink.sync_once(pull=False)
        return SendReport(reached_hub=not report.unreachable, pending=report.pending)


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """Re-raise the uplink's errors as the port's (the cause kept for the log)."""
    try:
        yield
    except HubRefused as exc:
        raise HubRefusal(exc.code, exc.message) from exc
    except HubUnavailable as exc:
        raise HubUnreachable(str(exc)) from exc
