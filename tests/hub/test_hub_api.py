"""The HTTP API in-process (both backends): enrolment, signatures, clock skew, idempotency, hostile bodies, admin."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hubkit import ADMIN_TOKEN, Terminal, new_token, sale, tender, unique, upload_body

from hub.openapi import COMMITTED, openapi_json
from sync.protocol import H_SKEW, MAX_BODY

ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}"}


def mint(client, merchant_id: str, expires_in_s: int = 3600) -> str:
    answer = client.post("/v1/admin/enrol-codes", json={"merchant_id": merchant_id, "expires_in_s": expires_in_s},
                         headers=ADMIN)
    assert answer.status_code == 201, answer.text
    return answer.json()["code"]


def enrol(client, term: Terminal, body: dict | None = None, code: str | None = None):
    body = body or term.enrol_body(code or mint(client, term.merchant_id))
    payload, headers = term.signed("POST", "/v1/enrol", body)
    return client.post("/v1/enrol", content=payload, headers=headers)


@pytest.fixture
def enrolled(client, tmp_path: Path) -> Terminal:
    term = Terminal.create(tmp_path)
    assert enrol(client, term).status_code == 200
    return term


def post(client, term: Terminal, path: str, payload, key: str | None = None, now: datetime | None = None):
    body, headers = term.signed("POST", path, payload, key, now)
    return client.post(path, content=body, headers=headers)


def get(client, term: Terminal, path: str):
    _, headers = term.signed("GET", path)
    return client.get(path, headers=headers)


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["message"], body
    return body


def auth_body(amount: int = 1000, token: str | None = None) -> dict:
    return {"auth_id": unique("auth"), "sale_id": unique("sale"), "tender": "card_contactless",
            "amount": {"amount": amount, "currency": "CNY"}, **({"token": token} if token else {})}


# --- enrolment ----------------------------------------------------------------------------------------------------


def test_enrolment_is_idempotent_and_refuses_another_key(client, tmp_path: Path) -> None:
    term = Terminal.create(tmp_path)
    code = mint(client, term.merchant_id)
    first = enrol(client, term, code=code)
    assert first.status_code == 200 and first.json()["last_seq"] == 0 and H_SKEW in first.headers
    assert enrol(client, term, code=code).json() == first.json()  # a retry (the answer was lost) with the same code
    assert enrol(client, term).json() == first.json()  # re-enrolled with a fresh code: the same key is a no-op
    impostor = Terminal.create(tmp_path / "impostor", terminal_id=term.id, merchant_id=term.merchant_id)
    problem(enrol(client, impostor), 409, "already_enrolled")
    problem(enrol(client, impostor, code=code), 409, "already_enrolled")


def test_enrolment_needs_a_code_and_the_key(client, tmp_path: Path) -> None:
    term = Terminal.create(tmp_path)
    problem(enrol(client, term, code="WRONG-CODE-0000"), 401, "bad_code")
    stranger = Terminal.create(tmp_path / "stranger")  # signs with its own key a body naming another key
    payload, headers = stranger.signed("POST", "/v1/enrol", {**term.enrol_body(mint(client, term.merchant_id)),
                                                             "terminal_id": stranger.id})
    problem(client.post("/v1/enrol", content=payload, headers=headers), 401, "bad_signature")


def test_enrolment_with_a_key_off_the_curve_is_refused_not_a_crash(client, tmp_path: Path) -> None:
    """Hostile input: a well-formed public key that is not an SM2 point is a 422, never a 500 with a traceback."""
    term = Terminal.create(tmp_path)
    body = problem(enrol(client, term, term.enrol_body(mint(client, term.merchant_id), public_key="04" + "11" * 64)),
                   422, "invalid_request")
    assert "public_key" in body["message"]


# --- signatures ---------------------------------------------------------------------------------------------------


def test_unknown_terminal_bad_signature_and_clock_skew(client, enrolled: Terminal, tmp_path: Path) -> None:
    stranger = Terminal.create(tmp_path / "stranger")
    problem(post(client, stranger, "/v1/auth", auth_body()), 401, "unknown_terminal")
    body, headers = enrolled.signed("POST", "/v1/auth", auth_body())
    tampered = body.replace(b"1000", b"9000")  # answered like an unknown id: answers never tell which ids exist
    problem(client.post("/v1/auth", content=tampered, headers=headers), 401, "unknown_terminal")
    problem(client.post("/v1/auth", content=body, headers={**headers, "X-Edgepos-Signature": "zz"}),
            401, "bad_signature")
    missing = {k: v for k, v in headers.items() if k != "X-Edgepos-Signature"}
    problem(client.post("/v1/auth", content=body, headers=missing), 401, "bad_signature")
    late = post(client, enrolled, "/v1/auth", auth_body(), now=datetime.now(UTC) - timedelta(minutes=20))
    problem(late, 401, "clock_skew")
    assert abs(int(late.headers[H_SKEW]) - 20 * 60_000) < 5_000
    ok = post(client, enrolled, "/v1/auth", auth_body(), now=datetime.now(UTC) - timedelta(minutes=5))
    assert ok.status_code == 200 and 290_000 < int(ok.headers[H_SKEW]) < 310_000


def test_signature_covers_path_and_query(client, enrolled: Terminal) -> None:
    _, headers = enrolled.signed("GET", "/v1/blacklist?since=0")
    problem(client.get("/v1/blacklist?since=1", headers=headers), 401, "unknown_terminal")
    assert client.get("/v1/blacklist?since=0", headers=headers).status_code == 200


# --- idempotency --------------------------------------------------------------------------------------------------


def test_same_key_same_body_replays_first_answer_exactly(client, enrolled: Terminal) -> None:
    body = auth_body()
    first = post(client, enrolled, "/v1/auth", body, key="key-replay-1")
    again = post(client, enrolled, "/v1/auth", body, key="key-replay-1")
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    capture = {"auth_id": body["auth_id"], "amount": {"amount": 5000, "currency": "CNY"}}
    refused = post(client, enrolled, "/v1/capture", capture, key="key-capture-1")
    problem(refused, 409, "exceeds_hold")
    assert post(client, enrolled, "/v1/capture", capture, key="key-capture-1").content == refused.content


def test_same_key_other_body_is_a_conflict(client, enrolled: Terminal) -> None:
    assert post(client, enrolled, "/v1/auth", auth_body(), key="key-conflict-1").status_code == 200
    problem(post(client, enrolled, "/v1/auth", auth_body(), key="key-conflict-1"), 409, "idempotency_conflict")


def test_upload_retry_under_same_key_is_counted_once(client, enrolled: Terminal) -> None:
    records = [enrolled.append("sale.completed", sale([tender("cash", 250)])) for _ in range(3)]
    first = post(client, enrolled, "/v1/journal", json.loads(upload_body(records)), key="upload-1")
    again = post(client, enrolled, "/v1/journal", json.loads(upload_body(records)), key="upload-1")
    assert first.json()["last_seq"] == 3 and first.content == again.content
    other_key = post(client, enrolled, "/v1/journal", json.loads(upload_body(records)), key="upload-2").json()
    assert [r["status"] for r in other_key["results"]] == ["duplicate"] * 3
    status = client.get(f"/v1/admin/terminals/{enrolled.id}", headers=ADMIN).json()
    assert status["records"] == {"accepted": 3}


def test_upload_broken_chain_names_the_record(client, enrolled: Terminal) -> None:
    records = [enrolled.append("shift.opened", {}), enrolled.append("shift.closed", {})]
    bad = records[1].model_copy(update={"payload": '{"x":1}'})
    result = post(client, enrolled, "/v1/journal", json.loads(upload_body([records[0], bad]))).json()
    assert result["results"][1]["code"] == "broken_chain"
    assert "record 2" in result["results"][1]["message"] and result["last_seq"] == 1


# --- hostile input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body, where", [
    (b"{not json", "Invalid JSON"),
    (b'{"auth_id": "abcdefgh", "sale_id": "abcdefgh", "tender": "card_contact", "amount": {"amount": "5", '
     b'"currency": "CNY"}}', "amount.amount"),
    (b'{"auth_id": "abcdefgh", "sale_id": "abcdefgh", "tender": "card_contact", "amount": {"amount": 5, '
     b'"currency": "CNY"}, "pan": "4111111111111111"}', "pan"),
    (b'{"auth_id": "abcdefgh", "sale_id": "abcdefgh", "tender": "cheque", "amount": {"amount": 5, '
     b'"currency": "CNY"}}', "tender"),
    (b'{"auth_id": "abcdefgh", "sale_id": "abcdefgh", "tender": "cash", "amount": {"amount": 1.5, '
     b'"currency": "CNY"}}', "amount.amount"),
    (b"[]", ""),
    (b"", ""),
])
def test_malformed_bodies_are_422_problems(client, enrolled: Terminal, body: bytes, where: str) -> None:
    response = post(client, enrolled, "/v1/auth", body)
    found = problem(response, 422, "invalid_request")
    assert where in found["message"]
    assert "Traceback" not in response.text


def test_oversized_body_is_refused_before_parsing(client, enrolled: Terminal) -> None:
    huge = b"x" * (MAX_BODY + 1)
    problem(client.post("/v1/journal", content=huge, headers=enrolled.headers("POST", "/v1/journal", huge)),
            413, "body_too_large")
    problem(client.post("/v1/journal", content=b"{}", headers={"content-length": str(MAX_BODY + 10)}),
            413, "body_too_large")


def test_unknown_route_and_method_are_problems(client) -> None:
    problem(client.get("/v1/nothing"), 404, "not_found")
    problem(client.get("/v1/auth"), 405, "method_not_allowed")


# --- downstream and admin -----------------------------------------------------------------------------------------


def test_admin_needs_the_token(client) -> None:
    problem(client.get("/v1/admin/trial-balance"), 401, "unauthorized")
    problem(client.get("/v1/admin/trial-balance", headers={"authorization": "Bearer nope"}), 401, "unauthorized")
    assert client.get("/v1/admin/trial-balance", headers=ADMIN).json()["balanced"] is True


def test_config_blacklist_rates_model_round_trip(client, enrolled: Terminal) -> None:
    assert client.put("/v1/admin/config", headers=ADMIN, json={"values": {"floor_limit": 50000}}).status_code == 200
    assert client.put("/v1/admin/config", headers=ADMIN,
                      json={"values": {"floor_limit": 1000, "kiosk": True}, "terminal_id": enrolled.id}).status_code \
        == 200
    config = get(client, enrolled, "/v1/config").json()
    assert config["values"] == {"floor_limit": 1000, "kiosk": True} and config["version"] >= 2
    start = get(client, enrolled, "/v1/blacklist?since=0").json()
    first, second = new_token(), new_token()
    v1 = client.post("/v1/admin/blacklist", headers=ADMIN, json={"add": [first, second]}).json()["version"]
    v2 = client.post("/v1/admin/blacklist", headers=ADMIN, json={"remove": [first]}).json()["version"]
    delta = get(client, enrolled, f"/v1/blacklist?since={v1}").json()
    assert (delta["version"], delta["full"], delta["added"], delta["removed"]) == (v2, False, [], [first])
    full = get(client, enrolled, "/v1/blacklist?since=0").json()
    assert full["full"] and second in full["added"] and first not in full["added"]
    assert start["version"] < v1
    problem(get(client, enrolled, "/v1/rates"), 404, "no_rates")
    rates = {"base": "CNY", "as_of": "2025-11-25T00:00:00Z", "rates": {"USD": "0.1404", "EUR": "0.1213"}}
    assert client.put("/v1/admin/rates", headers=ADMIN, json=rates).status_code == 200
    assert get(client, enrolled, "/v1/rates").json()["rates"]["USD"] == "0.1404"
    problem(client.put("/v1/admin/rates", headers=ADMIN, json={**rates, "rates": {"USD": 0.14}}), 422,
            "invalid_request")
    model = {"version": "risk-2025.11", "sha256": "ab" * 32, "url": "/models/risk-2025.11.onnx"}
    assert client.put("/v1/admin/model", headers=ADMIN, json=model).status_code == 200
    assert get(client, enrolled, "/v1/model").json()["version"] == "risk-2025.11"


def test_settlement_endpoint(client, enrolled: Terminal) -> None:
    records = [enrolled.append("sale.completed", sale([tender("cash", 700)])),
               enrolled.append("sale.completed", sale([tender("qr_merchant", 300, "QR-9")]))]
    post(client, enrolled, "/v1/journal", json.loads(upload_body(records)))
    day = datetime.now(UTC).date().isoformat()
    (total,) = client.get(f"/v1/admin/settlement?day={day}&terminal={enrolled.id}", headers=ADMIN).json()
    assert (total["sales"], total["net"], total["count"]) == (1000, 1000, 2)
    assert total["by_tender"] == {"cash": 700, "qr_merchant": 300}
    problem(client.get(f"/v1/admin/settlement?day={day}", headers=ADMIN), 400, "invalid_request")
    problem(client.get("/v1/admin/settlement?day=yesterday&merchant=x", headers=ADMIN), 400, "invalid_request")


def test_blacklisted_card_declined_online(client, enrolled: Terminal) -> None:
    token = new_token()
    client.post("/v1/admin/blacklist", headers=ADMIN, json={"add": [token]})
    answer = post(client, enrolled, "/v1/auth", auth_body(token=token)).json()
    assert answer["status"] == "declined" and "blacklist" in answer["reason"]


def test_committed_openapi_matches_the_app() -> None:
    assert COMMITTED.read_text() == openapi_json(), "run: .venv/bin/python -m hub.openapi"
    paths = json.loads(COMMITTED.read_text())["paths"]
    assert {"/v1/enrol", "/v1/auth", "/v1/capture", "/v1/void", "/v1/refund", "/v1/journal", "/v1/config",
            "/v1/blacklist", "/v1/rates", "/v1/model"} <= set(paths)
    assert paths["/v1/journal"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"] \
        .endswith("/UploadRequest")

