"""The learning loop fed by the tills' journals, on both backends: a `risk.decided` record becomes the sale and its
decision (under the uploading terminal, once however often it is uploaded), an approved step-up a label known at its
record's time; a record the loop cannot use is still accepted and leaves nothing behind."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from hubkit import new_token, upload_body

from hub import risk_loop


def _decided(risk_id: str, token: str, terminal_id: str, decision: str = "step_up_pin") -> dict[str, object]:
    sale = {"id": risk_id, "time": "2026-03-02T10:00:00Z", "amount_minor": 350000, "currency": "CNY",
            "card_token": token, "terminal_id": terminal_id, "entry_mode": "chip", "tender": "card_contact",
            "profile": "retail"}
    return {"sale": sale, "decision": decision, "score_ppm": 120000, "reasons": ["amount_pin"],
            "model": "risk-v3-s7", "features": ["0.5", "1", "-1"]}


def _upload(client, terminal, records) -> dict:
    path = "/v1/journal"
    body, headers = terminal.signed("POST", path, json.loads(upload_body(records)))
    answer = client.post(path, content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _rows(store, sql: str, *params: object) -> list[tuple]:
    return store.view(lambda tx: tx.all(sql, params))


def test_journal_records_feed_sales_decisions_and_step_up_labels_once(client, store, terminal) -> None:
    pin_id, sup_id, refused_id = (f"r{uuid.uuid4().hex}" for _ in range(3))
    token = new_token()
    records = [
        terminal.append("risk.decided", _decided(pin_id, token, "SOMEONE-ELSE")),  # stored under the uploader
        terminal.append("tender.step_up", {"sale_id": "S1", "kind": "card_contact", "step": "pin",
                                           "result": "approved", "approved_by": None, "operator": "C-001",
                                           "risk_id": pin_id}),
        terminal.append("risk.decided", _decided(sup_id, token, terminal.id, "step_up_supervisor")),
        terminal.append("tender.step_up", {"sale_id": "S2", "kind": "card_contact", "step": "supervisor",
                                           "result": "approved", "approved_by": "S-001", "operator": "C-001",
                                           "risk_id": sup_id}),
        terminal.append("risk.decided", _decided(refused_id, token, terminal.id)),
        terminal.append("tender.step_up", {"sale_id": "S3", "kind": "card_contact", "step": "pin",
                                           "result": "refused", "approved_by": None, "operator": "C-001",
                                           "risk_id": refused_id}),
        terminal.append("risk.decided", _decided(f"r{uuid.uuid4().hex}", "card-1234", terminal.id)),  # no token
    ]
    first = _upload(client, terminal, records)
    assert [r["status"] for r in first["results"]] == ["accepted"] * len(records)  # money records never wait on it
    again = _upload(client, terminal, records)  # a retry after a lost answer: duplicates, nothing learnt twice
    assert [r["status"] for r in again["results"]] == ["duplicate"] * len(records)

    sales = _rows(store, "SELECT id, terminal_id, line FROM risk_sales WHERE terminal_id = ? ORDER BY id", terminal.id)
    assert sorted(r[0] for r in sales) == sorted([pin_id, sup_id, refused_id])  # the tokenless line was not kept
    assert all(json.loads(r[2])["terminal_id"] == terminal.id for r in sales)
    decided = _rows(store, "SELECT sale_id, decision, score_ppm, features FROM risk_decisions WHERE terminal_id = ?",
                    terminal.id)
    assert sorted((r[0], r[1], r[2]) for r in decided) == sorted(
        [(pin_id, "step_up_pin", 120000), (sup_id, "step_up_supervisor", 120000), (refused_id, "step_up_pin", 120000)])
    assert json.loads(decided[0][3]) == ["0.5", "1", "-1"]

    labels = _rows(store, "SELECT sale_id, kind, fraud, known_at, source FROM risk_labels WHERE sale_id IN (?, ?, ?)",
                   pin_id, sup_id, refused_id)
    by_id = {r[0]: r for r in labels}
    assert len(labels) == 2 and set(by_id) == {pin_id, sup_id}  # a refused step-up is no label
    assert by_id[pin_id][1:3] == ("pin_verified", False) and by_id[sup_id][1:3] == ("supervisor_approved", False)
    step_time = datetime.fromisoformat(records[1].time).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert by_id[pin_id][3] == step_time and by_id[pin_id][4] == f"till {terminal.id}"

    # the retraining export sees the label only from the moment it became known
    before = datetime.fromisoformat(step_time).replace(second=0, minute=0, hour=0)
    _, known_before = store.view(lambda tx: risk_loop.export(tx, before))
    assert pin_id not in "".join(known_before)
    _, known_after = store.view(lambda tx: risk_loop.export(tx, datetime.fromisoformat(step_time)))
    assert pin_id in "".join(known_after)
