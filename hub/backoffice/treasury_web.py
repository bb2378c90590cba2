"""The back office's treasury pages (issue 16, sections 4-6) on their own router: the enterprise wallet (hot and
cold balances per currency, moves, the second person's approval of moves out of cold), scheduled payments and the
AML alerts finance resolves with a comment. Sign-in, CSRF and page rendering are the back office's (hub.backoffice.web).

Roles: finance asks for moves, adds schedules and resolves alerts; an admin approves moves out of cold and new
schedules (never ones they asked for) and opens wallets; auditors read everything.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from hub.backoffice.money import BadAmount, to_major, to_minor
from hub.backoffice.users import Session, log_action
from hub.backoffice.web import Office, WebProblem
from hub.corporate import aml, fx, scheduler, wallet
from hub.corporate.sealing import AccountSeal
from hub.corporate.settings import default_config
from hub.errors import HubError

ACCESS: dict[str, set[str]] = {
    "treasury_view": {"finance", "auditor", "admin"},
    "treasury_act": {"finance", "admin"},  # ask for a move, add or cancel a schedule, resolve an alert
    "treasury_approve": {"admin"},  # approve or reject a move out of cold or a schedule; open a wallet
}
NAV = ("treasury_wallet", "treasury_schedules", "treasury_alerts")
VIEW_ROLES = tuple(sorted(ACCESS["treasury_view"]))  # who sees the nav links (base.html)


def money(amount: int, currency: str) -> str:
    return f"{to_major(amount, currency)} {currency}"


def router(office: Office, secret: str) -> APIRouter:
    """The treasury pages on `office`'s sign-in; `secret` opens the wallet keys (the hub's sealing secret)."""
    r = APIRouter(include_in_schema=False)
    store = office.store
    seal = wallet.envelope(secret.encode())
    accounts = AccountSeal(secret.encode())
    config = default_config()

    async def session(request: Request, need: str) -> Session:
        signed_in = await office.session(request, "day")
        if signed_in.user.role not in ACCESS[need]:
            raise WebProblem(403, "forbidden")
        return signed_in

    def page(request: Request, template: str, signed_in: Session, **context: Any) -> Response:
        error = request.query_params.get("error", "")
        return office.page(request, template, session=signed_in, money=money,
                           error=error if error.isidentifier() and len(error) < 40 else "",
                           can_act=signed_in.user.role in ACCESS["treasury_act"],
                           can_approve=signed_in.user.role in ACCESS["treasury_approve"], **context)

    async def act(request: Request, need: str, back: str, action: Any) -> Response:
        """Run a form's change in one transaction with its audit line; a refusal comes back as ?error=code."""
        signed_in = await session(request, need)
        form = await office.form(request, signed_in)
        now = store.clock()

        def write(tx: Any) -> None:
            what, detail = action(tx, signed_in, form, now)
            log_action(tx, now, signed_in.user.name, signed_in.user.merchant_id, what, detail)

        try:
            await run_in_threadpool(store.read, write)
        except (HubError, BadAmount, ValueError) as exc:
            code = getattr(exc, "code", "bad_amount")
            return RedirectResponse(f"{back}?error={code}", status_code=303)
        return RedirectResponse(back, status_code=303)

    # --- the enterprise wallet ------------------------------------------------------------------------------------

    @r.get("/office/treasury/wallet")
    async def wallet_page(request: Request) -> Response:
        signed_in = await session(request, "treasury_view")
        merchant = signed_in.user.merchant_id
        balances, moves = await run_in_threadpool(store.view, lambda tx: (
            wallet.balances(tx, merchant), wallet.moves(tx, merchant)))
        return page(request, "treasury_wallet.html", signed_in, balances=balances, moves=moves)

    @r.post("/office/treasury/wallet/open")
    async def wallet_open(request: Request) -> Response:
        def action(tx: Any, s: Session, form: Any, now: Any) -> tuple[str, dict[str, Any]]:
            currency = str(form.get("currency", "")).strip().upper()[:3]
            wallet.open_wallet(tx, s.user.merchant_id, currency, seal, config, now)
            return "wallet.open", {"currency": currency}
        return await act(request, "treasury_approve", "/office/treasury/wallet", action)

    @r.post("/office/treasury/wallet/move")
    async def wallet_move(request: Request) -> Response:
        def action(tx: Any, s: Session, form: Any, now: Any) -> tuple[str, dict[str, Any]]:
            currency = str(form.get("currency", ""))[:3]
            source, target = str(form.get("from", "")), str(form.get("to", ""))
            amount = to_minor(str(form.get("amount", ""))[:30], currency)
            move = wallet.request_move(tx, s.user.merchant_id, currency, source, target, amount,  # type: ignore[arg-type]
                                       str(form.get("reason", ""))[:200], s.user.name, seal, now)
            return "wallet.move", {"move": move.id, "from": source, "to": target, "amount": amount,
                                   "currency": currency, "status": move.status}
        return await act(request, "treasury_act", "/office/treasury/wallet", action)

    @r.post("/office/treasury/wallet/decide")
    async def wallet_decide(request: Request) -> Response:
        def action(tx: Any, s: Session, form: Any, now: Any) -> tuple[str, dict[str, Any]]:
            move_id, approve = str(form.get("move", ""))[:40], form.get("decision") == "approve"
            move = wallet.decide(tx, s.user.merchant_id, move_id, approve, s.user.name, seal, now)
            return "wallet.approve" if approve else "wallet.reject", {"move": move.id, "amount": move.amount,
                                                                      "currency": move.currency}
        return await act(request, "treasury_approve", "/office/treasury/wallet", action)

    # --- scheduled payments ---------------------------------------------------------------------------------------

    @r.get("/office/treasury/schedules")
    async def schedules_page(request: Request) -> Response:
        signed_in = await session(request, "treasury_view")
        merchant = signed_in.user.merchant_id

        def read(tx: Any) -> tuple[list[tuple[scheduler.Schedule, list[scheduler.Occurrence]]], dict[str, str]]:
            rows = [(s, scheduler.occurrences(tx, s.id)) for s in scheduler.schedules(tx, merchant)]
            return rows, fx.used(tx, [o.idem_key for _, runs in rows for o in runs][:900])

        rows, rates = await run_in_threadpool(store.view, read)
        return page(request, "treasury_schedules.html", signed_in, rows=rows, fx_used=rates,
                    today=store.clock().date())

    @r.post("/office/treasury/schedules")
    async def schedule_add(request: Request) -> Response:
        def action(tx: Any, s: Session, form: Any, now: Any) -> tuple[str, dict[str, Any]]:
            currency = str(form.get("currency", "")).strip().upper()[:3]
            until = str(form.get("until_on", "")).strip()
            try:
                first_on = date.fromisoformat(str(form.get("first_on", "")).strip())
                until_on = date.fromisoformat(until) if until else None
            except ValueError:
                raise HubError("dates are YYYY-MM-DD", code="bad_schedule") from None
            schedule = scheduler.add_schedule(
                tx, accounts, merchant_id=s.user.merchant_id, payee_name=str(form.get("payee_name", ""))[:200],
                account=str(form.get("account", ""))[:64], bank_code=str(form.get("bank_code", ""))[:32],
                amount=to_minor(str(form.get("amount", ""))[:30], currency), currency=currency,
                reference=str(form.get("reference", ""))[:140], first_on=first_on,
                repeat="monthly" if form.get("repeat") == "monthly" else "once", until_on=until_on,
                actor=s.user.name, now=now)
            return "schedule.add", {"schedule": schedule.id, "amount": schedule.amount, "currency": currency,
                                    "repeat": schedule.repeat, "first_on": first_on.isoformat()}
        return await act(request, "treasury_act", "/office/treasury/schedules", action)

    @r.post("/office/treasury/schedules/decide")
    async def schedule_decide(request: Request) -> Response:
        def action(tx: Any, s: Session, form: Any, now: Any) -> tuple[str, dict[str, Any]]:
            approve = form.get("decision") == "approve"
            schedule = scheduler.decide(tx, s.user.merchant_id, str(form.get("schedule", ""))[:40], approve,
                                        s.user.name, now)
            return "schedule.approve" if approve else "schedule.reject", {"schedule": schedule.id}
        return await act(request, "treasury_approve", "/office/treasury/schedules", action)

    @r.post("/office/treasury/schedules/cancel")
    async def schedule_cancel(request: Request) -> Response:
        def action(tx: Any, s: Session, form: Any, now: Any) -> tuple[str, dict[str, Any]]:
            schedule = scheduler.cancel(tx, s.user.merchant_id, str(form.get("schedule", ""))[:40])
            return "schedule.cancel", {"schedule": schedule.id}
        return await act(request, "treasury_act", "/office/treasury/schedules", action)

    # --- AML alerts -----------------------------------------------------------------------------------------------

    @r.get("/office/treasury/alerts")
    async def alerts_page(request: Request) -> Response:
        signed_in = await session(request, "treasury_view")
        show = "open" if request.query_params.get("show", "open") == "open" else None
        rows = await run_in_threadpool(store.view, lambda tx: aml.alerts(tx, signed_in.user.merchant_id, show))
        return page(request, "treasury_alerts.html", signed_in, rows=rows, show=show or "all")

    @r.post("/office/treasury/alerts/resolve")
    async def alert_resolve(request: Request) -> Response:
        def action(tx: Any, s: Session, form: Any, now: Any) -> tuple[str, dict[str, Any]]:
            alert = aml.resolve(tx, s.user.merchant_id, str(form.get("alert", ""))[:40], s.user.name,
                                str(form.get("comment", ""))[:500], now)
            return "alert.resolve", {"alert": alert.id, "kind": alert.kind, "comment": alert.comment}
        return await act(request, "treasury_act", "/office/treasury/alerts", action)

    return r


def install(app: FastAPI, office: Office) -> None:
    """Add the treasury pages to the hub's app (called by hub.backoffice.web.install)."""
    app.include_router(router(office, wallet.sealing_secret(app.state.hub.admin_token)))
