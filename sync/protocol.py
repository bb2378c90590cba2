"""The terminal <-> hub sync protocol, version 1: message schemas and request signing.

Both sides import this module (the hub imports nothing else of `sync` but `crypto`, `verify` and the journal's
`genesis_hash`). The OpenAPI file generated from the hub (`hub/openapi.json`) is the published form; a test keeps
the two identical.

Every terminal request carries four headers and is signed with the terminal's SM2 key:
    X-Edgepos-Terminal   terminal id (as enrolled)
    X-Edgepos-Time       the terminal's clock when sending, ISO 8601 UTC
    Idempotency-Key      unique per logical request; a retry reuses it, the hub answers a retry with the first answer
    X-Edgepos-Signature  hex SM2 signature of `signing_input(...)`
The hub checks the signature against the key registered at enrolment, refuses clocks more than `MAX_CLOCK_SKEW`
away and reports the measured skew (milliseconds, hub minus terminal) in `X-Edgepos-Clock-Skew-Ms` on every answer.

Money on the wire is `{"amount": int minor units (|amount| <= MAX_AMOUNT), "currency": active ISO 4217 code}`;
rates are decimal strings; times are ISO 8601 UTC; no string may hold a NUL character.

Enrolment uses a one-time code the hub minted for the merchant (see EnrolRequest); the code itself never travels.

Load balancers and supervisors: `GET /v1/health` (liveness: 200 while the hub process serves) and `GET /v1/ready`
(readiness: 200 while its database answers, 503 `not_ready` while not), both without authentication and outside
the admission queue. A hub may run as several processes (`edgepos hub --workers N`, or several machines) over one
PostgreSQL database: any of them may answer any request, since every lock, answer and key lives in the database.

Backpressure: the hub never lets a request time out in a queue. It answers at once with a Problem and a
`Retry-After` (whole seconds): 429 `terminal_busy` when this terminal already has its share of the hub's places in
flight (admission is fair per terminal), 429 `too_many_attempts` after repeated authentication failures, 503 `busy`
when the hub is full, 503 when its database is unavailable. Requests a customer waits on at the till
(authorisation, capture, void, refund, CBDC payments and refunds) have a few admission places and database
connections of their own and are let in before journal uploads and pulls, so a reconnect storm does not push them
past the till's budget. Nothing was applied; the client waits at least
`Retry-After` (stretched at random by up to half, so a fleet does not return in one wave; longer when its own
exponential backoff says so) and sends the same request again under the same Idempotency-Key. The uplink resumes
at its first unacknowledged record: what the hub acknowledged before the refusal stays acknowledged.

Journal records travel exactly as stored (payload text byte for byte), so the hub checks the same hash chain and
signatures the terminal wrote.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from sync.crypto import Sm2PrivateKey, Sm2PublicKey, hmac_sm3, sm3

PROTOCOL_VERSION = 1
API_PREFIX = "/v1"

H_TERMINAL = "X-Edgepos-Terminal"
H_TIME = "X-Edgepos-Time"
H_IDEMPOTENCY = "Idempotency-Key"
H_SIGNATURE = "X-Edgepos-Signature"
H_SKEW = "X-Edgepos-Clock-Skew-Ms"

MAX_CLOCK_SKEW = timedelta(minutes=15)  # wider than any NTP-less till drifts in a day; replays are stopped by keys
MAX_BATCH = 1000  # records per upload
MAX_BODY = 8 * 1024 * 1024  # bytes; the hub refuses larger bodies before parsing

MAX_AMOUNT = 10**12  # minor units in one amount (10 billion CNY, 1 trillion JPY): sums of millions of them still fit
#                     a signed 64-bit integer, so no day's settlement can overflow; larger amounts are refused (422)

# Active ISO 4217 codes (test and precious-metal codes excluded): "ZZZ" is not money.
_ISO_4217_CODES = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF
CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL
HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL
MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON
RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
"""
ISO_4217 = frozenset(_ISO_4217_CODES.split())


def _iso_4217(code: str) -> str:
    if code not in ISO_4217:
        raise ValueError(f"{code} is not an ISO 4217 currency code")
    return code


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError("a NUL character is not allowed")
    return text


NoNul = AfterValidator(_no_nul)


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as Asia/Shanghai") from None
    return name


TimeZoneName = Annotated[str, AfterValidator(_known_zone)]  # an IANA name (a merchant's day, a till's receipts)
TerminalId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
MerchantId = TerminalId
Key = Annotated[str, StringConstraints(min_length=8, max_length=128, pattern=r"^[\x21-\x7e]+$")]
Hex = Annotated[str, StringConstraints(pattern=r"^([0-9a-f]{2})*$", max_length=4096)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(_iso_4217)]
MinorUnits = Annotated[int, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, strict=True)]
PositiveMinorUnits = Annotated[int, Field(gt=0, le=MAX_AMOUNT, strict=True)]
Token = Annotated[str, StringConstraints(pattern=r"^tk_[0-9a-f]{8,64}$")]


class Message(BaseModel):
    """Strict: unknown fields, wrong types and coercions are refused with a clear 422, never guessed at."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Amount(Message):
    amount: MinorUnits
    currency: CurrencyCode


class PositiveAmount(Message):
    amount: PositiveMinorUnits
    currency: CurrencyCode


class Problem(Message):
    """Every error answer: a short sentence for people, a stable code for programs."""

    code: str
    message: str
    seq: int | None = None  # the journal record concerned, when there is one


# --- enrolment ---------------------------------------------------------------------------------------------------


class EnrolRequest(Message):
    """Register a terminal's public key with a one-time enrolment code the hub administrator minted for the merchant
    (`edgepos hub enrol-code`). The code never travels: `code_id` names it and `proof` = hex HMAC-SM3(
    `enrol_code_key(code)`, `enrolment_message(...)`) shows the technician holds it; the request signature shows the
    terminal holds the key. A code enrols one terminal of its own merchant, once, before it expires."""

    terminal_id: TerminalId
    merchant_id: MerchantId
    public_key: Annotated[str, StringConstraints(pattern=r"^04[0-9a-f]{128}$")]
    code_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
    proof: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class EnrolResponse(Message):
    terminal_id: str
    merchant_id: str
    enrolled_at: datetime
    last_seq: int  # the last journal record the hub holds from this terminal (0: none), to resume from
    last_hash: Hex  # its hash (empty when none)


def normalise_enrol_code(code: bytes | str) -> bytes:
    """The code as the hub minted it: upper case, without the dashes and spaces people type or paste."""
    text = code.decode("ascii", "replace") if isinstance(code, bytes) else code
    return "".join(ch for ch in text.upper() if ch not in "- \t\r\n").encode("ascii", "replace")


def enrol_code_id(code: bytes | str) -> str:
    """The public name of a code (what the hub looks it up by); it reveals nothing of the code."""
    return sm3(b"edgepos-enrol-code-id\n" + normalise_enrol_code(code)).hex()[:32]


def enrol_code_key(code: bytes | str) -> bytes:
    """The proof key of a code: the hub keeps only this hash, never the code."""
    return sm3(b"edgepos-enrol-code-key\n" + normalise_enrol_code(code))


def enrolment_message(terminal_id: str, merchant_id: str, public_key_hex: str, code_id: str) -> bytes:
    return f"edgepos-enrol-v2\n{terminal_id}\n{merchant_id}\n{public_key_hex}\n{code_id}".encode()


def proof_with_key(key: bytes, terminal_id: str, merchant_id: str, public_key_hex: str, code_id: str) -> str:
    return hmac_sm3(key, enrolment_message(terminal_id, merchant_id, public_key_hex, code_id)).hex()


def enrolment_proof(code: bytes | str, terminal_id: str, merchant_id: str, public_key_hex: str) -> str:
    """What the terminal sends as `proof` for enrolment `code` (the code itself stays on the terminal)."""
    return proof_with_key(enrol_code_key(code), terminal_id, merchant_id, public_key_hex, enrol_code_id(code))


def enrol_request(code: bytes | str, terminal_id: str, merchant_id: str, public_key_hex: str) -> EnrolRequest:
    """The enrolment a terminal sends for one-time `code`: its id and the proof, never the code."""
    return EnrolRequest(terminal_id=terminal_id, merchant_id=merchant_id, public_key=public_key_hex,
                        code_id=enrol_code_id(code),
                        proof=enrolment_proof(code, terminal_id, merchant_id, public_key_hex))


# --- online authorisation (two-phase) ----------------------------------------------------------------------------


class TenderKind(StrEnum):
    """The same values as terminal.domain.TenderKind (the hub does not import the terminal)."""

    CASH = "cash"
    CARD_CONTACT = "card_contact"
    CARD_CONTACTLESS = "card_contactless"
    QR_CUSTOMER = "qr_customer"
    QR_MERCHANT = "qr_merchant"
    CBDC_WALLET = "cbdc_wallet"


class AuthRequest(Message):
    """Place a hold. `auth_id` is chosen by the terminal (a uuid) so a retry can never place a second hold."""

    auth_id: Key
    sale_id: Key
    tender: TenderKind
    amount: PositiveAmount
    token: Token | None = None  # card / wallet token (never a PAN)
    last4: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")] | None = None


class AuthStatus(StrEnum):
    APPROVED = "approved"  # hold pending
    DECLINED = "declined"
    CAPTURED = "captured"
    VOIDED = "voided"
    EXPIRED = "expired"


class AuthResponse(Message):
    auth_id: str
    status: AuthStatus
    reason: str | None = None  # why declined, in words
    amount: Amount
    captured: Amount  # how much of the hold was posted
    refunded: Amount
    expires_at: datetime | None = None  # when a pending hold lapses by itself


class CaptureRequest(Message):
    """Post (part of) a pending hold. Capturing less than the hold releases the rest."""

    auth_id: Key
    amount: PositiveAmount


class VoidRequest(Message):
    auth_id: Key
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200), NoNul]


class RefundRequest(Message):
    """Give back (part of) a captured authorisation; the total refunded never exceeds what was captured."""

    refund_id: Key
    auth_id: Key
    amount: PositiveAmount
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200), NoNul]


# --- journal upload ----------------------------------------------------------------------------------------------


class WireRecord(Message):
    """One journal record exactly as stored on the terminal (see sync.journal.Record)."""

    seq: Annotated[int, Field(ge=1, strict=True)]
    terminal_id: TerminalId
    time: Annotated[str, StringConstraints(max_length=40)]  # as stored, byte for byte (it is signed)
    type: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$", max_length=64)]
    payload: Annotated[str, StringConstraints(max_length=256 * 1024)]  # canonical JSON text, byte for byte
    secret: Annotated[str, StringConstraints(max_length=64 * 1024)] | None = None  # base64 of the sealed blob
    prev_hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    signature: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{128}$")]


class UploadRequest(Message):
    """Consecutive records of one terminal, in order. Records the hub already holds are answered `duplicate`."""

    records: Annotated[list[WireRecord], Field(min_length=1, max_length=MAX_BATCH)]


class RecordStatus(StrEnum):
    ACCEPTED = "accepted"  # new, verified, booked
    DUPLICATE = "duplicate"  # already held with the same hash: counted once, acknowledge it
    DECLINED = "declined"  # verified and stored, but the hub refuses the money movement (e.g. blacklisted card
    #                        approved offline): the terminal acknowledges it and raises an exception for the manager
    REJECTED = "rejected"  # not stored: broken chain, bad signature, gap, conflict; the batch stops here


class RecordResult(Message):
    seq: int
    status: RecordStatus
    code: str | None = None  # machine-readable reason for declined / rejected; `declined:<code>` on a duplicate of
    #                          a record the hub declined (the terminal raises its exception if it has not yet)
    message: str | None = None


class UploadResponse(Message):
    results: list[RecordResult]  # one per record sent, in order, up to and including the first rejected one
    last_seq: int  # the hub's last held record of this terminal after this upload
    last_hash: Hex


class JournalCopy(Message):
    """The hub's copy of a terminal's own records after `after` (a till restored from an older backup fetches what
    it lacks), with the hub's chain head: `last_seq` above the till's own head means the till is behind."""

    records: list[WireRecord]  # consecutive, from after + 1, at most MAX_BATCH
    last_seq: int
    last_hash: Hex


# --- downstream --------------------------------------------------------------------------------------------------


class ConfigResponse(Message):
    version: int
    values: dict[str, str | int | bool | None]  # layered already: defaults < profile < site < terminal


class BlacklistDelta(Message):
    version: int  # apply `added` / `removed` on top of `since` to reach `version`
    since: int
    full: bool  # true: `added` is the whole list (the terminal's version was too old for a delta)
    added: list[Token]
    removed: list[Token]


class RatesResponse(Message):
    version: int
    base: CurrencyCode
    as_of: datetime
    rates: dict[CurrencyCode, Annotated[str, StringConstraints(pattern=r"^[0-9]+(\.[0-9]+)?$")]]  # Decimal text

    def decimal(self, currency: str) -> Decimal:
        return Decimal(self.rates[currency])


class ModelResponse(Message):
    version: str
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None
    url: str | None = None  # where to fetch the signed .onnx from the hub; None: no model published


class ModelFile(Message):
    """A published risk model's signed files (`GET /v1/model/file?sha256=`): the till checks the digest and the
    signature (models/scorer.py) before it runs it, in shadow first."""

    version: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]  # of the .onnx bytes
    onnx: Annotated[str, StringConstraints(max_length=64 * 1024 * 1024)]  # base64
    meta: Annotated[str, StringConstraints(max_length=1024 * 1024)]  # the .json, text
    signature: Annotated[str, StringConstraints(max_length=64 * 1024)]  # the .sig.json, text


class SettlementTotal(Message):
    """One business day's booked money, per tender kind, for one terminal or merchant."""

    business_day: str  # YYYY-MM-DD, UTC
    scope: Literal["terminal", "merchant"]
    id: str
    currency: CurrencyCode
    sales: int  # minor units
    refunds: int
    net: int
    count: int
    by_tender: dict[str, int]


# --- request signing ---------------------------------------------------------------------------------------------


class SignatureError(Exception):
    """A request's signature headers are missing, malformed, stale or do not verify."""


class SignatureMismatch(SignatureError):
    """Well-formed, in time, but not signed by the key given (the hub cannot tell a wrong key from an unknown id)."""


class ClockSkewError(SignatureError):
    """The terminal's clock is further off than MAX_CLOCK_SKEW (the hub answers `clock_skew`, not `bad_signature`)."""

    def __init__(self, message: str, skew_ms: int) -> None:
        super().__init__(message)
        self.skew_ms = skew_ms


def signing_input(method: str, path: str, terminal_id: str, time: str, idempotency_key: str, body: bytes) -> bytes:
    """What the terminal signs: SM3 over method, path (with query), the headers and the SM3 of the body."""
    head = "\n".join(("edgepos-request-v1", method.upper(), path, terminal_id, time, idempotency_key)).encode()
    return sm3(head + b"\n" + sm3(body))


def sign_request(
    key: Sm2PrivateKey, terminal_id: str, method: str, path: str, idempotency_key: str, body: bytes,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers that authenticate one request."""
    sent = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds")
    signature = key.sign(signing_input(method, path, terminal_id, sent, idempotency_key, body))
    return {H_TERMINAL: terminal_id, H_TIME: sent, H_IDEMPOTENCY: idempotency_key, H_SIGNATURE: signature.hex()}


def clock_skew_ms(sent: str, now: datetime | None = None) -> int:
    """How far the terminal's clock (its `X-Edgepos-Time` header) is behind the hub's, in ms (negative: ahead)."""
    try:
        sent_at = datetime.fromisoformat(sent)
    except ValueError:
        raise SignatureError(f"{H_TIME} is not an ISO 8601 time") from None
    if sent_at.utcoffset() is None:
        raise SignatureError(f"{H_TIME} must carry a time zone")
    return round(((now or datetime.now(UTC)) - sent_at).total_seconds() * 1000)


def check_request(
    public_key: bytes | Sm2PublicKey, method: str, path: str, headers: dict[str, str], body: bytes,
    now: datetime | None = None,
) -> int:
    """Verify a request's signature and clock; returns the clock skew in ms (hub minus terminal). Pass a loaded
    Sm2PublicKey when checking many requests of one key (loading costs about as much as verifying)."""
    try:
        terminal_id, sent, key, signature = (headers[h] for h in (H_TERMINAL, H_TIME, H_IDEMPOTENCY, H_SIGNATURE))
    except KeyError as missing:
        raise SignatureError(f"header {missing.args[0]} is missing") from None
    try:
        raw_signature = bytes.fromhex(signature)
    except ValueError:
        raise SignatureError(f"{H_SIGNATURE} is not hex") from None
    skew_ms = clock_skew_ms(sent, now)
    if abs(skew_ms) > MAX_CLOCK_SKEW.total_seconds() * 1000:
        raise ClockSkewError(
            f"terminal clock is off by {skew_ms / 1000:.0f} s (more than {MAX_CLOCK_SKEW.total_seconds() / 60:.0f} "
            "min); set the clock and retry", skew_ms)
    verifier = public_key if isinstance(public_key, Sm2PublicKey) else Sm2PublicKey(public_key)
    if not verifier.verify(raw_signature, signing_input(method, path, terminal_id, sent, key, body)):
        raise SignatureMismatch("request signature does not verify with the key registered for this terminal")
    return skew_ms
