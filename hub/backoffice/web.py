"""The back office web: server-rendered pages (Jinja2) on their own router, with their own authentication.

It never touches the terminal API's security: terminal endpoints stay SM2-signed, admin endpoints keep their bearer
token; these pages use user sign-in (argon2id), a session cookie scoped to `/office` (HttpOnly, SameSite=Strict,
Secure behind TLS), a CSRF token in every form (the session's; before sign-in a double-submit cookie), and lock-out
after failed sign-ins per address and per user name (hub.throttle). Roles decide pages (`ACCESS`).

Public pages: `/invoice/{terminal}/{sale}` (the receipt QR's sale) where a customer asks for the sale's e-invoice.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import re
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from hub import fleet, risk_loop
from hub.backoffice import i18n, views
from hub.backoffice.audit import AuditError, export_bytes
from hub.backoffice.invoices import InvoiceError, Invoicing
from hub.backoffice.payments import payment_rows, to_csv
from hub.backoffice.reconcile import ReconcileInputError, reconcile_files, write_xlsx
from hub.backoffice.users import Session, authenticate, end_session, load_session, log_action, start_session
from hub.clock import iso
from hub.errors import Conflict, NotFound
from hub.risk_report import render_html
from hub.store import Store
from hub.throttle import Throttle, Throttled

HERE = Path(__file__).parent
SESSION_COOKIE, PRE_COOKIE, LANG_COOKIE = "bo_session", "bo_pre", "bo_lang"
ACCESS: dict[str, set[str]] = {
    "day": {"manager", "finance", "auditor", "admin"},
    "terminals": {"manager", "auditor", "admin"},
    "exceptions": {"manager", "finance", "auditor", "admin"},
    "resolve": {"manager", "admin"},
    "reconcile": {"finance", "admin"},
    "invoices": {"finance", "auditor", "admin"},
    "resend": {"finance", "admin"},
    "audit": {"auditor", "admin"},
    "fleet_action": {"admin"},  # remote actions on a terminal (hub.fleet); managers see them, admins queue them
    "risk": {"manager", "auditor", "admin"},
    "wrong_decline": {"manager", "admin"},
    "cbdc": {"finance", "auditor", "admin"},
    "corporate": {"finance", "auditor", "admin"},  # supplier batches (hub.backoffice.corporate_web)
    "corporate_submit": {"finance", "admin"},
    "corporate_decide": {"admin"},
}
NAV = ("day", "terminals", "exceptions", "risk", "cbdc", "corporate", "reconcile", "invoices", "audit")
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; "
              "frame-ancestors 'none'; base-uri 'none'")  # hub.risk_report pages carry their own inline style
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RECEIPT_CODE_PREFIX = "EPS1"  # the receipt QR's code (terminal.checkout.sales_index, which the hub does not import)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
MAX_SHOWN_FLAGS = 500
CREDIT_SWEEP_S = 60.0
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")


class WebProblem(Exception):
    def __init__(self, status: int, code: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(code)
        self.status, self.code, self.headers = status, code, headers or {}


class NeedSignIn(Exception):
    pass


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _valid_day(text: str | None) -> str | None:
    if not text or not _DAY.match(text):
        return None
    try:
        date.fromisoformat(text)
    except ValueError:
        return None
    return text


class Office:
    """The router, its templates and the state they share."""

    def __init__(self, store: Store, web_throttle: Throttle | None = None, invoicing: Invoicing | None = None) -> None:
        self.store = store
        self.throttle = web_throttle or Throttle.for_store(store, free_failures=5)
        self.invoicing = invoicing or Invoicing(store)
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.router = APIRouter(include_in_schema=False)
        self._routes()

    # --- helpers ----------------------------------------------------------------------------------------------

    def lang(self, request: Request) -> str:
        return i18n.choose(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                           request.headers.get("accept-language"))

    def page(self, request: Request, template: str, status: int = 200, session: Session | None = None,
             **context: Any) -> HTMLResponse:
        lang = self.lang(request)
        nav = [n for n in NAV if session and session.user.role in ACCESS[n]]
        response = self.templates.TemplateResponse(request, template, {
            "t": lambda code: i18n.word(code, lang), "lang": lang, "session": session, "nav": nav,
            "other_lang": "en" if lang == "zh" else "zh", **context}, status_code=status)
        response.headers["Content-Security-Policy"] = CSP
        if request.query_params.get("lang") in i18n.LANGUAGES:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="strict", httponly=True,
                                secure=_secure(request))
        return response

    async def session(self, request: Request, need: str) -> Session:
        token = request.cookies.get(SESSION_COOKIE, "")
        session = await run_in_threadpool(load_session, self.store, token) if token else None
        if session is None:
            raise NeedSignIn
        if session.user.role not in ACCESS[need]:
            raise WebProblem(403, "forbidden")
        return session

    async def form(self, request: Request, session: Session | None, **limits: int) -> Any:
        form = await request.form(max_files=limits.get("max_files", 0), max_fields=limits.get("max_fields", 20))
        given = form.get("csrf")
        expected = session.csrf if session else request.cookies.get(PRE_COOKIE, "")
        if not isinstance(given, str) or not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebProblem(403, "csrf")
        return form

    def pre_token(self, request: Request) -> str:
        return request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)

    def with_pre(self, request: Request, response: Response, token: str) -> Response:
        response.set_cookie(PRE_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request),
                            max_age=3600)
        return response

    # --- routes -----------------------------------------------------------------------------------------------

    def _routes(self) -> None:
        r = self.router
        store = self.store

        @r.get("/office/signin")
        async def signin_page(request: Request) -> Response:
            token = self.pre_token(request)
            return self.with_pre(request, self.page(request, "signin.html", csrf=token), token)

        @r.post("/office/signin")
        async def signin(request: Request) -> Response:
            form = await self.form(request, None)
            name, password = str(form.get("name", ""))[:64], str(form.get("password", ""))[:1024]
            client = _client(request)
            token = self.pre_token(request)
            try:
                await run_in_threadpool(self.throttle.check, client, "web-signin")
                await run_in_threadpool(self.throttle.check, f"user:{name}", "web-signin")
            except Throttled as exc:
                locked = self.page(request, "signin.html", 429, csrf=token, error="locked")
                return _with_retry(self.with_pre(request, locked, token), exc)
            user = await run_in_threadpool(authenticate, store, name, password)
            if user is None:
                await run_in_threadpool(self.throttle.failed, client, "web-signin")
                await run_in_threadpool(self.throttle.failed, f"user:{name}", "web-signin")
                await run_in_threadpool(store.read, lambda tx: log_action(
                    tx, store.clock(), "-", None, "signin.failed", {"name": name[:64], "client": client[:64]}))
                return self.with_pre(request, self.page(request, "signin.html", 401, csrf=token,
                                                        error="bad_signin"), token)
            await run_in_threadpool(self.throttle.succeeded, client, "web-signin")
            await run_in_threadpool(self.throttle.succeeded, f"user:{name}", "web-signin")
            cookie, _ = await run_in_threadpool(start_session, store, user, client)
            response = RedirectResponse("/office/", status_code=303)
            response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="strict", secure=_secure(request),
                                path="/office")
            response.delete_cookie(PRE_COOKIE)
            return response

        @r.post("/office/signout")
        async def signout(request: Request) -> Response:
            session = await self.session(request, "day")
            await self.form(request, session)
            await run_in_threadpool(end_session, store, request.cookies.get(SESSION_COOKIE, ""))
            response = RedirectResponse("/office/signin", status_code=303)
            response.delete_cookie(SESSION_COOKIE, path="/office")
            return response

        @r.get("/office/")
        @r.get("/office")
        async def day_page(request: Request) -> Response:
            session = await self.session(request, "day")
            merchant = session.user.merchant_id

            def load() -> tuple[str, list[views.CurrencyDay]]:
                def read(tx: Any) -> tuple[str, list[views.CurrencyDay]]:
                    day = _valid_day(request.query_params.get("day")) or views.today(tx, merchant, store.clock())
                    return day, views.day_summary(tx, merchant, day)
                return store.view(read)

            day, currencies = await run_in_threadpool(load)
            charts = [{"day": c, "tender": views.chart(c.bars(c.by_tender)),
                       "terminal": views.chart(c.bars(c.by_terminal)), "hour": views.columns(c.hours())}
                      for c in currencies]
            return self.page(request, "day.html", session=session, day=day, charts=charts)

        @r.get("/office/terminals")
        async def terminals_page(request: Request) -> Response:
            session = await self.session(request, "terminals")
            rows = await run_in_threadpool(store.view, lambda tx: views.terminals(tx, session.user.merchant_id))
            return self.page(request, "terminals.html", session=session, rows=rows,
                             columns=views.TERMINAL_COLUMNS, actions=views.REMOTE_ACTIONS,
                             can_act=session.user.role in ACCESS["fleet_action"], done=request.query_params.get(
                                 "queued", "")[:40])

        @r.post("/office/terminals/action")
        async def terminal_action(request: Request) -> Response:
            session = await self.session(request, "fleet_action")
            form = await self.form(request, session)
            terminal_id, action = str(form.get("terminal_id", ""))[:64], str(form.get("action", ""))
            if action not in views.REMOTE_ACTIONS:
                raise WebProblem(422, "not_found")
            if action == "retire" and form.get("confirm") != terminal_id:
                # retiring is for good: a second form, where the admin types the terminal's id
                return self.page(request, "confirm_retire.html", session=session, terminal_id=terminal_id)
            now = store.clock()

            def write(tx: Any) -> fleet.ActionState | None:
                if not tx.one("SELECT 1 FROM terminals WHERE id = ? AND merchant_id = ?",
                              (terminal_id, session.user.merchant_id)):
                    return None
                state = fleet.queue_action(tx, terminal_id, fleet.ActionRequest(action=action), now)
                log_action(tx, now, session.user.name, session.user.merchant_id, "fleet.action",
                           {"terminal_id": terminal_id, "action": action, "action_id": state.id})
                return state

            try:
                state = await run_in_threadpool(store.read, write)
            except (Conflict, NotFound) as exc:
                raise WebProblem(409, getattr(exc, "code", "not_found")) from None
            if state is None:
                raise WebProblem(404, "not_found")
            return RedirectResponse(f"/office/terminals?queued={state.id}", status_code=303)

        @r.get("/office/risk")
        async def risk_page(request: Request) -> Response:
            session = await self.session(request, "risk")
            runs = await run_in_threadpool(store.view, lambda tx: risk_loop.runs(tx, 100))
            return self.page(request, "risk.html", session=session, runs=runs)

        @r.get("/office/risk/runs/{n}")
        async def risk_run(request: Request, n: int) -> Response:
            await self.session(request, "risk")
            try:
                report, _md = await run_in_threadpool(store.view, lambda tx: risk_loop.run_report(tx, n))
            except NotFound:
                raise WebProblem(404, "not_found") from None
            html = render_html(report).replace(
                "<body>", "<body><p><a href='/office/risk'>&larr; " + i18n.word("risk", self.lang(request))
                + "</a></p>", 1)
            return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})

        @r.get("/office/cbdc")
        async def cbdc_page(request: Request) -> Response:
            session = await self.session(request, "cbdc")
            merchant = session.user.merchant_id
            day = _valid_day(request.query_params.get("day")) or await run_in_threadpool(
                store.view, lambda tx: views.today(tx, merchant, store.clock()))
            operator = getattr(request.app.state, "cbdc", None)  # hub.cbdc.api registers the hub's operator
            if operator is None:
                raise WebProblem(404, "not_found")
            statement = await run_in_threadpool(operator.statement, merchant, day)
            return self.page(request, "cbdc.html", session=session, day=day, statement=statement, money=_money)

        @r.get("/office/exceptions")
        async def exceptions_page(request: Request) -> Response:
            session = await self.session(request, "exceptions")
            rows = await run_in_threadpool(store.view, lambda tx: views.exceptions(tx, session.user.merchant_id))
            return self.page(request, "exceptions.html", session=session, rows=rows,
                             can_resolve=session.user.role in ACCESS["resolve"],
                             can_mark=session.user.role in ACCESS["wrong_decline"])

        @r.post("/office/exceptions/wrong-decline")
        async def wrong_decline(request: Request) -> Response:
            """A manager says a declined sale should have been approved: one `false_decline` risk label (known now),
            which the next retraining learns from."""
            session = await self.session(request, "wrong_decline")
            form = await self.form(request, session)
            terminal_id = str(form.get("terminal_id", ""))[:64]
            try:
                seq = int(str(form.get("seq", "")))
            except ValueError:
                raise WebProblem(404, "not_found") from None
            now = store.clock()

            def write(tx: Any) -> Any:
                label = views.mark_false_decline(tx, session.user.merchant_id, terminal_id, seq, session.user.name,
                                                 now)
                if label is not None:
                    log_action(tx, now, session.user.name, session.user.merchant_id, "risk.false_decline",
                               {"terminal_id": terminal_id, "seq": seq, "sale_id": label.sale_id, "label": label.n})
                return label

            try:
                label = await run_in_threadpool(store.read, write)
            except views.AlreadyMarked:
                raise WebProblem(409, "marked_already") from None
            if label is None:
                raise WebProblem(404, "not_found")
            return RedirectResponse("/office/exceptions", status_code=303)

        @r.post("/office/exceptions/resolve")
        async def resolve(request: Request) -> Response:
            session = await self.session(request, "resolve")
            form = await self.form(request, session)
            terminal_id, note = str(form.get("terminal_id", "")), str(form.get("note", ""))[:200]
            try:
                seq = int(str(form.get("seq", "")))
            except ValueError:
                raise WebProblem(404, "not_found") from None
            now = store.clock()

            def write(tx: Any) -> bool:
                done = views.resolve(tx, session.user.merchant_id, terminal_id[:64], seq, session.user.name,
                                     note, iso(now))
                if done:
                    log_action(tx, now, session.user.name, session.user.merchant_id, "exception.resolve",
                               {"terminal_id": terminal_id, "seq": seq, "note": note})
                return done

            if not await run_in_threadpool(store.read, write):
                raise WebProblem(404, "not_found")
            return RedirectResponse("/office/exceptions", status_code=303)

        @r.get("/office/reconcile")
        async def reconcile_page(request: Request) -> Response:
            session = await self.session(request, "reconcile")
            return self.page(request, "reconcile.html", session=session, report=None)

        @r.post("/office/reconcile")
        async def reconcile_upload(request: Request) -> Response:
            session = await self.session(request, "reconcile")
            form = await self.form(request, session, max_files=2)
            orders = form.get("orders")
            payments = form.get("payments")
            if not hasattr(orders, "read"):
                return self.page(request, "reconcile.html", 422, session=session, report=None,
                                 error="orders: missing")
            orders_bytes = await orders.read()
            payments_bytes = await payments.read() if hasattr(payments, "read") else b""
            if not payments_bytes.strip():
                day_from = _valid_day(str(form.get("from", "")))
                day_to = _valid_day(str(form.get("to", ""))) or day_from
                if day_from is None or day_to is None:
                    return self.page(request, "reconcile.html", 422, session=session, report=None,
                                     error="payments: give a file or the days")
                rows = await run_in_threadpool(store.view, lambda tx: payment_rows(
                    tx, day_from, day_to, session.user.merchant_id))
                payments_bytes = to_csv(rows).encode()
            try:
                report = await run_in_threadpool(reconcile_files, orders_bytes, payments_bytes)
            except ReconcileInputError as exc:
                return self.page(request, "reconcile.html", 422, session=session, report=None, error=str(exc))
            await run_in_threadpool(store.read, lambda tx: log_action(
                tx, store.clock(), session.user.name, session.user.merchant_id, "reconcile",
                {"orders": report.orders, "payments": report.payments, "flags": len(report.flags)}))
            if form.get("xlsx"):
                import tempfile

                with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
                    write_xlsx(report, Path(tmp.name))
                    data = Path(tmp.name).read_bytes()
                return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                headers={"Content-Disposition": 'attachment; filename="reconciliation.xlsx"'})
            return self.page(request, "reconcile.html", session=session, report=report,
                             counts=report.counts(), flags=report.flags[:MAX_SHOWN_FLAGS],
                             day_from=str(form.get("from", "")), day_to=str(form.get("to", "")))

        @r.get("/office/invoices")
        async def invoices_page(request: Request) -> Response:
            session = await self.session(request, "invoices")
            await run_in_threadpool(self.invoicing.credit_notes_due)
            rows = await run_in_threadpool(self.invoicing.listing, session.user.merchant_id)
            return self.page(request, "invoices.html", session=session, rows=rows,
                             can_resend=session.user.role in ACCESS["resend"], money=_money)

        @r.get("/office/invoices/{number}.pdf")
        async def invoice_pdf(request: Request, number: str) -> Response:
            session = await self.session(request, "invoices")
            pdf = await run_in_threadpool(self.invoicing.pdf, number, session.user.merchant_id)
            if pdf is None:
                raise WebProblem(404, "not_found")
            return _pdf(pdf, number)

        @r.post("/office/invoices/{number}/resend")
        async def invoice_resend(request: Request, number: str) -> Response:
            session = await self.session(request, "resend")
            await self.form(request, session)
            if not await run_in_threadpool(self.invoicing.resend, number[:40], session.user.merchant_id,
                                           session.user.name):
                raise WebProblem(404, "not_found")
            return RedirectResponse("/office/invoices", status_code=303)

        @r.get("/office/audit")
        async def audit_page(request: Request) -> Response:
            session = await self.session(request, "audit")
            today = await run_in_threadpool(store.view, lambda tx: views.today(tx, session.user.merchant_id,
                                                                                 store.clock()))
            return self.page(request, "audit.html", session=session, today=today)

        @r.post("/office/audit")
        async def audit_export(request: Request) -> Response:
            session = await self.session(request, "audit")
            form = await self.form(request, session)
            day_from, day_to = _valid_day(str(form.get("from", ""))), _valid_day(str(form.get("to", "")))
            if day_from is None or day_to is None or day_to < day_from:
                raise WebProblem(422, "not_found")
            try:
                data = await run_in_threadpool(export_bytes, store, day_from, day_to, session.user.name,
                                               session.user.merchant_id)
            except AuditError as exc:
                return self.page(request, "audit.html", 422, session=session, today=day_to, error=str(exc))
            return Response(data, media_type="application/zip", headers={
                "Content-Disposition": f'attachment; filename="edgepos-audit-{day_from}-{day_to}.zip"'})

        # --- the customer's e-invoice page (public: the receipt names the sale) -------------------------------

        @r.get("/invoice")
        async def invoice_by_code(request: Request, code: str = "") -> Response:
            prefix, _, rest = code.strip().partition(":")
            terminal_id, _, sale_id = rest.rpartition(":")
            if prefix != RECEIPT_CODE_PREFIX or not (_ID.match(terminal_id) and _ID.match(sale_id)):
                raise WebProblem(404, "not_found")
            return RedirectResponse(f"/invoice/{terminal_id}/{sale_id}", status_code=303)

        @r.get("/invoice/{terminal_id}/{sale_id}")
        async def invoice_request_page(request: Request, terminal_id: str, sale_id: str) -> Response:
            if not (_ID.match(terminal_id) and _ID.match(sale_id)):
                raise WebProblem(404, "not_found")
            existing = await run_in_threadpool(self.invoicing.existing, terminal_id, sale_id)
            facts = await run_in_threadpool(self.invoicing.sale, terminal_id, sale_id)
            token = self.pre_token(request)
            return self.with_pre(request, self.page(request, "invoice_request.html", terminal_id=terminal_id,
                                                    sale_id=sale_id, invoice=existing, csrf=token, sale=facts,
                                                    money=_money), token)

        @r.post("/invoice/{terminal_id}/{sale_id}")
        async def invoice_request(request: Request, terminal_id: str, sale_id: str) -> Response:
            if not (_ID.match(terminal_id) and _ID.match(sale_id)):
                raise WebProblem(404, "not_found")
            form = await self.form(request, None)
            client = _client(request)
            token = self.pre_token(request)
            try:
                await run_in_threadpool(self.throttle.check, client, "invoice")
                invoice = await run_in_threadpool(
                    self.invoicing.request, terminal_id, sale_id, str(form.get("buyer", ""))[:200],
                    str(form.get("tax_id", ""))[:40], str(form.get("email", ""))[:200])
            except Throttled as exc:
                return _with_retry(self.page(request, "invoice_request.html", 429, terminal_id=terminal_id,
                                             sale_id=sale_id, invoice=None, csrf=token, error="locked",
                                             money=_money), exc)
            except InvoiceError as exc:
                if exc.code == "unknown_sale":
                    await run_in_threadpool(self.throttle.failed, client, "invoice")
                return self.with_pre(request, self.page(
                    request, "invoice_request.html", 422, terminal_id=terminal_id, sale_id=sale_id, invoice=None,
                    csrf=token, error=exc.code, form=form, money=_money), token)
            return RedirectResponse(f"/invoice/{terminal_id}/{sale_id}?issued={invoice.number}", status_code=303)

        @r.get("/invoice/{terminal_id}/{sale_id}/{number}.pdf")
        async def invoice_download(request: Request, terminal_id: str, sale_id: str, number: str) -> Response:
            pdf = await run_in_threadpool(self.invoicing.pdf, number, None, terminal_id[:64], sale_id[:128])
            if pdf is None:
                raise WebProblem(404, "not_found")
            return _pdf(pdf, number)


def _with_retry(response: Response, exc: Throttled) -> Response:
    response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


def _money(amount: int, currency: str) -> str:
    from hub.backoffice.money import to_major

    return f"{to_major(amount, currency)} {currency}"


def _pdf(pdf: bytes, number: str) -> Response:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", number)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{safe}.pdf"'})


def install(app: FastAPI, store: Store, throttle: Throttle | None = None,
            sweep_every_s: float | None = CREDIT_SWEEP_S) -> Office:
    """Add the back office to the hub's app: its router, static files, error pages and the credit-note sweep."""
    from hub.backoffice import corporate_web, treasury_web  # here: they import this module (Office)

    office = Office(store, throttle)
    app.include_router(office.router)
    corporate_web.install(app, office, sweep_every_s and corporate_web.RESUME_EVERY_S)  # issue 16: supplier batches
    treasury_web.install(app, office)  # issue 16: enterprise wallet, scheduled payments, AML alerts
    app.mount("/office/static", StaticFiles(directory=str(HERE / "static")), name="office-static")

    @app.exception_handler(NeedSignIn)
    async def need_signin(request: Request, exc: NeedSignIn) -> Response:
        if request.method == "GET":
            return RedirectResponse("/office/signin", status_code=303)
        return office.page(request, "error.html", 401, code="csrf")

    @app.exception_handler(WebProblem)
    async def problem(request: Request, exc: WebProblem) -> Response:
        response = office.page(request, "error.html", exc.status, code=exc.code)
        response.headers.update(exc.headers)
        return response

    if sweep_every_s:
        inner: Callable[[FastAPI], Any] = app.router.lifespan_context

        @contextlib.asynccontextmanager
        async def lifespan(app_: FastAPI) -> AsyncIterator[Any]:
            task = asyncio.create_task(_sweep(office, sweep_every_s))
            async with inner(app_) as state:
                yield state
            task.cancel()

        app.router.lifespan_context = lifespan
    return office


async def _sweep(office: Office, every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        with contextlib.suppress(Exception):  # a database outage: the next round or the invoices page catches up
            await run_in_threadpool(office.invoicing.credit_notes_due)
