"""ASGI middleware in front of the app: admission (a bounded number of requests at once, a fast 503 beyond), body
size limit and read deadline before any parsing, safe response headers, the clock-skew header, access logs.

Admission (per process): at most `max_requests` requests are inside the app at once; a request that cannot get in
within `QUEUE_WAIT_S` is answered 503 `busy` with `Retry-After` at once, instead of queueing behind others until the
till's 2 s budget is long gone. Admission is fair per terminal: one terminal (the `X-Edgepos-Terminal` header, else
the client address) holds at most `max_per_terminal` places, inside or waiting; beyond that it is answered 429
`terminal_busy` with `Retry-After` at once, so one busy terminal (a till draining days of sales, a retry loop) cannot
starve the rest. The interactive lane (hub.lanes): the last `reserved` slots only admit requests a customer waits
on at the till (authorisations, captures, voids, refunds, CBDC payments), and interactive waiters are let in before
bulk ones (journal uploads, pulls), so a reconnect storm's uploads cannot push an authorisation past the till's
budget. `Retry-After` grows with the queue. Liveness (`/v1/health`) and readiness (`/v1/ready`) skip the
queue. The header is not yet authenticated here: a forger naming another terminal only takes places while its own
requests are in flight (they fail the signature check at once).

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
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import Token
from typing import Any

from hub.lanes import in_interactive_request, is_interactive
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


class Admission:
    """`limit` requests inside at once, at most `per_key` places (inside or waiting) per terminal or client; the
    last `reserved` slots only for interactive requests (hub.lanes), and interactive waiters are let in first."""

    def __init__(self, limit: int, per_key: int, wait_s: float, reserved: int = 0) -> None:
        self.limit = limit
        self.per_key = per_key
        self.wait_s = wait_s
        self.reserved = min(reserved, limit - 1)  # bulk work keeps at least one slot
        self._inside = 0
        self._queues: dict[bool, deque[asyncio.Future[None]]] = {True: deque(), False: deque()}  # by interactive
        self._held: dict[str, int] = {}
        self._waiting = 0

    def retry_after(self) -> int:
        """Seconds a refused client should wait: 1 s, more as the queue grows (at most 10)."""
        return min(10, 1 + self._waiting // (2 * self.limit))

    async def enter(self, key: str, interactive: bool = False) -> str | None:
        """None: admitted (call `leave(key)` after); else the refusal's code (`terminal_busy` or `busy`)."""
        if self._held.get(key, 0) >= self.per_key:
            return "terminal_busy"
        self._held[key] = self._held.get(key, 0) + 1
        if self._has_room(interactive):  # no one of this lane waits then: each leave() lets waiters in at once
            self._inside += 1
            return None
        turn = asyncio.get_running_loop().create_future()
        self._queues[interactive].append(turn)
        self._waiting += 1
        try:
            await asyncio.wait_for(turn, self.wait_s)
        except BaseException as exc:  # a timeout, or the client went away while waiting
            if turn.done() and not turn.cancelled():  # let in just as it gave up: pass the slot on
                self._free_slot()
            self._release_key(key)
            if isinstance(exc, TimeoutError):
                return "busy"
            raise
        finally:
            self._waiting -= 1
        return None

    def leave(self, key: str) -> None:
        self._free_slot()
        self._release_key(key)

    def _has_room(self, interactive: bool) -> bool:
        return self._inside < (self.limit if interactive else self.limit - self.reserved)

    def _free_slot(self) -> None:
        """One request left: let waiters in, interactive ones first (a timed-out waiter's turn is skipped)."""
        self._inside -= 1
        for interactive in (True, False):
            queue = self._queues[interactive]
            while queue and self._has_room(interactive):
                turn = queue.popleft()
                if not turn.done():
                    self._inside += 1
                    turn.set_result(None)

    def _release_key(self, key: str) -> None:
        left = self._held[key] - 1
        if left:
            self._held[key] = left
        else:
            del self._held[key]


def per_terminal_default(max_requests: int) -> int:
    """Places one terminal may hold: an eighth of the hub's, at least 2 (a sync round and an authorisation)."""
    return max(2, max_requests // 8)


def reserved_default(max_requests: int) -> int:
    """Slots kept for interactive requests: an eighth of the hub's, at least 1 (authorisations are short)."""
    return max(1, max_requests // 8)


class _OverBudget(Exception):
    """Reading this body would pass the hub's budget of buffered body bytes."""


def loggable(text: str, limit: int = 200) -> str:
    """A client-chosen string fit for a log line: printable, short (a NUL or a newline never reaches the log)."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text[:limit])
    return cleaned + ("..." if len(text) > limit else "")


class HubGuard:
    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY, max_requests: int = MAX_REQUESTS,
                 queue_wait_s: float = QUEUE_WAIT_S, body_timeout_s: float = BODY_TIMEOUT_S,
                 max_per_terminal: int | None = None, reserved: int | None = None) -> None:
        self.app = app
        self.max_body = max_body
        self.queue_wait_s = queue_wait_s
        self.body_timeout_s = body_timeout_s
        self.admission = Admission(max_requests, max_per_terminal or per_terminal_default(max_requests),
                                   queue_wait_s, reserved_default(max_requests) if reserved is None else reserved)
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

        admitted: str | None = None  # the admission key while admitted
        lane: Token[bool] | None = None
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
            interactive = is_interactive(str(scope.get("method")), str(scope.get("path")))
            lane = in_interactive_request.set(interactive)  # for the database pool (hub.lanes)
            if scope.get("path") not in UNQUEUED:
                key = _admission_key(scope)
                refused = await self.admission.enter(key, interactive)
                if refused is not None:
                    wait = str(self.admission.retry_after()).encode()
                    if refused == "terminal_busy":
                        await _problem(send_guarded, 429, refused, "this terminal has too many requests in flight; "
                                       "retry after the answers arrive", [(b"retry-after", wait)])
                    else:
                        await _problem(send_guarded, 503, refused, "the hub is busy; retry shortly",
                                       [(b"retry-after", wait)])
                    return
                admitted = key
            delivered = False

            async def replay() -> Message:
                nonlocal delivered
                if not delivered:
                    delivered = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, send_guarded)
        finally:
            if lane is not None:
                in_interactive_request.reset(lane)
            self._buffered -= held[0]
            if admitted is not None:
                self.admission.leave(admitted)
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


def _admission_key(scope: Scope) -> str:
    """Whom a request is counted for: its terminal (as it claims), else its client address."""
    for name, value in scope.get("headers", []):
        if name == b"x-edgepos-terminal":
            return "t:" + value[:64].decode("latin-1")
    client = scope.get("client")
    return "c:" + (str(client[0]) if client else "?")


async def _problem(send: Send, status: int, code: str, message: str,
                   extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = Problem(code=code, message=message).model_dump_json(exclude_none=True).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *(extra or [])]})
    await send({"type": "http.response.body", "body": body})
