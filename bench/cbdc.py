"""`edgepos bench cbdc`: digital currency end to end on the real parts, with numbers.

A real hub child process (SQLite, loopback HTTP) runs the reference CBDC operator; tills are built by the demo rig
(journal, shipped risk model, uplink); wallets, payment codes and hard wallets come from the wallet simulator.
- online: a customer code scanned to the final answer (risk, the operator's balanced transfer, the durable sale),
  `online` times;
- offline: hard-wallet tap to durable approval through pcscd + vpcd (the card stays inserted, so pcscd's ~0.3 s to
  notice a card is not counted; the in-process slot when pcscd is not on this machine: `offline_path` says which);
- double spends: cloned hard wallets spent at a second till; both tills sync; every clone's payment must be caught
  (one exception each) and every honest payment settled, nothing lost.
"""

from __future__ import annotations

import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.stats import percentile
from drivers.card.hardwallet import HardWalletReader
from drivers.card.hardwallet_applet import HardWalletApplet, WalletSlot
from drivers.card.pcsc import PcscCardReader
from drivers.card.vpcd import VpcdCard
from drivers.errors import DeviceError
from drivers.pcscd import PcscdService
from hub.process import HubProcess
from sync.cbdc import DeviceCert
from terminal.cbdc.simulator import WalletSimulator
from terminal.demo.rig import build_till
from terminal.domain import Money, TaxRate

ADMIN = "bench-cbdc-admin-token-0123456789abcdef"
MERCHANT = "M-BENCH-CBDC"
VAT = TaxRate("VAT13", Decimal("0.13"), inclusive=True)
VPCD_SECOND = 35964
REFUSED: dict[str, int] = {}  # offline payments the risk engine refused, by reason
WALL: dict[str, list[float]] = {}  # the same payments timed around the whole call (receipt printing included)


def _till(where: Path, hub: HubProcess, name: str, **options: Any) -> Any:
    till = build_till(where / name, terminal_id=f"T-BENCH-{name}", hub_url=hub.url,
                      enrol_code=hub.enrol_code(MERCHANT).encode(), merchant_id=MERCHANT, **options)
    till.checkout.ports.cbdc.issuer_key()
    return till


def _sale(till: Any, minor: int) -> None:
    co = till.checkout
    co.start_sale()
    co.add_item("SKU-B", "Bench item", Money(minor, "CNY"), VAT)
    co.checkout()


def _contact_reader() -> tuple[Any, Any, str]:
    """(hard-wallet reader, pcscd service or None, path name): pcscd + vpcd when this machine has them."""
    why = ""
    for _ in range(3):  # another process may be restarting the machine's one pcscd: try again
        try:
            service = PcscdService("Virtual PCD 00 01").__enter__()
            reader = HardWalletReader.contact(PcscCardReader("Virtual PCD 00 01", kernel=None))  # type: ignore[arg-type]
            return reader, service, "pcscd+vpcd"
        except (DeviceError, OSError) as exc:
            why = str(exc)
            time.sleep(1.0)
    return None, None, f"inprocess ({why})"


def run(online: int = 200, offline: int = 200, double_spends: int = 20, seed: int = 12) -> dict[str, Any]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="edgepos-bench-cbdc-") as tmp:
        where = Path(tmp)
        with HubProcess(db=where / "hub.db", admin_token=ADMIN, log=where / "hub.log") as hub:
            sim = WalletSimulator(hub.url, ADMIN)
            reader, service, path = _contact_reader()
            till = _till(where, hub, "A", **({"hard_wallet": reader} if reader else {}))
            other = _till(where, hub, "B")
            try:
                online_ms = _online(sim, till, online, rng)
                cards, offline_ms, honest = _offline(sim, till, offline, rng, reader)
                injected = _double_spends(sim, till, other, cards, double_spends, rng, honest)
                till.uplink.sync_once()
                report = other.uplink.sync_once()
                till.uplink.sync_once()
                caught = len([r for r in other.journal.records() if r.type == "exception.offline_declined"
                              and r.payload.get("code") == "cbdc_double_spend"])
                settled = sum(sim.device(DeviceCert.decode(c.cert).device_hex).settled.amount for c in cards)
                pending = till.journal.outbox_stats()[0] + other.journal.outbox_stats()[0]
            finally:
                till.close()
                other.close()
                sim.close()
                if service is not None:
                    service.__exit__()
            balanced = hub.admin("GET", "/v1/admin/trial-balance")["balanced"]
    honest_total = sum(honest)
    return {
        "online_payments": len(online_ms), "online_p50_ms": percentile(online_ms, 0.5),
        "online_p99_ms": percentile(online_ms, 0.99),
        "offline_payments": len(offline_ms), "offline_path": path, "offline_p50_ms": percentile(offline_ms, 0.5),
        "offline_p99_ms": percentile(offline_ms, 0.99),
        "double_spends_injected": injected, "double_spends_caught": caught,
        "honest_settled": settled == honest_total, "honest_settled_minor": settled,
        "honest_total_minor": honest_total, "lost": (honest_total - settled) + pending,
        "declined_at_sync": report.declined, "ledger_balanced": balanced,
        "refused_by_risk": dict(REFUSED),
        "online_with_receipt_p99_ms": percentile(WALL.get("online", []), 0.99),
        "offline_with_receipt_p99_ms": percentile(WALL.get("offline", []), 0.99),
    }


def _online(sim: WalletSimulator, till: Any, count: int, rng: random.Random) -> list[float]:
    wallets = [sim.create_wallet("verified", fund=2_000_000).wallet_no for _ in range(max(1, count // 5))]
    times, walls = [], []
    for n in range(count):
        _sale(till, rng.randint(500, 8_000))
        code = sim.payment_code(wallets[n % len(wallets)])
        started = time.perf_counter()
        outcome = till.checkout.pay_cbdc_code(code)  # the code as the scanner hands it over
        elapsed = time.perf_counter() - started
        if outcome.result == "step_up":  # the risk engine asks a supervisor: a person's wait, not counted
            started = time.perf_counter()
            outcome = till.checkout.supervisor_approve("S-001", "2468")
            elapsed += time.perf_counter() - started
        if outcome.result != "completed":  # the risk model may refuse one: counted, the sale dropped
            REFUSED[f"online:{outcome.code}"] = REFUSED.get(f"online:{outcome.code}", 0) + 1
            till.checkout.cancel()
            continue
        times.append(outcome.latency_ms)  # scanned to the durable final answer (the receipt prints after)
        walls.append(elapsed * 1000)
    WALL["online"] = walls
    return times


class _Rotating:
    """One card in the reader whose applet the benchmark swaps between sales (customers in a queue, without
    vpcd's ~0.6 s per card removal and pcscd's ~0.3 s to notice a card: the software path is what is timed)."""

    def __init__(self) -> None:
        self.applet: HardWalletApplet | None = None

    def process(self, command: bytes) -> bytes:
        assert self.applet is not None
        return self.applet.process(command)

    def reset(self) -> None:
        if self.applet is not None:
            self.applet.reset()


def _offline(sim: WalletSimulator, till: Any, count: int, rng: random.Random,
             reader: Any) -> tuple[list[HardWalletApplet], list[float], list[int]]:
    per_card = 2  # a customer pays once or twice offline: inside the caps and the risk model's habits
    cards = []
    for _ in range(max(1, count // per_card)):
        wallet = sim.create_wallet("anonymous", fund=60_000)
        card = sim.issue_card(wallet.wallet_no)
        cards.append(sim.load_card(DeviceCert.decode(card.cert).device_hex, 50_000))
    times, amounts = [], []
    rotating = _Rotating()
    inserted = None
    if reader is not None:
        inserted = VpcdCard(rotating, port=VPCD_SECOND).insert()
        _wait_present()
    try:
        for index, card in enumerate(cards):
            rotating.applet = card
            if reader is None:
                till.checkout.ports.hard_wallet.present(card)
            for _ in range(per_card):
                amount = rng.randint(300, 5_000)
                _sale(till, amount)
                started = time.perf_counter()
                outcome = till.checkout.pay_cbdc_hard_wallet()
                WALL.setdefault("offline", []).append((time.perf_counter() - started) * 1000)
                if outcome.result != "completed":  # the risk model may refuse one: counted, the sale dropped
                    REFUSED[f"offline:{outcome.code}"] = REFUSED.get(f"offline:{outcome.code}", 0) + 1
                    till.checkout.cancel()
                    continue
                times.append(outcome.latency_ms)  # tap to the durable approval, card I/O through pcscd included
                amounts.append(amount)
            if index % 25 == 24:
                till.uplink.sync_once()
    finally:
        if inserted is not None:
            inserted.remove()
    return cards, times, amounts


def _wait_present() -> None:
    """pcscd needs ~0.3 s to notice an inserted card: waited here, outside the timed tap."""
    PcscCardReader("Virtual PCD 00 01", kernel=None).wait_for_card(5.0)  # type: ignore[arg-type]


def _double_spends(sim: WalletSimulator, till: Any, other: Any, cards: list[HardWalletApplet], count: int,
                   rng: random.Random, honest: list[int]) -> int:
    """Clone `count` fresh hard wallets; each original pays at till A, its clone the same counter at till B."""
    injected = 0
    for _ in range(count):
        wallet = sim.create_wallet("anonymous", fund=60_000)
        card = sim.issue_card(wallet.wallet_no)
        card = sim.load_card(DeviceCert.decode(card.cert).device_hex, 50_000)
        clone = card.clone()
        amount = rng.randint(300, 5_000)
        till.checkout.ports.hard_wallet, saved = _slot(card), till.checkout.ports.hard_wallet
        try:
            _sale(till, amount)
            if till.checkout.pay_cbdc_hard_wallet().result != "completed":
                raise RuntimeError("honest payment of a cloned card not taken")
        finally:
            till.checkout.ports.hard_wallet = saved
        other.checkout.ports.hard_wallet.present(clone)
        _sale(other, rng.randint(300, 5_000))
        if other.checkout.pay_cbdc_hard_wallet().result != "completed":
            raise RuntimeError("the clone's payment was not taken offline")
        cards.append(card)
        honest.append(amount)
        injected += 1
    return injected


def _slot(card: HardWalletApplet) -> Any:
    slot = WalletSlot()
    slot.present(card)
    return slot

