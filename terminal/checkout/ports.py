"""What the checkout needs from the world, as small Protocols: tests and the app pass the real implementations
(Journal, Uplink, RiskEngine, the EMV kernel on a reader, an ESC/POS printer), nothing here imports them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from drivers.card.kernel import CardResult, Transaction
from drivers.printer.document import ReceiptDocument

Clock = Callable[[], datetime]


class JournalPort(Protocol):
    """sync.journal.Journal: durable before it returns."""

    def append(self, record_type: str, payload: Mapping[str, Any], sensitive: Mapping[str, Any] | None = None
               ) -> Any: ...


class AuthPort(Protocol):
    """sync.uplink.Uplink: online holds at the hub (approved / declined / unavailable)."""

    def authorise(self, request: Any, budget_s: float = ...) -> Any: ...
    def void(self, auth_id: str, reason: str) -> Any: ...


class RiskPort(Protocol):
    """models.engine.RiskEngine."""

    def decide(self, tx: Any, offline: Any = ...) -> Any: ...


class CardReaderPort(Protocol):
    """A contact or contactless reader running the EMV kernel, plus a PIN check on the card just read."""

    def transact(self, tx: Transaction, timeout: float = ...) -> CardResult: ...
    def verify_pin(self, pin: str) -> bool: ...


class PrinterPort(Protocol):
    def print_receipt(self, doc: ReceiptDocument) -> bytes: ...


class DrawerPort(Protocol):
    def open(self) -> None: ...


class ApproverPort(Protocol):
    """terminal.operators.OperatorStore."""

    def authorize(self, actor: Any, permission: Any, action: str, *, approver_id: str | None = ...,
                  approver_pin: str | None = ..., details: Mapping[str, Any] | None = ...) -> Any: ...


@dataclass
class CheckoutPorts:
    journal: JournalPort
    risk: RiskPort
    auth: AuthPort | None  # None: no hub configured (offline-only terminal)
    clock: Clock
    printer: PrinterPort
    drawer: DrawerPort
    operators: ApproverPort
    card_reader: CardReaderPort | None = None
    contactless_reader: CardReaderPort | None = None
    token_key: bytes = b""  # tokenises customer QR codes like card numbers (sync.pan)
