"""A loopback HTTP/1.1 proxy for fault tests: it sits between the terminal and the hub and, request by request,
passes, drops, delays, duplicates, answers 429 busy itself, or cuts the connection in the middle of the request or of
the response body. `TcpCutter` is a plain TCP forwarder that can cut a link altogether (the hub's database).

Test-only stand-in for a bad network (this sandbox has no other). It frames requests and responses by
Content-Length, which is what the uplink (httpx) and the hub (uvicorn) send for JSON bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Fault(StrEnum):
    PASS = "pass"
    DROP = "drop"  # close the client connection before anything reaches the hub
    DELAY = "delay"  # hold the request `delay` seconds, then pass it
    DUPLICATE = "duplicate"  # the hub receives the request twice (a replay on a second connection)
    CUT_REQUEST = "cut_request"  # the hub receives half the body, then the connection dies
    CUT_RESPONSE = "cut_response"  # the hub answers in full; the terminal receives half the answer, then nothing
    BUSY = "busy"  # answered 429 `terminal_busy` with Retry-After: 1, as an overloaded hub does; the hub sees nothing


Policy = Callable[[int, str, str], Fault]  # (request number, method, path) -> what to do


def random_policy(seed: int, weights: dict[Fault, int]) -> Policy:
    rng = random.Random(seed)
    faults, counts = list(weights), list(weights.values())
    return lambda _n, _method, _path: rng.choices(faults, counts)[0]


@dataclass
class FaultProxy:
    upstream_port: int
    policy: Policy = lambda _n, _m, _p: Fault.PASS
    delay: float = 0.3
    port: int = 0
    seen: Counter[Fault] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._ready = threading.Event()
        self._requests = 0
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("fault proxy did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stop.wait()
        server.close()  # asyncio.run then cancels the connections still open and closes the loop

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                request = await _read_message(client_r)
                if request is None:
                    return
                self._requests += 1
                method, path = request.split(b" ", 2)[:2]
                fault = self.policy(self._requests, method.decode(), path.decode())
                self.seen[fault] += 1
                if fault is Fault.DROP:
                    return
                if fault is Fault.BUSY:
                    client_w.write(BUSY_ANSWER)
                    await client_w.drain()
                    continue
                if fault is Fault.DELAY:
                    await asyncio.sleep(self.delay)
                if fault is Fault.DUPLICATE:
                    await _exchange(*await asyncio.open_connection("127.0.0.1", self.upstream_port), request)
                if upstream is None:
                    upstream = await asyncio.open_connection("127.0.0.1", self.upstream_port)
                if fault is Fault.CUT_REQUEST:
                    upstream[1].write(request[: len(request) - max(1, _body_length(request) // 2)])
                    await upstream[1].drain()
                    await asyncio.sleep(0.05)
                    return
                response = await _exchange(*upstream, request)
                if response is None:
                    return
                if fault is Fault.CUT_RESPONSE:
                    client_w.write(response[: len(response) - max(1, _body_length(response) // 2)])
                    await client_w.drain()
                    return
                client_w.write(response)
                await client_w.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return
        finally:
            client_w.close()
            if upstream is not None:
                upstream[1].close()


_BUSY_BODY = b'{"code":"terminal_busy","message":"this terminal has too many requests in flight"}'
BUSY_ANSWER = (b"HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\nretry-after: 1\r\n"
               b"content-length: " + str(len(_BUSY_BODY)).encode() + b"\r\n\r\n" + _BUSY_BODY)


class TcpCutter:
    """A loopback TCP forwarder (e.g. between the hub and PostgreSQL) that can `cut()` the link: every open
    connection is closed and new ones are closed as soon as they arrive, until `restore()` (a database outage)."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.down = False
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def __enter__(self) -> TcpCutter:
        threading.Thread(target=self._accept, name="tcp-cutter", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._listener.close()
        self.cut()

    def cut(self) -> None:
        self.down = True
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def restore(self) -> None:
        self.down = False

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._open.update((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> bytes | None:
    writer.write(request)
    await writer.drain()
    return await _read_message(reader)


async def _read_message(reader: asyncio.StreamReader) -> bytes | None:
    """One HTTP/1.1 message (head + Content-Length body), or None at a clean end of the connection."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise
        return None
    length = _content_length(head)
    return head + (await reader.readexactly(length) if length else b"")


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
        if name.strip().lower() == b"transfer-encoding":
            raise ConnectionError("the fault proxy frames by Content-Length only")
    return 0


def _body_length(message: bytes) -> int:
    return len(message) - message.index(b"\r\n\r\n") - 4
