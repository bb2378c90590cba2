"""ASGI middleware in front of the app: body size limit before any parsing, the clock-skew header, access logs.

Bodies are read here, up to protocol.MAX_BODY, and handed on whole; a larger body (declared or streamed) is answered
413 without being parsed. Log lines are JSON with method, path, status, terminal and duration: never a key,
token, signature or body.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from sync.protocol import H_SKEW, H_TERMINAL, MAX_BODY, Problem

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("edgepos.hub")
SKEW_STATE = "edgepos_skew_ms"


class HubGuard:
    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 0}
        state = scope.setdefault("state", {})

        async def send_with_skew(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                skew = state.get(SKEW_STATE)
                if skew is not None:
                    message["headers"] = [*message.get("headers", []), (H_SKEW.lower().encode(), str(skew).encode())]
            await send(message)

        try:
            body = await self._read_body(scope, receive)
            if body is None:
                await _problem(send_with_skew, 413, "body_too_large",
                               f"the request body exceeds {self.max_body} bytes; send smaller batches")
                return
            delivered = False

            async def replay() -> Message:
                nonlocal delivered
                if not delivered:
                    delivered = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, send_with_skew)
        finally:
            headers = dict(scope.get("headers", []))
            log.info(json.dumps({"event": "request", "method": scope.get("method"), "path": scope.get("path"),
                                 "status": status["code"], "ms": round((time.perf_counter() - started) * 1000, 1),
                                 "terminal": headers.get(H_TERMINAL.lower().encode(), b"").decode("latin-1")[:64]
                                 or None}))

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body, or None when it is larger than allowed (declared or actually sent)."""
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
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


async def _problem(send: Send, status: int, code: str, message: str) -> None:
    body = Problem(code=code, message=message).model_dump_json(exclude_none=True).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
