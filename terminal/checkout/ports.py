"""Everything the checkout and the after-sale call, as small Protocols with the errors each may raise: tests pass
small fakes for logic and the real parts for integration (Journal, terminal.hub_link.HubLink over the uplink,
RiskEngine, the EMV kernel on a reader, an ESC/POS printer); nothing here imports them."""

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


class HubError(Exception):
    """The hub did not do what the till asked."""


class HubUnreachable(HubError):
    """No answer in time (network down, timeout, 5xx): the journal carries the record to the hub later."""


class HubRefusal(HubError):
    """The hub answered no to the request itself (4xx); `code` says why (e.g. unknown_auth)."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code, self.message = code, message


@dataclass(frozen=True)
class SendReport:
    """What forwarding the journal now achieved: `reached_hub` False when it could not be reached."""

    reached_hub: bool
    pending: int  # records still waiting to go


class AuthPort(Protocol):
    """The hub, online (terminal.hub_link.HubLink: sync.hub_client.HubClient, and the Uplink for send_now).
    `authorise` never raises for network trouble: its answer's `decision` is approved / declined / unavailable; it
    raises HubRefusal when the hub refuses the request. The others raise HubRefusal or HubUnreachable."""

    def authorise(self, request: Any, budget_s: float = ...) -> Any: ...
    def void(self, auth_id: str, reason: str) -> Any: ...
    def capture(self, auth_id: str, amount: Any) -> Any: ...
    def refund(self, refund_id: str, auth_id: str, amount: Any, reason: str) -> Any: ...
    def send_now(self) -> SendReport: ...


class RiskPort(Protocol):
    """models.engine.RiskEngine: the decision on a tender, and the offline limits alone while the hub is silent."""

    def decide(self, tx: Any, offline: Any = ...) -> Any: ...
    def offline_check(self, *, t: int, amount_minor: int, currency: str, profile: str,
                      offline: Any) -> tuple[list[str], int]: ...


class CardReaderPort(Protocol):
    """A contact or contactless reader running the EMV kernel, plus a PIN check on the card just read."""

    def transact(self, tx: Transaction, timeout: float = ...) -> CardResult: ...
    def verify_pin(self, pin: str) -> bool: ...


class CbdcPort(Protocol):
    """Digital currency online (terminal.cbdc.link.CbdcLink over the hub). Each call raises HubRefusal when the hub
    refuses the request itself and HubUnreachable when no answer comes; a payment the operator declines is an answer
    (status declined, a code and the limit that stopped it)."""

    def pay_code(self, payment_id: str, sale_id: str, code: str, amount: Any, budget_s: float = ...) -> Any: ...
    def create_order(self, order_id: str, sale_id: str, amount: Any) -> Any: ...
    def wait_order(self, order_id: str, wait_s: float) -> Any: ...
    def cancel_order(self, order_id: str) -> Any: ...
    def refund(self, refund_id: str, payment_id: str, amount: Any, reason: str, attempt: int = ...) -> Any: ...
    def issuer_key(self) -> bytes | None: ...


class HardWalletPort(Protocol):
    """A reader a hard wallet is presented to (drivers.card.hardwallet.HardWalletReader over pcscd or nfcpy):
    one two-way exchange; raises drivers.errors.DeviceError (CardRemoved, HardWalletError...)."""

    def pay(self, request: Any, precheck: Callable[..., None], accept: Callable[..., bytes],
            timeout: float = ...) -> Any: ...


class OfflineWalletPort(Protocol):
    """terminal.cbdc.offline.OfflineWallets: the till's own checks and caps for offline hard-wallet payments."""

    def precheck(self, cert_raw: bytes, status: Any, amount: int, currency: str, profile: str, now: int) -> Any: ...
    def verify(self, cert: Any, raw: bytes, request: Any, status: Any) -> Any: ...
    def noted(self, seq: int, payload: Mapping[str, Any], at: int) -> None: ...
    def waiting(self) -> list[Any]: ...


class ShiftPort(Protocol):
    """terminal.shifts.Shifts: the open shift (None before the float is counted)."""

    def current(self) -> Any | None: ...


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
    shifts: ShiftPort | None = None  # a till with a cash drawer sells only in an open shift; None: no shifts kept
    cbdc: CbdcPort | None = None  # digital currency online (None: no hub, online CBDC refused with a sentence)
    offline_wallets: OfflineWalletPort | None = None  # offline hard-wallet checks (None: hard wallets not taken)
    hard_wallet: HardWalletPort | None = None  # contact reader for hard wallets
    contactless_wallet: HardWalletPort | None = None  # contactless reader for hard wallets
    receipt_signer: Callable[[bytes], bytes] | None = None  # the terminal key signs hard-wallet receipts
