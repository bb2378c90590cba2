"""Run the hub under uvicorn: one process, sync endpoints in the thread pool; SIGTERM drains and exits cleanly.

A SIGKILL at any point leaves the store consistent: every batch, hold and answer commits in one transaction.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
from datetime import timedelta

from hub.errors import StoreUnavailable
from hub.lifeline import watch_parent


def serve(*, db: str, dsn: str | None, host: str, port: int, enrolment_secret: bytes, admin_token: str,
          hold_days: float = 7.0) -> int:
    import uvicorn

    from hub.app import create_app
    from hub.store import Store

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        store = Store.open(path=db, dsn=dsn, hold_ttl=timedelta(days=hold_days))
    except StoreUnavailable as exc:
        print(f"edgepos hub: {exc.message}", file=sys.stderr)
        return 1
    app = create_app(store, enrolment_secret, admin_token)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # connections queue from now on, so the line below is true when printed
    except OSError as exc:
        print(f"edgepos hub: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 1
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=10)
    server = uvicorn.Server(config)

    def exit_cleanly(signum: int, frame: object) -> None:
        """SIGTERM before uvicorn's own handler is in (or re-raised by it after draining): stop serving. Raising
        SystemExit here instead could land in a weakref callback during start-up, which swallows it, and the hub
        then ran on until it was killed."""
        server.should_exit = True

    signal.signal(signal.SIGTERM, exit_cleanly)  # before the line below: a parent may stop us as soon as it reads it
    print(f"edgepos hub listening on http://{host}:{bound_port} ({store.backend.describe()})", flush=True)
    watch_parent(lambda: setattr(server, "should_exit", True))  # a hub started with a lifeline dies with its parent
    try:
        server.run(sockets=[sock])
    except SystemExit:
        pass
    finally:
        store.close()
    print("edgepos hub stopped", file=sys.stderr, flush=True)
    return 0

