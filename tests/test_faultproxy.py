"""The fault proxy itself does what the fault tests rely on (against a plain http.server upstream)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import pytest
from faultproxy import Fault, FaultProxy


class Counting(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Counting.received.append(body)
        answer = b'{"ok": true, "echo": "' + body + b'"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def upstream():
    Counting.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.mark.parametrize(
    ("fault", "delivered", "answered"),
    [
        (Fault.PASS, 1, True),
        (Fault.DELAY, 1, True),
        (Fault.DUPLICATE, 2, True),
        (Fault.DROP, 0, False),
        (Fault.CUT_REQUEST, 0, False),
        (Fault.CUT_RESPONSE, 1, False),
    ],
)
def test_each_fault(upstream, fault, delivered, answered):
    with FaultProxy(upstream, policy=lambda *_: fault, delay=0.05) as proxy, httpx.Client(timeout=2) as client:
        try:
            response = client.post(proxy.url + "/x", content=b"0123456789" * 10)
            got_answer = response.status_code == 200 and response.json()["ok"]
        except httpx.TransportError:
            got_answer = False
        assert got_answer is answered
        assert len([b for b in Counting.received if b == b"0123456789" * 10]) == delivered
        assert proxy.seen[fault] == 1


def test_keep_alive_requests_are_framed_one_by_one(upstream):
    with FaultProxy(upstream) as proxy, httpx.Client(timeout=2) as client:
        for i in range(5):
            assert client.post(proxy.url + "/x", content=str(i).encode()).json()["echo"] == str(i)
    assert Counting.received == [b"0", b"1", b"2", b"3", b"4"] and proxy.seen[Fault.PASS] == 5
