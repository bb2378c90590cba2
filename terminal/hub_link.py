"""The checkout's AuthPort over the hub: the online calls go to the signed hub client (sync.hub_client.HubClient)
with its errors turned into the port's (terminal.checkout.ports), and `send_now` asks the sync worker
(sync.uplink.Uplink) for one round, so the checkout and the after-sale never import sync.hub_client or sync.uplink."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sync.hub_client import AuthOutcome, HubClient, HubRefused, HubUnavailable
from sync.protocol import AuthRequest, PositiveAmount
from sync.uplink import Uplink
from terminal.checkout.ports import HubRefusal, HubUnreachable, SendReport


class HubLink:
    """terminal.checkout.ports.AuthPort for a till with a hub."""

    def __init__(self, client: HubClient, uplink: Uplink) -> None:
        self.client = client
        self.uplink = uplink

    def authorise(self, request: AuthRequest, budget_s: float = 2.0) -> AuthOutcome:
        with translated():
            return self.client.authorise(request, budget_s)

    def void(self, auth_id: str, reason: str) -> Any:
        with translated():
            return self.client.void(auth_id, reason)

    def capture(self, auth_id: str, amount: PositiveAmount) -> Any:
        with translated():
            return self.client.capture(auth_id, amount)

    def refund(self, refund_id: str, auth_id: str, amount: PositiveAmount, reason: str) -> Any:
        with translated():
            return self.client.refund(refund_id, auth_id, amount, reason)

    def send_now(self) -> SendReport:
        report = self.uplink.sync_once(pull=False)
        return SendReport(reached_hub=not report.unreachable, pending=report.pending)


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Re-raise the hub client's errors as the port's (the cause kept for the log)."""
    try:
        yield
    except HubRefused as exc:
        raise HubRefusal(exc.code, exc.message) from exc
    except HubUnavailable as exc:
        raise HubUnreachable(str(exc)) from exc
