"""A hub in a child process (`edgepos hub`, exactly as an operator starts it), for the demo, benchmarks and tests.

`kill()` is SIGKILL (no shutdown handlers run); `start()` after it restarts on the same port and store, so
terminals keep their hub URL. The child never outlives this process: its stdin is a lifeline pipe (hub.lifeline)
that the kernel closes when we end, however we end (SIGKILL included), and the hub then stops itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx

from hub.cli import ADMIN_TOKEN_ENV
from hub.lifeline import LIFELINE_ENV


def edgepos_command() -> list[str]:
    """How to run this installation's `edgepos` again: its console script, else the module."""
    script = Path(sys.executable).parent / "edgepos"
    return [str(script)] if script.exists() else [sys.executable, "-m", "terminal.cli"]


class HubProcess:
    def __init__(
        self,
        *,
        admin_token: str,
        db: Path | None = None,
        dsn: str | None = None,
        port: int = 0,
        log: Path | None = None,
        extra_args: tuple[str, ...] = (),
        extra_env: dict[str, str] | None = None,
    ) -> None:
        if (db is None) == (dsn is None):
            raise ValueError("give the hub either a SQLite file (db) or a PostgreSQL DSN (dsn)")
        self.where = ["--dsn", dsn] if dsn else ["--db", str(db)]
        self.admin_token = admin_token
        self.port = port
        self.log = log
        self.extra_args = extra_args
        self.extra_env = dict(extra_env or {})  # e.g. EDGEPOS_CBDC_ISSUER_SECRET (hub.cbdc.api)
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> HubProcess:
        """Start and return once the hub listens (it prints its address only after binding)."""
        env = {**os.environ, **self.extra_env, ADMIN_TOKEN_ENV: self.admin_token, LIFELINE_ENV: "stdin"}
        with open(self.log or os.devnull, "a") as log:
            self.process = subprocess.Popen(
                [*edgepos_command(), "hub", *self.where, "--port", str(self.port), *self.extra_args],
                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
            )  # stdin: the lifeline; we never write to it, our end closes only when we stop it or end
        assert self.process.stdout is not None
        try:
            line = _readline(self.process.stdout, timeout)
        except TimeoutError:
            self.kill()
            raise RuntimeError(f"hub did not start within {timeout} s{self._log_tail()}") from None
        if "listening on http://" not in line:
            self.kill()
            raise RuntimeError(f"hub did not start: {line.strip() or 'it exited'}{self._log_tail()}")
        self.port = int(line.split("listening on http://", 1)[1].split()[0].rsplit(":", 1)[1])
        return self

    def worker_pids(self) -> list[int]:
        """The worker processes of a hub started with `--workers N` (empty for a single-process hub)."""
        if self.process is None or self.process.poll() is not None:
            return []
        pid = self.process.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def kill(self) -> int | None:
        """SIGKILL, as a power cut or the OOM killer would. Returns the exit status (None: was not running)."""
        return self._end(signal.SIGKILL)

    def stop(self) -> int | None:
        """SIGTERM: the hub drains its requests and closes its store. Returns the exit status (0: clean)."""
        return self._end(signal.SIGTERM)

    def _end(self, sig: int) -> int | None:
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(15)
        if process.stdin is not None:
            process.stdin.close()
        return process.returncode

    def __enter__(self) -> HubProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call an admin endpoint with the bearer token; raises on an error answer."""
        response = httpx.request(method, f"{self.url}{path}", headers={"Authorization": f"Bearer {self.admin_token}"},
                                 timeout=30, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def enrol_code(self, merchant_id: str, expires_in_s: int = 3600) -> str:
        """Mint a one-time enrolment code for one terminal of `merchant_id` (the admin endpoint)."""
        minted = self.admin("POST", "/v1/admin/enrol-codes",
                            json={"merchant_id": merchant_id, "expires_in_s": expires_in_s})
        return minted["code"]

    def _log_tail(self) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return ": " + self.log.read_text(errors="replace")[-2000:]


def _readline(stream: Any, timeout: float) -> str:
    """One line from a child's stdout, or TimeoutError (a thread keeps a hung child from hanging us)."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if reader.is_alive():
        raise TimeoutError
    return lines[0]
