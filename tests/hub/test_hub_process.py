"""The real `edgepos hub` process over real HTTP (both backends): start, serve signed terminals, SIGTERM cleanly,
and survive SIGKILL in the middle of an upload with a consistent ledger and an exactly-once retry."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hubkit import ADMIN_TOKEN, Terminal, sale, tender, unique, upload_body

from hub.process import HubProcess, edgepos_command

ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}"}


def start_hub(backend: dict[str, str]) -> HubProcess:
    where = {"dsn": backend["dsn"]} if "dsn" in backend else {"db": Path(backend["db"])}
    return HubProcess(**where, admin_token=ADMIN_TOKEN).start()


def client_of(hub: HubProcess) -> httpx.Client:
    return httpx.Client(base_url=hub.url, timeout=30)


@pytest.fixture
def hub(backend: dict[str, str]) -> Iterator[HubProcess]:
    process = start_hub(backend)
    yield process
    process.kill()


def send(client: httpx.Client, term: Terminal, method: str, path: str, payload=None, key: str | None = None):
    body, headers = term.signed(method, path, payload, key)
    return client.request(method, path, content=body or None, headers=headers)


def test_refuses_to_start_without_a_strong_admin_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGEPOS_HUB_")}
    command = [*edgepos_command(), "hub", "--db", str(tmp_path / "h.db"), "--port", "0"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "EDGEPOS_HUB_ADMIN_TOKEN" in done.stderr
    for weak in ("x", "a" * 40, "0123456789abcdef0123"):  # the attack: a hub started with a 1-character token
        done = subprocess.run(command, env={**env, "EDGEPOS_HUB_ADMIN_TOKEN": weak}, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 1 and "refusing to start" in done.stderr, weak


def test_openapi_flag_prints_the_document() -> None:
    done = subprocess.run([*edgepos_command(), "hub", "--openapi"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout)["info"]["title"] == "edgepos hub"


def test_serves_a_terminal_over_http_and_stops_on_sigterm(hub: HubProcess, tmp_path: Path) -> None:
    term = Terminal.create(tmp_path)
    with client_of(hub) as client:
        code = hub.enrol_code(term.merchant_id)
        assert send(client, term, "POST", "/v1/enrol", term.enrol_body(code)).status_code == 200
        auth = {"auth_id": unique("auth"), "sale_id": unique("sale"), "tender": "card_contact",
                "amount": {"amount": 4200, "currency": "CNY"}}
        assert send(client, term, "POST", "/v1/auth", auth).json()["status"] == "approved"
        records = [term.append("sale.completed", sale([tender("card_contact", 4200, auth["auth_id"])],
                                                     sale_id=auth["sale_id"]))]
        records += [term.append("sale.completed", sale([tender("cash", 100)])) for _ in range(149)]
        for start in range(0, 150, 50):
            batch = json.loads(upload_body(records[start:start + 50]))
            answer = send(client, term, "POST", "/v1/journal", batch).json()
            assert {r["status"] for r in answer["results"]} == {"accepted"}
        assert answer["last_seq"] == 150
        assert client.get("/v1/admin/trial-balance", headers=ADMIN).json()["balanced"] is True
        assert send(client, term, "GET", "/v1/config").json()["version"] >= 0
    assert hub.stop() == 0


def test_sigkill_mid_upload_leaves_store_consistent_and_retry_counts_once(backend: dict[str, str],
                                                                          tmp_path: Path) -> None:
    term = Terminal.create(tmp_path)
    records = [term.append("sale.completed", sale([tender("cash", 100 + i % 7)])) for i in range(1000)]
    expected = sum(100 + i % 7 for i in range(1000))
    body = json.loads(upload_body(records))
    hub = start_hub(backend)
    with client_of(hub) as client:
        code = hub.enrol_code(term.merchant_id)
        assert send(client, term, "POST", "/v1/enrol", term.enrol_body(code)).status_code == 200
    for delay in (0.05, 0.2, 0.4):
        with client_of(hub) as client:
            thread = threading.Thread(target=_upload_ignoring_errors, args=(client, term, body))
            thread.start()
            time.sleep(delay)
            hub.kill()
            thread.join()
        hub = start_hub(backend)
        with client_of(hub) as client:
            assert client.get("/v1/admin/trial-balance", headers=ADMIN).json()["balanced"] is True
            status = client.get(f"/v1/admin/terminals/{term.id}", headers=ADMIN).json()
            assert status["last_seq"] in (0, 1000), "a batch commits whole or not at all"
    with client_of(hub) as client:
        answer = send(client, term, "POST", "/v1/journal", body, key="the-one-upload-key").json()
        assert {r["status"] for r in answer["results"]} <= {"accepted", "duplicate"}
        assert answer["last_seq"] == 1000
        again = send(client, term, "POST", "/v1/journal", body, key="the-one-upload-key").json()
        assert again == answer
        status = client.get(f"/v1/admin/terminals/{term.id}", headers=ADMIN).json()
        assert status["records"] == {"accepted": 1000}
        day = records[0].time[:10]
        totals = client.get(f"/v1/admin/settlement?day={day}&terminal={term.id}", headers=ADMIN).json()
        assert sum(t["sales"] for t in totals) == expected and sum(t["count"] for t in totals) == 1000
    assert hub.stop() == 0


def _upload_ignoring_errors(client: httpx.Client, term: Terminal, body: dict) -> None:
    with contextlib.suppress(httpx.HTTPError):
        send(client, term, "POST", "/v1/journal", body, key="the-one-upload-key")


# --- slow and greedy clients (issue 11, item 8): backend-independent, so SQLite only ---------------------------------


def test_slow_and_idle_connections_are_cut_and_one_client_cannot_hog_the_hub(tmp_path: Path) -> None:
    import socket

    log = tmp_path / "hub.log"
    hub = HubProcess(db=tmp_path / "hub.db", admin_token=ADMIN_TOKEN, log=log,
                     extra_args=("--head-timeout", "1", "--max-connections-per-client", "4")).start()
    try:
        slow = socket.create_connection(("127.0.0.1", hub.port))
        slow.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")  # slowloris: the head never ends
        idle = [socket.create_connection(("127.0.0.1", hub.port)) for _ in range(3)]
        extra = socket.create_connection(("127.0.0.1", hub.port))  # the fifth of one address
        extra.settimeout(5)
        assert extra.recv(1) == b"", "a fifth connection of one client is closed at once"
        started = time.monotonic()
        for sock in [slow, *idle]:
            sock.settimeout(5)
            with contextlib.suppress(ConnectionResetError):
                assert sock.recv(1024) == b""
        assert time.monotonic() - started < 4, "slow and idle connections are cut after the head timeout"
        answer = httpx.get(f"{hub.url}/v1/health", timeout=5)  # and the hub serves the next client
        assert answer.status_code == 200 and "server" not in answer.headers
        assert answer.headers["x-content-type-options"] == "nosniff"
        with socket.create_connection(("127.0.0.1", hub.port)) as garbage:  # uvicorn's own complaint is logged too
            garbage.sendall(b"NOT HTTP AT ALL\x00\r\n\r\n")
            garbage.settimeout(5)
            garbage.recv(1024)
        assert httpx.get(f"{hub.url}/v1/x%00y%0A", timeout=5).status_code == 404
    finally:
        hub.stop()
    lines = log.read_text().splitlines()
    assert any('"Invalid HTTP request' in line for line in lines) and any('"stopped"' in line for line in lines)
    for line in lines:
        assert "\x00" not in json.loads(line).get("path", ""), line  # every line is JSON, no raw NUL


def test_enrol_code_command_writes_a_code_the_hub_accepts(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    minted = subprocess.run([*edgepos_command(), "hub", "enrol-code", "--merchant", "M-CLI", "--expires", "10m",
                             "--db", str(db)], capture_output=True, text=True, timeout=60)
    assert minted.returncode == 0, minted.stderr
    code = minted.stdout.strip()
    assert len(code.replace("-", "")) == 32 and "M-CLI" in minted.stderr
    refused = subprocess.run([*edgepos_command(), "hub", "enrol-code", "--merchant", "M-CLI", "--expires", "9d",
                              "--db", str(db)], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    with HubProcess(db=db, admin_token=ADMIN_TOKEN) as hub, client_of(hub) as client:
        term = Terminal.create(tmp_path, merchant_id="M-CLI")
        assert send(client, term, "POST", "/v1/enrol", term.enrol_body(code)).json()["merchant_id"] == "M-CLI"
        ready = client.get("/v1/ready")
        assert ready.status_code == 200 and ready.json() == {"status": "ready"}
