"""A real hub (`edgepos hub`) in a subprocess on a free loopback port, for tests that cross the network; and
terminal-side helpers those tests share (sales the hub can book, a terminal's files).

The hub is the installed console script, exactly as an operator starts it; only its database lives in the test's
temporary directory. Imported by name (pytest puts this folder on sys.path).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ENROL_SECRET = "enrol-secret-for-tests-only"
ADMIN_TOKEN = "admin-token-for-tests-only"
MERCHANT = "M-0001"
KEY_SECRET = b"correct horse battery staple"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def edgepos_command() -> list[str]:
    script = Path(sys.executable).parent / "edgepos"
    return [str(script)] if script.exists() else [sys.executable, "-m", "terminal.cli"]


class HubProcess:
    """`edgepos hub --db PATH --port N` as a child process; `kill()` is SIGKILL, `start()` again restarts it on
    the same port and database."""

    def __init__(self, db: Path, port: int | None = None, extra_args: tuple[str, ...] = ()) -> None:
        self.db = db
        self.port = port or free_port()
        self.extra_args = extra_args
        self.process: subprocess.Popen[bytes] | None = None
        self.log = db.with_suffix(".log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: float = 20.0) -> HubProcess:
        env = {**os.environ, "EDGEPOS_HUB_ENROL_SECRET": ENROL_SECRET, "EDGEPOS_HUB_ADMIN_TOKEN": ADMIN_TOKEN}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [*edgepos_command(), "hub", "--db", str(self.db), "--port", str(self.port), *self.extra_args],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hub exited with {self.process.returncode}: {self.log.read_text()[-2000:]}")
            try:
                httpx.get(f"{self.url}/v1/config", timeout=0.5)  # any HTTP answer (401 here) means it serves
                return self
            except httpx.TransportError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"hub did not start within {wait} s: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def __enter__(self) -> HubProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- admin endpoints (bearer token) -------------------------------------------------------------------------

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, f"{self.url}{path}", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                                 timeout=10, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None


# --- terminal side -----------------------------------------------------------------------------------------------


def sale_payload(n: int, amount: int = 1000, token: str | None = None, currency: str = "CNY") -> dict[str, Any]:
    """A completed card sale as the domain records it (the fields the hub books), `token` on its tender."""
    tender: dict[str, Any] = {"kind": "card_contactless", "amount": {"amount": amount, "currency": currency},
                              "reference": f"AUTH-{n:06d}", "card_last4": "4242"}
    if token is not None:
        tender["token"] = token
    return {
        "type": "sale",
        "sale_id": f"S-{n:06d}-{uuid.uuid4().hex[:8]}",
        "currency": currency,
        "status": "paid",
        "tenders": [tender],
        "totals": {"total": {"amount": amount, "currency": currency}},
        "change": {"amount": 0, "currency": currency},
    }


def sell(journal: Any, count: int, start: int = 0, token: str | None = None) -> list[Any]:
    """Append `count` sales to the journal (durably, as checkout does)."""
    return [journal.append("sale.completed", sale_payload(start + i, 1000 + start + i, token), {"last4": "4242"})
            for i in range(count)]
