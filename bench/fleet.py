"""`edgepos bench fleet`: a fleet of terminals on a hub over PostgreSQL, a store-wide outage, everyone back at once.

N simulated terminals (bench/fleet_client.py: each with its own keys, signed SQLite journal, sync state, hub client
and the real uplink thread) run in a few client processes, many terminals on threads in each. The hub is `edgepos
hub` over a scratch PostgreSQL schema. Enrolment takes the bulk path: the bench mints one one-time code per terminal
and books the terminals' enrolment requests (built by each terminal with its own key) a hundred per transaction
through the hub's own enrolment code; from then on every request and every journal record is signed by the
terminal's key and checked by the hub.

Phases (the sales per terminal are spread over them; a terminal sells at an even pace with jitter):
1. online: the hub is up (one worker), terminals sell and sync;
2. outage: the hub is stopped for `outage_s` seconds; terminals keep selling offline (cards fall back to offline
   approval), their uplinks fail and back off;
3. storm: the hub comes back and every uplink starts a round at once (the link is back), while terminals keep
   selling with online authorisations. `drain_seconds`: from the hub answering ready to the hub holding every
   record journalled before it came back; `records_per_second`: that backlog over that time.
With `workers` > 1, outage and storm run twice in the same run: first against one hub worker, then against
`workers` workers; `scaling` is the storms' records per second on `workers` over those on one worker. `rounds`
repeats the pair (alternating, for a steadier ratio on a busy machine). The measured figures are the last storm's.
At the end, what the terminals journalled is counted against the hub's database: `lost` and `duplicated` (records
held twice, sales booked twice, holds placed twice) must be 0.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

from bench.stats import percentile

MERCHANT = "M-FLEET"
TERMINALS_PER_PROCESS = 250  # threads of one client process (two each: seller and uplink)
ENROL_CHUNK = 100  # enrolments per hub transaction (each takes two advisory locks)
DRAIN_TIMEOUT_S = 300.0


def register(bench: argparse._SubParsersAction) -> None:
    fleet = bench.add_parser("fleet", help="a fleet of terminals, a hub outage, every terminal back at once")
    fleet.add_argument("--terminals", type=int, default=1000, help="simulated terminals (default 1000)")
    fleet.add_argument("--sales-per-terminal", type=int, default=20, help="sales each terminal makes (default 20)")
    fleet.add_argument("--hub-workers", type=int, default=1,
                       help="hub processes of the measured storm (default 1; > 1: a one-worker storm first, for "
                            "`scaling`)")
    fleet.add_argument("--outage-seconds", type=float, default=30.0, help="how long the hub is down (default 30)")
    fleet.add_argument("--client-processes", type=int, default=0,
                       help=f"processes driving the terminals (default: one per {TERMINALS_PER_PROCESS} terminals)")
    fleet.add_argument("--online-seconds", type=float, default=8.0,
                       help="selling with the hub up before the first outage (default 8)")
    fleet.add_argument("--storm-sell-seconds", type=float, default=8.0,
                       help="selling with online authorisations after the hub is back (default 8)")
    fleet.add_argument("--backoff-cap", type=float, default=5.0,
                       help="the uplinks' longest backoff between failed rounds, seconds (default 5)")
    fleet.add_argument("--rounds", type=int, default=1,
                       help="outage-and-storm rounds per worker count (default 1; more: a steadier `scaling` on a busy "
                            "machine, the storms alternating between one worker and --hub-workers)")
    fleet.add_argument("--client-nice", type=int, default=10,
                       help="niceness of the client processes over the bench's own, so the hub under test gets the "
                            "CPU first (they stand in for other machines; default 10, 0 to compete evenly)")
    fleet.add_argument("--dsn", help="PostgreSQL server to make a scratch schema on (default: local server)")
    fleet.add_argument("--json", action="store_true", help="print one JSON object")
    fleet.set_defaults(handler=cmd_bench_fleet)


def cmd_bench_fleet(args: argparse.Namespace) -> int:
    if min(args.terminals, args.sales_per_terminal, args.hub_workers, args.rounds) < 1 or args.outage_seconds < 0:
        print("edgepos: --terminals, --sales-per-terminal, --hub-workers and --rounds must be positive",
              file=sys.stderr)
        return 1
    try:
        result = run(args.terminals, args.sales_per_terminal, workers=args.hub_workers,
                     outage_s=args.outage_seconds, processes=args.client_processes or None,
                     online_s=args.online_seconds, storm_sell_s=args.storm_sell_seconds,
                     backoff_cap_s=args.backoff_cap, client_nice=args.client_nice, rounds=args.rounds, dsn=args.dsn)
    except Exception as exc:  # no PostgreSQL, hub did not start: one line, not a traceback
        result = {"error": f"{type(exc).__name__}: {exc}"}
    if args.json:
        print(json.dumps(result))
    elif "error" in result:
        print(f"fleet bench could not run: {result['error']}")
    else:
        print(f"{result['terminals']} terminals, {result['records']} records: lost {result['lost']}, duplicated "
              f"{result['duplicated']}; drain {result['drain_seconds']} s after a {result['outage_seconds']} s "
              f"outage ({result['records_per_second']} records/s, {result['hub_workers']} hub workers, scaling "
              f"{result['scaling']}); sync round p99 {result['sync_round_p99_ms']} ms, auth p99 "
              f"{result['auth_p99_ms']} ms, 429s {result['rejected_429']}")
    failed = "error" in result or result["lost"] or result["duplicated"] or not result["drained"]
    return 1 if failed else 0


def plan(sales: int, workers: int, rounds: int = 1) -> list[tuple[str, int]]:
    """The phases and how many sales each terminal makes in each (largest remainder of the weights). Each round is an
    outage and a storm on one worker, then (workers > 1) an outage and a storm on `workers`."""
    counts_of = (1, workers) if workers > 1 else (1,)
    weights = [("online", 0.2 if workers > 1 else 0.3)]
    share = (1 - weights[0][1]) / (rounds * len(counts_of))
    for n in range(1, rounds + 1):
        tail = "" if n == 1 else f"-r{n}"
        for w in counts_of:
            weights += [(f"outage-{w}{tail}", share * 0.75), (f"storm-{w}{tail}", share * 0.25)]
    shares = [w * sales for _, w in weights]
    counts = [math.floor(s) for s in shares]
    for i in sorted(range(len(shares)), key=lambda i: counts[i] - shares[i])[:sales - sum(counts)]:
        counts[i] += 1
    return [(name, n) for (name, _), n in zip(weights, counts, strict=True)]


def scaling(result: dict[str, Any], workers: int) -> float:
    """Records per second of every storm on `workers` over that of every storm on one worker (backlogs over times)."""
    def rate(w: int) -> float:
        storms = [p for name, p in result.items() if name.startswith(f"storm-{w}") and name.split("-")[1] == str(w)]
        return sum(p["backlog_records"] for p in storms) / max(1e-9, sum(p["drain_seconds"] for p in storms))

    return round(rate(workers) / max(1e-9, rate(1)), 2)


class Clients:
    """The client processes and their command pipes."""

    def __init__(self, pipes: list[Connection], processes: list[Any]) -> None:
        self.pipes, self.processes = pipes, processes

    def ask(self, command: str, arg: Any = None) -> list[Any]:
        for pipe in self.pipes:
            pipe.send((command, arg))
        answers = [pipe.recv() for pipe in self.pipes]
        for answer in answers:
            if isinstance(answer, Exception):
                raise answer
        return answers

    def heads(self) -> dict[str, int]:
        return {tid: seq for answer in self.ask("heads") for tid, seq in answer.items()}


@contextmanager
def _clients(count: int, terminals: int, root: Path, hub_url: str, backoff_cap_s: float,
             nice: int) -> Iterator[Clients]:
    from bench.fleet_client import serve

    context = multiprocessing.get_context("spawn")  # a clean interpreter: no inherited threads or connections
    run_id = uuid.uuid4().hex[:6]
    ids = [(f"FLT-{run_id}-{n:05d}", n) for n in range(terminals)]
    pipes, processes = [], []
    try:
        for part in range(count):
            mine, theirs = context.Pipe()
            spec = {"root": str(root), "hub_url": hub_url, "merchant": MERCHANT, "backoff_cap_s": backoff_cap_s,
                    "nice": nice, "terminals": ids[part::count]}
            process = context.Process(target=serve, args=(theirs, spec), daemon=True, name=f"fleet-client-{part}")
            process.start()
            pipes.append(mine)
            processes.append(process)
        yield Clients(pipes, processes)
    finally:
        for process in processes:
            process.join(30)
            if process.is_alive():
                process.kill()


def run(terminals: int = 1000, sales: int = 20, *, workers: int = 1, outage_s: float = 30.0,
        processes: int | None = None, online_s: float = 8.0, storm_sell_s: float = 8.0, backoff_cap_s: float = 5.0,
        client_nice: int = 10, rounds: int = 1, dsn: str | None = None) -> dict[str, Any]:
    """The whole scenario; returns the figures (see the module docstring)."""
    from hub.postgres_backend import LOCAL_DSN, scratch_schema
    from hub.process import HubProcess
    from hub.store import Store

    processes = processes or max(1, math.ceil(terminals / TERMINALS_PER_PROCESS))
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="edgepos-bench-fleet-") as tmp, \
            scratch_schema(dsn or LOCAL_DSN, "hub_fleet") as schema_dsn:
        store = Store.open(dsn=schema_dsn)  # migrates; the bench's own view of the hub's database
        hub = HubProcess(dsn=schema_dsn, admin_token=uuid.uuid4().hex, log=Path(tmp) / "hub.log")
        (Path(tmp) / "tills").mkdir()
        try:
            hub.start()
            with _clients(processes, terminals, Path(tmp) / "tills", hub.url, backoff_cap_s,
                          client_nice) as clients:
                keys = {tid: key for answer in [p.recv() for p in clients.pipes] for tid, key in answer.items()}
                setup_s = time.monotonic() - began
                enrol_s = _enrol(store, clients, len(keys))
                result = _phases(store, hub, clients, plan(sales, workers, rounds), workers, outage_s, online_s,
                                 storm_sell_s)
                per_phase = _merge(clients.ask("stop"))
            result.update(_count(store, result.pop("heads")))
            result["balanced"] = store.trial_balance().balanced
        finally:
            hub.stop()
            store.close()
    storm = max((name for name in result if name.startswith(f"storm-{workers}")), key=_round_of)
    return {
        "terminals": terminals, "sales_per_terminal": sales, "records": result["records"], "lost": result["lost"],
        "duplicated": result["duplicated"], "drained": result["drained"], "outage_seconds": outage_s,
        "drain_seconds": result[storm]["drain_seconds"], "records_per_second": result[storm]["records_per_second"],
        "sync_round_p99_ms": percentile(per_phase.get(storm, {}).get("rounds_ms", []), 0.99, 1),
        "auth_p99_ms": percentile(per_phase.get(storm, {}).get("auth_ms", []), 0.99, 1),
        "rejected_429": per_phase.get(storm, {}).get("statuses", {}).get(429, 0),
        "rejected_503": per_phase.get(storm, {}).get("statuses", {}).get(503, 0),
        "hub_auth_p99_ms": result[storm]["hub_auth_p99_ms"],
        "hub_workers": workers,
        "scaling": scaling(result, workers), "rounds": rounds,
        "balanced": result["balanced"], "client_processes": processes, "setup_seconds": round(setup_s, 1),
        "enrol_seconds": round(enrol_s, 2), "seconds": round(time.monotonic() - began, 1),
        "phases": {name: {**result.get(name, {}), **_summary(per_phase.get(name, {}))}
                   for name in dict.fromkeys([*result_phases(result), *per_phase])},
    }


def _round_of(name: str) -> int:
    return int(name.rsplit("-r", 1)[1]) if "-r" in name else 1


def result_phases(result: dict[str, Any]) -> list[str]:
    return [name for name in result if name.startswith(("online", "outage", "storm"))]


def _enrol(store: Any, clients: Clients, count: int) -> float:
    """Bulk enrolment: codes minted and enrolment requests booked in a few transactions, through hub's own code."""
    from hub import enrol_codes
    from hub.terminals import enrol
    from sync.protocol import EnrolRequest

    started = time.monotonic()
    now = datetime.now(UTC)
    codes = store.read(lambda tx: [enrol_codes.mint(tx, MERCHANT, timedelta(hours=1), now).code for _ in range(count)])
    offers = []
    for pipe in clients.pipes:  # each client gets codes for its own terminals
        pipe.send(("heads", None))
    mine = [pipe.recv() for pipe in clients.pipes]
    it = iter(codes)
    for pipe, heads in zip(clients.pipes, mine, strict=True):
        pipe.send(("enrol", {tid: next(it) for tid in heads}))
    for pipe in clients.pipes:
        offers.extend(EnrolRequest.model_validate_json(raw) for raw in pipe.recv().values())
    for start in range(0, len(offers), ENROL_CHUNK):
        chunk = offers[start:start + ENROL_CHUNK]
        store.read(lambda tx, chunk=chunk: [enrol(tx, request, now) for request in chunk])
    clients.ask("enrolled", now.isoformat())
    return time.monotonic() - started


def _phases(store: Any, hub: Any, clients: Clients, phases: list[tuple[str, int]], workers: int, outage_s: float,
            online_s: float, storm_sell_s: float) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, count in phases:
        clients.ask("phase", name)
        if name == "online":
            clients.ask("sell", (count, online_s))
            time.sleep(online_s)
            result[name] = {"drained": _settle(store, clients)}
        elif name.startswith("outage"):
            hub.stop()
            clients.ask("sell", (count, outage_s))
            time.sleep(outage_s)
        else:
            result[name] = _storm(store, hub, clients, count, int(name.split("-")[1]), storm_sell_s)
    result["heads"] = clients.heads()
    return result


def _storm(store: Any, hub: Any, clients: Clients, count: int, workers: int, storm_sell_s: float) -> dict[str, Any]:
    """The hub back with `workers` processes; every terminal reconnects at once; the backlog's drain is timed."""
    heads = clients.heads()  # the sellers go on: what they add now is not part of the backlog
    held = _hub_heads(store)
    backlog = sum(max(0, seq - held.get(tid, 0)) for tid, seq in heads.items())
    hub.extra_args = ("--workers", str(workers)) if workers > 1 else ()
    log_from = hub.log.stat().st_size if hub.log.exists() else 0
    hub.start()
    _wait_ready(hub.url)
    started = time.monotonic()
    clients.ask("reconnect")
    clients.ask("sell", (count, storm_sell_s))
    drained = _wait_held(store, heads, started + DRAIN_TIMEOUT_S)
    drain_s = time.monotonic() - started
    settled = _settle(store, clients)
    return {"workers": workers, "backlog_records": backlog, "drained": drained and settled,
            "drain_seconds": round(drain_s, 2), "records_per_second": round(backlog / drain_s, 1),
            **_hub_view(hub.log, log_from)}


def _hub_view(log: Path, offset: int) -> dict[str, Any]:
    """The storm as the hub logged it (every request is one JSON line with status and time inside the hub): the
    answers it refused, and its own time for the online authorisations (the terminals' clock on a busy machine
    also counts the time their niced processes wait for a core)."""
    statuses: Counter[int] = Counter()
    auth_ms = []
    with log.open("rb") as lines:
        lines.seek(offset)
        for line in lines:
            if not line.startswith(b'{"event": "request"'):
                continue
            entry = json.loads(line)
            statuses[entry["status"]] += 1
            if entry["path"] == "/v1/auth" and entry["status"] == 200:
                auth_ms.append(float(entry["ms"]))
    return {"hub_requests": sum(statuses.values()), "hub_429": statuses[429], "hub_503": statuses[503],
            "hub_auth_p99_ms": percentile(auth_ms, 0.99, 1)}


def _settle(store: Any, clients: Clients) -> bool:
    """Wait until the sellers are done and the hub holds everything journalled."""
    clients.ask("idle")
    return _wait_held(store, clients.heads(), time.monotonic() + DRAIN_TIMEOUT_S)


def _hub_heads(store: Any) -> dict[str, int]:
    return dict(store.view(lambda tx: tx.all("SELECT id, last_seq FROM terminals")))


def _wait_held(store: Any, heads: dict[str, int], deadline: float) -> bool:
    while time.monotonic() < deadline:
        held = _hub_heads(store)
        if all(held.get(tid, 0) >= seq for tid, seq in heads.items()):
            return True
        time.sleep(0.1)
    return False


def _wait_ready(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v1/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"the hub at {url} did not become ready within {timeout:g} s")


def _count(store: Any, heads: dict[str, int]) -> dict[str, Any]:
    """What the terminals journalled against what the hub's database holds and booked."""
    held = dict(store.view(lambda tx: tx.all("SELECT terminal_id, count(*) FROM records GROUP BY terminal_id")))
    twice = store.view(lambda tx: (
        tx.one("SELECT count(*) FROM (SELECT terminal_id, sale_id FROM transfers WHERE kind = 'sale' "
               "GROUP BY terminal_id, sale_id HAVING count(*) > 1) AS d")[0]
        + tx.one("SELECT count(*) FROM (SELECT sale_id FROM holds GROUP BY sale_id HAVING count(*) > 1) AS d")[0]))
    return {"records": sum(heads.values()),
            "lost": sum(max(0, seq - held.get(tid, 0)) for tid, seq in heads.items()),
            "duplicated": sum(max(0, held.get(tid, 0) - seq) for tid, seq in heads.items()) + twice,
            "drained": all(held.get(tid, 0) >= seq for tid, seq in heads.items())}


def _merge(answers: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for answer in answers:
        for name, stats in answer.items():
            into = merged.setdefault(name, {"rounds_ms": [], "auth_ms": [], "auth_unavailable": 0, "sales": 0,
                                            "statuses": Counter()})
            into["rounds_ms"] += stats["rounds_ms"]
            into["auth_ms"] += stats["auth_ms"]
            into["auth_unavailable"] += stats["auth_unavailable"]
            into["sales"] += stats["sales"]
            into["statuses"].update(stats["statuses"])
    return merged


def _summary(stats: dict[str, Any]) -> dict[str, Any]:
    if not stats:
        return {}
    return {"sales": stats["sales"], "sync_rounds": len(stats["rounds_ms"]),
            "sync_round_p99_ms": percentile(stats["rounds_ms"], 0.99, 1), "auths": len(stats["auth_ms"]),
            "auth_p50_ms": percentile(stats["auth_ms"], 0.5, 1), "auth_p99_ms": percentile(stats["auth_ms"], 0.99, 1),
            "auth_unavailable": stats["auth_unavailable"],
            "statuses": {str(code): n for code, n in sorted(stats["statuses"].items())}}
