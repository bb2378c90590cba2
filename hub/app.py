"""The hub's HTTP API (protocol v1): terminal endpoints signed with the terminal's SM2 key, admin endpoints behind a
bearer token. Every error body is a `Problem`; nothing answers with a traceback.

Bodies are parsed by the protocol's strict pydantic models from the exact bytes that were signed (FastAPI would
validate a decoded dict, which strict models refuse for enums and times), and documented in the OpenAPI file.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
import traceback
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub import downstream, enrol_codes, reports, risk_loop
from hub.cbdc import api as cbdc_api
from hub.clock import Clock, utc_now
from hub.errors import HubError, StoreUnavailable, Unauthorized
from hub.http_guard import MAX_REQUESTS, SKEW_STATE, HubGuard, loggable
from hub.merchants import MerchantSettings
from hub.store import Idempotency, Reply, Store, problem_body
from hub.terminals import Terminal, TerminalCache
from hub.throttle import Throttle, Throttled
from sync.crypto import CryptoError, Sm2PrivateKey, Sm2PublicKey
from sync.protocol import (
    API_PREFIX,
    H_IDEMPOTENCY,
    H_SIGNATURE,
    H_TERMINAL,
    H_TIME,
    PROTOCOL_VERSION,
    AuthRequest,
    AuthResponse,
    BlacklistDelta,
    CaptureRequest,
    ClockSkewError,
    ConfigResponse,
    EnrolRequest,
    EnrolResponse,
    JournalCopy,
    ModelFile,
    ModelResponse,
    Problem,
    RatesResponse,
    RefundRequest,
    SettlementTotal,
    SignatureError,
    SignatureMismatch,
    UploadRequest,
    UploadResponse,
    VoidRequest,
    check_request,
    clock_skew_ms,
)

log = logging.getLogger("edgepos.hub")
M = TypeVar("M", bound=BaseModel)
SWEEP_EVERY_S = 60.0
SPARE_THREADS = 8  # beyond one per admitted request: readiness probes, which skip admission
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

REQUEST_MODELS: list[type[BaseModel]] = [
    EnrolRequest, AuthRequest, CaptureRequest, VoidRequest, RefundRequest, UploadRequest,
    downstream.ConfigUpdate, downstream.BlacklistChange, downstream.RatesUpdate, downstream.ModelUpdate,
    enrol_codes.EnrolCodeRequest, *cbdc_api.REQUEST_MODELS, risk_loop.LabelIn, risk_loop.LabelBatch,
    risk_loop.RiskSales,
]
_SIGNED_HEADERS = (H_TERMINAL, H_TIME, H_IDEMPOTENCY, H_SIGNATURE)
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before the next try (clients add jitter)",
                                 "schema": {"type": "integer", "minimum": 1}}}
_ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": Problem} for status in (401, 404, 408, 409, 413, 422)}
_ERRORS[429] = {"model": Problem, "headers": _RETRY_AFTER,
                "description": "Back off: this terminal has too many requests in flight (`terminal_busy`, admission "
                               "is fair per terminal) or this client failed authentication too often "
                               "(`too_many_attempts`). Retry after Retry-After with the same Idempotency-Key."}
_ERRORS[503] = {"model": Problem, "headers": _RETRY_AFTER,
                "description": "The hub is full (`busy`: no place within 0.5 s) or its database is unavailable. "
                               "Nothing was applied; retry after Retry-After with the same Idempotency-Key."}
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{8,128}")


class Health(BaseModel):
    status: str


@dataclass(frozen=True, slots=True)
class Signed:
    """A terminal request whose signature verified: who sent it, the exact body, its idempotency scope."""

    terminal: Terminal
    body: bytes
    idempotency: Idempotency


def parse(model: type[M], body: bytes) -> M:
    """Strict JSON parsing of the signed bytes; errors become the same 422 Problem as FastAPI's own. A NUL in any
    string is refused here too (no database text holds it); journal payloads are judged per record at ingest."""
    try:
        parsed = model.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from None
    if model is not UploadRequest and _has_nul(parsed.model_dump()):
        raise RequestValidationError([{"loc": ("body",), "msg": "a NUL character is not allowed in any field"}])
    return parsed


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _plain(text: str | None, what: str, limit: int = 128) -> str | None:
    """A query or path value stored nowhere but compared in SQL: no NUL, a sane length (422 otherwise)."""
    if text is not None and ("\x00" in text or len(text) > limit):
        raise HubError(f"{what} must be at most {limit} characters, without NUL", code="invalid_request")
    return text


def _body(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a body parsed by `parse` (FastAPI cannot see it)."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


def _signed_headers() -> dict[str, Any]:
    return {"parameters": [{"name": h, "in": "header", "required": True, "schema": {"type": "string"}}
                           for h in _SIGNED_HEADERS]}


def _doc(model: type[BaseModel] | None = None) -> dict[str, Any]:
    return {**_signed_headers(), **(_body(model) if model else {})}


def _reply(reply: Reply) -> Response:
    return Response(content=reply.body, status_code=reply.status, media_type="application/json")


def _json(model: BaseModel, status: int = 200) -> Response:
    return Response(content=model.model_dump_json(), status_code=status, media_type="application/json")


def _problem(status: int, code: str, message: str) -> Response:
    return Response(problem_body(HubError(message, code=code)), status_code=status, media_type="application/json")


@dataclass(frozen=True, slots=True)
class HubContext:
    store: Store
    admin_token: str
    clock: Clock
    throttle: Throttle
    keys: TerminalCache


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _context(request: Request) -> HubContext:
    return request.app.state.hub


def _signed_path(request: Request) -> str:
    """Path with query, as the terminal signed it."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def verify(request: Request, public_key: bytes | Sm2PublicKey, body: bytes,
           mismatch: Unauthorized | None = None) -> None:
    """Check the request's signature and clock; `mismatch` is raised instead when only the signature is wrong."""
    now = _context(request).clock()
    headers = {h: request.headers[h] for h in _SIGNED_HEADERS if h in request.headers}
    with contextlib.suppress(SignatureError):  # reported on every answer, a refusal included
        setattr(request.state, SKEW_STATE, clock_skew_ms(headers.get(H_TIME, ""), now))
    try:
        check_request(public_key, request.method, _signed_path(request), headers, body, now=now)
    except ClockSkewError as exc:
        raise Unauthorized(str(exc), code="clock_skew") from None
    except SignatureMismatch as exc:
        raise (mismatch or Unauthorized(str(exc), code="bad_signature")) from None
    except SignatureError as exc:
        raise Unauthorized(str(exc), code="bad_signature") from None


UNKNOWN_TERMINAL = ("terminal {0!r} is not enrolled, or the request was not signed with its enrolled key (altered "
                    "on the way?); enrol it (edgepos sync enrol)")
_NOBODY = Sm2PublicKey(Sm2PrivateKey.generate().public_key())  # verifies no real signature: unknown ids answer alike


async def signed_request(request: Request) -> Signed:
    """Dependency: the signed terminal request, or 401 (unknown_terminal, bad_signature, clock_skew). An id the hub
    does not know is answered exactly like a known one with a wrong signature, so answers never tell which ids
    exist. The key comes from a cache (keys never change once enrolled), so refusals cost no database work."""
    body = await request.body()
    terminal_id = request.headers.get(H_TERMINAL, "")
    if not terminal_id:
        raise Unauthorized(f"header {H_TERMINAL} is missing; sign every request", code="bad_signature")
    context = _context(request)
    terminal = await context.keys.get(terminal_id) if len(terminal_id) <= 64 else None
    verify(request, terminal.verifier() if terminal else _NOBODY, body,
           Unauthorized(UNKNOWN_TERMINAL.format(loggable(terminal_id, 64)), code="unknown_terminal"))
    assert terminal is not None  # _NOBODY verifies nothing
    key = request.headers[H_IDEMPOTENCY]
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise HubError(f"{H_IDEMPOTENCY} must be 8 to 128 printable ASCII characters without spaces",
                       code="invalid_request")
    return Signed(terminal, body, Idempotency.of(terminal.id, key, request.method, _signed_path(request), body))


def admin_only(request: Request) -> None:
    """Dependency: the admin bearer token, or 401; a client guessing it is slowed down (429, see hub.throttle)."""
    context = _context(request)
    with context.throttle.attempt(_client(request), "admin"):
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode("utf-8", "replace"), f"Bearer {context.admin_token}".encode()):
            raise Unauthorized("admin endpoints need `Authorization: Bearer <admin token>`", code="unauthorized")


SignedRequest = Annotated[Signed, Depends(signed_request)]
Admin = Depends(admin_only)


def create_app(store: Store, admin_token: str, clock: Clock = utc_now,
               sweep_every_s: float | None = SWEEP_EVERY_S, max_requests: int = MAX_REQUESTS,
               throttle: Throttle | None = None, identity: Sm2PrivateKey | None = None) -> FastAPI:
    if not admin_token:
        raise ValueError("the hub needs an admin token")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        threads = anyio.to_thread.current_default_thread_limiter()  # sync endpoints run on these worker threads:
        threads.total_tokens = max(threads.total_tokens, max_requests + SPARE_THREADS)  # one per admitted request,
        # so an admitted authorisation never waits for a thread behind uploads (anyio's default is 40)
        sweeper = asyncio.create_task(_sweep(store, sweep_every_s)) if sweep_every_s else None
        yield
        if sweeper:
            sweeper.cancel()

    app = FastAPI(title="edgepos hub", version=f"{PROTOCOL_VERSION}", lifespan=lifespan, docs_url=None,
                  redoc_url=None, openapi_url=None,  # published as hub/openapi.json, not served
                  description="Reference central ledger and online authorisation for edgepos terminals (protocol "
                              "v1). Terminal requests are SM2-signed (see sync/protocol.py); admin requests carry "
                              "`Authorization: Bearer <token>`. Every error body is a Problem. Under overload the "
                              "hub answers 429 `terminal_busy` or 503 `busy` with Retry-After at once instead of "
                              "letting requests time out; requests a customer waits on at the till (authorisation, "
                              "capture, void, refund, CBDC payments) have reserved places and go ahead of journal "
                              "uploads; `/v1/health` (liveness) and `/v1/ready` (readiness) are for load balancers.")
    _install_error_handlers(app)

    throttle = throttle or Throttle.for_store(store)
    app.state.hub = HubContext(store, admin_token, clock, throttle, TerminalCache(store))

    # --- operations -----------------------------------------------------------------------------------------------

    @app.get(f"{API_PREFIX}/health", response_model=Health, tags=["operations"])
    async def health() -> Response:
        """Liveness, for a load balancer or supervisor: 200 while the process serves (no authentication, no
        database, no admission queue). Restart the process when it fails."""
        return _json(Health(status="ok"))

    @app.get(f"{API_PREFIX}/ready", response_model=Health, tags=["operations"],
             responses={503: {"model": Problem, "description": "`not_ready`: the database does not answer"}})
    async def ready() -> Response:
        """Readiness, for a load balancer: 200 while this process's database answers (a commit in the last second,
        else a probe waiting at most 1 s for a connection); 503 `not_ready` while it does not, so traffic goes to
        other hubs meanwhile (the answer never names the database). No authentication, no admission queue."""
        if await run_in_threadpool(store.ping):
            return _json(Health(status="ready"))
        return _problem(503, "not_ready", "the hub's database is not reachable; retry shortly")

    # --- terminals ------------------------------------------------------------------------------------------------

    @app.post(f"{API_PREFIX}/enrol", response_model=EnrolResponse, responses=_ERRORS, tags=["terminal"],
              openapi_extra=_doc(EnrolRequest))
    async def enrol(request: Request) -> Response:
        """Register a terminal's public key: proof of a one-time enrolment code minted for the merchant (HMAC-SM3
        keyed by the code's hash; the code is spent), request signed with that key. Failures are throttled."""
        async with throttle.attempt_async(_client(request), "enrol"):
            return await _enrol(request)

    async def _enrol(request: Request) -> Response:
        body = await request.body()
        enrolment = parse(EnrolRequest, body)
        if request.headers.get(H_TERMINAL) != enrolment.terminal_id:
            raise Unauthorized(f"header {H_TERMINAL} must name the terminal being enrolled", code="bad_signature")
        try:
            Sm2PublicKey(bytes.fromhex(enrolment.public_key))
        except CryptoError as exc:  # hostile or broken input: a 422 like any bad field, not a 500
            raise RequestValidationError([{"loc": ("body", "public_key"), "msg": str(exc)}]) from None
        verify(request, bytes.fromhex(enrolment.public_key), body)
        return _json(await run_in_threadpool(store.enrol, enrolment))

    @app.post(f"{API_PREFIX}/auth", response_model=AuthResponse, responses=_ERRORS, tags=["terminal"],
              openapi_extra=_doc(AuthRequest))
    def authorise(signed: SignedRequest) -> Response:
        """Place a hold (pending transfer). Declined holds answer 200 with status `declined` and a reason."""
        return _reply(store.authorise(signed.terminal.id, parse(AuthRequest, signed.body), signed.idempotency))

    @app.post(f"{API_PREFIX}/capture", response_model=AuthResponse, responses=_ERRORS, tags=["terminal"],
              openapi_extra=_doc(CaptureRequest))
    def capture(signed: SignedRequest) -> Response:
        """Post (part of) a pending hold; the rest is released."""
        return _reply(store.capture(signed.terminal.id, parse(CaptureRequest, signed.body), signed.idempotency))

    @app.post(f"{API_PREFIX}/void", response_model=AuthResponse, responses=_ERRORS, tags=["terminal"],
              openapi_extra=_doc(VoidRequest))
    def void(signed: SignedRequest) -> Response:
        """Drop a pending hold."""
        return _reply(store.void(signed.terminal.id, parse(VoidRequest, signed.body), signed.idempotency))

    @app.post(f"{API_PREFIX}/refund", response_model=AuthResponse, responses=_ERRORS, tags=["terminal"],
              openapi_extra=_doc(RefundRequest))
    def refund(signed: SignedRequest) -> Response:
        """Give back captured money; never more than captured minus already refunded."""
        return _reply(store.refund(signed.terminal.id, parse(RefundRequest, signed.body), signed.idempotency))

    @app.post(f"{API_PREFIX}/journal", response_model=UploadResponse, responses=_ERRORS, tags=["terminal"],
              openapi_extra=_doc(UploadRequest))
    def upload(signed: SignedRequest) -> Response:
        """Upload consecutive journal records; one result per record up to the first rejected one."""
        batch = parse(UploadRequest, signed.body)
        return _reply(store.upload(signed.terminal.id, batch.records, signed.idempotency))

    @app.get(f"{API_PREFIX}/journal", response_model=JournalCopy, responses=_ERRORS, tags=["terminal"],
             openapi_extra=_doc())
    def journal_copy(signed: SignedRequest, after: Annotated[int, Query(ge=0, le=2**62)] = 0) -> Response:
        """The hub's copy of this terminal's records after seq `after` (up to 1,000) and its chain head."""
        return _json(store.journal_copy(signed.terminal, after))

    @app.get(f"{API_PREFIX}/config", response_model=ConfigResponse, responses=_ERRORS, tags=["terminal"],
             openapi_extra=_doc())
    def config(signed: SignedRequest) -> Response:
        return _json(store.config_for(signed.terminal.id))

    @app.get(f"{API_PREFIX}/blacklist", response_model=BlacklistDelta, responses=_ERRORS, tags=["terminal"],
             openapi_extra=_doc())
    def blacklist(signed: SignedRequest, since: Annotated[int, Query(ge=0, le=2**62)] = 0) -> Response:
        """Changes since version `since` (or the full list when `since` is 0 or unknown)."""
        return _json(store.blacklist_since(since))

    @app.get(f"{API_PREFIX}/rates", response_model=RatesResponse, responses=_ERRORS, tags=["terminal"],
             openapi_extra=_doc())
    def rates(signed: SignedRequest) -> Response:
        return _json(store.rates())

    @app.get(f"{API_PREFIX}/model", response_model=ModelResponse, responses=_ERRORS, tags=["terminal"],
             openapi_extra=_doc())
    def model(signed: SignedRequest) -> Response:
        return _json(store.model())

    # --- admin ----------------------------------------------------------------------------------------------------

    async def admin_body(request: Request, model: type[M]) -> M:
        return parse(model, await request.body())

    @app.put(f"{API_PREFIX}/admin/config", response_model=downstream.Version, responses=_ERRORS, tags=["admin"],
             dependencies=[Admin], openapi_extra=_body(downstream.ConfigUpdate))
    async def put_config(request: Request) -> Response:
        update = await admin_body(request, downstream.ConfigUpdate)
        return _json(await run_in_threadpool(store.put_config, update))

    @app.post(f"{API_PREFIX}/admin/blacklist", response_model=downstream.Version, responses=_ERRORS,
              tags=["admin"], dependencies=[Admin], openapi_extra=_body(downstream.BlacklistChange))
    async def change_blacklist(request: Request) -> Response:
        change = await admin_body(request, downstream.BlacklistChange)
        return _json(await run_in_threadpool(store.change_blacklist, change))

    @app.put(f"{API_PREFIX}/admin/rates", response_model=downstream.Version, responses=_ERRORS, tags=["admin"],
             dependencies=[Admin], openapi_extra=_body(downstream.RatesUpdate))
    async def put_rates(request: Request) -> Response:
        update = await admin_body(request, downstream.RatesUpdate)
        return _json(await run_in_threadpool(store.put_rates, update))

    @app.put(f"{API_PREFIX}/admin/model", response_model=downstream.Version, responses=_ERRORS, tags=["admin"],
             dependencies=[Admin], openapi_extra=_body(downstream.ModelUpdate))
    async def put_model(request: Request) -> Response:
        update = await admin_body(request, downstream.ModelUpdate)
        return _json(await run_in_threadpool(store.put_model, update))

    @app.post(f"{API_PREFIX}/admin/enrol-codes", response_model=enrol_codes.EnrolCodeResponse, status_code=201,
              responses=_ERRORS, tags=["admin"], dependencies=[Admin],
              openapi_extra=_body(enrol_codes.EnrolCodeRequest))
    async def mint_enrol_code(request: Request) -> Response:
        """A one-time code that enrols one terminal of the merchant, once, before it expires (shown only now)."""
        order = await admin_body(request, enrol_codes.EnrolCodeRequest)
        minted = await run_in_threadpool(store.mint_enrol_code, order.merchant_id,
                                         timedelta(seconds=order.expires_in_s))
        return _json(minted, 201)

    @app.put(f"{API_PREFIX}/admin/merchants/{{merchant_id}}", response_model=MerchantSettings, responses=_ERRORS,
             tags=["admin"], dependencies=[Admin], openapi_extra=_body(MerchantSettings))
    async def put_merchant(request: Request, merchant_id: str) -> Response:
        """A merchant's settings: the time zone of its business day (settlement days; UTC until set)."""
        settings = await admin_body(request, MerchantSettings)
        return _json(await run_in_threadpool(store.put_merchant, merchant_id, settings))

    @app.get(f"{API_PREFIX}/admin/settlement", response_model=list[SettlementTotal], responses=_ERRORS,
             tags=["admin"], dependencies=[Admin])
    def settlement(day: str, terminal: str | None = None, merchant: str | None = None) -> Response:
        """Booked money of one business day (in the merchant's time zone), one total per currency, for a terminal
        or a merchant."""
        if not _DAY.match(day):
            raise HubError("day must be YYYY-MM-DD", code="invalid_request")
        if (terminal is None) == (merchant is None):
            raise HubError("give exactly one of terminal= or merchant=", code="invalid_request")
        _plain(terminal, "terminal")
        _plain(merchant, "merchant")
        totals = (store.settlement(day, "terminal", terminal) if terminal is not None
                  else store.settlement(day, "merchant", merchant or ""))
        return Response(content=b"[" + b",".join(t.model_dump_json().encode() for t in totals) + b"]",
                        media_type="application/json")

    @app.get(f"{API_PREFIX}/admin/trial-balance", response_model=reports.TrialBalance, responses=_ERRORS,
             tags=["admin"], dependencies=[Admin])
    def trial_balance() -> Response:
        return _json(store.trial_balance())

    @app.get(f"{API_PREFIX}/admin/terminals/{{terminal_id}}", response_model=reports.TerminalStatus,
             responses=_ERRORS, tags=["admin"], dependencies=[Admin])
    def terminal_status(terminal_id: str) -> Response:
        return _json(store.terminal_status(_plain(terminal_id, "terminal id") or ""))

    cbdc_api.register(app, store, admin_token, clock, signed_request, admin_only, _doc, _body, _ERRORS)

    # --- risk learning loop (hub/risk_loop.py) --------------------------------------------------------------------

    @app.get(f"{API_PREFIX}/model/file", response_model=ModelFile, responses=_ERRORS, tags=["terminal"],
             openapi_extra=_doc())
    def model_file(signed: SignedRequest,
                   sha256: Annotated[str, Query(pattern=r"^[0-9a-f]{64}$")]) -> Response:
        """The signed files of a published risk model (the till checks digest and signature before using it)."""
        return _json(store.view(lambda tx: risk_loop.model_file(tx, sha256)))

    @app.post(f"{API_PREFIX}/admin/risk/labels", response_model=risk_loop.Label, status_code=201,
              responses=_ERRORS, tags=["admin"], dependencies=[Admin], openapi_extra=_body(risk_loop.LabelIn))
    async def add_risk_label(request: Request) -> Response:
        """A label with the time it became known: confirmed fraud, chargeback, review verdict, step-up outcome,
        or a decline marked wrong. A fraud label also blocks the sale's token."""
        label = await admin_body(request, risk_loop.LabelIn)
        now = clock()
        return _json(await run_in_threadpool(store.read, lambda tx: risk_loop.add_label(tx, label, now)), 201)

    @app.post(f"{API_PREFIX}/admin/risk/labels/batch", response_model=risk_loop.Count, status_code=201,
              responses=_ERRORS, tags=["admin"], dependencies=[Admin], openapi_extra=_body(risk_loop.LabelBatch))
    async def add_risk_labels(request: Request) -> Response:
        """Many labels in one transaction (all or none)."""
        batch = await admin_body(request, risk_loop.LabelBatch)
        now = clock()
        return _json(await run_in_threadpool(store.read, lambda tx: risk_loop.add_labels(tx, batch, now)), 201)

    @app.get(f"{API_PREFIX}/admin/risk/labels", response_model=list[risk_loop.Label], responses=_ERRORS,
             tags=["admin"], dependencies=[Admin])
    def risk_labels(after: Annotated[int, Query(ge=0, le=2**62)] = 0) -> Response:
        rows = store.view(lambda tx: risk_loop.labels(tx, after))
        return Response(content=b"[" + b",".join(r.model_dump_json().encode() for r in rows) + b"]",
                        media_type="application/json")

    @app.post(f"{API_PREFIX}/admin/risk/sales", response_model=risk_loop.Count, responses=_ERRORS, tags=["admin"],
              dependencies=[Admin], openapi_extra=_body(risk_loop.RiskSales))
    async def add_risk_sales(request: Request) -> Response:
        """Sales as the tills' risk engines saw them (the `edgepos risk score` line), the retraining's input."""
        sales = await admin_body(request, risk_loop.RiskSales)
        now = clock()
        return _json(await run_in_threadpool(store.read, lambda tx: risk_loop.add_sales(tx, sales, now)))

    @app.get(f"{API_PREFIX}/admin/risk/runs", response_model=list[risk_loop.RunSummary], responses=_ERRORS,
             tags=["admin"], dependencies=[Admin])
    def risk_runs() -> Response:
        rows = store.view(risk_loop.runs)
        return Response(content=b"[" + b",".join(r.model_dump_json().encode() for r in rows) + b"]",
                        media_type="application/json")

    @app.get(f"{API_PREFIX}/admin/risk/runs/{{n}}", responses=_ERRORS, tags=["admin"], dependencies=[Admin])
    def risk_run_report(n: int, format: Annotated[str, Query(pattern="^(json|md|html)$")] = "json") -> Response:
        """One retraining run's report: JSON, markdown (MODEL_CARD form) or an HTML page with charts."""
        report, markdown = store.view(lambda tx: risk_loop.run_report(tx, n))
        if format == "md":
            return Response(content=markdown, media_type="text/markdown; charset=utf-8")
        if format == "html":
            from hub.risk_report import render_html

            return Response(content=render_html(report), media_type="text/html; charset=utf-8")
        return Response(content=json.dumps(report), media_type="application/json")

    from hub.backoffice.web import install as install_back_office

    install_back_office(app, store, sweep_every_s=sweep_every_s)  # web pages on their own router and sign-in

    from hub import fleet, provisioning  # issue 14: identity, product list, fleet health and remote actions

    app.include_router(provisioning.router(store, signed_request, identity or Sm2PrivateKey.generate()))
    app.include_router(fleet.router(store, signed_request, admin_only, parse))
    app.openapi = _openapi_with_bodies(app)  # type: ignore[method-assign]
    app.add_middleware(HubGuard, max_requests=max_requests)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HubError)
    async def hub_error(request: Request, exc: HubError) -> Response:
        headers = {}
        if exc.status >= 500:  # the detail (database host, driver text) goes to the log, never to the client
            log.warning(json.dumps({"event": "store_unavailable", "detail": exc.message}))
            exc = StoreUnavailable("the hub's database is unavailable; retry shortly", code=exc.code)
            headers["Retry-After"] = "1"
        if isinstance(exc, Throttled):
            headers["Retry-After"] = str(exc.retry_after_s)
        return Response(problem_body(exc), status_code=exc.status, media_type="application/json", headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first.get("loc", ())) or "body"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return _problem(422, "invalid_request", f"{where}: {first.get('msg', 'invalid')}{more}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed"}
        return _problem(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        log.error(json.dumps({"event": "internal_error", "path": loggable(request.url.path),
                              "error": type(exc).__name__, "trace": traceback.format_exc(limit=20)}))
        return _problem(500, "internal_error", "the hub hit an internal error; the request was not applied")


def _openapi_with_bodies(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """FastAPI's schema plus the request models parsed by hand (so the published file documents them)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        _, definitions = models_json_schema([(m, "validation") for m in REQUEST_MODELS],
                                            ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in definitions.get("$defs", {}).items():
            components.setdefault(name, definition)
        app.openapi_schema = schema
        return schema

    return openapi


async def _sweep(store: Store, every_s: float) -> None:
    """Lapse expired holds in the background (lazily expired holds are caught on access anyway)."""
    while True:
        await asyncio.sleep(every_s)
        try:
            expired = await run_in_threadpool(store.expire_holds)
            if expired:
                log.info(json.dumps({"event": "holds_expired", "count": expired}))
        except HubError as exc:
            log.warning(json.dumps({"event": "sweep_failed", "detail": exc.message}))
        except Exception as exc:  # a dropped connection, a bug: log it, keep sweeping (never die silently)
            log.error(json.dumps({"event": "sweep_failed", "error": type(exc).__name__}))

