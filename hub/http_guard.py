"""ASGI middleware in front of the app: admission (a bounded number of requests at once, a fast 503 beyond), body
size limit and read deadline before any parsing, safe response headers, the clock-skew header, access logs.

Admission: at most `max_requests` requests are inside the app at once; a request that cannot get in within
`QUEUE_WAIT_S` is answered 503 `busy` with `Retry-After` at once, instead of queueing behind others until the till's
2 s budget is long gone. Liveness (`/v1/health`) and readiness (`/v1/ready`) skip the queue.

Bodies are read here first (before admission, so a slow body holds no slot), up to protocol.MAX_BODY and within
`BODY_TIMEOUT_S`, and handed on whole; a larger body (declared or streamed) is answered 413, a body that trickles in
too slowly 408, without being parsed. Log lines are
JSON with method, path, status, terminal and duration: never a key, token, signature or body.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from sync.protocol import API_PREFIX, H_SKEW, H_TERMINAL, MAX_BODY, Problem

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("edgepos.hub")
SKEW_STATE = "edgepos_skew_ms"
QUEUE_WAIT_S = 0.5
BODY_TIMEOUT_S = 60.0  # a whole 8 MiB batch over a slow shop line; slow clients hold a connection, not a slot
MAX_REQUESTS = 64
MAX_BUFFERED = 256 * 1024 * 1024  # bytes of bodies being read at once, all clients together; beyond: 503 busy
UNQUEUED = frozenset({f"{API_PREFIX}/health", f"{API_PREFIX}/ready"})  # a load balancer's probes
SAFE_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store"),
                (b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer")]


class _OverBudget(Exception):
    """Reading this body would pass the hub's budget of buffered body bytes."""


def loggable(text: str, limit: int = 200) -> str:
    """A client-chosen string fit for a log line: printable, short (a NUL or a newline never reaches the log)."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text[:limit])
    return cleaned + ("..." if len(text) > limit else "")


class HubGuard:
    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY, max_requests: int = MAX_REQUESTS,
                 queue_wait_s: float = QUEUE_WAIT_S, body_timeout_s: float = BODY_TIMEOUT_S) -> None:
        self.app = app
        self.max_body = max_body
        self.queue_wait_s = queue_wait_s
        self.body_timeout_s = body_timeout_s
        self._slots = asyncio.Semaphore(max_requests)
        self.max_buffered = MAX_BUFFERED
        self._buffered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 0}
        state = scope.setdefault("state", {})

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                headers += SAFE_HEADERS
                skew = state.get(SKEW_STATE)
                if skew is not None:
                    headers.append((H_SKEW.lower().encode(), str(skew).encode()))
                message["headers"] = headers
            await send(message)

        admitted = False
        held = [0]  # body bytes this request counts against the hub-wide buffer budget
        try:
            try:  # the body first: a client that trickles it in holds no admission slot meanwhile
                body = await asyncio.wait_for(self._read_body(scope, receive, held), self.body_timeout_s)
            except _OverBudget:
                await _problem(send_guarded, 503, "busy", "the hub is busy; retry shortly", [(b"retry-after", b"1")])
                return
            except TimeoutError:
                await _problem(send_guarded, 408, "request_timeout",
                               f"the request body did not arrive within {self.body_timeout_s:.0f} s")
                return
            if body is None:
                await _problem(send_guarded, 413, "body_too_large",
                               f"the request body exceeds {self.max_body} bytes; send smaller batches")
                return
            if scope.get("path") not in UNQUEUED:
                try:
                    await asyncio.wait_for(self._slots.acquire(), self.queue_wait_s)
                except TimeoutError:
                    await _problem(send_guarded, 503, "busy", "the hub is busy; retry shortly",
                                   [(b"retry-after", b"1")])
                    return
                admitted = True
            delivered = False

            async def replay() -> Message:
                nonlocal delivered
                if not delivered:
                    delivered = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, send_guarded)
        finally:
            self._buffered -= held[0]
            if admitted:
                self._slots.release()
            headers = dict(scope.get("headers", []))
            log.info(json.dumps({"event": "request", "method": loggable(str(scope.get("method"))),
                                 "path": loggable(str(scope.get("path"))), "status": status["code"],
                                 "ms": round((time.perf_counter() - started) * 1000, 1),
                                 "terminal": loggable(headers.get(H_TERMINAL.lower().encode(), b"").decode(
                                     "latin-1"), 64) or None}))

    async def _read_body(self, scope: Scope, receive: Receive, held: list[int]) -> bytes | None:
        """The whole body, or None when it is larger than allowed (declared or actually sent); _OverBudget when
        the bodies being read at once would pass `max_buffered` (`held[0]`: what this one counts)."""
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    if int(value) > self.max_body:
                        return None
                except ValueError:
                    return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            if self._buffered + len(chunk) > self.max_buffered:
                raise _OverBudget
            self._buffered += len(chunk)
            held[0] += len(chunk)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


async def _problem(send: Send, status: int, code: str, message: str,
                   extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = Problem(code=code, message=message).model_dump_json(exclude_none=True).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *(extra or [])]})
    await send({"type": "http.response.body", "body": body})
