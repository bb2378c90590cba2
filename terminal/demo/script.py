"""Scripted sales end to end: the one implementation behind `edgepos demo --headless` and `edgepos bench checkout`.

Each sale scans catalogue items by barcode into the same `Checkout` the UI drives and pays by the script: cash,
contact, contactless, customer QR, merchant QR, split, offline-PIN card, step-up PIN and supervisor, declined and
expired cards. For a stretch of sales the hub is killed so cards are approved offline within the profile's limits.
At the end the hub is back, abandoned holds are released, the uplink drains the journal, and the hub's admin
endpoints say whether every approved sale is held exactly once and the ledger balances.

Latency: from the tender starting in software (after the card read; human step-up waits excluded) to the durable
journal record that lets the screen say "approved" (`Outcome.latency_ms`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from stdnum import luhn

from bench.stats import percentile
from drivers.card.emulator import OFFLINE_PIN, CardProfile
from hub.process import HubProcess
from terminal.catalogue import Catalogue
from terminal.checkout import Outcome, State, release_abandoned_holds
from terminal.checkout.cbdc import UnansweredPayments
from terminal.demo.store import DemoStore, open_demo_store, sale_clock_floor
from terminal.domain import Money

# the script, repeated: what each sale pays with
SCRIPT = ("cash", "contact", "contactless", "customer_qr", "merchant_qr", "split", "contact", "pin_card",
          "step_up_pin", "contactless", "declined", "cash", "step_up_supervisor", "expired", "contact", "split",
          "cbdc_code", "cbdc_qr", "cbdc_card")  # digital RMB: the wallet's code, the shop QR, an offline hard wallet
OFFLINE_FRACTION = (0.55, 0.75)  # the hub is down for this stretch of the run
SALE_EVERY = timedelta(seconds=40)  # shop time between sales: a busy till
# big baskets that cross the retail profile's PIN (3000.00) and supervisor (20000.00) amounts
BULK = {"step_up_pin": ("FRS-005", 80), "step_up_supervisor": ("HSH-001", 700)}


class ShopClock:
    """A busy till's day, replayed fast: each sale starts `step` later in shop time (real time runs on inside it),
    ending about now, or starting after `not_before` (a reopened till's last record) if that is later. Without it,
    hundreds of sales a minute on one terminal look like a compromised terminal to the risk model."""

    def __init__(self, sales: int, step: timedelta = SALE_EVERY, not_before: datetime | None = None) -> None:
        start = datetime.now(UTC) - step * sales
        if not_before is not None and not_before + step > start:
            start = not_before + step
        self.start, self.step, self.sales_started = start, step, 0
        self._t0 = time.perf_counter()

    def next_sale(self) -> None:
        self.sales_started += 1

    def __call__(self) -> datetime:
        return self.start + self.step * self.sales_started + timedelta(seconds=time.perf_counter() - self._t0)


def daytime_clock(hour: int = 10) -> Callable[[], datetime]:
    """Real time, running on from `hour`:00 UTC of the latest weekday already past: the risk model weighs the time
    of day and weekends, so screenshots and UI tests taken at 3 am or on a Sunday see the same decisions."""
    now = datetime.now(UTC)
    start = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    while start > now or start.weekday() >= 5:
        start -= timedelta(days=1)
    t0 = time.perf_counter()
    return lambda: start + timedelta(seconds=time.perf_counter() - t0)


def run_headless(data_dir: Path | None = None, sales: int = 60, seed: int = 7, devices: str = "auto") -> dict[str, Any]:
    """Open the demo store in `data_dir` (new or existing), run `sales` scripted sales, drain, report."""
    clock = ShopClock(sales, not_before=sale_clock_floor(data_dir.resolve() if data_dir else None))
    with open_demo_store(data_dir, devices=devices, clock=clock) as store:
        result = run_sales(store, sales, random.Random(seed), clock)
        result.update(device=store.devices, device_note=store.device_note, data_dir=str(store.data_dir),
                      terminal_id=store.till.keystore.terminal_id)
        return result


def _pan(rng: random.Random, prefix: str = "4761") -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(15 - len(prefix)))
    return body + luhn.calc_check_digit(body)


class Tally:
    def __init__(self) -> None:
        self.approved = self.declined = self.stepped_up = self.offline = self.cbdc = 0
        self.expected_total = 0
        self.latencies: list[float] = []

    def tender(self, out: Outcome) -> Outcome:
        if out.latency_ms is not None:
            self.latencies.append(out.latency_ms)
        if out.result == "declined":
            self.declined += 1
        return out


def run_sales(store: DemoStore, count: int, rng: random.Random, clock: ShopClock) -> dict[str, Any]:
    """The script against an open store whose till runs on `clock`; returns the numbers (see `edgepos demo`)."""
    till, hub = store.till, store.hub
    tally = Tally()
    blocked = CardProfile("blocked", _pan(rng, "4000"))
    lo, hi = (int(count * f) for f in OFFLINE_FRACTION)
    journal_before = till.journal.head()[0]
    terminal_id = till.keystore.terminal_id
    days = (clock.start.date() - timedelta(days=1), datetime.now(UTC).date() + timedelta(days=1))
    before = _settled(hub, terminal_id, days)  # a reopened store's earlier sales are on the hub already
    wallets = store.wallets
    # hard wallets are issued and loaded while the hub is up: during the outage only they take digital currency
    cards = [wallets.new_card() for _ in range(count // len(SCRIPT) * 3 + 3)] if wallets is not None else []
    started = time.perf_counter()
    for i in range(count):
        clock.next_sale()
        if i == lo and hi > lo:
            hub.kill()  # the network is gone: every authorisation is `unavailable`
        if i == hi and hi > lo:
            hub.start()
        kind = SCRIPT[i % len(SCRIPT)]
        if lo <= i < hi and kind in ("cbdc_code", "cbdc_qr"):
            kind = "cbdc_card"  # offline, digital currency is the hard wallet's
        if lo <= i < hi and kind in ("customer_qr", "merchant_qr", "step_up_supervisor", "step_up_pin"):
            kind = "contact"  # offline the script keeps to what a till can take offline
        if kind.startswith("cbdc") and (wallets is None or not cards):
            kind = "cash"
        if kind == "cbdc_card":
            till.checkout.ports.hard_wallet.present(cards.pop())
        scripted_sale(store, tally, kind, rng, blocked)
    if hub.process is None:
        hub.start()
    sell_seconds = time.perf_counter() - started
    released = release_abandoned_holds(till.journal, till.checkout.ports.auth)
    if till.checkout.ports.cbdc is not None:  # digital-currency payments whose answer was lost: given back
        UnansweredPayments(till.journal, till.checkout.ports.cbdc).release()
    rounds = 0
    while till.journal.outbox_stats()[0] and rounds < 50:
        till.uplink.sync_once(pull=False)
        rounds += 1
    pending = sum(1 for r in till.journal.outbox(100_000) if r.type == "sale.completed")
    after = _settled(hub, terminal_id, days)
    settled_count = sum(t["count"] for t in after) - sum(t["count"] for t in before)
    settled_amount = sum(t["sales"] for t in after) - sum(t["sales"] for t in before)
    held = hub.admin("GET", f"/v1/admin/terminals/{terminal_id}")
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
        "journal_records_this_run": journal_records - journal_before,
        "holds_released": released,
        "cbdc_payments": tally.cbdc,
        "balanced": hub.admin("GET", "/v1/admin/trial-balance")["balanced"],
        "p50_ms": percentile(tally.latencies, 0.50),
        "p99_ms": percentile(tally.latencies, 0.99),
        "max_ms": percentile(tally.latencies, 1.0),
        "sales_per_second": round(count / sell_seconds, 1),
    }


def _basket(catalogue: Catalogue, kind: str, rng: random.Random) -> list[tuple[str, int]]:
    """(barcode as the scanner reads it, quantity) for one sale."""
    if kind in BULK:
        sku, quantity = BULK[kind]
        return [(catalogue.by_sku(sku).barcode, quantity)]
    picks = rng.sample(catalogue.products, rng.randint(1, 4))
    return [(p.barcode, rng.randint(1, 3)) for p in picks]


def scripted_sale(store: DemoStore, tally: Tally, kind: str, rng: random.Random, blocked: CardProfile) -> None:
    """One customer: scan the basket by barcode, pay as `kind` says, cash for whatever the card did not pay."""
    till, co, currency = store.till, store.till.checkout, store.catalogue.currency
    co.start_sale()
    for barcode, quantity in _basket(store.catalogue, kind, rng):
        product = store.catalogue.by_barcode(barcode)
        co.add_item(product.sku, product.name, product.price, product.tax_rate, quantity)
    co.checkout()
    assert co.sale is not None
    total = co.sale.total
    card = CardProfile(f"cust-{rng.random()}", _pan(rng))
    outcomes: list[Outcome] = []
    if kind in ("contact", "contactless", "step_up_pin", "step_up_supervisor", "pin_card", "split", "declined",
                "expired"):
        profile: CardProfile | str = {"declined": blocked, "expired": "expired"}.get(kind, card)
        if kind == "pin_card":
            profile = CardProfile(card.name, card.pan, cvm_list=OFFLINE_PIN)
        if kind == "declined" and not till.blacklist.tokens:
            till.blacklist.tokens.add(_token_of(store, blocked))
        store.cards.present(profile, pin="1234", contactless=kind == "contactless")
        amount = Money(max(1, total.amount // 2), currency) if kind == "split" else None
        outcomes.append(tally.tender(co.pay_card(amount, contactless=kind == "contactless")))
    elif kind == "customer_qr":
        outcomes.append(tally.tender(co.pay_customer_qr(f"28{rng.randrange(10**16):016d}")))
    elif kind == "merchant_qr":
        co.show_merchant_qr()
        outcomes.append(tally.tender(co.merchant_qr_paid(f"wallet-{rng.randrange(10**9)}")))
    elif kind == "cbdc_code":
        outcomes.append(tally.tender(co.pay_cbdc_code(store.wallets.code())))
        tally.cbdc += outcomes[-1].ok
    elif kind == "cbdc_qr":
        shown = co.show_cbdc_qr()
        store.wallets.pay_qr(shown.qr_payload or "")  # the customer's wallet pays; the till learns it by long-poll
        outcomes.append(tally.tender(co.wait_cbdc_qr(10)))
        tally.cbdc += outcomes[-1].ok
    elif kind == "cbdc_card":
        outcomes.append(tally.tender(co.pay_cbdc_hard_wallet()))
        tally.cbdc += outcomes[-1].ok
    stepped = False
    while outcomes and outcomes[-1].result == "step_up":  # the customer types the PIN / the supervisor confirms
        stepped = True
        out = co.enter_pin("1234") if co.state is State.STEP_UP_PIN else co.supervisor_approve("S-001", "2468")
        outcomes.append(tally.tender(out))
    tally.stepped_up += stepped
    if co.state is State.TENDER_SELECTION:  # cash pays the rest (or all): rounded up to a note, change given
        due = co.sale.remaining.amount
        outcomes.append(tally.tender(co.pay_cash(Money(-(-due // 1000) * 1000, currency))))
    if co.state is State.RECEIPT_FAILED:
        co.skip_receipt()
    if outcomes and outcomes[-1].result == "completed":
        tally.approved += 1
        tally.expected_total += total.amount
        if any(o.offline for o in outcomes):
            tally.offline += 1
    elif co.state is not State.IDLE:
        co.cancel("scripted sale: could not pay")


def _token_of(store: DemoStore, card: CardProfile) -> str:
    from sync.pan import tokenize_pan

    return tokenize_pan(card.pan, store.till.keystore.token_key()).token


def _settled(hub: HubProcess, terminal_id: str, days: tuple[date, date]) -> list[dict[str, Any]]:
    """The hub's settlement rows of this terminal for each day in `days` (inclusive)."""
    day, last = days
    out = []
    while day <= last:
        out += hub.admin("GET", "/v1/admin/settlement", params={"day": day.isoformat(), "terminal": terminal_id})
        day += timedelta(days=1)
    return out
