"""The hub attacked as an attacker and a careless integrator would (issue 11), in-process on both backends: each
test is one attack that used to work (a 500, a leak, an enrolment under someone else's merchant, a guess a second)."""

from __future__ import annotations

import json
import logging
import threading
import warnings
from datetime import timedelta
from pathlib import Path

import pytest
from hubkit import ADMIN_TOKEN, Terminal, sale, tender, unique, upload_body

from hub.store import Store
from hub.throttle import FREE_FAILURES, Throttle
from sync.protocol import MAX_AMOUNT, enrol_code_id

ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}"}


def fresh_client(store: Store, clock, throttle: Throttle | None = None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from hub.app import create_app

    return TestClient(create_app(store, ADMIN_TOKEN, clock, sweep_every_s=None, throttle=throttle),
                      raise_server_exceptions=False)




def mint(client, merchant_id: str, expires_in_s: int = 3600) -> str:
    answer = client.post("/v1/admin/enrol-codes", json={"merchant_id": merchant_id, "expires_in_s": expires_in_s},
                         headers=ADMIN)
    assert answer.status_code == 201, answer.text
    return answer.json()["code"]


def enrol(client, term: Terminal, code: str, **changes):
    body, headers = term.signed("POST", "/v1/enrol", {**term.enrol_body(code), **changes})
    return client.post("/v1/enrol", content=body, headers=headers)


def post(client, term: Terminal, path: str, payload, key: str | None = None):
    body, headers = term.signed("POST", path, payload, key)
    return client.post(path, content=body, headers=headers)


def code_of(response) -> tuple[int, str]:
    return response.status_code, response.json().get("code")


@pytest.fixture
def enrolled(client, tmp_path: Path) -> Terminal:
    term = Terminal.create(tmp_path / "enrolled")
    assert enrol(client, term, mint(client, term.merchant_id)).status_code == 200
    return term


# --- item 2: no shared enrolment secret; codes are per merchant, one-time, expiring, stored hashed ---------------


def test_a_code_of_merchant_a_never_enrols_a_terminal_of_merchant_b(client, tmp_path: Path) -> None:
    code = mint(client, "M-A")
    thief = Terminal.create(tmp_path, merchant_id="M-B")
    assert code_of(enrol(client, thief, code)) == (401, "wrong_merchant")
    assert client.get(f"/v1/admin/terminals/{thief.id}", headers=ADMIN).status_code == 404
    honest = Terminal.create(tmp_path, merchant_id="M-A")
    assert enrol(client, honest, code).json()["merchant_id"] == "M-A"  # the refusal did not spend the code


def test_a_code_enrols_one_terminal_once(client, tmp_path: Path) -> None:
    code = mint(client, "M-ONCE")
    first = Terminal.create(tmp_path, merchant_id="M-ONCE")
    answer = enrol(client, first, code)
    assert answer.status_code == 200
    assert enrol(client, first, code).json() == answer.json()  # a retry of the same enrolment: same answer
    second = Terminal.create(tmp_path, merchant_id="M-ONCE")
    assert code_of(enrol(client, second, code)) == (401, "code_used")


def race(client, path: str, signed: list) -> list[int]:
    """POST each (body, headers) at the same moment from its own thread; the status codes, in arrival order."""
    go, answers = threading.Barrier(len(signed)), []

    def send(body, headers):
        go.wait()
        answers.append(client.post(path, content=body, headers=headers).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in signed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_two_terminals_racing_with_one_code_enrol_one(client, tmp_path: Path) -> None:
    for _ in range(3):
        code = mint(client, "M-RACE")
        terms = [Terminal.create(tmp_path / unique("r"), merchant_id="M-RACE") for _ in range(2)]
        requests = [term.signed("POST", "/v1/enrol", term.enrol_body(code)) for term in terms]
        assert sorted(race(client, "/v1/enrol", requests)) == [200, 401]


def test_expired_and_unknown_codes_are_refused(client, clock, tmp_path: Path) -> None:
    term = Terminal.create(tmp_path, merchant_id="M-EXP")
    code = mint(client, "M-EXP", expires_in_s=60)
    clock.offset = timedelta(minutes=2)
    assert code_of(enrol(client, term, code)) == (401, "code_expired")
    clock.offset = timedelta(0)
    assert code_of(enrol(client, term, "AAAA-BBBB-CCCC-DDDD")) == (401, "bad_code")
    assert code_of(enrol(client, term, mint(client, "M-EXP"), proof="0" * 64)) == (401, "bad_code")


def test_codes_are_random_and_kept_only_as_hashes(client, store: Store) -> None:
    codes = {mint(client, "M-HASH") for _ in range(5)}
    assert len(codes) == 5 and all(len(c.replace("-", "")) == 32 for c in codes)  # 160 bits of base32
    rows = store.view(lambda tx: tx.all("SELECT id, key_hash FROM enrol_codes WHERE merchant_id = 'M-HASH'"))
    stored = json.dumps(rows)
    assert len(rows) == 5 and not any(c in stored or c.replace("-", "") in stored for c in codes)
    assert {r[0] for r in rows} == {enrol_code_id(c) for c in codes}


def test_minting_codes_needs_the_admin_token(client) -> None:
    assert client.post("/v1/admin/enrol-codes", json={"merchant_id": "M-X"}).status_code == 401


# --- item 3: amounts capped, settlement never overflows --------------------------------------------------------


def test_amounts_beyond_the_cap_are_refused_and_settlement_still_answers(client, enrolled: Terminal) -> None:
    """The attack: two journal sales of 2^62 made SQLite's settlement sum overflow (500 for that day)."""
    auth = {"auth_id": unique("auth"), "sale_id": unique("sale"), "tender": "card_contact",
            "amount": {"amount": 2**63 - 1, "currency": "CNY"}}
    assert code_of(post(client, enrolled, "/v1/auth", auth)) == (422, "invalid_request")
    huge = [enrolled.append("sale.completed", sale([tender("cash", 2**62)])) for _ in range(2)]
    answer = post(client, enrolled, "/v1/journal", json.loads(upload_body(huge))).json()
    assert answer["results"][0]["code"] == "bad_payload"
    at_cap = Terminal.create(enrolled.journal.path.parent.parent / "cap", merchant_id=enrolled.merchant_id)
    assert enrol(client, at_cap, mint(client, at_cap.merchant_id)).status_code == 200
    records = [at_cap.append("sale.completed", sale([tender("cash", MAX_AMOUNT)])) for _ in range(3)]
    answer = post(client, at_cap, "/v1/journal", json.loads(upload_body(records))).json()
    assert [r["status"] for r in answer["results"]] == ["accepted"] * 3
    day = huge[0].time[:10]
    for scope in (f"terminal={enrolled.id}", f"terminal={at_cap.id}", f"merchant={enrolled.merchant_id}"):
        totals = client.get(f"/v1/admin/settlement?day={day}&{scope}", headers=ADMIN)
        assert totals.status_code == 200, totals.text
    assert totals.json()[0]["sales"] == 3 * MAX_AMOUNT


# --- item 4: NUL anywhere is a 4xx or a bad_payload record, never a 500 or a stuck queue ---------------------------


def test_nul_inside_a_journal_payload_is_bad_payload_not_a_500(client, enrolled: Terminal) -> None:
    record = enrolled.append("sale.completed", sale([tender("cash", 100)], sale_id="S-\x00-nul"))
    for _ in range(2):  # the retry gets the same answer: the queue is not blocked by a 500
        answer = post(client, enrolled, "/v1/journal", json.loads(upload_body([record])))
        assert answer.status_code == 200
        assert answer.json()["results"][0]["code"] == "bad_payload"


@pytest.mark.parametrize("method, path, body", [
    ("PUT", "/v1/admin/model", {"version": "v\x001", "sha256": "ab" * 32, "url": "/m"}),
    ("PUT", "/v1/admin/config", {"values": {"k\x00": 1}}),
    ("PUT", "/v1/admin/config", {"values": {"k": "v\x00"}}),
    ("POST", "/v1/admin/enrol-codes", {"merchant_id": "M\x00"}),
    ("GET", "/v1/admin/settlement?day=2025-01-01&merchant=M%00", None),
    ("GET", "/v1/admin/terminals/T%00X", None),
])
def test_nul_in_admin_input_is_a_4xx(client, method: str, path: str, body) -> None:
    answer = client.request(method, path, json=body, headers=ADMIN)
    assert 400 <= answer.status_code < 500 and answer.json()["code"], answer.text


def test_nul_in_a_refund_reason_is_a_422(client, enrolled: Terminal) -> None:
    refund = {"refund_id": unique("r"), "auth_id": unique("a"), "amount": {"amount": 1, "currency": "CNY"},
              "reason": "x\x00y"}
    assert code_of(post(client, enrolled, "/v1/refund", refund)) == (422, "invalid_request")


# --- item 5: races and oracles ----------------------------------------------------------------------------------


def test_one_auth_id_from_two_terminals_at_once_is_one_hold_and_one_409(client, tmp_path: Path) -> None:
    terms = [Terminal.create(tmp_path / str(n)) for n in range(2)]
    for term in terms:
        assert enrol(client, term, mint(client, term.merchant_id)).status_code == 200
    for _ in range(3):
        auth_id = unique("shared")
        bodies = [term.signed("POST", "/v1/auth", {"auth_id": auth_id, "sale_id": unique("s"), "tender":
                                                   "card_contact", "amount": {"amount": 500, "currency": "CNY"}})
                  for term in terms]
        assert sorted(race(client, "/v1/auth", bodies)) == [200, 409]


def test_answers_do_not_tell_which_terminal_ids_exist(client, enrolled: Terminal, tmp_path: Path) -> None:
    """A request for an enrolled id signed with another key is answered exactly like one for an id never seen."""
    forger = Terminal.create(tmp_path / "forger", terminal_id=enrolled.id)
    nobody = Terminal.create(tmp_path / "nobody")
    auth = {"auth_id": unique("a"), "sale_id": unique("s"), "tender": "cash", "amount": {"amount": 1,
                                                                                          "currency": "CNY"}}
    known, unknown = post(client, forger, "/v1/auth", auth), post(client, nobody, "/v1/auth", auth)
    assert code_of(known) == code_of(unknown) == (401, "unknown_terminal")
    assert known.json()["message"].replace(enrolled.id, "ID") == unknown.json()["message"].replace(nobody.id, "ID")


# --- item 6: brute force is throttled -----------------------------------------------------------------------------


def test_admin_token_and_enrolment_guesses_are_throttled(store: Store, clock, tmp_path: Path) -> None:
    with fresh_client(store, clock, Throttle(max_lockout_s=60)) as fresh:
        guesses = [fresh.get("/v1/admin/trial-balance", headers={"authorization": f"Bearer guess-{n}"})
                   for n in range(FREE_FAILURES + 2)]
        assert [g.status_code for g in guesses[:FREE_FAILURES]] == [401] * FREE_FAILURES
        assert guesses[-1].status_code == 429 and int(guesses[-1].headers["retry-after"]) >= 1
        assert fresh.get("/v1/admin/trial-balance", headers=ADMIN).status_code == 429  # locked out, even right
        term = Terminal.create(tmp_path, merchant_id="M-GUESS")
        tries = [enrol(fresh, term, f"GUESS-{n:04d}").status_code for n in range(FREE_FAILURES + 2)]
        assert tries[:FREE_FAILURES] == [401] * FREE_FAILURES and tries[-1] == 429


# --- item 7: leaks and defaults -----------------------------------------------------------------------------------


def test_no_public_docs_and_safe_headers(client, enrolled: Terminal) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404
    answer = client.get("/v1/health")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}
    assert answer.headers["x-content-type-options"] == "nosniff" and answer.headers["cache-control"] == "no-store"
    assert client.get("/v1/ready").json() == {"status": "ready"}
    minted = client.post("/v1/admin/enrol-codes", json={"merchant_id": "M-H"}, headers=ADMIN)
    assert minted.headers["cache-control"] == "no-store"


def test_fake_currencies_long_references_and_spaced_keys_are_refused(client, enrolled: Terminal) -> None:
    auth = {"auth_id": unique("a"), "sale_id": unique("s"), "tender": "card_contact",
            "amount": {"amount": 100, "currency": "ZZZ"}}
    assert code_of(post(client, enrolled, "/v1/auth", auth)) == (422, "invalid_request")
    auth["amount"]["currency"] = "CNY"
    assert code_of(post(client, enrolled, "/v1/auth", auth, key="has spaces in it")) == (400, "invalid_request")
    long_ref = enrolled.append("sale.completed", sale([tender("card_contact", 100, reference="R" * 200_000)]))
    answer = post(client, enrolled, "/v1/journal", json.loads(upload_body([long_ref]))).json()
    assert answer["results"][0]["code"] == "bad_payload"


def test_log_lines_are_json_without_raw_control_characters(client, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="edgepos.hub"):
        client.get("/v1/a%00b%0Ac")
        client.get("/v1/admin/terminals/x%00y", headers=ADMIN)
    lines = [r.getMessage() for r in caplog.records if r.name == "edgepos.hub"]
    assert lines
    for line in lines:
        json.loads(line)
        assert "\x00" not in line and "\n" not in line


def test_a_database_outage_answers_503_without_naming_the_database(store: Store, clock, backend) -> None:
    if "dsn" not in backend:
        pytest.skip("the leak was PostgreSQL's connection error text")
    from hub.postgres_backend import PostgresBackend

    cut = Store.open(dsn=backend["dsn"], clock=clock)
    cut.backend.close()
    cut.backend = PostgresBackend("host=127.0.0.1 port=9 user=postgres dbname=test", connect_timeout_s=1)
    with fresh_client(cut, clock) as down:
        for answer in (down.get("/v1/ready"), down.get("/v1/admin/trial-balance", headers=ADMIN)):
            assert answer.status_code == 503
            assert "127.0.0.1" not in answer.text and "port" not in answer.text and "9" not in answer.json()["message"]
    cut.close()


# --- item 9: a full hub answers 503 at once, not after 17 s ------------------------------------------------------


def test_a_full_hub_answers_busy_fast_and_health_still_answers() -> None:
    """The admission limit of the real middleware, around a stand-in app that holds its one slot (what a slow
    database does) until released."""
    import asyncio
    import time

    import httpx

    from hub.http_guard import HubGuard

    async def scenario() -> None:
        release = asyncio.Event()

        async def slow_app(scope, receive, send) -> None:
            await release.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"{}"})

        guard = HubGuard(slow_app, max_requests=1, queue_wait_s=0.3)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guard), base_url="http://hub") as client:
            held = asyncio.create_task(client.post("/v1/auth", content=b"{}"))
            await asyncio.sleep(0.05)
            started = time.perf_counter()
            busy = await client.post("/v1/auth", content=b"{}")
            waited = time.perf_counter() - started
            assert busy.status_code == 503 and busy.json()["code"] == "busy" and busy.headers["retry-after"] == "1"
            assert waited < 1.0
            release.set()
            assert (await held).status_code == 200
            assert (await client.get("/v1/health")).status_code == 200

    asyncio.run(scenario())


def test_one_busy_terminal_cannot_starve_the_others() -> None:
    """Per-terminal fair admission (issue 18): a terminal holding its share of places gets 429 `terminal_busy` with
    Retry-After at once, while another terminal still gets in; the places come back when its answers are out."""
    import asyncio

    import httpx

    from hub.http_guard import HubGuard

    async def scenario() -> None:
        release = asyncio.Event()
        inside: list[bytes] = []

        async def slow_app(scope, receive, send) -> None:
            inside.append(dict(scope["headers"])[b"x-edgepos-terminal"])
            await release.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"{}"})

        guard = HubGuard(slow_app, max_requests=8, max_per_terminal=2, queue_wait_s=5)
        busy_till, other_till = {"X-Edgepos-Terminal": "T-busy"}, {"X-Edgepos-Terminal": "T-other"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guard), base_url="http://hub") as client:
            held = [asyncio.create_task(client.post("/v1/journal", content=b"{}", headers=busy_till)) for _ in range(2)]
            await asyncio.sleep(0.05)
            refused = await asyncio.wait_for(client.post("/v1/journal", content=b"{}", headers=busy_till), 1)
            assert refused.status_code == 429 and refused.json()["code"] == "terminal_busy"
            assert int(refused.headers["retry-after"]) >= 1
            other = asyncio.create_task(client.post("/v1/journal", content=b"{}", headers=other_till))
            await asyncio.sleep(0.05)
            assert inside == [b"T-busy", b"T-busy", b"T-other"], "the other terminal got in at once"
            release.set()
            assert [r.status_code for r in await asyncio.gather(*held, other)] == [200, 200, 200]
            again = await client.post("/v1/journal", content=b"{}", headers=busy_till)
            assert again.status_code == 200, "the busy terminal's places came back"

    asyncio.run(scenario())


def test_a_body_that_trickles_in_is_cut_with_408() -> None:
    """Slow body (item 8): the middleware stops waiting for a body after its deadline; the app never sees it."""
    import asyncio

    from hub.http_guard import HubGuard

    async def scenario() -> list[dict]:
        reached: list[bool] = []

        async def app(scope, receive, send) -> None:
            reached.append(True)

        async def trickle() -> dict:
            await asyncio.sleep(3600)
            return {"type": "http.request", "body": b"", "more_body": False}

        sent: list[dict] = []

        async def send(message) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/v1/journal", "headers": []}
        await HubGuard(app, body_timeout_s=0.2)(scope, trickle, send)
        assert not reached
        return sent

    sent = asyncio.run(scenario())
    assert sent[0]["status"] == 408 and json.loads(sent[1]["body"])["code"] == "request_timeout"
