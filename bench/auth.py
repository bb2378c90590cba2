"""`edgepos bench auth`: online authorisations under load against a real hub process, per backend.

`concurrency` clients (spread over `terminals` enrolled terminals, each terminal from its own loopback address, as
tills of different shops would be) send signed authorisations back to back for `seconds`. Reported per backend:
rps (answered 200 per second), p50_ms / p99_ms of those, over_budget (share of all answers slower than the till's
2 s budget), fast_503 (answers "busy, retry" from the admission limit, with their own p99) and errors (anything
else: 5xx, timeouts, refusals). Target: p99 < 2000 ms at 200 concurrent on both backends, errors 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BUDGET_MS = 2000.0


def register(bench: argparse._SubParsersAction) -> None:
    auth = bench.add_parser("auth", help="online authorisations under concurrent load against a local hub")
    auth.add_argument("--concurrency", type=int, default=200, help="requests in flight at once (default 200)")
    auth.add_argument("--terminals", type=int, default=10, help="enrolled terminals sending them (default 10)")
    auth.add_argument("--seconds", type=float, default=30.0, help="measured time per backend (default 30)")
    auth.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    auth.add_argument("--dsn", help="PostgreSQL server to make a scratch schema on (default: local server)")
    auth.add_argument("--hub-arg", action="append", default=[], metavar="ARG",
                      help="extra `edgepos hub` option for the hub under test (repeatable), e.g. --hub-arg=--max-"
                           "requests=32")
    auth.add_argument("--json", action="store_true", help="print one JSON object")
    auth.set_defaults(handler=cmd_bench_auth)


def cmd_bench_auth(args: argparse.Namespace) -> int:
    if args.concurrency < 1 or args.terminals < 1 or args.seconds <= 0:
        print("edgepos: --concurrency, --terminals and --seconds must be positive", file=sys.stderr)
        return 1
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    result = run(args.concurrency, args.terminals, args.seconds, backends, args.dsn, tuple(args.hub_arg))
    if args.json:
        print(json.dumps(result))
    else:
        for backend, n in result.items():
            print(f"{backend}: could not run: {n['error']}" if "error" in n else
                  f"{backend}: {n['rps']} auth/s, p50 {n['p50_ms']} ms, p99 {n['p99_ms']} ms, over budget "
                  f"{n['over_budget']:.1%}, fast 503 {n['fast_503']} (p99 {n['fast_503_p99_ms']} ms), errors "
                  f"{n['errors']}")
    return 1 if any("error" in n or n["errors"] for n in result.values()) else 0


def run(concurrency: int = 200, terminals: int = 10, seconds: float = 30.0,
        backends: tuple[str, ...] = ("sqlite", "postgresql"), dsn: str | None = None,
        hub_args: tuple[str, ...] = ()) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for backend in backends:
        try:
            results[backend] = _run_backend(backend, concurrency, terminals, seconds, dsn, hub_args)
        except Exception as exc:  # a benchmark reports what stopped it, then goes on with the other backend
            results[backend] = {"error": f"{type(exc).__name__}: {exc}"}
    return results


@contextmanager
def _hub(backend: str, tmp: Path, dsn: str | None, hub_args: tuple[str, ...]) -> Iterator[Any]:
    from hub.process import HubProcess

    token = uuid.uuid4().hex
    if backend == "postgresql":
        from hub.postgres_backend import LOCAL_DSN, scratch_schema

        with scratch_schema(dsn or LOCAL_DSN, "hub_bench") as schema_dsn, HubProcess(
                dsn=schema_dsn, admin_token=token, log=tmp / "hub.log", extra_args=hub_args) as hub:
            yield hub
        return
    with HubProcess(db=tmp / "hub.db", admin_token=token, log=tmp / "hub.log", extra_args=hub_args) as hub:
        yield hub


def _run_backend(backend: str, concurrency: int, terminals: int, seconds: float, dsn: str | None,
                 hub_args: tuple[str, ...]) -> dict[str, Any]:
    from sync.crypto import Sm2PrivateKey

    with tempfile.TemporaryDirectory(prefix="edgepos-bench-auth-") as tmp, _hub(backend, Path(tmp), dsn,
                                                                                 hub_args) as hub:
        tills = []
        for n in range(terminals):
            key = Sm2PrivateKey.generate()
            terminal_id = f"BENCH-{n:03d}-{uuid.uuid4().hex[:6]}"
            _enrol(hub, key, terminal_id)
            tills.append((terminal_id, key, f"127.0.0.{2 + n % 250}"))
        outcome = asyncio.run(_load(hub.url, tills, concurrency, seconds))
        outcome["balanced"] = hub.admin("GET", "/v1/admin/trial-balance")["balanced"]
        outcome.update(_hub_side(Path(tmp) / "hub.log"))
        return outcome


def _hub_side(log: Path) -> dict[str, float]:
    """The hub's own view from its access log: time from the request reaching the app to its answer (so the
    difference to p99_ms is spent in sockets, uvicorn's parsing and this load generator)."""
    from bench.stats import percentile

    spent = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{") and '"/v1/auth"' in line:
            entry = json.loads(line)
            if entry.get("status") == 200:
                spent.append(float(entry["ms"]))
    return {"hub_p50_ms": percentile(spent, 0.5, 1), "hub_p99_ms": percentile(spent, 0.99, 1)}


def _enrol(hub: Any, key: Any, terminal_id: str) -> None:
    import httpx

    from sync.protocol import enrol_request, sign_request

    body = enrol_request(hub.enrol_code("M-BENCH"), terminal_id, "M-BENCH",
                         key.public_key().hex()).model_dump_json().encode()
    headers = sign_request(key, terminal_id, "POST", "/v1/enrol", uuid.uuid4().hex, body)
    httpx.post(f"{hub.url}/v1/enrol", content=body, headers={**headers, "content-type": "application/json"},
               timeout=30).raise_for_status()


def _signed(tills: list[tuple[str, Any, str]], worker: int, count: int) -> list[bytes]:
    """`count` signed authorisation requests of one worker's terminal, as raw HTTP/1.1 (signed before the clock
    starts: signing costs the load generator ~1 ms a request, which would otherwise be measured as hub latency)."""
    from sync.protocol import sign_request

    terminal_id, key, _ = tills[worker % len(tills)]
    out = []
    for i in range(count):
        body = json.dumps({"auth_id": f"A{uuid.uuid4().hex}", "sale_id": f"S-{worker:04d}-{i:06d}",
                           "tender": "card_contact", "amount": {"amount": 1000 + i % 500, "currency": "CNY"}}).encode()
        headers = sign_request(key, terminal_id, "POST", "/v1/auth", uuid.uuid4().hex, body)
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        out.append(f"POST /v1/auth HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: "
                   f"{len(body)}\r\n{head}\r\n".encode() + body)
    return out


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, bytes,
                                                                                                         bool]:
    """One request on a kept-alive connection: (status, body, whether the hub closes the connection)."""
    writer.write(request)
    status = int((await reader.readline()).split()[1])
    length, closing = 0, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "connection" and "close" in value.lower():
            closing = True
    return status, await reader.readexactly(length), closing


async def _load(url: str, tills: list[tuple[str, Any, str]], concurrency: int, seconds: float) -> dict[str, Any]:
    """Raw HTTP/1.1 on asyncio streams, one kept-alive connection per client: a load generator far cheaper than
    a full HTTP client, so what is measured is the hub (both share this machine's cores)."""
    from bench.stats import percentile

    host, port = url.removeprefix("http://").rsplit(":", 1)
    per_worker = int(500 * seconds / concurrency) + 5  # about what a 2-core hub answers; more are signed on the way
    requests = [_signed(tills, n, per_worker) for n in range(concurrency)]
    ok_ms: list[float] = []
    busy_ms: list[float] = []
    slow = errors = 0
    kinds: dict[str, int] = {}
    deadline = time.perf_counter() + seconds

    async def worker(n: int) -> None:
        nonlocal slow, errors
        address = tills[n % len(tills)][2]
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        while time.perf_counter() < deadline:
            if not requests[n]:
                requests[n] = _signed(tills, n, 5)
            request = requests[n].pop()
            started = time.perf_counter()
            status, code = 0, ""
            try:
                if connection is None:
                    connection = await asyncio.open_connection(host, int(port), local_addr=(address, 0))
                status, body, closing = await asyncio.wait_for(_exchange(*connection, request), 30)
                if status != 200:
                    code = json.loads(body).get("code", "")
                if closing:
                    connection[1].close()
                    connection = None
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                kinds[type(exc).__name__] = kinds.get(type(exc).__name__, 0) + 1
                if connection is not None:
                    connection[1].close()
                connection = None
            elapsed = (time.perf_counter() - started) * 1000
            slow += elapsed > BUDGET_MS
            if status == 200:
                ok_ms.append(elapsed)
            elif status == 503 and code == "busy":
                busy_ms.append(elapsed)
                await asyncio.sleep(0.05)  # the till would fall back to its offline rules; the bench keeps the load
            else:
                errors += 1
                if status:
                    kinds[f"{status} {code}"] = kinds.get(f"{status} {code}", 0) + 1
        if connection is not None:
            connection[1].close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    elapsed_s = time.perf_counter() - started
    answered = len(ok_ms) + len(busy_ms) + errors
    return {"concurrency": concurrency, "terminals": len(tills), "seconds": round(elapsed_s, 1),
            "requests": answered, "rps": round(len(ok_ms) / elapsed_s, 1), "p50_ms": percentile(ok_ms, 0.5, 1),
            "p99_ms": percentile(ok_ms, 0.99, 1), "max_ms": percentile(ok_ms, 1.0, 1),
            "over_budget": round(slow / answered, 4) if answered else 0.0, "fast_503": len(busy_ms),
            "fast_503_p99_ms": percentile(busy_ms, 0.99, 1), "errors": errors, "error_kinds": kinds}
