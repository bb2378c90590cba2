"""Run the hub under uvicorn: one process, sync endpoints in the thread pool; SIGTERM drains and exits cleanly.

A SIGKILL at any point leaves the store consistent: every batch, hold and answer commits in one transaction.

Slow and greedy clients: uvicorn closes idle keep-alive connections after `KEEP_ALIVE_S`, but it has no deadline
for a request's head and none per client. `guarded_protocol` adds both: a connection that has not sent a whole request
head within `HEAD_TIMEOUT_S` (slowloris, or a connection opened and left idle) is closed, and one client address
keeps at most `max_per_client` connections open (more are closed at once). Bodies have their own deadline in
hub.http_guard. Behind a reverse proxy every client shares the proxy's address: the proxy must then enforce the
per-client limits itself (see README, "Hub behind a reverse proxy").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from hub.errors import StoreUnavailable
from hub.lifeline import watch_parent

KEEP_ALIVE_S = 5.0
HEAD_TIMEOUT_S = 10.0
MAX_PER_CLIENT = 64
MAX_CONNECTIONS = 2048  # uvicorn answers 503 itself beyond this (connections or tasks at once)
log = logging.getLogger("edgepos.hub")


def guarded_protocol(head_timeout_s: float = HEAD_TIMEOUT_S, max_per_client: int = MAX_PER_CLIENT) -> type:
    """uvicorn's HTTP protocol (httptools when installed, which parses several times faster, else h11) with a
    deadline for each request head and a cap on connections per client address."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as Base
    except ImportError:  # httptools is optional (uvicorn[standard])
        from uvicorn.protocols.http.h11_impl import H11Protocol as Base  # type: ignore[assignment]

    open_per_client: Counter[str] = Counter()

    class GuardedHttp(Base):
        _deadline: asyncio.TimerHandle | None = None
        _counted: str | None = None

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            host = self.client[0] if self.client else "?"
            if open_per_client[host] >= max_per_client:
                log.warning('{"event": "too_many_connections", "client": "%s"}', host)
                transport.close()
                return
            open_per_client[host] += 1
            self._counted = host
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if self._counted is not None:
                open_per_client[self._counted] -= 1
                if open_per_client[self._counted] <= 0:
                    del open_per_client[self._counted]
                self._counted = None
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._deadline is None and self._idle():
                self._arm()  # a new request starts (maybe byte by byte): its head must arrive in time
            super().data_received(data)
            if not self._idle():
                self._disarm()

        def _idle(self) -> bool:
            return self.cycle is None or self.cycle.response_complete

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(head_timeout_s, self._too_slow)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _too_slow(self) -> None:
            self._deadline = None
            if self._idle() and not self.transport.is_closing():
                self.transport.close()

    return GuardedHttp


def serve(*, db: str, dsn: str | None, host: str, port: int, admin_token: str, hold_days: float = 7.0,
          refund_scope: str = "terminal", max_requests: int = 64, head_timeout_s: float = HEAD_TIMEOUT_S,
          max_per_client: int = MAX_PER_CLIENT, retrain_every: timedelta | None = None, workers: int = 1,
          sock: socket.socket | None = None, worker: int | None = None, scheduler_every_s: float = 60.0) -> int:
    """Serve until SIGTERM. `workers` > 1: that many processes on one port (hub.workers, PostgreSQL only);
    `sock` and `worker`: this is one of them, on the supervisor's listening socket."""
    import uvicorn

    from hub.app import create_app
    from hub.store import Store

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines(worker))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    if workers > 1 and not dsn:
        from hub.workers import SQLITE_ONE_PROCESS

        print(f"edgepos hub: {SQLITE_ONE_PROCESS}", file=sys.stderr)
        return 2
    if workers < 1:
        print("edgepos hub: --workers must be at least 1", file=sys.stderr)
        return 2
    try:
        store = Store.open(path=db, dsn=dsn, hold_ttl=timedelta(days=hold_days), refund_scope=refund_scope)
    except StoreUnavailable as exc:
        print(f"edgepos hub: {exc.message}", file=sys.stderr)
        return 1
    if workers > 1:
        store.close()  # the schema is migrated; each worker opens its own pool
    elif retrain_every is not None:  # the weekly risk retraining (hub/risk_loop.py), in a child process per run
        from hub.risk_loop import schedule_from_env

        if schedule_from_env(store, retrain_every) is None:
            return 1
    from hub.provisioning import KEY_ENV, identity_path, load_identity

    try:
        identity = load_identity(identity_path(db, dsn))
    except (OSError, ValueError) as exc:
        print(f"edgepos hub: cannot load the hub's identity key: {exc}", file=sys.stderr)
        return 1
    if sock is None:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(2048)  # connections queue from now on, so the line below is true when printed
        except OSError as exc:
            print(f"edgepos hub: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
            return 1
    bound_port = sock.getsockname()[1]
    banner = f"edgepos hub listening on http://{host}:{bound_port} ({store.backend.describe()}"
    if workers > 1:
        from hub.workers import supervise

        options = {"db": db, "dsn": dsn, "host": host, "port": bound_port, "hold_days": hold_days,
                   "refund_scope": refund_scope, "max_requests": max_requests, "head_timeout_s": head_timeout_s,
                   "max_per_client": max_per_client, "scheduler_every_s": scheduler_every_s,
                   "retrain_every_s": None if retrain_every is None else retrain_every.total_seconds()}
        with _shared_identity(identity, KEY_ENV):  # every worker signs with the same hub identity
            return supervise(sock, workers, options, admin_token, f"{banner}, {workers} workers)")
    scheduler = None
    if scheduler_every_s > 0:  # scheduled corporate payments and wallet sweeps (hub/corporate/scheduler.py); every
        from hub.corporate.scheduler import Scheduler  # worker runs one: each due date is claimed once in the database

        scheduler = Scheduler(store, check_s=scheduler_every_s).start()
    app = create_app(store, admin_token, max_requests=max_requests, identity=identity)
    config = uvicorn.Config(app, log_level="warning", access_log=False, log_config=None, timeout_graceful_shutdown=10,
                            http=guarded_protocol(head_timeout_s, max_per_client), timeout_keep_alive=int(KEEP_ALIVE_S),
                            limit_concurrency=MAX_CONNECTIONS, server_header=False, date_header=True,
                            h11_max_incomplete_event_size=16 * 1024)
    server = uvicorn.Server(config)

    def exit_cleanly(signum: int, frame: object) -> None:
        """SIGTERM before uvicorn's own handler is in (or re-raised by it after draining): stop serving. Raising
        SystemExit here instead could land in a weakref callback during start-up, which swallows it, and the hub
        then ran on until it was killed."""
        server.should_exit = True

    signal.signal(signal.SIGTERM, exit_cleanly)  # before the line below: a parent may stop us as soon as it reads it
    if worker is None:
        print(f"{banner})", flush=True)
    watch_parent(lambda: setattr(server, "should_exit", True))  # a hub started with a lifeline dies with its parent
    try:
        server.run(sockets=[sock])
    except SystemExit:
        pass
    finally:
        if scheduler is not None:
            scheduler.stop()
        store.close()
    log.info(json.dumps({"event": "stopped"}))
    return 0


@contextlib.contextmanager
def _shared_identity(identity: Any, key_env: str) -> Iterator[None]:
    """Workers load the hub identity from $EDGEPOS_HUB_KEY; a PostgreSQL hub without one has a key for this run only,
    so it is written (0600, in a private directory removed at the end) for the workers to share."""
    if os.environ.get(key_env):
        yield
        return
    from sync.provisioning import write_private

    with tempfile.TemporaryDirectory(prefix="edgepos-hub-") as where:
        path = Path(where) / "identity-key"
        write_private(path, identity)
        os.environ[key_env] = str(path)
        try:
            yield
        finally:
            os.environ.pop(key_env, None)


class JsonLines(logging.Formatter):
    """Every log line is one JSON object: the hub's own lines are JSON already; uvicorn's and any library's
    sentences are wrapped (made printable and cut short: they may quote what a client sent). A worker of a
    multi-process hub adds its index to every line (`worker`)."""

    def __init__(self, worker: int | None = None) -> None:
        super().__init__()
        self.worker = worker

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.name == "edgepos.hub" and message.startswith("{") and not record.exc_info:
            if self.worker is None or not message.endswith("}"):
                return message
            return f'{message[:-1]}, "worker": {self.worker}}}' if message != "{}" else f'{{"worker": {self.worker}}}'
        from hub.http_guard import loggable

        entry: dict[str, Any] = {"event": "log", "logger": record.name, "level": record.levelname,
                                 "message": loggable(message, 500)}
        if self.worker is not None:
            entry["worker"] = self.worker
        if record.exc_info:
            entry["trace"] = self.formatException(record.exc_info)
        return json.dumps(entry)

