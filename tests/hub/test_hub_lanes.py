"""The interactive lane (issue 18): requests a customer waits on at the till go ahead of bulk sync work, in admission
and for database connections, while per-terminal fairness and the 503 `busy` answer stay as they were."""

from __future__ import annotations

import asyncio
import threading
import time
import warnings
from pathlib import Path

import httpx
import psycopg
import pytest
from hubkit import ADMIN_TOKEN, Clock, Terminal, pg_available, pg_schema, sale, tender, unique, upload_body

from hub.http_guard import HubGuard
from hub.lanes import in_interactive_request, is_interactive


def test_which_requests_are_interactive() -> None:
    for path in ("/v1/auth", "/v1/capture", "/v1/void", "/v1/refund", "/v1/cbdc/code-payments", "/v1/cbdc/orders",
                 "/v1/cbdc/orders/O-1/cancel", "/v1/cbdc/refunds", "/v1/cbdc/wallet/pay-order"):
        assert is_interactive("POST", path), path
    for method, path in (("POST", "/v1/journal"), ("GET", "/v1/journal"), ("GET", "/v1/config"),
                         ("GET", "/v1/cbdc/orders/O-1"),  # the QR status long-poll would hold a reserved slot
                         ("GET", "/v1/auth"), ("POST", "/v1/authx"), ("POST", "/v1/admin/enrol-codes")):
        assert not is_interactive(method, path), (method, path)


def test_authorisations_pass_uploads_that_fill_the_bulk_slots() -> None:
    """Uploads fill every slot they may use: an authorisation still gets in at once and is answered while they wait;
    a waiting authorisation is let in before an upload that waited longer; an upload finding only the reserved slot
    free is answered 503 `busy` with Retry-After; a terminal past its share is still answered 429 `terminal_busy`."""

    async def scenario() -> None:
        release: dict[str, asyncio.Event] = {}
        inside: list[str] = []
        lanes: dict[str, bool] = {}

        async def slow_app(scope, receive, send) -> None:
            name = dict(scope["headers"])[b"x-name"].decode()
            inside.append(name)
            lanes[name] = in_interactive_request.get()
            await release.setdefault(name, asyncio.Event()).wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"{}"})

        guard = HubGuard(slow_app, max_requests=4, max_per_terminal=1, queue_wait_s=30, reserved=1)

        async def call(client: httpx.AsyncClient, path: str, name: str, terminal: str | None = None):
            headers = {"X-Edgepos-Terminal": terminal or f"T-{name}", "X-Name": name}
            return await client.post(path, content=b"{}", headers=headers)

        async def settle() -> None:
            for _ in range(20):
                await asyncio.sleep(0.01)

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guard), base_url="http://hub") as client:
            uploads = [asyncio.create_task(call(client, "/v1/journal", f"up{i}")) for i in range(3)]
            await settle()
            late_upload = asyncio.create_task(call(client, "/v1/journal", "up3"))
            await settle()
            assert inside == ["up0", "up1", "up2"], "uploads hold the bulk slots; the fourth waits"
            auth = asyncio.create_task(call(client, "/v1/auth", "auth0"))
            await settle()
            assert inside[-1] == "auth0" and lanes == {"up0": False, "up1": False, "up2": False, "auth0": True}
            release["auth0"].set()
            assert (await auth).status_code == 200, "answered while the uploads still hold their slots"
            assert not any(task.done() for task in (*uploads, late_upload))

            held_auth = asyncio.create_task(call(client, "/v1/auth", "auth1"))  # all 4 slots taken now
            await settle()
            waiting_auth = asyncio.create_task(call(client, "/v1/auth", "auth2"))
            await settle()
            assert inside[-1] == "auth1", "up3 (bulk) and auth2 wait"
            release["up0"].set()
            await settle()
            assert inside[-1] == "auth2", "the authorisation goes ahead of the upload that waited longer"
            release["auth1"].set()
            release["up1"].set()
            await settle()
            assert inside[-1] == "up3", "the upload gets the next bulk slot"

            refused = await asyncio.wait_for(call(client, "/v1/journal", "up4", terminal="T-up3"), 5)
            assert refused.status_code == 429 and refused.json()["code"] == "terminal_busy", "fairness kept"

            for name in ("auth2", "up2", "up3"):
                release.setdefault(name, asyncio.Event()).set()
            answers = await asyncio.gather(*uploads, late_upload, held_auth, waiting_auth)
            assert [r.status_code for r in answers] == [200] * 6

        quick = HubGuard(slow_app, max_requests=2, max_per_terminal=2, queue_wait_s=0.2, reserved=1)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=quick), base_url="http://hub") as client:
            holding = asyncio.create_task(call(client, "/v1/journal", "bulk0"))
            await settle()
            busy = await call(client, "/v1/journal", "bulk1")
            assert busy.status_code == 503 and busy.json()["code"] == "busy" and int(busy.headers["retry-after"]) >= 1
            assert "bulk1" not in inside, "the reserved slot is never given to bulk work"
            release["bulk0"].set()
            assert (await holding).status_code == 200

    asyncio.run(scenario())


@pytest.mark.skipif(not pg_available(), reason="PostgreSQL is not reachable on 127.0.0.1:5432")
def test_an_authorisation_gets_a_database_connection_while_uploads_hold_the_rest(tmp_path: Path) -> None:
    """Real hub over PostgreSQL with a pool of 3: three terminals' uploads block inside the database (their
    terminals' advisory locks are held elsewhere). Bulk work takes at most 2 connections, so the third upload waits
    for its share and an authorisation is answered while all three uploads are still unanswered."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from hub.app import create_app
    from hub.postgres_backend import PostgresBackend
    from hub.store import Store

    with pg_schema() as dsn:
        store = Store(PostgresBackend(dsn, pool_size=3, wait_s=20), clock=Clock())
        try:
            uploaders = [Terminal.create(tmp_path / f"t{i}").enrol(store) for i in range(3)]
            seller = Terminal.create(tmp_path / "seller").enrol(store)
            app = create_app(store, ADMIN_TOKEN, sweep_every_s=None)
            with (TestClient(app, raise_server_exceptions=False) as client,
                  psycopg.connect(dsn) as locks):  # closed first, even on a failure: the blocked uploads then finish
                for term in uploaders:  # the lock each upload takes first (PostgresTx.lock_terminal)
                    locks.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"terminal:{term.id}",))
                holder = locks.execute("SELECT pg_backend_pid()").fetchone()[0]
                answers: dict[str, int] = {}

                def upload(term: Terminal) -> None:
                    record = term.append("sale", sale([tender("cash", 1000)]))
                    body, headers = term.signed("POST", "/v1/journal", upload_body([record]))
                    answers[term.id] = client.post("/v1/journal", content=body, headers=headers).status_code

                threads = [threading.Thread(target=upload, args=(term,), daemon=True) for term in uploaders]
                for thread in threads:
                    thread.start()
                with psycopg.connect(dsn, autocommit=True) as probe:
                    blocked = 0
                    deadline = time.monotonic() + 60
                    while blocked < 2 and time.monotonic() < deadline:
                        time.sleep(0.05)
                        blocked = probe.execute("SELECT count(*) FROM pg_stat_activity WHERE %s = ANY("
                                                "pg_blocking_pids(pid))", (holder,)).fetchone()[0]
                    assert blocked == 2, "two uploads hold the bulk share of the pool, blocked in the database"
                    body, headers = seller.signed("POST", "/v1/auth", {
                        "auth_id": unique("auth"), "sale_id": unique("sale"), "tender": "card_contactless",
                        "amount": {"amount": 1000, "currency": "CNY"}})
                    auth = client.post("/v1/auth", content=body, headers=headers)
                    assert auth.status_code == 200, auth.text
                    assert not answers, "the authorisation was answered while every upload still waited"
                    assert probe.execute("SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids("
                                         "pid))", (holder,)).fetchone()[0] == 2, "the third upload waits its share"
                locks.rollback()  # the uploads go on
                for thread in threads:
                    thread.join(60)
                assert answers == {term.id: 200 for term in uploaders}
        finally:
            store.close()
