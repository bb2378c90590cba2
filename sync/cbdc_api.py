"""The digital-currency endpoints of the hub protocol (v1): request and answer bodies shared by the hub's reference
CBDC operator (hub/cbdc) and the till's client. Terminal calls are signed like every terminal request
(sync.protocol); wallet calls carry the wallet's own SM2 signature (sync.cbdc.wallet_request_input); admin calls
the hub's bearer token. Money is integer minor units + ISO 4217 code, as everywhere.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from sync.protocol import Amount, Key, Message, NoNul, PositiveAmount

WalletNo = Annotated[str, StringConstraints(pattern=r"^[0-9]{16}$")]
DeviceHex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
PublicKeyHex = Annotated[str, StringConstraints(pattern=r"^04[0-9a-f]{128}$")]
OrderId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=200), NoNul]
ISSUER_PATH = "/cbdc/issuer"


class CbdcStatus(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"


class CodePaymentRequest(Message):
    """Pay a sale with a customer-presented payment code. `payment_id` (chosen by the till) makes a retry safe."""

    payment_id: Key
    sale_id: Key
    code: Annotated[str, StringConstraints(min_length=10, max_length=200, pattern=r"^[\x21-\x7e]+$")]
    amount: PositiveAmount


class CbdcPaymentResponse(Message):
    payment_id: str
    status: CbdcStatus
    code: str | None = None  # why declined (stable, worded by the till): cbdc_over_payment_limit, ...
    message: str | None = None
    amount: Amount
    wallet_last4: str | None = None
    tier: str | None = None
    limit: Amount | None = None  # the limit that stopped it, when a limit did


class OrderRequest(Message):
    """A merchant-presented QR for `amount`: the till shows `qr`, the wallet pays it at the operator."""

    order_id: OrderId
    sale_id: Key
    amount: PositiveAmount


class OrderStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class OrderResponse(Message):
    order_id: str
    qr: str
    status: OrderStatus
    amount: Amount
    expires_at: datetime
    payment_id: str | None = None
    wallet_last4: str | None = None


class WalletPayOrder(Message):
    """A wallet pays a merchant order (scanned QR). Signed by the wallet: `signature` = hex SM2 over
    sync.cbdc.wallet_request_input(wallet_no, "pay-order", order_id bytes, time)."""

    wallet_no: WalletNo
    order_id: OrderId
    time: datetime
    signature: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{128}$")]


class CbdcRefundRequest(Message):
    """Give (part of) a digital-currency payment back to the wallet that paid it."""

    refund_id: Key
    payment_id: Key
    amount: PositiveAmount
    reason: Reason


class IssuerResponse(Message):
    issuer_public_key: PublicKeyHex
    currency: str


# --- admin -------------------------------------------------------------------------------------------------------


class WalletCreate(Message):
    tier: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
    public_key: PublicKeyHex  # the wallet app's key: signs payment codes and order payments


class WalletFund(Message):
    amount: PositiveAmount


class WalletInfo(Message):
    wallet_no: str
    tier: str
    balance: Amount
    paid_today: Amount
    per_payment: Amount
    per_day: Amount
    balance_cap: Amount


class DeviceCreate(Message):
    wallet_no: WalletNo
    public_key: PublicKeyHex  # the hard wallet's own key (generated inside the secure element)


class DeviceInfo(Message):
    device_id: str
    wallet_no: str
    cert: str  # hex of the issuer-signed certificate (sync.cbdc.DeviceCert)
    loaded: Amount
    settled: Amount
    revoked: bool


class DeviceLoad(Message):
    amount: PositiveAmount


class LoadResponse(Message):
    device_id: str
    load: str  # hex of the issuer-signed load token (sync.cbdc.LoadToken) to put into the hard wallet
    loaded: Amount


class DeviceRevoke(Message):
    reason: Reason


class MerchantWallet(Message):
    bank_account: Annotated[str, StringConstraints(min_length=4, max_length=64), NoNul]
    sweep_cap: Annotated[int, Field(ge=0, le=10**12, strict=True)] | None = None


class StatementLine(Message):
    payment_id: str
    kind: Literal["online", "offline", "refund", "sweep"]
    status: str
    amount: Amount
    wallet_last4: str | None
    terminal_id: str | None
    sale_id: str | None
    at: datetime


class Statement(Message):
    merchant_id: str
    day: str
    currency: str
    received: int
    refunded: int
    reversed: int
    swept: int
    wallet_balance: int
    bank_account: str | None
    lines: list[StatementLine]


class ExceptionRecord(Message):
    """One exception for the back office: a kind (e.g. cbdc_double_spend) and its detail."""

    id: str
    kind: str
    merchant_id: str
    terminal_id: str | None
    ref: str | None
    detail: dict[str, str | int | None]
    created_at: datetime
