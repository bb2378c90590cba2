"""The back office joined with the fleet (hub.fleet), the risk learning loop (hub.risk_loop) and digital currency
(hub.cbdc), over HTTP (TestClient, the real store on SQLite and PostgreSQL): a terminal's signed check-in shows on the
terminals page, an admin queues remote actions (CSRF, role, retire confirmed, audited), the risk page lists runs
and renders their reports, a manager marks a declined sale a wrong decline once, a bare double spend shows its
detail."""

from __future__ import annotations

import json
import re
import uuid
import warnings
from datetime import UTC, datetime, timedelta

from hubkit import Clock
from officekit import PASSWORD, Shop, csrf, office_fixtures

from hub import risk_loop
from hub.cbdc import ledger
from hub.store import Store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

shop, app, web = office_fixtures()  # one shop and one back-office app per module


def sign_in(web: TestClient, name: str) -> str:
    """Sign in afresh; the session's CSRF token."""
    web.cookies.clear()
    token = csrf(web.get("/office/signin").text)
    answer = web.post("/office/signin", data={"csrf": token, "name": name, "password": PASSWORD})
    assert answer.url.path == "/office/", answer.text[:300]
    return csrf(answer.text)


def actions_logged(store: Store, action: str) -> list[tuple[str, dict]]:
    return [(r[0], json.loads(r[1])) for r in store.view(lambda tx: tx.all(
        "SELECT actor, detail FROM bo_actions WHERE action = ? ORDER BY at", (action,)))]


def row_of(html: str, terminal_id: str) -> str:
    return re.search(rf'<tr class="terminal" data-terminal="{terminal_id}".*?</tr>', html, re.S).group(0)


def test_terminals_page_shows_the_signed_check_in_and_an_admin_queues_actions(web: TestClient, shop: Shop,
                                                                            store: Store) -> None:
    health = {"versions": {"edgepos": "1.4.2", "risk_model": "m-7"}, "head_seq": 5, "queue_pending": 3,
              "oldest_pending_age_s": 754.0, "skew_ms": -420, "last_error": "hub unreachable: timed out",
              "devices": [{"name": "printer", "status": "error", "advice": "paper out"},
                          {"name": "pinpad", "status": "ok"}]}
    body, headers = shop.terminal.signed("POST", "/v1/fleet/checkin", health)
    assert web.post("/v1/fleet/checkin", content=body, headers=headers).json() == {"actions": []}

    sign_in(web, shop.users["manager"])
    page = web.get("/office/terminals")
    row = row_of(page.text, shop.terminal.id)
    for shown in ("edgepos 1.4.2", "3 (13 min)", "-420 ms", "hub unreachable: timed out", "printer: error (paper out)",
                  'data-state="active"', 'data-health="error"'):
        assert shown in row, (shown, row)
    assert "/office/terminals/action" not in page.text  # a manager sees the fleet, only an admin acts on it
    token = csrf(page.text)
    target = {"terminal_id": shop.terminal.id, "action": "resync", "csrf": token}
    assert web.post("/office/terminals/action", data=target).status_code == 403  # wrong role, right token

    admin_token = sign_in(web, shop.users["admin"])
    assert web.post("/office/terminals/action", data={**target, "csrf": "forged"}).status_code == 403
    assert web.post("/office/terminals/action", data={**target, "csrf": admin_token, "action": "format_disk"}
                    ).status_code == 422
    assert web.post("/office/terminals/action", data={**target, "csrf": admin_token, "terminal_id": "T-not-mine"}
                    ).status_code == 404
    queued = web.post("/office/terminals/action", data={**target, "csrf": admin_token})
    assert queued.status_code == 200 and "A-" in queued.text
    assert '<td class="open_actions">resync</td>' in row_of(queued.text, shop.terminal.id)

    # retiring asks for the terminal's id typed again; without it nothing is queued
    ask = web.post("/office/terminals/action", data={**target, "csrf": admin_token, "action": "retire"})
    assert ask.status_code == 200 and 'name="confirm"' in ask.text
    assert web.post("/office/terminals/action", data={**target, "csrf": admin_token, "action": "retire",
                                                      "confirm": "yes"}).text.count('name="confirm"') == 1
    done = web.post("/office/terminals/action", data={**target, "csrf": admin_token, "action": "retire",
                                                      "confirm": shop.terminal.id})
    assert 'data-state="retiring"' in row_of(done.text, shop.terminal.id)
    assert '<td class="open_actions">resync, retire</td>' in row_of(done.text, shop.terminal.id)

    answer = web.post("/v1/fleet/checkin", content=body, headers=shop.terminal.headers("POST", "/v1/fleet/checkin",
                                                                                        body)).json()
    assert [a["action"] for a in answer["actions"]] == ["resync", "retire"]  # the till gets exactly these two
    logged = actions_logged(store, "fleet.action")
    assert [(who, d["action"]) for who, d in logged] == [(shop.users["admin"], "resync"),
                                                        (shop.users["admin"], "retire")]


def test_risk_page_lists_runs_and_renders_the_report(web: TestClient, shop: Shop, store: Store) -> None:
    now = datetime.now(UTC)
    report = {"version": "risk-2026.11.25", "promoted": True, "reason": "challenger beat champion on AUC",
              "as_of": now.isoformat(), "champion": "risk-2026.11.18", "labels_used": 812,
              "windows": {"evaluation": ["2026-11-04", "2026-11-11"]},
              "metrics": {"challenger": {"sales": 9000, "frauds": 41, "roc_auc": 0.93, "recall_at_budget": 0.61,
                                         "false_decline": 0.0008, "till": {"fraud_stopped": 25, "legit_declined": 7}},
                          "champion": {"sales": 9000, "frauds": 41, "roc_auc": 0.9, "recall_at_budget": 0.55,
                                       "false_decline": 0.0009, "till": {"fraud_stopped": 22, "legit_declined": 8}}},
              "feature_importance": [["amount_minor", 0.31], ["velocity_1h", 0.22]],
              "input_drift_psi": [["amount_minor", 0.04], ["hour", 0.31]]}
    n = store.read(lambda tx: risk_loop.record_run(tx, now - timedelta(minutes=5), now, report, "# run"))
    sign_in(web, shop.users["finance"])
    assert web.get("/office/risk").status_code == 403
    sign_in(web, shop.users["auditor"])
    page = web.get("/office/risk")
    assert page.status_code == 200 and "mark_wrong" not in page.text
    assert re.search(rf'<tr class="risk-run promoted" data-run="{n}">.*?risk-2026\.11\.25', page.text, re.S)
    shown = web.get(f"/office/risk/runs/{n}")
    assert shown.status_code == 200 and "Promoted" in shown.text and shown.text.count("<svg") >= 3
    assert "style-src 'unsafe-inline'" in shown.headers["content-security-policy"]
    assert "script" not in shown.headers["content-security-policy"]
    assert web.get("/office/risk/runs/999999").status_code == 404
    assert "风控模型" in web.get("/office/risk?lang=zh").text and "已上线" in web.get("/office/risk").text


def test_a_manager_marks_a_declined_sale_a_wrong_decline_once(web: TestClient, shop: Shop, store: Store) -> None:
    seq, payload = store.view(lambda tx: tx.one("SELECT seq, payload FROM records WHERE terminal_id = ? AND "
                                                "status = 'declined'", (shop.terminal.id,)))
    sale_id = json.loads(payload)["sale_id"]
    labels = lambda: store.view(lambda tx: tx.all(  # noqa: E731
        "SELECT kind, fraud, source, known_at FROM risk_labels WHERE sale_id = ?", (sale_id,)))
    target = {"terminal_id": shop.terminal.id, "seq": str(seq)}
    token = sign_in(web, shop.users["auditor"])
    assert web.post("/office/exceptions/wrong-decline", data={**target, "csrf": token}).status_code == 403
    token = sign_in(web, shop.users["manager"])
    assert 'action="/office/exceptions/wrong-decline"' in web.get("/office/exceptions").text
    assert web.post("/office/exceptions/wrong-decline", data=target).status_code == 403  # no CSRF token
    before = datetime.now(UTC).replace(microsecond=0)
    marked = web.post("/office/exceptions/wrong-decline", data={**target, "csrf": token})
    assert marked.status_code == 200 and "Wrong decline" in marked.text
    again = web.post("/office/exceptions/wrong-decline", data={**target, "csrf": token})
    assert again.status_code == 409
    (kind, fraud, source, known_at), = labels()
    assert kind == "false_decline" and not fraud and source == f"backoffice:{shop.users['manager']}"
    assert before <= datetime.fromisoformat(known_at) <= datetime.now(UTC)
    assert [d["sale_id"] for _who, d in actions_logged(store, "risk.false_decline")] == [sale_id]
    # the label reaches the retraining's export as of now, never before it became known
    assert any(sale_id in line for line in store.view(lambda tx: risk_loop.export(tx, datetime.now(UTC)))[1])
    assert not any(sale_id in line for line in store.view(
        lambda tx: risk_loop.export(tx, before - timedelta(seconds=1)))[1])


def test_a_double_spend_the_hub_recorded_shows_its_detail(web: TestClient, shop: Shop, store: Store,
                                                         clock: Clock) -> None:
    """A double spend without a declined sale record (its sale never came): listed from the hub's exception record.
    The whole path - two tills, a cloned hard wallet, the declined sale - is tests/cbdc/test_cbdc_offline.py."""
    detail = {"device_id": "d3v1ce00aa", "wallet_last4": "4321", "counter": 7, "amount": 1500, "currency": "CNY",
              "sale_id": None, "seq": 9, "reason": "counter 7 was spent already (payment P1): a cloned hard wallet"}
    store.read(lambda tx: ledger.record_exception(tx, ledger.EXCEPTION_DOUBLE_SPEND, shop.merchant_id,
                                                  shop.terminal.id, "P-test-2", detail, clock()))
    sign_in(web, shop.users["finance"])
    page = web.get("/office/exceptions").text
    row = re.search(r'<tr class="exception" data-kind="cbdc_double_spend">.*?</tr>', page, re.S).group(0)
    for shown in ("d3v1ce00aa", "…4321", "counter 7", "15.00 CNY", "a cloned hard wallet", "double spend reversed"):
        assert shown in row, (shown, row)


def test_a_payment_the_tills_risk_engine_declined_is_marked_wrong_once(web: TestClient, shop: Shop,
                                                                      store: Store) -> None:
    sale_id = f"S-{uuid.uuid4()}"
    declined = {"sale_id": sale_id, "kind": "card_contactless", "amount": {"amount": 128800, "currency": "CNY"},
                "last4": "4242", "reasons": ["risk_score_high", "velocity_card_1h"], "sentence": "…", "offline": False}
    record = shop.terminal.append("tender.declined", declined)
    assert [r.status for r in store.ingest_records(shop.terminal.id, [record]).results] == ["accepted"]
    token = sign_in(web, shop.users["manager"])
    row = re.search(rf'<tr class="exception" data-kind="tender_declined">(?:(?!</tr>).)*{sale_id}.*?</tr>',
                    web.get("/office/exceptions").text, re.S).group(0)
    assert "1288.00 CNY" in row and "risk_score_high" in row and "…4242" in row
    assert 'action="/office/exceptions/resolve"' not in row  # nothing to resolve: the till declined it
    target = {"terminal_id": shop.terminal.id, "seq": str(record.seq), "csrf": token}
    assert web.post("/office/exceptions/wrong-decline", data=target).status_code == 200
    assert web.post("/office/exceptions/wrong-decline", data=target).status_code == 409
    assert store.view(lambda tx: tx.all("SELECT kind FROM risk_labels WHERE sale_id = ?", (sale_id,))) == [
        ("false_decline",)]
    booked = store.view(lambda tx: tx.one("SELECT seq FROM records WHERE terminal_id = ? AND status = 'accepted' AND "
                                          "type = 'sale.completed'", (shop.terminal.id,)))[0]
    assert web.post("/office/exceptions/wrong-decline", data={**target, "seq": str(booked)}).status_code == 404
