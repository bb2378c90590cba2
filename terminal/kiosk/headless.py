"""Scripted customers at a kiosk lane, end to end on real parts: the one implementation behind
`edgepos kiosk --headless` and `edgepos bench kiosk`.

A hub process (loopback, SQLite) authorises cards online; one demo lane (journal, risk engine, EMV kernel over
emulated cards, bagging check) serves `sessions` customers in a fixed mix: scanned and weighed items, every kind of
intervention (age check, weight mismatch after one retry, unknown item, payment failure, cancel request, high basket
value, call for help), idle abandonments, declined-then-approved cards, taps, payment codes and shop QR payments,
digital currency three ways (a wallet's code, the shop's QR paid from the wallet simulator and long-polled through
the hub, a hard wallet tapped: every other plain customer and those of the help and rebag kinds pay so), and a
crash in the middle of a payment (the process state is thrown away after `tender.approved` is durable; the lane is
reopened from disk and recovers). Half the interventions are cleared at the lane by id + PIN, half from an
attendant station over signed messages (a LocalBus in-process, or the MQTT broker given).

Reported: `sessions`, `completed`, `abandoned`, `interventions`, `attendant_p50_s` (a simulated attendant's reaction,
never part of the software path), `lost` and `charged_twice` (from an audit of the journal after the run: a sale
with an approved payment but no completed sale, or completed twice / paid beyond its total), `p99_ms` (the software
path of each customer action: `Lane` times every call, attendant actions and device I/O excluded). After the
run the journal is drained to the hub: a completed sale the hub did not settle counts as lost, one settled twice as
charged twice (`hub_settled`, `ledger_balanced`). `cbdc_completed` counts the sales paid by digital currency;
`cbdc_not_given_back` the digital-currency payments of cancelled or unanswered sales the run could not give back to
their wallets after the drain (counted as lost too).
"""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from stdnum import luhn

from drivers.card.emulator import CardProfile
from hub.process import HubProcess
from sync.crypto import Sm2PrivateKey
from terminal.demo.script import ShopClock
from terminal.demo.startup import MERCHANT
from terminal.demo.wallets import DemoWallets
from terminal.kiosk.lane import ATTENDANT_ACTIONS, Lane
from terminal.kiosk.link import LaneLink, LocalBus, MqttTransport, StationLink, Transport, client_id
from terminal.kiosk.states import Step
from terminal.kiosk.sync import GiveBack
from terminal.kiosk.wiring import KioskLane, demo_lane

MIX = ("plain", "weighed", "age", "mismatch", "unknown", "tap", "declined", "high_value", "code", "idle", "rebag",
       "shop_qr", "cancel", "help", "crash", "plain")
SECRET = b"kiosk-headless-secret-0123456789"


class SimulatedCrash(BaseException):
    """The process dies here (BaseException: nothing in the lane may catch it)."""


class LaneClock:
    """Monotonic time that the script can move forward (idle customers) without waiting."""

    def __init__(self) -> None:
        self.skew = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.skew


def _pan(rng: random.Random) -> str:
    body = "4761" + "".join(rng.choice("0123456789") for _ in range(11))
    return body + luhn.calc_check_digit(body)


class Customer:
    """One scripted session on `lane`; the attendant answers each call after a simulated reaction time."""

    def __init__(self, run: Run, kind: str) -> None:
        self.run, self.kind, self.rng = run, kind, run.rng

    @property
    def lane(self) -> Lane:
        return self.run.wired.lane

    def weight_of(self, sku: str) -> int:
        base = self.run.weights.setdefault(sku, 80 + (int(uuid.uuid5(uuid.NAMESPACE_OID, sku).int) % 1500))
        return round(base * self.rng.uniform(0.99, 1.01))

    def scan(self, sku: str, bag_g: int | None = None) -> None:
        lane = self.lane
        product = lane.catalogue.by_sku(sku)
        lane.scan(product.barcode)
        self.attend()
        if lane.step is Step.WEIGHING:
            grams = self.rng.randint(300, 2500)
            lane.weigh(grams)
            self.attend()
            self.bag(grams)
            return
        self.bag(self.weight_of(sku) if bag_g is None else bag_g)

    def bag(self, grams: int) -> None:
        lane = self.lane
        if lane.awaiting_bag is not None:
            lane.bagged(lane.bag_total_g + grams)
            self.attend()

    def attend(self) -> None:
        """If the lane called, the attendant comes (reaction simulated) and approves, alternately at the lane and
        from the station."""
        lane = self.lane
        while lane.step is Step.HELP and lane.intervention is not None:
            call = lane.intervention
            self.run.reaction_s.append(self.rng.lognormvariate(3.0, 0.5))  # median ~20 s
            self.run.interventions += 1
            approve = call.kind != "age_check" or self.rng.random() < 0.9
            self.run.remote_turn = not self.run.remote_turn
            if self.run.remote_turn and call.remote_ok:
                self.run.station.approve(lane.lane_id, call.intervention_id, "S-001", approve)
                self.run.wait_for(lambda c=call: lane.intervention is not c)
            else:
                lane.clear_at_lane(approve, operator_id="S-001", pin="2468")

    def items(self) -> None:
        skus = [p.sku for p in self.lane.catalogue if p.unit != "kg" and p.sku not in ("DRK-006", "FRS-005")]
        for sku in self.rng.sample(skus, self.rng.randint(2, 5)):
            self.scan(sku)

    def pay(self, method: str = "card") -> bool:
        lane, till = self.lane, self.run.wired.till
        if lane.step is Step.SCANNING:
            lane.review()
            lane.to_payment()
            self.attend()
        if lane.step is not Step.PAYING:
            return False
        card = CardProfile(f"cust-{self.rng.random()}", _pan(self.rng))
        if method == "declined":
            till.card_reader.present("expired")
            lane.pay("card")
            method = "card"
        if method == "card":
            till.card_reader.present(card)
            outcome = lane.pay("card")
        elif method == "tap":
            till.contactless_reader.present(card)
            outcome = lane.pay("tap")
        elif method == "code":
            outcome = lane.pay("payment_code", code=f"28{self.rng.randrange(10**16):016d}")
        elif method == "cbdc_code":
            outcome = lane.pay("cbdc_code", code=self.run.wallets.code(self.run.wallets.new_customer()))
        elif method == "cbdc_qr":
            shown = lane.pay("cbdc_qr")
            wallet = self.run.wallets.new_customer()
            self.run.wallets.pay_qr(shown.qr_payload or "", wallet)  # the customer's phone, against the hub
            outcome = lane.wait_shop_qr(2.0)
            for _ in range(10):
                if outcome.result != "waiting":
                    break
                outcome = lane.wait_shop_qr(2.0)
        elif method == "cbdc_wallet":
            self.run.wallets.present_card(till.checkout.ports, contactless=True)
            outcome = lane.pay("cbdc_wallet_tap")
        else:
            lane.pay("shop_qr")
            outcome = lane.shop_qr_paid(f"wallet-{self.rng.randrange(10**9)}")
        if outcome.result == "step_up" and lane.step is Step.PAYING:
            outcome = lane.enter_pin(card.pin)
        self.attend()
        return lane.step is Step.RECEIPT_CHOICE

    def play(self) -> str:
        lane, kind = self.lane, self.kind
        lane.start()
        lane.choose_language(self.rng.choice(("en", "zh_CN")))
        if kind == "idle":
            self.items()
            for _ in range(2):
                self.run.clock.skew += 200
                lane.tick()
            return "abandoned" if lane.step is Step.ATTRACT else "stuck"
        self.items()
        if kind == "weighed":
            self.scan(self.rng.choice(["PRD-001", "PRD-002", "PRD-003", "PRD-004"]))
        elif kind == "age":
            self.scan("DRK-006")
        elif kind == "unknown":
            lane.scan("6921999999992")
            self.attend()
        elif kind in ("mismatch", "rebag"):
            sku = "SNK-006"
            for _ in range(4):  # the lane learns the cookies' weight first
                self.run.wired.bagging.learn(sku, self.weight_of(sku))
            product = lane.catalogue.by_sku(sku)
            lane.scan(product.barcode)
            lane.bagged(lane.bag_total_g + 60)  # a wrong weight: re-bag
            if kind == "rebag":
                self.bag(self.weight_of(sku))
            else:
                lane.bagged(lane.bag_total_g + 95)  # wrong again: the attendant
                self.attend()
        elif kind == "high_value":
            for _ in range(8):
                self.scan("FRS-005")
        elif kind == "cancel":
            lane.request_cancel()
            self.attend()
            return "abandoned"
        elif kind == "help":
            lane.call_help()
            self.attend()
        if kind == "crash":
            return self.crash()
        method = {"tap": "tap", "code": "code", "shop_qr": "shop_qr", "declined": "declined", "help": "cbdc_qr",
                  "rebag": "cbdc_wallet"}.get(kind, "card")
        if kind == "plain":  # plain customers take turns: a card, then a digital-currency wallet's code
            self.run.plain_turn = not self.run.plain_turn
            method = "card" if self.run.plain_turn else "cbdc_code"
        if not self.pay(method):
            if lane.step is Step.PAYING:  # refused: the customer gives up and the attendant cancels the basket
                lane.request_cancel()
                self.attend()
            return "failed"
        lane.receipt(self.rng.choice(("print", "qr", "none")))
        lane.done()
        return "completed"

    def crash(self) -> str:
        """Power lost right after the approved payment became durable, before the sale was completed."""
        wired = self.run.wired
        journal = wired.till.journal
        real_append = journal.append

        def append(record_type: str, payload: Any, sensitive: Any = None) -> Any:
            result = real_append(record_type, payload, sensitive)
            if record_type == "tender.approved":
                raise SimulatedCrash
            return result

        journal.append = append  # type: ignore[method-assign]
        try:
            self.pay("card")
        except SimulatedCrash:
            pass
        finally:
            journal.append = real_append  # type: ignore[method-assign]
        self.run.reopen()
        return "completed" if self.run.wired.recovery.finished else "failed"


class Run:
    def __init__(self, where: Path, sessions: int, seed: int, broker: str | None, hub_url: str,
                 enrol: bytes, wallets: Any = None) -> None:
        self.wallets = wallets  # the customers' digital-currency wallets (terminal.demo.wallets)
        self.plain_turn = False
        self.where, self.rng, self.sessions = where, random.Random(seed), sessions
        self.clock, self.shop = LaneClock(), ShopClock(sessions)
        self.weights: dict[str, int] = {}
        self.reaction_s: list[float] = []
        self.interventions, self.remote_turn = 0, False
        self.timings: list[tuple[str, float]] = []
        self.device_timings: list[tuple[str, float]] = []  # card reads and printing, outside the software path
        self.hub_url = hub_url
        self.station_key = Sm2PrivateKey.generate()
        self.prefix = f"edgepos/13-kiosk-{uuid.uuid4().hex[:8]}"
        self.transport: Transport = (MqttTransport(broker, client_id=client_id("headless")) if broker
                                     else LocalBus())
        self.wired = self._open(enrol)
        self.station = StationLink(self.transport, prefix=self.prefix, key=self.station_key, station_id="S1",
                                   lanes={"L1": self.wired.till.keystore.public_key()})

    def _open(self, enrol: bytes | None) -> KioskLane:
        wired = demo_lane(self.where / "lane", secret=SECRET, hub_url=self.hub_url, enrol_code=enrol,
                          clock=self.clock, till_clock=self.shop)
        self.link = LaneLink(wired.lane, self.transport, prefix=self.prefix, key=wired.till.keystore.signing_key(),
                             stations={"station:S1": self.station_key.public_key()})
        return wired

    def reopen(self) -> None:
        self.timings += self.wired.lane.timings
        self.device_timings += self.wired.lane.device_timings
        self.link.close()
        self.wired.close()
        self.wired = self._open(None)

    def wait_for(self, done: Any, timeout: float = 5.0) -> None:
        end = time.monotonic() + timeout
        while not done() and time.monotonic() < end:
            time.sleep(0.002)

    def close(self) -> None:
        self.timings += self.wired.lane.timings
        self.device_timings += self.wired.lane.device_timings
        self.link.close()
        self.wired.close()
        self.transport.close()


def audit(journal: Any) -> tuple[int, int]:
    """(lost, charged_twice) from the journal: a sale with an approved, unvoided payment that never completed is
    lost; a sale completed twice or whose approved payments exceed its total is charged twice."""
    approved: dict[str, int] = defaultdict(int)
    voided: set[str] = set()
    completed: Counter[str] = Counter()
    totals: dict[str, int] = {}
    refs: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for record in journal.records():
        payload = record.payload
        if record.type == "tender.approved":
            refs[payload["sale_id"]].append((payload.get("reference") or "", payload["amount"]["amount"]))
        elif record.type == "tender.voided":
            voided.add(payload.get("auth_id", ""))
        elif record.type == "cbdc.give_back":  # a digital-currency payment going back to its wallet
            voided.add(payload.get("payment_id", ""))
        elif record.type == "sale.completed":
            completed[payload["sale_id"]] += 1
            totals[payload["sale_id"]] = payload["totals"]["total"]["amount"]
    for sale_id, taken in refs.items():
        approved[sale_id] = sum(amount for ref, amount in taken if ref not in voided)
    lost = sum(1 for sale_id, amount in approved.items() if amount > 0 and not completed[sale_id])
    twice = sum(1 for sale_id, n in completed.items() if n > 1 or approved[sale_id] > totals[sale_id])
    return lost, twice


def settle(run: Run, hub: HubProcess) -> dict[str, Any]:
    """Release abandoned holds, drain the journal to the hub, and read what the hub settled for this lane."""
    till = run.wired.till
    give_back = GiveBack(till)  # what the lane's sync thread does after each good round
    give_back()
    rounds = 0
    while till.journal.outbox_stats()[0] and rounds < 50:
        till.uplink.sync_once(pull=False)
        rounds += 1
    give_back()  # offline (hard-wallet) payments are given back once the hub has settled them
    while till.journal.outbox_stats()[0] and rounds < 100:
        till.uplink.sync_once(pull=False)
        rounds += 1
    owed = {r.payload["payment_id"] for r in till.journal.records() if r.type in ("cbdc.give_back", "cbdc.unanswered")}
    owed -= {r.payload["payment_id"] for r in till.journal.records() if r.type == "cbdc.released"}
    cbdc_sales = sum(1 for r in till.journal.records() if r.type == "sale.completed"
                     and any(t.get("kind") == "cbdc_wallet" for t in r.payload.get("tenders", [])))
    completed = sum(1 for r in till.journal.records() if r.type == "sale.completed")
    pending = sum(1 for r in till.journal.outbox(100_000) if r.type == "sale.completed")
    terminal_id = till.keystore.terminal_id
    day, last = run.shop.start.date() - timedelta(days=1), datetime.now(UTC).date() + timedelta(days=1)
    settled = 0
    while day <= last:
        rows = hub.admin("GET", "/v1/admin/settlement", params={"day": day.isoformat(), "terminal": terminal_id})
        settled += sum(row["count"] for row in rows)
        day += timedelta(days=1)
    return {"completed": completed, "pending": pending, "settled": settled, "cbdc_completed": cbdc_sales,
            "cbdc_not_given_back": len(owed), "balanced": bool(hub.admin("GET", "/v1/admin/trial-balance")["balanced"])}


def run_headless(sessions: int = 48, *, seed: int = 13, broker: str | None = None,
                 data_dir: Path | None = None) -> dict[str, Any]:
    where = Path(tempfile.mkdtemp(prefix="edgepos-kiosk-")) if data_dir is None else data_dir
    where.mkdir(parents=True, exist_ok=True)
    hub = HubProcess(db=where / "hub.db", admin_token=uuid.uuid4().hex, log=where / "hub.log")
    outcomes: Counter[str] = Counter()
    try:
        hub.start()
        wallets = DemoWallets(hub)
        run = Run(where, sessions, seed, broker, hub.url, hub.enrol_code(MERCHANT).encode(), wallets)
        try:
            for i in range(sessions):
                run.shop.next_sale()
                outcomes[Customer(run, MIX[i % len(MIX)]).play()] += 1
            lost, twice = audit(run.wired.till.journal)
            hub_view = settle(run, hub)
        finally:
            run.close()
            wallets.close()
    finally:
        hub.stop()
        if data_dir is None:
            shutil.rmtree(where, ignore_errors=True)
    customer = [ms for name, ms in run.timings if name not in ATTENDANT_ACTIONS]
    # the hub's view too: every completed sale settled exactly once (a recovered one included), ledger balanced
    lost += max(0, hub_view["completed"] - hub_view["settled"]) + hub_view["pending"] + hub_view["cbdc_not_given_back"]
    twice += max(0, hub_view["settled"] - hub_view["completed"])
    return {"sessions": sessions, "completed": outcomes["completed"], "abandoned": outcomes["abandoned"],
            "failed": outcomes["failed"] + outcomes["stuck"], "interventions": run.interventions,
            "attendant_p50_s": round(statistics.median(run.reaction_s), 1) if run.reaction_s else 0.0,
            "lost": lost, "charged_twice": twice, "hub_settled": hub_view["settled"],
            "ledger_balanced": hub_view["balanced"], "cbdc_completed": hub_view["cbdc_completed"],
            "cbdc_not_given_back": hub_view["cbdc_not_given_back"],
            "p50_ms": round(float(np.percentile(customer, 50)), 2) if customer else 0.0,
            "p99_ms": round(float(np.percentile(customer, 99)), 2) if customer else 0.0,
            "actions": len(customer), "transport": "mqtt" if broker else "local",
            "p99_ms_by_action": _by_action(run.timings),
            "device_p99_ms": round(float(np.percentile([ms for _, ms in run.device_timings], 99)), 2)
            if run.device_timings else 0.0}


def _by_action(timings: list[tuple[str, float]]) -> dict[str, float]:
    """p99 per customer action, slowest first (where the software path goes)."""
    grouped: dict[str, list[float]] = defaultdict(list)
    for name, ms in timings:
        if name not in ATTENDANT_ACTIONS:
            grouped[name].append(ms)
    p99 = {name: round(float(np.percentile(values, 99)), 2) for name, values in grouped.items()}
    return dict(sorted(p99.items(), key=lambda item: -item[1]))
