"""The signed HTTP client of the hub protocol: one terminal's requests to its hub, and nothing else.

Every request is signed with the terminal's key and carries an idempotency key derived from what it asks (an
authorisation from its auth_id, an upload from its records), so a retry after a lost answer is recognised by the hub
and never places a second hold or books a record twice. The client tracks the hub's clock skew and, once the hub
says our clock is too far off, signs with the hub's time. Problems come back as two errors: HubUnavailable (network,
timeout, 5xx, an answer that does not fit the protocol: try later) and HubRefused (4xx: retrying will not help).
The store-and-forward worker that decides what to send and when is sync.uplink.Uplink; the checkout's adapter is
terminal.hub_link.HubLink.
"""

from __future__ import annotations

import base64
import logging
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ValidationError

from sync.crypto import sm3
from sync.journal import Record, utc_now
from sync.keystore import KeyStore
from sync.protocol import (
    API_PREFIX,
    H_SKEW,
    MAX_BODY,
    AuthRequest,
    AuthResponse,
    AuthStatus,
    BlacklistDelta,
    CaptureRequest,
    ConfigResponse,
    EnrolResponse,
    JournalCopy,
    Message,
    ModelFile,
    ModelResponse,
    PositiveAmount,
    Problem,
    RatesResponse,
    RefundRequest,
    UploadRequest,
    UploadResponse,
    VoidRequest,
    WireRecord,
    enrol_request,
    sign_request,
)

log = logging.getLogger("edgepos.uplink")  # the name the logs have always used for the link to the hub

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=3.0)


MAX_RETRY_AFTER_S = 300.0  # a hub's Retry-After is honoured up to this (a broken or hostile value cannot park a till)


class HubUnavailable(Exception):
    """The hub could not be reached or did not answer properly (network, timeout, 5xx, 429, cut answer): retry later.
    `retry_after_s`: when the hub said how long to wait (Retry-After on 429 and 503), else None."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class HubRefused(Exception):
    """The hub answered with a Problem (4xx): retrying the same request will not help."""

    def __init__(self, status: int, code: str, message: str, seq: int | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.seq = status, code, message, seq


Decision = Literal["approved", "declined", "unavailable"]


@dataclass(frozen=True)
class AuthOutcome:
    """The hub's answer to an online authorisation, or `unavailable` when none came within the budget."""

    decision: Decision
    auth_id: str
    reason: str | None = None
    response: AuthResponse | None = None
    elapsed_ms: float = 0.0

    @property
    def approved(self) -> bool:
        return self.decision == "approved"


# --- wire form and idempotency keys -------------------------------------------------------------------------------


def to_wire(record: Record) -> WireRecord:
    """A journal record exactly as stored: payload text byte for byte, sealed secret as base64, digests as hex."""
    return WireRecord(
        seq=record.seq,
        terminal_id=record.terminal_id,
        time=record.time_text,
        type=record.type,
        payload=record.payload_raw.decode("utf-8"),
        secret=base64.b64encode(record.secret).decode("ascii") if record.secret is not None else None,
        prev_hash=record.prev_hash.hex(),
        hash=record.hash.hex(),
        signature=record.signature.hex(),
    )


def from_wire(record: WireRecord) -> Record:
    """The inverse of `to_wire` (records the hub sends back to the terminal that signed them)."""
    return Record(record.seq, record.terminal_id, datetime.fromisoformat(record.time), record.type,
                  record.payload.encode("utf-8"), base64.b64decode(record.secret) if record.secret else None,
                  bytes.fromhex(record.prev_hash), bytes.fromhex(record.hash), bytes.fromhex(record.signature))


def batch_key(terminal_id: str, records: list[Record]) -> str:
    """The idempotency key of an upload: derived from its content, so a retry of the same batch is recognised."""
    digest = sm3(terminal_id.encode() + b"\x00" + b"".join(r.hash for r in records)).hex()[:40]
    return f"upload:{records[0].seq}-{records[-1].seq}:{digest}"


def _key(prefix: str, ident: str) -> str:
    """An idempotency key for one logical request on `ident`; hashed when it would be too long for the protocol."""
    key = f"{prefix}:{ident}"
    return key if len(key) <= 128 else f"{prefix}:{sm3(ident.encode()).hex()}"


# --- the client ---------------------------------------------------------------------------------------------------


class HubClient:
    """One terminal's signed requests to its hub. Thread-safe for the till's use: the sync thread uploads while the
    checkout authorises (online calls run on a small pool of their own, so a budget holds against a hung hub)."""

    def __init__(
        self,
        keystore: KeyStore,
        hub_url: str,
        *,
        clock: Callable[[], datetime] = utc_now,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._keys = keystore
        self._signer = keystore.signing_key()
        self.terminal_id = keystore.terminal_id
        self._clock = clock
        url = httpx.URL(hub_url)
        self.hub_url = str(url)
        self._prefix = url.path.rstrip("/")  # a hub behind a path prefix: the prefix is part of the signed path
        self._client = httpx.Client(base_url=url.copy_with(path="/"), timeout=timeout, transport=transport,
                                    headers={"User-Agent": "edgepos-uplink/1"})
        self._last_skew: int | None = None
        self._clock_offset = timedelta(0)  # corrects request times after the hub reports our clock too far off
        self._online = ThreadPoolExecutor(max_workers=4, thread_name_prefix="edgepos-auth")

    def close(self) -> None:
        self._online.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def last_skew_ms(self) -> int | None:
        """Hub clock minus terminal clock (ms) at the last answer."""
        return self._last_skew

    # --- enrolment and the hub's copy of this terminal's journal -------------------------------------------------

    def enrol(self, merchant_id: str, code: bytes) -> EnrolResponse:
        """Register this terminal's public key with the hub, proving a one-time enrolment code the hub minted for
        the merchant (the code itself is not sent). A retry after a lost answer enrols idempotently."""
        request = enrol_request(code, self.terminal_id, merchant_id, self._keys.public_key().hex())
        key = _key("enrol", f"{self.terminal_id}:{merchant_id}:{sm3(self._keys.public_key()).hex()[:32]}:"
                   f"{request.code_id}")
        return self._parse(self._call("POST", "/enrol", request, key), EnrolResponse)

    def journal_copy(self, after: int, timeout: httpx.Timeout | None = None) -> JournalCopy:
        """The hub's copy of this terminal's records after `after` (up to 1,000) and the hub's chain head."""
        response = self._call("GET", f"/journal?after={after}", None, f"get:{uuid.uuid4().hex}", timeout)
        return self._parse(response, JournalCopy)

    # --- upstream: one batch of journal records ------------------------------------------------------------------

    def upload(self, batch: list[Record]) -> tuple[UploadResponse, list[Record]]:
        """POST one batch (halved until it fits the hub's body limit); returns the answer and what was sent."""
        while True:
            body = UploadRequest(records=[to_wire(r) for r in batch]).model_dump_json().encode()
            if len(body) <= MAX_BODY or len(batch) == 1:
                break
            batch = batch[: len(batch) // 2]
        key = batch_key(self.terminal_id, batch)
        response = self._parse(self._call("POST", "/journal", body, key), UploadResponse)
        return response, batch

    # --- downstream ----------------------------------------------------------------------------------------------

    def config(self) -> ConfigResponse:
        return self._get("/config", ConfigResponse)

    def blacklist(self, since: int) -> BlacklistDelta:
        """The blacklist changes after version `since` (0: the whole list)."""
        return self._get(f"/blacklist?since={since}", BlacklistDelta)

    def rates(self) -> RatesResponse | None:
        """The exchange rates, or None when the hub has published none yet (404)."""
        try:
            return self._get("/rates", RatesResponse)
        except HubRefused as exc:
            if exc.status == 404:
                return None
            raise

    def model(self) -> ModelResponse:
        return self._get("/model", ModelResponse)

    def model_file(self, sha256: str) -> ModelFile:
        """A published risk model's signed files (check digest and signature before use: models/delivery.py)."""
        return self._get(f"/model/file?sha256={sha256}", ModelFile)

    # --- online authorisation and its follow-ups -----------------------------------------------------------------

    def authorise(self, request: AuthRequest, budget_s: float = 2.0) -> AuthOutcome:
        """Ask the hub to place a hold; `unavailable` when no answer comes within `budget_s` (network trouble,
        timeout, 5xx), so checkout can fall back to offline approval when its profile allows. A retry must pass
        the same request (same auth_id): it reuses the idempotency key and can never place a second hold.
        Raises HubRefused when the hub refuses the request itself (4xx)."""
        started = time.monotonic()
        timeout = httpx.Timeout(budget_s)
        future = self._online.submit(self._call, "POST", "/auth", request, _key("auth", request.auth_id), timeout)

        def outcome(decision: Decision, reason: str | None = None, response: AuthResponse | None = None
                    ) -> AuthOutcome:
            return AuthOutcome(decision, request.auth_id, reason, response,
                               round((time.monotonic() - started) * 1000, 2))

        try:
            answer = self._parse(future.result(timeout=budget_s), AuthResponse)
        except FutureTimeout:
            future.cancel()
            return outcome("unavailable", f"the hub did not answer within {budget_s:g} s")
        except HubUnavailable as exc:
            return outcome("unavailable", str(exc))
        if answer.status in (AuthStatus.APPROVED, AuthStatus.CAPTURED):
            return outcome("approved", answer.reason, answer)
        return outcome("declined", answer.reason or f"authorisation {answer.status}", answer)

    def capture(self, auth_id: str, amount: PositiveAmount) -> AuthResponse:
        """Post (part of) a hold. Idempotent per hold: one capture per authorisation."""
        request = CaptureRequest(auth_id=auth_id, amount=amount)
        return self._parse(self._call("POST", "/capture", request, _key("capture", auth_id)), AuthResponse)

    def void(self, auth_id: str, reason: str) -> AuthResponse:
        request = VoidRequest(auth_id=auth_id, reason=reason)
        return self._parse(self._call("POST", "/void", request, _key("void", auth_id)), AuthResponse)

    def refund(self, refund_id: str, auth_id: str, amount: PositiveAmount, reason: str) -> AuthResponse:
        request = RefundRequest(refund_id=refund_id, auth_id=auth_id, amount=amount, reason=reason)
        key = _key("refund", f"{refund_id}:{auth_id}")  # one refund may go back to several holds
        return self._parse(self._call("POST", "/refund", request, key), AuthResponse)

    def signed(self, method: str, path: str, body: Message | None, key: str, model: type[BaseModel],
               timeout: float | None = None) -> Any:
        """One signed request to another endpoint family (e.g. sync.cbdc_client), answered as `model`."""
        response = self._call(method, path, body, _key(key.split(":", 1)[0], key.split(":", 1)[-1]),
                              httpx.Timeout(timeout) if timeout else None)
        return self._parse(response, model)

    # --- HTTP ----------------------------------------------------------------------------------------------------

    def signed_get(self, path: str, model: type[BaseModel]) -> Any:
        """A signed GET of `path` (under /v1) parsed as `model`: for endpoints outside the sync core (catalogue)."""
        return self._get(path, model)

    def signed_post(self, path: str, body: Message, key: str, model: type[BaseModel]) -> Any:
        """A signed POST of `body` to `path` (under /v1) with idempotency key `key`, parsed as `model` (fleet)."""
        return self._parse(self._call("POST", path, body, key), model)

    def _get(self, path: str, model: type[BaseModel]) -> Any:
        return self._parse(self._call("GET", path, None, f"get:{uuid.uuid4().hex}"), model)

    def _call(self, method: str, path: str, body: Message | bytes | None, key: str,
              timeout: httpx.Timeout | None = None, _retried: bool = False) -> httpx.Response:
        """Send one signed request; returns a 2xx response or raises HubUnavailable / HubRefused."""
        full_path = self._prefix + API_PREFIX + path
        raw = body.model_dump_json().encode() if isinstance(body, Message) else (body or b"")
        headers = sign_request(self._signer, self.terminal_id, method, full_path, key, raw,
                               now=self._clock() + self._clock_offset)
        if raw:
            headers["Content-Type"] = "application/json"
        try:
            response = self._client.request(method, full_path, content=raw or None, headers=headers,
                                            timeout=timeout or httpx.USE_CLIENT_DEFAULT)
        except httpx.TimeoutException:
            raise HubUnavailable(f"hub at {self.hub_url} did not answer in time") from None
        except httpx.TransportError as exc:
            raise HubUnavailable(f"hub at {self.hub_url} is unreachable ({_reason(exc)})") from None
        skew = _skew_ms(response)
        if skew is not None:  # the terminal's own clock, correction taken out
            self._last_skew = skew + round(self._clock_offset.total_seconds() * 1000)
        if response.status_code < 300:
            return response
        problem = _problem(response)
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise HubUnavailable(f"hub at {self.hub_url} is not available right now ({response.status_code}: "
                                 f"{problem.message})", retry_after(response))
        if problem.code == "clock_skew" and skew is not None and not _retried:
            # like well-known cloud SDKs: sign with the hub's time once it tells us how far off we are, and retry
            self._clock_offset += timedelta(milliseconds=skew)
            log.warning("terminal clock is off by %s ms from the hub's; correcting request times", skew)
            return self._call(method, path, body, key, timeout, _retried=True)
        if problem.code == "unknown_terminal":
            raise HubRefused(response.status_code, problem.code,
                             "this terminal is not enrolled at the hub; run: edgepos sync enrol --merchant ID")
        raise HubRefused(response.status_code, problem.code, problem.message, problem.seq)

    def _parse(self, response: httpx.Response, model: type[BaseModel]) -> Any:
        try:
            return model.model_validate_json(response.content)
        except ValidationError:
            raise HubUnavailable(f"hub at {self.hub_url} sent an answer that does not fit the protocol") from None


def _problem(response: httpx.Response) -> Problem:
    try:
        return Problem.model_validate_json(response.content)
    except ValidationError:
        return Problem(code=f"http_{response.status_code}", message=response.reason_phrase or "no details")


def retry_after(response: httpx.Response) -> float | None:
    """The hub's Retry-After in seconds (the delta-seconds form; an HTTP date or garbage: None), capped."""
    text = response.headers.get("retry-after", "").strip()
    if not re.fullmatch(r"[0-9]{1,6}", text):
        return None
    return min(float(text), MAX_RETRY_AFTER_S)


def _skew_ms(response: httpx.Response) -> int | None:
    """The hub's X-Edgepos-Clock-Skew-Ms, or None when absent or not a plausible integer (never trusted blindly)."""
    text = response.headers.get(H_SKEW, "")
    if not re.fullmatch(r"-?[0-9]{1,13}", text):  # 13 digits: about 300 years either way
        return None
    return int(text)


def _reason(exc: httpx.TransportError) -> str:
    text = str(exc) or type(exc).__name__
    if "refused" in text.lower():
        return "connection refused"
    return text if len(text) < 120 else type(exc).__name__
