"""One-time enrolment codes: the hub administrator mints one per terminal to enrol, bound to one merchant.

A code is 160 random bits (base32, in groups of four for typing). The hub keeps only its id and the hash that keys
the terminal's proof (`sync.protocol.enrol_code_key`), never the code. Redeeming marks it used in the same
transaction that registers the terminal, so a code enrols one terminal once; the same terminal sending the same
enrolment again (an answer lost on the way) is answered idempotently.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import Field

from hub.backend import Tx
from hub.clock import iso
from hub.errors import Unauthorized
from sync.protocol import (
    EnrolRequest,
    MerchantId,
    Message,
    enrol_code_id,
    enrol_code_key,
    proof_with_key,
)

CODE_BYTES = 20  # 160 bits
DEFAULT_TTL = timedelta(hours=1)
MIN_TTL, MAX_TTL = timedelta(minutes=1), timedelta(days=7)
REFUSED = "the enrolment code is not valid; ask the hub administrator for a new one (`edgepos hub enrol-code`)"


class EnrolCodeRequest(Message):
    """Mint a one-time enrolment code for `merchant_id`, valid for `expires_in_s` seconds (default 1 hour)."""

    merchant_id: MerchantId
    expires_in_s: Annotated[int, Field(ge=int(MIN_TTL.total_seconds()), le=int(MAX_TTL.total_seconds()),
                                       strict=True)] = int(DEFAULT_TTL.total_seconds())


class EnrolCodeResponse(Message):
    """The code, shown once: give it to the technician enrolling one terminal (`EDGEPOS_ENROL_CODE`)."""

    code: str
    code_id: str
    merchant_id: str
    expires_at: datetime


def new_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii")
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def mint(tx: Tx, merchant_id: str, ttl: timedelta, now: datetime) -> EnrolCodeResponse:
    if not MIN_TTL <= ttl <= MAX_TTL:
        raise ValueError(f"an enrolment code lives between 1 minute and {MAX_TTL.days} days")
    code = new_code()
    expires = now + ttl
    tx.run("INSERT INTO enrol_codes (id, key_hash, merchant_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
           (enrol_code_id(code), enrol_code_key(code).hex(), merchant_id, iso(now), iso(expires)))
    return EnrolCodeResponse(code=code, code_id=enrol_code_id(code), merchant_id=merchant_id, expires_at=expires)


def redeem(tx: Tx, request: EnrolRequest, now: datetime) -> bool:
    """Check the proof and spend the code; True when this terminal spent it already (a retried enrolment: the
    caller answers it if the terminal is enrolled with the same key). Every refusal is a 401."""
    tx.lock_name(f"enrol-code:{request.code_id}")
    row = tx.one("SELECT key_hash, merchant_id, expires_at, used_by FROM enrol_codes WHERE id = ?",
                 (request.code_id,))
    if row is None:
        raise Unauthorized(REFUSED, code="bad_code")
    key_hash, merchant_id, expires_at, used_by = row
    expected = proof_with_key(bytes.fromhex(key_hash), request.terminal_id, request.merchant_id, request.public_key,
                              request.code_id)
    if not hmac.compare_digest(expected, request.proof):
        raise Unauthorized(REFUSED, code="bad_code")
    if merchant_id != request.merchant_id:  # the proof covers the merchant, so this is a technician's slip
        raise Unauthorized("this enrolment code was minted for another merchant", code="wrong_merchant")
    if used_by is not None:
        if used_by == request.terminal_id:
            return True
        raise Unauthorized("this enrolment code was used already; each code enrols one terminal once",
                           code="code_used")
    if datetime.fromisoformat(expires_at) <= now:
        raise Unauthorized("this enrolment code has expired; ask the hub administrator for a new one",
                           code="code_expired")
    tx.run("UPDATE enrol_codes SET used_at = ?, used_by = ? WHERE id = ?", (iso(now), request.terminal_id,
                                                                           request.code_id))
    return False
