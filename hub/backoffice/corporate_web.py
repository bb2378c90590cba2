"""The back office's supplier-batch pages (issue 16, sections 1-3) on their own router: upload and check a file,
submit it (finance or admin), approve or reject it (an admin who did not submit it; two above the threshold), follow
each row's status (paid, failed with reason, scheduled) and download the result file.

The last approval pays the batch's due rows before the page comes back; a hub that stops mid-batch pays the rest
when it starts again (`install` runs hub.corporate.execute.resume in a thread, then every `RESUME_EVERY_S`, which also
pays scheduled rows on their day).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from hub.backoffice.money import to_major
from hub.backoffice.web import Office, WebProblem
from hub.corporate import batches, execute
from hub.corporate.batch_file import MAX_BYTES, FileError
from hub.corporate.sealing import SECRET_ENV, AccountSeal
from hub.errors import HubError

RESUME_EVERY_S = 60.0
SHOWN_ROWS = 1000


def install(app: FastAPI, office: Office, resume_every_s: float | None = RESUME_EVERY_S) -> APIRouter:
    router = _router(office)
    app.include_router(router)
    if resume_every_s:
        inner: Callable[[FastAPI], Any] = app.router.lifespan_context
        stop = threading.Event()

        def resume_loop() -> None:
            while not stop.is_set():
                with contextlib.suppress(Exception):  # a database outage: the next round pays what is left
                    execute.resume(office.store, office.store.clock, stop.is_set)
                stop.wait(resume_every_s)

        @contextlib.asynccontextmanager
        async def lifespan(app_: FastAPI) -> AsyncIterator[Any]:
            thread = threading.Thread(target=resume_loop, name="corp-batches", daemon=True)
            thread.start()
            async with inner(app_) as state:
                yield state
            stop.set()
            await asyncio.to_thread(thread.join, 10)

        app.router.lifespan_context = lifespan
    return router


def _seal(request: Request) -> AccountSeal:
    secret = os.environ.get(SECRET_ENV) or request.app.state.hub.admin_token
    return AccountSeal(secret.encode())


def _router(office: Office) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    store = office.store

    def listing(request: Request, session: Any, status: int = 200, **context: Any) -> Response:
        rows = batches.recent(store, session.user.merchant_id)
        return office.page(request, "corporate_batches.html", status, session=session, batches=rows,
                           money=_totals, can_submit=session.user.role in batches.SUBMITTERS, **context)

    @r.get("/office/corporate")
    async def batches_page(request: Request) -> Response:
        session = await office.session(request, "corporate")
        return await run_in_threadpool(listing, request, session)

    @r.post("/office/corporate")
    async def upload(request: Request) -> Response:
        session = await office.session(request, "corporate_submit")
        form = await office.form(request, session, max_files=1)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise WebProblem(422, "bad_file")
        data = await upload.read(MAX_BYTES + 1)
        name = (upload.filename or "batch.xlsx")[:200]
        rail = str(form.get("rail", "bank"))
        seal = _seal(request)
        now = store.clock()
        try:
            if form.get("submit"):
                batch, _ = await run_in_threadpool(batches.submit, store, session.user, data, name, seal, now, rail)
                return RedirectResponse(f"/office/corporate/{batch.id}", status_code=303)
            checked = await run_in_threadpool(batches.check_file, store, session.user.merchant_id, data, name,
                                              seal, now)
        except (FileError, HubError) as exc:
            why = exc.message if isinstance(exc, HubError) else str(exc)
            return await run_in_threadpool(lambda: listing(request, session, 422, error=why))
        return await run_in_threadpool(lambda: listing(request, session, checked=checked.summary(), file_name=name))

    @r.get("/office/corporate/{batch_id}")
    async def batch_page(request: Request, batch_id: str) -> Response:
        session = await office.session(request, "corporate")

        def load() -> tuple[batches.Batch, list[Any], dict[str, int]]:
            batch = batches.load(store, batch_id[:64], session.user.merchant_id)
            rows = store.view(lambda tx: execute.load_payouts(
                tx, f"WHERE batch_id = ? ORDER BY row_no LIMIT {SHOWN_ROWS}", (batch.id,)))
            return batch, rows, execute.counts(store, batch.id)

        try:
            batch, rows, counts = await run_in_threadpool(load)
        except HubError:
            raise WebProblem(404, "not_found") from None
        decided = {a for a, _, _ in batch.approvals}
        can_decide = (session.user.role in batches.APPROVERS and batch.status == "submitted"
                      and session.user.name != batch.submitted_by and session.user.name not in decided)
        return office.page(request, "corporate_batch.html", session=session, batch=batch, rows=rows, counts=counts,
                           totals=_totals(batch.totals), can_decide=can_decide, major=to_major, shown=SHOWN_ROWS,
                           done=request.query_params.get("done", "")[:40])

    async def decide(request: Request, batch_id: str, decision: str) -> Response:
        session = await office.session(request, "corporate_decide")
        form = await office.form(request, session)
        now = store.clock()
        try:
            if decision == "approve":
                outcome = await run_in_threadpool(batches.approve, store, session.user, batch_id[:64], now)
                if outcome == "approved":
                    await run_in_threadpool(execute.run_batch, store, batch_id[:64], store.clock)
            else:
                outcome = await run_in_threadpool(batches.reject, store, session.user, batch_id[:64], now,
                                                  str(form.get("reason", ""))[:500])
        except HubError as exc:
            raise WebProblem(exc.status if exc.status in (403, 404, 409) else 422, exc.code) from None
        return RedirectResponse(f"/office/corporate/{batch_id[:64]}?done={outcome}", status_code=303)

    @r.post("/office/corporate/{batch_id}/approve")
    async def approve(request: Request, batch_id: str) -> Response:
        return await decide(request, batch_id, "approve")

    @r.post("/office/corporate/{batch_id}/reject")
    async def reject(request: Request, batch_id: str) -> Response:
        return await decide(request, batch_id, "reject")

    @r.get("/office/corporate/{batch_id}/result.{fmt}")
    async def result(request: Request, batch_id: str, fmt: str) -> Response:
        session = await office.session(request, "corporate")
        if fmt not in ("csv", "xlsx"):
            raise WebProblem(404, "not_found")

        def build() -> bytes:
            batch = batches.load(store, batch_id[:64], session.user.merchant_id)
            return execute.export_result(store.view(lambda tx: execute.payouts_of(tx, [batch.id])), fmt)

        try:
            data = await run_in_threadpool(build)
        except HubError:
            raise WebProblem(404, "not_found") from None
        media = "text/csv; charset=utf-8" if fmt == "csv" else \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(data, media_type=media, headers={
            "Content-Disposition": f'attachment; filename="{batch_id[:64]}-result.{fmt}"'})

    return r


def _totals(totals: dict[str, int] | str) -> str:
    values = json.loads(totals) if isinstance(totals, str) else totals
    return ", ".join(f"{to_major(v, k)} {k}" for k, v in sorted(values.items()))
