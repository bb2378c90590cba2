"""Headless checkout end to end: N scripted sales of mixed tenders through the same state machine the UI drives.

Real parts: an `edgepos hub` child process on SQLite, the key store, the signed journal, the shipped risk model, the
operator store, the EMV kernel over emulated cards, an ESC/POS printer (dummy transport). Some sales split, some
cards step up (PIN, supervisor) or are declined, and for a stretch of sales the hub is killed so cards are approved
offline within the profile's limits. At the end the hub is back, abandoned holds are released, the uplink drains the
journal, and the hub's admin endpoints say whether every approved sale is held exactly once.

Latency: from the tender starting in software (after the card read; human step-up waits excluded) to the durable
journal record that lets the screen say "approved".
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from stdnum import luhn

from bench.stats import percentile
from drivers.card.emulator import OFFLINE_PIN, CardProfile
from hub.process import HubProcess
from terminal.checkout import Outcome, State, release_abandoned_holds
from terminal.checkout.rig import Till, build_till
from terminal.domain import Money, TaxRate

ENROL_SECRET = uuid.uuid4().hex
ADMIN_TOKEN = uuid.uuid4().hex
VAT = TaxRate("VAT13", Decimal("0.13"), inclusive=True)
# the script, repeated: what each sale pays with
SCRIPT = ("cash", "contact", "contactless", "customer_qr", "merchant_qr", "split", "contact", "pin_card",
          "step_up_pin", "contactless", "declined", "cash", "step_up_supervisor", "expired", "contact", "split")
OFFLINE_FRACTION = (0.55, 0.75)  # the hub is down for this stretch of the run
SALE_EVERY = timedelta(seconds=40)  # shop time between sales: a busy till


def _pan(rng: random.Random, prefix: str = "4761") -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(15 - len(prefix)))
    return body + luhn.calc_check_digit(body)


@contextmanager
def _workspace(data_dir: Path | None) -> Iterator[Path]:
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        yield data_dir
        return
    with tempfile.TemporaryDirectory(prefix="edgepos-bench-checkout-") as tmp:
        yield Path(tmp)


class ShopClock:
    """A busy till's day, replayed fast: each sale starts `step` later in shop time (real time runs on inside it),
    ending about now. Without it, hundreds of sales a minute on one terminal look like a compromised terminal to the
    risk model, and the benchmark would measure fraud declines instead of the checkout."""

    def __init__(self, sales: int, step: timedelta = SALE_EVERY) -> None:
        self.start = datetime.now(UTC) - step * sales
        self.step, self.sales_started = step, 0
        self._t0 = time.perf_counter()

    def next_sale(self) -> None:
        self.sales_started += 1

    def __call__(self) -> datetime:
        return self.start + self.step * self.sales_started + timedelta(seconds=time.perf_counter() - self._t0)


def run(sales: int = 200, data_dir: Path | None = None, seed: int = 7) -> dict[str, Any]:
    clock = ShopClock(sales)
    with _workspace(data_dir) as where, HubProcess(db=where / "hub.db", enrol_secret=ENROL_SECRET,
                                                   admin_token=ADMIN_TOKEN, log=where / "hub.log") as hub:
        till = build_till(where / "till", terminal_id=f"BENCH-CO-{uuid.uuid4().hex[:8]}", hub_url=hub.url,
                          enrol_secret=ENROL_SECRET.encode(), clock=clock)
        try:
            return _run(till, hub, sales, random.Random(seed), clock)
        finally:
            till.close()


class _Tally:
    def __init__(self) -> None:
        self.approved = self.declined = self.stepped_up = self.offline = 0
        self.expected_total = 0
        self.latencies: list[float] = []

    def tender(self, out: Outcome) -> Outcome:
        if out.latency_ms is not None:
            self.latencies.append(out.latency_ms)
        if out.result == "declined":
            self.declined += 1
        return out


def _run(till: Till, hub: HubProcess, count: int, rng: random.Random, clock: ShopClock) -> dict[str, Any]:
    tally = _Tally()
    blocked = CardProfile("blocked", _pan(rng, "4000"))
    lo, hi = (int(count * f) for f in OFFLINE_FRACTION)
    started = time.perf_counter()
    for i in range(count):
        clock.next_sale()
        if i == lo and hi > lo:
            hub.kill()  # the network is gone: every authorisation is `unavailable`
        if i == hi and hi > lo:
            hub.start()
        kind = SCRIPT[i % len(SCRIPT)]
        if lo <= i < hi and kind in ("customer_qr", "merchant_qr", "step_up_supervisor", "step_up_pin"):
            kind = "contact"  # offline the script keeps to what a till can take offline
        _sale(till, tally, kind, rng, blocked, offline_window=lo <= i < hi)
    if hub.process is None:
        hub.start()
    sell_seconds = time.perf_counter() - started
    released = release_abandoned_holds(till.journal, till.uplink)
    rounds = 0
    while till.journal.outbox_stats()[0] and rounds < 50:
        till.uplink.sync_once(pull=False)
        rounds += 1
    pending = sum(1 for r in till.journal.outbox(100_000) if r.type == "sale.completed")
    settled = _settled(hub, till.keystore.terminal_id, clock.start)
    settled_count = sum(t["count"] for t in settled)
    settled_amount = sum(t["sales"] for t in settled)
    held = hub.admin("GET", f"/v1/admin/terminals/{till.keystore.terminal_id}")
    journal_records = till.journal.head()[0]
    return {
        "sales": count,
        "approved": tally.approved,
        "declined": tally.declined,
        "stepped_up": tally.stepped_up,
        "offline": tally.offline,
        "synced": tally.approved - pending,
        "lost": max(0, tally.approved - settled_count) + pending,
        "duplicated": max(0, settled_count - tally.approved),
        "settled_amount_matches": settled_amount == tally.expected_total,
        "records_held": sum(held["records"].values()),
        "journal_records": journal_records,
        "holds_released": released,
        "balanced": hub.admin("GET", "/v1/admin/trial-balance")["balanced"],
        "p50_ms": percentile(tally.latencies, 0.50),
        "p99_ms": percentile(tally.latencies, 0.99),
        "max_ms": percentile(tally.latencies, 1.0),
        "sales_per_second": round(count / sell_seconds, 1),
    }


def _sale(till: Till, tally: _Tally, kind: str, rng: random.Random, blocked: CardProfile,
          offline_window: bool) -> None:
    co = till.checkout
    co.start_sale()
    big = {"step_up_pin": "3600.00", "step_up_supervisor": "26000.00"}.get(kind)
    prices = [big] if big else [f"{rng.randint(300, 9000 if offline_window else 30000) / 100:.2f}"
                                for _ in range(rng.randint(1, 4))]
    for n, price in enumerate(prices, 1):
        co.add_item(f"SKU{n:04d}", f"Item {n}", Money.parse(price, "CNY"), VAT, quantity=1)
    co.checkout()
    assert co.sale is not None
    total = co.sale.total
    card = CardProfile(f"cust-{rng.random()}", _pan(rng))
    outcomes: list[Outcome] = []
    if kind in ("contact", "contactless", "step_up_pin", "step_up_supervisor", "pin_card", "split", "declined",
                "expired"):
        reader = till.contactless_reader if kind == "contactless" else till.card_reader
        profile = {"declined": blocked, "expired": "expired"}.get(kind, card)
        if kind == "pin_card":
            profile = CardProfile(card.name, card.pan, cvm_list=OFFLINE_PIN)
        if kind == "declined" and not till.blacklist.tokens:
            till.blacklist.tokens.add(_token_of(till, blocked))
        reader.present(profile, pin="1234")
        amount = Money(max(1, total.amount // 2), "CNY") if kind == "split" else None
        outcomes.append(tally.tender(co.pay_card(amount, contactless=kind == "contactless")))
    elif kind == "customer_qr":
        outcomes.append(tally.tender(co.pay_customer_qr(f"28{rng.randrange(10**16):016d}")))
    elif kind == "merchant_qr":
        co.show_merchant_qr()
        outcomes.append(tally.tender(co.merchant_qr_paid(f"wallet-{rng.randrange(10**9)}")))
    stepped = False
    while outcomes and outcomes[-1].result == "step_up":  # the customer types the PIN / the supervisor confirms
        stepped = True
        out = co.enter_pin("1234") if co.state is State.STEP_UP_PIN else co.supervisor_approve("S-001", "2468")
        outcomes.append(tally.tender(out))
    tally.stepped_up += stepped
    if co.state is State.TENDER_SELECTION:  # cash pays the rest (or all): rounded up to a note, change given
        due = co.sale.remaining.amount
        outcomes.append(tally.tender(co.pay_cash(Money(-(-due // 1000) * 1000, "CNY"))))
    if co.state is State.RECEIPT_FAILED:
        co.skip_receipt()
    if outcomes and outcomes[-1].result == "completed":
        tally.approved += 1
        tally.expected_total += total.amount
        if any(o.offline for o in outcomes):
            tally.offline += 1
    elif co.state is not State.IDLE:
        co.cancel("benchmark: could not pay")


def _token_of(till: Till, card: CardProfile) -> str:
    from sync.pan import tokenize_pan

    return tokenize_pan(card.pan, till.keystore.token_key()).token


def _settled(hub: HubProcess, terminal_id: str, since: datetime) -> list[dict[str, Any]]:
    day, last = since.date() - timedelta(days=1), datetime.now(UTC).date() + timedelta(days=1)
    out = []
    while day <= last:
        out += hub.admin("GET", "/v1/admin/settlement", params={"day": day.isoformat(), "terminal": terminal_id})
        day += timedelta(days=1)
    return out
