"""`edgepos hub --workers N`: N hub processes serving one port over PostgreSQL (pre-fork, one shared listening socket).

The parent binds the port, checks and migrates the database once, then starts N worker processes (`python -m
hub.workers`), each inheriting the listening socket and accepting from it; the kernel hands each new connection to
one of them. A worker is the ordinary single-process hub (hub.server) with its own connection pool. Workers share
nothing in memory: every lock is a PostgreSQL advisory or row lock, every idempotency answer, throttle entry and
retirement lives in the database, so any worker can serve any request of any terminal.

The parent supervises: a worker that dies (crash, OOM killer, SIGKILL) is started again; SIGTERM (or SIGINT) is
passed on to every worker, which drains its requests and exits, then the parent exits. Each worker's stdin is a
lifeline pipe from the parent (hub.lifeline): when the parent ends in any way, its workers stop too. The parent
itself keeps the lifeline behaviour of a single hub (EDGEPOS_HUB_LIFELINE).

SQLite stays the embedded single-process default: one writer per file, so more processes would only queue.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from hub.lifeline import GRACE_S, LIFELINE_ENV, watch_parent

WORKER_ENV = "EDGEPOS_HUB_WORKER"  # JSON: the listening socket's descriptor and serve()'s options
RESTART_PAUSE_S = 1.0  # between a worker's death and its replacement (a worker that dies at once is not spun)
SQLITE_ONE_PROCESS = ("the SQLite hub runs in one process (SQLite has one writer per file); --workers needs "
                      "PostgreSQL (--dsn)")
log = logging.getLogger("edgepos.hub")


class Supervisor:
    """N worker processes on one listening socket, restarted when they die, drained on stop."""

    def __init__(self, sock: socket.socket, count: int, options: dict[str, Any], admin_token: str) -> None:
        self.sock = sock
        self.count = count
        self.options = options
        self.admin_token = admin_token
        self.workers: list[subprocess.Popen[bytes] | None] = [None] * count
        self.stopping = threading.Event()

    def _spawn(self, index: int) -> subprocess.Popen[bytes]:
        options = {**self.options, "fd": self.sock.fileno(), "index": index}
        if index != 0:
            options["retrain_every_s"] = None  # the weekly retraining runs in one worker only
        from hub.cli import ADMIN_TOKEN_ENV

        env = {**os.environ, WORKER_ENV: json.dumps(options), ADMIN_TOKEN_ENV: self.admin_token, LIFELINE_ENV: "stdin"}
        process = subprocess.Popen([sys.executable, "-m", "hub.workers"], env=env, stdin=subprocess.PIPE,
                                   stdout=subprocess.DEVNULL, pass_fds=[self.sock.fileno()])
        log.info(json.dumps({"event": "worker_started", "worker": index, "pid": process.pid}))
        return process

    def start(self) -> None:
        for index in range(self.count):
            self.workers[index] = self._spawn(index)

    def run(self) -> int:
        """Watch the started workers until `stopping` is set; then drain them. Returns 0."""
        while not self.stopping.wait(0.2):
            for index, process in enumerate(self.workers):
                if process is not None and process.poll() is not None:
                    log.warning(json.dumps({"event": "worker_died", "worker": index, "pid": process.pid,
                                            "status": process.returncode}))
                    _close_stdin(process)
                    if self.stopping.wait(RESTART_PAUSE_S):
                        break
                    self.workers[index] = self._spawn(index)
        self._drain()
        return 0

    def _drain(self) -> None:
        live = [p for p in self.workers if p is not None and p.poll() is None]
        for process in live:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_S
        for process in live:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        for process in self.workers:
            if process is not None:
                _close_stdin(process)

    def pids(self) -> list[int]:
        return [p.pid for p in self.workers if p is not None and p.poll() is None]


def _close_stdin(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None and not process.stdin.closed:
        process.stdin.close()


def supervise(sock: socket.socket, count: int, options: dict[str, Any], admin_token: str, banner: str) -> int:
    """Run `count` workers on `sock` until SIGTERM, SIGINT or the end of this process's own lifeline."""
    supervisor = Supervisor(sock, count, options, admin_token)
    signal.signal(signal.SIGTERM, lambda *_: supervisor.stopping.set())
    signal.signal(signal.SIGINT, lambda *_: supervisor.stopping.set())
    supervisor.start()
    print(banner, flush=True)  # the socket listens already: connections queue until a worker accepts them
    watch_parent(supervisor.stopping.set)
    try:
        return supervisor.run()
    finally:
        sock.close()
        log.info(json.dumps({"event": "stopped"}))


def main() -> int:
    """A worker: the single-process hub on the inherited socket (options from the supervisor)."""
    from hub.cli import ADMIN_TOKEN_ENV
    from hub.server import serve

    options = json.loads(os.environ.pop(WORKER_ENV))
    sock = socket.socket(fileno=options.pop("fd"))
    index = options.pop("index")
    retrain_s = options.pop("retrain_every_s", None)
    from datetime import timedelta

    return serve(**options, admin_token=os.environ[ADMIN_TOKEN_ENV], sock=sock, worker=index,
                 retrain_every=None if retrain_s is None else timedelta(seconds=retrain_s))


if __name__ == "__main__":
    sys.exit(main())
