"""The treasury pages over HTTP (real store on SQLite and PostgreSQL): the enterprise wallet's hot and cold balances,
a move out of cold approved only by a second person, a scheduled payment shown paid, AML alerts resolved with a
comment, each step in the operator-action log, and roles enforced."""

from __future__ import annotations

import re
import warnings

import pytest
from hubkit import ADMIN_TOKEN
from officekit import PASSWORD, Shop, csrf, office_fixtures

from hub.cli import ADMIN_TOKEN_ENV
from hub.corporate import aml, scheduler, wallet
from hub.corporate.scheduler import Scheduler
from hub.downstream import RatesUpdate
from hub.store import Store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

shop, app, web = office_fixtures()


@pytest.fixture(autouse=True)
def _sealing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ADMIN_TOKEN_ENV, ADMIN_TOKEN)
    monkeypatch.delenv("EDGEPOS_CBDC_ISSUER_SECRET", raising=False)


def as_user(web: TestClient, name: str) -> TestClient:
    token = csrf(web.get("/office/signin").text)
    assert web.post("/office/signin", data={"csrf": token, "name": name, "password": PASSWORD}).status_code == 200
    return web


def post(web: TestClient, path: str, page: str, **data: str):
    return web.post(path, data={"csrf": csrf(web.get(page).text), **data})


def actions(store: Store, merchant: str, action: str) -> list[str]:
    return [r[0] for r in store.view(lambda tx: tx.all(
        "SELECT actor FROM bo_actions WHERE merchant_id = ? AND action = ? ORDER BY at", (merchant, action)))]


def test_wallet_balances_and_a_cold_move_needs_a_second_person(app, shop: Shop, store: Store) -> None:
    with TestClient(app, follow_redirects=True) as admin, TestClient(app, follow_redirects=True) as finance:
        as_user(admin, shop.users["admin"])
        as_user(finance, shop.users["finance"])
        assert "no enterprise wallet" in finance.get("/office/treasury/wallet").text.lower()
        assert post(finance, "/office/treasury/wallet/open", "/office/treasury/wallet",
                    currency="CNY").status_code == 403  # opening is an admin's
        post(admin, "/office/treasury/wallet/open", "/office/treasury/wallet", currency="CNY")
        now = store.clock()
        store.read(lambda tx: wallet.deposit(tx, shop.merchant_id, "CNY", 50_000_00, "bank top-up", now))
        page = finance.get("/office/treasury/wallet").text
        row = re.search(r'data-currency="CNY">(.*?)</tr>', page).group(1)
        assert "10000.00 CNY" in row and "40000.00 CNY" in row  # hot at its cap, the rest swept to cold
        post(finance, "/office/treasury/wallet/move", "/office/treasury/wallet", currency="CNY", **{"from": "cold"},
             to="bank", amount="1500.00", reason="supplier prepayment")
        [move] = [m for m in store.view(lambda tx: wallet.moves(tx, shop.merchant_id)) if m.status == "pending"]
        assert move.requested_by == shop.users["finance"]
        assert "waiting for a second person" in finance.get("/office/treasury/wallet").text
        assert post(finance, "/office/treasury/wallet/decide", "/office/treasury/wallet", move=move.id,
                    decision="approve").status_code == 403  # finance never approves
        listing = admin.get("/office/treasury/wallet").text
        assert f'name="move" value="{move.id}"' in listing
        post(admin, "/office/treasury/wallet/decide", "/office/treasury/wallet", move=move.id, decision="approve")
        [cny] = store.view(lambda tx: wallet.balances(tx, shop.merchant_id))
        assert (cny.hot, cny.cold, cny.pending_out) == (10_000_00, 38_500_00, 0)
        # an admin's own request: no button for them, and a forged approval is refused with the reason
        post(admin, "/office/treasury/wallet/move", "/office/treasury/wallet", currency="CNY", **{"from": "cold"},
             to="hot", amount="100", reason="float")
        [own] = [m for m in store.view(lambda tx: wallet.moves(tx, shop.merchant_id)) if m.status == "pending"]
        assert f'name="move" value="{own.id}"' not in admin.get("/office/treasury/wallet").text
        refused = post(admin, "/office/treasury/wallet/decide", "/office/treasury/wallet", move=own.id,
                       decision="approve")
        assert refused.url.params.get("error") == "move_same_person"
        assert "another person must approve" in refused.text
        assert actions(store, shop.merchant_id, "wallet.approve") == [shop.users["admin"]]
        assert actions(store, shop.merchant_id, "wallet.move") == [shop.users["finance"], shop.users["admin"]]


def test_scheduled_payment_and_aml_alert_on_the_pages(app, shop: Shop, store: Store) -> None:
    store.put_rates(RatesUpdate(base="CNY", as_of=store.clock(), rates={"USD": "0.1400"}))
    with TestClient(app, follow_redirects=True) as finance:
        as_user(finance, shop.users["finance"])
        today = store.clock().date().isoformat()
        answer = post(finance, "/office/treasury/schedules", "/office/treasury/schedules", payee_name="Paper Co",
                      account="6222020200112233445", bank_code="ICBKCNBJ", amount="60000.00", currency="CNY",
                      reference="contract 9", first_on=today, repeat="monthly", until_on="")
        assert answer.status_code == 200 and "Paper Co" in answer.text and "waiting for a second person" in answer.text
        bad = post(finance, "/office/treasury/schedules", "/office/treasury/schedules", payee_name="X", account="1",
                   bank_code="B", amount="1.234", currency="CNY", reference="", first_on=today, repeat="once")
        assert bad.url.params.get("error") == "bad_amount"
        [pending] = store.view(lambda tx: scheduler.schedules(tx, shop.merchant_id))
        with TestClient(app, follow_redirects=True) as admin:
            as_user(admin, shop.users["admin"])
            assert f'name="schedule" value="{pending.id}"' in admin.get("/office/treasury/schedules").text
            post(admin, "/office/treasury/schedules/decide", "/office/treasury/schedules", schedule=pending.id,
                 decision="approve")
        Scheduler(store).tick()
        page = finance.get("/office/treasury/schedules").text
        assert f"{today} paid" in page
        alerts = finance.get("/office/treasury/alerts").text  # 60,000 CNY is above the large threshold (50,000)
        assert 'data-kind="large"' in alerts and "60000.00 CNY" in alerts and "6222***********3445" in alerts
        assert "6222020200112233445" not in alerts
        [alert] = store.view(lambda tx: aml.alerts(tx, shop.merchant_id, "open"))
        empty = post(finance, "/office/treasury/alerts/resolve", "/office/treasury/alerts", alert=alert.id,
                     comment=" ")
        assert empty.url.params.get("error") == "missing_comment"
        post(finance, "/office/treasury/alerts/resolve", "/office/treasury/alerts", alert=alert.id,
             comment="framework contract 2026, checked")
        assert 'data-kind="large"' not in finance.get("/office/treasury/alerts").text
        assert "framework contract 2026, checked" in finance.get("/office/treasury/alerts?show=all").text
        assert actions(store, shop.merchant_id, "alert.resolve") == [shop.users["finance"]]
        assert actions(store, shop.merchant_id, "schedule.add") == [shop.users["finance"]]
        assert actions(store, shop.merchant_id, "schedule.approve") == [shop.users["admin"]]


def test_roles_on_the_treasury_pages(app, shop: Shop, store: Store) -> None:
    with TestClient(app, follow_redirects=True) as auditor, TestClient(app, follow_redirects=True) as manager:
        as_user(auditor, shop.users["auditor"])
        as_user(manager, shop.users["manager"])
        for path in ("/office/treasury/wallet", "/office/treasury/schedules", "/office/treasury/alerts"):
            assert auditor.get(path).status_code == 200
            assert manager.get(path).status_code == 403
        assert "treasury/wallet" in auditor.get("/office/").text and "treasury/wallet" not in manager.get(
            "/office/").text
        assert post(auditor, "/office/treasury/alerts/resolve", "/office/treasury/alerts", alert="AL1",
                    comment="x").status_code == 403
    with TestClient(app, follow_redirects=False) as anonymous:
        assert anonymous.get("/office/treasury/wallet").headers["location"] == "/office/signin"
