"""One client process of `edgepos bench fleet`: many simulated terminals on threads, each with the real parts.

Every terminal has its own keys (SM2, SM4, AES, token key; held in memory: a bench needs no key file per till), its
own signed journal and sync state (real SQLite files under the run's temporary directory), its own signed hub
client (a loopback address of its own, as shops have) and the real uplink in its background thread, which the
seller pokes after each sale, as the till does. A card sale first asks the hub online (HubClient.authorise, the
till's 2 s budget) and falls back to an offline approval when the hub does not answer.

The parent (bench/fleet.py) drives the process over a multiprocessing pipe with small commands and collects the
measurements per phase (sync rounds, online authorisations, HTTP statuses the terminals got).
"""

from __future__ import annotations

import os
import queue
import random
import resource
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

from bench.journal import PRODUCTS
from sync.hub_client import HubClient, HubRefused
from sync.journal import Journal
from sync.keystore import MemoryKeyStore
from sync.protocol import AuthRequest, PositiveAmount, enrol_request
from sync.protocol import TenderKind as WireTender
from sync.state import SyncState, state_path_for
from sync.uplink import RoundReport, Uplink
from terminal.domain import Cart, Money, Sale, Tender, TenderKind

AUTH_BUDGET_S = 2.0  # the till's budget for an online answer


@dataclass
class PhaseStats:
    rounds_ms: list[float] = field(default_factory=list)
    auth_ms: list[float] = field(default_factory=list)
    auth_unavailable: int = 0
    sales: int = 0
    statuses: Counter[int] = field(default_factory=Counter)


class Meter:
    """Measurements of this process, per phase (the parent names the phase)."""

    def __init__(self) -> None:
        self.phase = "setup"
        self.phases: dict[str, PhaseStats] = {}
        self.lock = threading.Lock()

    def now(self) -> PhaseStats:
        with self.lock:
            return self.phases.setdefault(self.phase, PhaseStats())


class CountingTransport(httpx.HTTPTransport):
    """The terminal's HTTP transport from its own loopback address, counting the statuses it gets per phase."""

    def __init__(self, meter: Meter, local_address: str) -> None:
        super().__init__(local_address=local_address)
        self.meter = meter

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        stats = self.meter.now()
        with self.meter.lock:
            stats.statuses[response.status_code] += 1
        return response


class SimTerminal:
    """One till: journal, sync state, hub client, uplink, and a seller thread taking orders."""

    def __init__(self, terminal_id: str, address: str, root: Path, hub_url: str, meter: Meter,
                 backoff_cap_s: float) -> None:
        self.keys = MemoryKeyStore(terminal_id)
        self.meter = meter
        self.rng = random.Random()
        self.journal = Journal.create(root / f"{terminal_id}.db", self.keys)
        self.state = SyncState.open(state_path_for(self.journal.path))
        self.client = HubClient(self.keys, hub_url, transport=CountingTransport(meter, address))
        self.uplink = Uplink(self.journal, self.client, state=self.state, backoff_cap_s=backoff_cap_s,
                             after_round=self._round)
        self.orders: queue.Queue[tuple[int, float] | None] = queue.Queue()
        self.unfinished = 0  # orders taken and not yet sold in full
        self._orders_lock = threading.Lock()
        self.seller = threading.Thread(target=self._sell_loop, name=f"sell-{terminal_id}", daemon=True)
        self.seller.start()

    def _round(self, report: RoundReport) -> None:
        stats = self.meter.now()
        with self.meter.lock:
            stats.rounds_ms.append(report.duration_s * 1000)

    def _sell_loop(self) -> None:
        while (order := self.orders.get()) is not None:
            count, seconds = order
            started = time.monotonic()
            for n in range(count):
                time.sleep(max(0.0, started + (n + self.rng.random()) * seconds / count - time.monotonic()))
                self.sell()
                self.uplink.poke()
            with self._orders_lock:
                self.unfinished -= 1

    def order(self, count: int, seconds: float) -> None:
        if count > 0:
            with self._orders_lock:
                self.unfinished += 1
            self.orders.put((count, seconds))

    @property
    def busy(self) -> bool:
        with self._orders_lock:
            return self.unfinished > 0

    def sell(self) -> None:
        """One sale as the checkout journals it: cash, or a card asked online first (offline when no answer)."""
        cart = Cart("CNY")
        for sku, name, price, rate in self.rng.sample(PRODUCTS, self.rng.randint(1, 4)):
            cart.add(sku, name, price_money(price), rate, quantity=self.rng.randint(1, 3))
        now = datetime.now(UTC)
        sale = Sale.from_cart(cart, terminal_id=self.keys.terminal_id, created_at=now, sale_id=str(uuid.uuid4()))
        sensitive = None
        if self.rng.random() < 0.5:
            sale.add_tender(Tender(TenderKind.CASH, price_money(-(-sale.total.amount // 5000) * 5000)))
        else:
            last4, token = f"{self.rng.randint(0, 9999):04d}", f"tk_{self.rng.getrandbits(160):040x}"
            reference = self._authorise(sale, token, last4)
            if reference is None:  # declined online: the customer pays cash
                sale.add_tender(Tender(TenderKind.CASH, sale.total))
            else:
                sale.add_tender(Tender(TenderKind.CARD_CONTACTLESS, sale.total, reference=reference,
                                       card_last4=last4, token=token))
                sensitive = {"last4": last4, "auth_code": f"{self.rng.randint(0, 999999):06d}"}
        sale.complete(datetime.now(UTC))
        self.journal.append("sale.completed", sale.to_dict(), sensitive)
        stats = self.meter.now()
        with self.meter.lock:
            stats.sales += 1

    def _authorise(self, sale: Sale, token: str, last4: str) -> str | None:
        """The hold's id when approved online, an offline reference when the hub did not answer, None: declined."""
        auth_id = f"A{uuid.uuid4().hex}"
        request = AuthRequest(auth_id=auth_id, sale_id=sale.sale_id, tender=WireTender.CARD_CONTACTLESS,
                              amount=PositiveAmount(amount=sale.total.amount, currency="CNY"), token=token,
                              last4=last4)
        try:
            outcome = self.client.authorise(request, budget_s=AUTH_BUDGET_S)
        except HubRefused:
            outcome = None
        stats = self.meter.now()
        if outcome is None or outcome.decision == "unavailable":
            with self.meter.lock:
                stats.auth_unavailable += 1
            return f"OFF{self.rng.getrandbits(40):010X}"
        with self.meter.lock:
            stats.auth_ms.append(outcome.elapsed_ms)
        return auth_id if outcome.approved else None

    def close(self) -> None:
        self.orders.put(None)
        self.seller.join(30)
        self.uplink.stop()
        self.client.close()
        self.state.close()
        self.journal.close()


def price_money(amount: int) -> Money:
    return Money(amount, "CNY")


def address_of(index: int) -> str:
    """A loopback address per terminal (127.0.0.0/8 is all loopback on Linux), as each shop has its own."""
    return f"127.{1 + index // 62500}.{index // 250 % 250}.{2 + index % 250}"


def _raise_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def serve(conn: Connection, spec: dict[str, Any]) -> None:
    """The client process's main loop: one command in, one answer out, until `stop`."""
    _raise_file_limit()
    os.nice(spec["nice"])  # the terminals stand in for other machines: the hub under test gets the CPU first
    meter = Meter()
    root = Path(spec["root"])
    terminals = [SimTerminal(tid, address_of(index), root, spec["hub_url"], meter, spec["backoff_cap_s"])
                 for tid, index in spec["terminals"]]
    by_id = {t.keys.terminal_id: t for t in terminals}
    conn.send({t.keys.terminal_id: t.keys.public_key().hex() for t in terminals})
    while True:
        command, arg = conn.recv()
        if command == "enrol":  # {terminal: code} -> {terminal: EnrolRequest JSON}, built with the terminal's key
            conn.send({tid: enrol_request(code, tid, spec["merchant"], by_id[tid].keys.public_key().hex())
                       .model_dump_json() for tid, code in arg.items()})
        elif command == "enrolled":  # the hub holds our keys: note it as Uplink.enrol does, start syncing
            for t in terminals:
                t.state.update(merchant_id=spec["merchant"], enrolled_at=arg, last_hub_seq=0, hub_url=spec["hub_url"])
                t.uplink.start()
            conn.send(True)
        elif command == "phase":
            with meter.lock:
                meter.phase = arg
            conn.send(True)
        elif command == "sell":  # (count per terminal, over seconds)
            for t in terminals:
                t.order(*arg)
            conn.send(True)
        elif command == "reconnect":  # the link is back: every uplink starts a round at once
            for t in terminals:
                t.uplink.stop()
            for t in terminals:
                t.uplink.start()
            conn.send(True)
        elif command == "idle":  # wait until every seller has finished its orders
            for t in terminals:
                while t.busy:
                    time.sleep(0.05)
            conn.send(True)
        elif command == "heads":
            conn.send({t.keys.terminal_id: t.journal.head()[0] for t in terminals})
        elif command == "stop":
            for t in terminals:
                t.close()
            with meter.lock:
                conn.send({name: stats.__dict__ for name, stats in meter.phases.items()})
            return
        else:
            conn.send(ValueError(f"unknown command {command!r}"))
