"""The hub's risk-loop records on both backends: sales and labels over the admin API, labels only from their past
in an export, a fraud label blocks the card, model files published and served to a signed terminal, run reports."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta

from hubkit import ADMIN_TOKEN

from hub import risk_loop

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _sale(n: int, token: str, when: str) -> dict[str, object]:
    return {"id": f"rs-{n}-{uuid.uuid4().hex[:8]}", "time": when, "amount_minor": 2500 + n, "currency": "CNY",
            "card_token": token, "terminal_id": "T00001", "entry_mode": "contactless", "tender": "card_contactless",
            "profile": "retail", "lat": 30.5, "lon": 120.5}


def test_sales_and_labels_with_their_known_time(client, store) -> None:
    token = f"tk_{uuid.uuid4().hex}"
    sales = [_sale(n, token, f"2026-03-0{n + 1}T10:00:00Z") for n in range(3)]
    answer = client.post("/v1/admin/risk/sales", json={"sales": sales}, headers=ADMIN)
    assert answer.status_code == 200 and answer.json() == {"added": 3}
    assert client.post("/v1/admin/risk/sales", json={"sales": sales[:1]}, headers=ADMIN).json() == {"added": 0}
    bad = client.post("/v1/admin/risk/sales", json={"sales": [{**sales[0], "card_token": "4111111111111111"}]},
                      headers=ADMIN)
    assert bad.status_code == 422  # a PAN is not a token
    assert client.post("/v1/admin/risk/labels", json={"sale_id": sales[0]["id"], "kind": "pin_verified"}).status_code \
        == 401

    fraud = client.post("/v1/admin/risk/labels", headers=ADMIN, json={
        "sale_id": sales[1]["id"], "kind": "chargeback", "known_at": "2026-03-10T09:00:00Z", "source": "issuer"})
    assert fraud.status_code == 201 and fraud.json()["fraud"] is True
    assert token in store.blacklist_since(0).added  # a fraud label blocks the card for the tills
    later = client.post("/v1/admin/risk/labels/batch", headers=ADMIN, json={"labels": [
        {"sale_id": sales[0]["id"], "kind": "false_decline", "known_at": "2026-03-20T09:00:00Z"},
        {"sale_id": sales[2]["id"], "kind": "supervisor_approved", "known_at": "2026-03-21T09:00:00Z"}]})
    assert later.status_code == 201 and later.json() == {"added": 2}
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    refused = client.post("/v1/admin/risk/labels", headers=ADMIN,
                          json={"sale_id": sales[0]["id"], "kind": "review_fraud", "known_at": future})
    assert refused.status_code in (400, 422) and "future" in refused.text

    exported_sales, labels = store.view(lambda tx: risk_loop.export(tx, datetime(2026, 3, 15, tzinfo=UTC)))
    ours = [json.loads(x)["label"] for x in labels if json.loads(x)["label"]["id"] in {s["id"] for s in sales}]
    assert [(lab["kind"], lab["time"]) for lab in ours] == [("chargeback", "2026-03-10T09:00:00Z")]
    assert {json.loads(x)["id"] for x in exported_sales} >= {s["id"] for s in sales}
    listed = client.get("/v1/admin/risk/labels", headers=ADMIN).json()
    assert {row["kind"] for row in listed} >= {"chargeback", "false_decline", "supervisor_approved"}


def test_published_model_files_are_served_to_a_signed_terminal(client, store, terminal) -> None:
    onnx, meta, sig = b"model-bytes-" + uuid.uuid4().bytes, b'{"version": "v-test"}', b'{"signature": "00"}'
    now = store.clock()
    store.read(lambda tx: risk_loop.publish(tx, "v-test", onnx, meta, sig, now))
    sha = hashlib.sha256(onnx).hexdigest()
    pointer = client.get("/v1/model", headers=terminal.headers("GET", "/v1/model")).json()
    assert pointer["sha256"] == sha and pointer["url"] == f"/v1/model/file?sha256={sha}"
    path = f"/v1/model/file?sha256={sha}"
    served = client.get(path, headers=terminal.headers("GET", path))
    assert served.status_code == 200
    body = served.json()
    assert base64.b64decode(body["onnx"]) == onnx and body["meta"] == meta.decode() and body["version"] == "v-test"
    assert client.get(path).status_code == 401  # terminals only, signed
    other = f"/v1/model/file?sha256={'0' * 64}"
    assert client.get(other, headers=terminal.headers("GET", other)).status_code == 404

    report = {"version": "v-test", "promoted": True, "reason": "better", "as_of": "2026-03-15T00:00:00Z",
              "metrics": {"challenger": {"sales": 10, "frauds": 1, "roc_auc": 0.97}, "champion": None},
              "feature_importance": [["amount", 0.5]], "input_drift_psi": [["amount", 0.3]]}
    n = store.read(lambda tx: risk_loop.record_run(tx, now, datetime(2026, 3, 15, tzinfo=UTC), report, "# r"))
    runs = client.get("/v1/admin/risk/runs", headers=ADMIN).json()
    assert runs[0]["n"] == n and runs[0]["promoted"] is True
    page = client.get(f"/v1/admin/risk/runs/{n}?format=html", headers=ADMIN)
    assert page.status_code == 200 and "<svg" in page.text and "v-test" in page.text
    assert client.get(f"/v1/admin/risk/runs/{n}?format=md", headers=ADMIN).text == "# r"
