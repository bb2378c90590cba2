"""A merchant's business day in its own time zone (settlement), and a terminal fetching its own records back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hubkit import Terminal, sale, tender, upload_body
from test_hub_api import ADMIN, enrolled, get, post, problem  # noqa: F401  (enrolled: the fixture)


def test_settlement_day_is_the_merchants_local_day(client, enrolled: Terminal) -> None:  # noqa: F811
    now = datetime.now(UTC)
    zone, shift = ("Pacific/Kiritimati", 1) if now.hour >= 10 else ("Pacific/Pago_Pago", -1)  # UTC+14 / UTC-11
    answer = client.put(f"/v1/admin/merchants/{enrolled.merchant_id}", headers=ADMIN,
                        json={"business_timezone": zone})
    assert answer.status_code == 200 and answer.json() == {"business_timezone": zone}
    problem(client.put(f"/v1/admin/merchants/{enrolled.merchant_id}", headers=ADMIN,
                       json={"business_timezone": "Mars/Olympus"}), 422, "invalid_request")
    record = enrolled.append("sale.completed", sale([tender("cash", 700)]))
    assert post(client, enrolled, "/v1/journal", json.loads(upload_body([record]))).status_code == 200
    local_day = (now + timedelta(days=shift)).date().isoformat()
    if datetime.now(UTC).date() != now.date():  # midnight UTC passed during the test: nothing to compare
        return
    (total,) = client.get(f"/v1/admin/settlement?day={local_day}&merchant={enrolled.merchant_id}",
                          headers=ADMIN).json()
    assert total["sales"] == 700
    utc_day = now.date().isoformat()
    assert client.get(f"/v1/admin/settlement?day={utc_day}&merchant={enrolled.merchant_id}", headers=ADMIN).json() == []


def test_terminal_fetches_its_own_records_back(client, enrolled: Terminal, tmp_path) -> None:  # noqa: F811
    records = [enrolled.append("sale.completed", sale([tender("cash", 100 + i)])) for i in range(3)]
    post(client, enrolled, "/v1/journal", json.loads(upload_body(records)))
    copy = get(client, enrolled, "/v1/journal?after=1").json()
    assert [r["seq"] for r in copy["records"]] == [2, 3] and copy["last_seq"] == 3
    assert copy["records"][0] == json.loads(records[1].model_dump_json())  # byte for byte as signed
    stranger = Terminal.create(tmp_path / "other")
    assert get(client, stranger, "/v1/journal?after=0").status_code == 401  # only an enrolled terminal, its own
