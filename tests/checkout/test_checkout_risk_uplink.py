"""A till's risk decisions reach the hub's learning loop by themselves, through the signed journal and the uplink,
exactly once; the customer's verified PIN becomes a label at the hub, known from the step-up's time."""

from __future__ import annotations

import json
import sqlite3

from checkout_support import basket, records

from models.features import FEATURES
from terminal.checkout import State


def _hub_rows(hub, sql: str, *params: object) -> list[tuple]:
    db = sqlite3.connect(f"file:{hub.where[1]}?mode=ro", uri=True)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def test_risk_lines_and_a_pin_step_up_reach_the_hub_once(till, hub) -> None:
    basket(till, "3500.00")  # above the retail PIN amount
    till.card_reader.present("visa")
    assert till.checkout.pay_card().result == "step_up" and till.checkout.state is State.STEP_UP_PIN
    assert till.checkout.enter_pin("1234").result == "completed"
    decided = [r for r in records(till) if r.type == "risk.decided"]
    assert len(decided) == 1
    line = decided[0].payload
    risk_id = line["sale"]["id"]
    assert line["decision"] == "step_up_pin" and len(line["features"]) == len(FEATURES)
    assert line["sale"]["card_token"].startswith("tk_") and "pan" not in json.dumps(line).lower()

    assert till.uplink.sync_once(pull=False).ok
    assert till.uplink.sync_once(pull=False).ok  # nothing new: nothing learnt twice
    mine = till.keystore.terminal_id
    resent, _ = till.uplink.client.upload(list(till.journal.records())[1:])  # resent, as after a lost answer
    assert {r.status for r in resent.results} == {"duplicate"}

    sales = _hub_rows(hub, "SELECT id, line FROM risk_sales WHERE terminal_id = ?", mine)
    assert [s[0] for s in sales] == [risk_id] and json.loads(sales[0][1])["amount_minor"] == 350000
    decisions = _hub_rows(hub, "SELECT decision, score_ppm FROM risk_decisions WHERE sale_id = ?", risk_id)
    assert decisions == [("step_up_pin", line["score_ppm"])]
    labels = _hub_rows(hub, "SELECT kind, fraud, known_at FROM risk_labels WHERE sale_id = ?", risk_id)
    step = next(r for r in records(till) if r.type == "tender.step_up")
    assert labels == [("pin_verified", 0, step.time.strftime("%Y-%m-%dT%H:%M:%SZ"))]
