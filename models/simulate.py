"""Fraud simulator: a labelled stream of terminal transactions in the `edgepos risk score` JSON-lines format.

Built after the generator of the "Reproducible Machine Learning for Credit Card Fraud Detection" handbook (Le Borgne
et al., ch. 3) and extended with the scenarios a counter terminal sees. Everything is drawn from one seeded
`numpy.random.Generator`, so a (seed, days, mix, sizes) tuple always yields the same stream. See MODEL_CARD.md.

Legitimate traffic: customers and terminals on a 100 x 100 grid; each customer has a mean amount U(5, 100), std
mean/2, Poisson(U(0, 4)) sales a day at terminals within radius 5 of home, time of day N(noon, 20000 s); a payment
instrument (contact/contactless card, customer-presented QR or a CBDC wallet with its device) and habits.
Terminals have a profile (retail, cross_border, b2b); cross-border terminals take some sales in HKD. A share
(`big_ticket`, 0.5 %) of legitimate sales are big purchases, 5-40x the usual amount, which the handbook's
amount rule does not relabel.

Fraud scenarios (expected events a day; `--mix name=factor,...` multiplies them, 0 turns one off):
  amount_outlier        a stolen card spent on one or two big purchases (5-15x its usual amount, at least 220.00) at
                        shops its owner never uses; size alone is no label: legitimate big purchases exist too
  compromised_terminal  terminals whose every sale turns fraudulent for the next 28 days
  compromised_card      cards of which a third of the next 14 days' sales are fraud with the amount x5
  card_testing          a stolen card tried with a burst of tiny key-entered/magstripe amounts, then a big one
  unfamiliar_entry      a card used with an entry mode it never uses (magstripe, manual) for larger amounts
  far_from_home         a cloned card used far (> 40 grid units) from where its owner shops
  wallet_takeover       a CBDC wallet paying offline from a new device, several larger sales within hours
  wallet_offline_burst  a CBDC wallet spending offline at several terminals within minutes (double-spend attempt)
  terminal_cashout      a fraudster-held terminal runs stolen cards from elsewhere in bursts (off by default)
With `drift=True` (`--drift`) the rates and shapes change week by week over 12 weeks (DRIFT below).
Confirmed fraud comes back as feedback lines `{"feedback": {"id", "time", "fraud": true}}` 1-7 days after the sale
(with probability `feedback_rate`), as the hub sends chargebacks and confirmed-fraud reports down.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

import numpy as np

DEFAULT_RATES: dict[str, float] = {
    "amount_outlier": 1.0,
    "compromised_terminal": 2.0,
    "compromised_card": 3.0,
    "card_testing": 2.0,
    "unfamiliar_entry": 3.0,
    "far_from_home": 3.0,
    "wallet_takeover": 1.5,
    "wallet_offline_burst": 1.5,
    "terminal_cashout": 0.0,  # off unless a mix or the weekly drift turns it on
}
# Weekly drift (`Config.drift`): week -> scenario -> (factor on the rate, shape). Scenarios appear, fade and change
# shape over 12 weeks (later weeks repeat the last one). Shapes: card_testing "keyed" (tiny key-entered amounts) or
# "tap" (5-20.00 contactless, then a big chip-less sale); far_from_home "far" (> 40 grid units) or "near" (15-40);
# compromised_terminal stays the handbook's "skim" (the terminal's own customers' sales turn fraudulent; nothing is
# visible before feedback) while terminal_cashout appears in week 4 and takes over part of it: a fraudster-held
# terminal runs stolen cards from elsewhere (new to it, half key-entered) in bursts over 3-14 days.
DRIFT: tuple[dict[str, tuple[float, str]], ...] = tuple(
    {"card_testing": (ct, cts), "far_from_home": (ff, ffs), "compromised_terminal": (cm, "skim"),
     "terminal_cashout": (co, ""), "wallet_takeover": (wt, ""), "unfamiliar_entry": (ue, ""),
     "wallet_offline_burst": (wb, ""), "compromised_card": (cc, "")}
    for ct, cts, ff, ffs, cm, co, wt, ue, wb, cc in (
        (1.0, "keyed", 1.0, "far", 1.0, 0.0, 0.0, 1.0, 1.0, 1.0),
        (1.0, "keyed", 1.0, "far", 1.0, 0.0, 0.0, 1.0, 1.0, 1.0),
        (1.5, "keyed", 1.0, "far", 1.0, 0.0, 0.5, 1.0, 1.0, 1.0),
        (0.7, "keyed", 1.0, "near", 0.7, 1.0, 1.0, 1.0, 1.0, 1.0),
        (0.4, "keyed", 1.5, "near", 0.5, 2.0, 1.5, 0.7, 1.0, 1.0),
        (0.2, "tap", 1.5, "near", 0.5, 2.0, 2.0, 0.5, 1.5, 1.0),
        (1.0, "tap", 1.0, "near", 0.5, 2.5, 2.0, 0.3, 1.5, 1.5),
        (1.5, "tap", 1.0, "far", 0.3, 3.0, 1.5, 0.2, 2.0, 1.5),
        (2.0, "tap", 0.5, "far", 0.3, 2.0, 1.0, 0.2, 2.0, 2.0),
        (1.5, "tap", 0.5, "near", 0.5, 1.5, 1.0, 0.5, 1.0, 2.0),
        (1.0, "keyed", 1.0, "near", 1.0, 1.0, 1.0, 1.0, 0.5, 1.5),
        (1.0, "keyed", 1.5, "near", 1.0, 1.0, 2.0, 1.5, 0.5, 1.0),
    ))
OUTLIER_THRESHOLD = 220.0
GRID = 100.0
HKD_PER_CNY = 1.08


@dataclass(frozen=True)
class Config:
    seed: int = 0
    days: int = 30
    customers: int = 2000
    terminals: int = 1000
    start: datetime = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
    mix: dict[str, float] = field(default_factory=dict)  # scenario -> factor on its default rate
    feedback_rate: float = 0.95
    feedback_delay_days: tuple[float, float] = (1.0, 7.0)
    drift: bool = False  # weekly drift of the scenarios (DRIFT); off: the same mix and shapes every day
    drift_from_day: int = 0  # the drift's week 1 starts on this day (before it: week 1's mix)
    reissue: bool = False  # a card confirmed as defrauded is replaced by a new token for the customer's later sales
    big_ticket: float = 0.005  # share of legitimate sales that are big purchases (5-40x the usual amount)
    opening: float = 0.0  # share of terminals (new tills and new shops) that open on a day during the stream
    joining: float = 0.0  # share of customers whose card is first used on a day during the stream
    busy: float = 0.0  # share of terminals in busy shops (25 times the pull on the customers living near them)

    def rate(self, scenario: str, day: int = 0) -> float:
        base = DEFAULT_RATES[scenario]
        if self.drift:
            factor, _shape = self.week(day).get(scenario, (1.0, ""))
            if scenario == "terminal_cashout":
                base = DEFAULT_RATES["compromised_terminal"] / 2  # it takes over from the skimmed terminals
            base *= factor
        return base * self.mix.get(scenario, 1.0)

    def shape(self, scenario: str, day: int) -> str:
        default = {"card_testing": "keyed", "far_from_home": "far"}.get(scenario, "")
        return self.week(day).get(scenario, (1.0, default))[1] if self.drift else default

    def week(self, day: int) -> dict[str, tuple[float, str]]:
        return DRIFT[min(max(0, day - self.drift_from_day) // 7, len(DRIFT) - 1)]


def parse_mix(text: str | None) -> dict[str, float]:
    """`card_testing=2,compromised_terminal=0` -> factors; raises ValueError on an unknown scenario or bad number."""
    mix: dict[str, float] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in DEFAULT_RATES:
            raise ValueError(f"unknown scenario {name!r}; known: {', '.join(DEFAULT_RATES)}")
        factor = float(value)
        if not factor >= 0 or factor == float("inf"):
            raise ValueError(f"factor for {name} must be a finite number >= 0")
        mix[name] = factor
    return mix


def _time_text(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class _World:
    def __init__(self, cfg: Config, rng: np.random.Generator) -> None:
        n, m = cfg.customers, cfg.terminals
        self.cxy = rng.uniform(0, GRID, (n, 2))
        self.mean = rng.uniform(5, 100, n)
        self.std = self.mean / 2
        self.rate = rng.uniform(0, 4, n)
        self.token = [f"tk_{rng.bytes(16).hex()}" for _ in range(n)]
        kind = rng.choice(4, n, p=[0.45, 0.30, 0.13, 0.12])  # contactless-first, chip-first, QR, CBDC wallet
        self.kind = kind
        self.device = [f"dev_{rng.bytes(8).hex()}" if k == 3 else None for k in kind]
        self.txy = rng.uniform(0, GRID, (m, 2))
        self.tid = [f"T{i:05d}" for i in range(m)]
        self.profile = rng.choice(np.array(["retail", "cross_border", "b2b"]), m, p=[0.8, 0.1, 0.1])
        self.near: list[np.ndarray] = []
        for i in range(n):
            d = np.hypot(*(self.txy - self.cxy[i]).T)
            idx = np.flatnonzero(d < 5)
            self.near.append(idx if len(idx) else np.argsort(d)[:3])

    def instrument(self, rng: np.random.Generator, c: int) -> tuple[str, str, str | None]:
        """(entry_mode, tender, device_id) the customer normally pays with."""
        k = self.kind[c]
        if k <= 1 and rng.random() < 0.02:  # chip fallback to magstripe, or a key-entered sale: rare but legitimate
            return ("magstripe", "card_contact", None) if rng.random() < 0.7 else ("manual", "card_contact", None)
        if k == 0:
            return ("contactless", "card_contactless", None) if rng.random() < 0.85 else ("chip", "card_contact", None)
        if k == 1:
            return ("chip", "card_contact", None) if rng.random() < 0.85 else ("contactless", "card_contactless", None)
        if k == 2:
            return "qr", "qr_customer", None
        return ("wallet_online" if rng.random() < 0.8 else "wallet_offline"), "cbdc_wallet", self.device[c]

    def far_terminal(self, rng: np.random.Generator, c: int, lo: float = 40, hi: float = 1e9) -> int:
        d = np.hypot(*(self.txy - self.cxy[c]).T)
        far = np.flatnonzero((d > lo) & (d <= hi))
        return int(rng.choice(far)) if len(far) else int(np.argmax(d))


def _amount(rng: np.random.Generator, w: _World, c: int) -> float:
    a = rng.normal(w.mean[c], w.std[c])
    return float(rng.uniform(0, 2 * w.mean[c])) if a < 0 else float(a)


def _day_seconds(rng: np.random.Generator) -> float:
    while True:
        s = rng.normal(43200, 20000)
        if 0 <= s < 86400:
            return float(s)


def generate(cfg: Config) -> list[dict[str, Any]]:
    """The whole labelled stream (transactions and feedback lines), in time order."""
    rng = np.random.default_rng(cfg.seed)
    w = _World(cfg, rng)
    txs: list[dict[str, Any]] = []  # internal: t (seconds from start), c, term, amount, entry, tender, device, scen

    def add(t: float, c: int, term: int, amount: float, entry: str, tender: str, device: str | None,
            scenario: str | None) -> None:
        txs.append({"t": t, "c": c, "term": term, "amount": amount, "entry": entry, "tender": tender,
                    "device": device, "scenario": scenario})

    # cold start: some terminals open and some cards are first used during the stream (own generator, so the rest
    # of a seed's world is drawn the same); before it opens, a terminal's customers shop at their other near ones
    cold = np.random.default_rng([cfg.seed, 2026])
    opens = np.where(cold.random(len(w.tid)) < cfg.opening, cold.integers(1, max(2, cfg.days), len(w.tid)), 0)
    joins = np.where(cold.random(len(w.token)) < cfg.joining, cold.integers(1, max(2, cfg.days), len(w.token)), 0)
    # busy shops: a few terminals draw most of their neighbours' custom, so legitimate tills also see many
    # different cards an hour (else many cards in an hour would only ever be fraud)
    pull = np.where(cold.random(len(w.tid)) < cfg.busy, 25.0, 1.0)
    near_cum = [np.cumsum(pull[idx]) / pull[idx].sum() for idx in w.near] if cfg.busy else []
    for day in range(cfg.days):
        counts = rng.poisson(w.rate)
        for c in np.flatnonzero(counts):
            for _ in range(counts[c]):
                entry, tender, device = w.instrument(rng, c)
                t = day * 86400 + _day_seconds(rng)  # the draws in the order they always had
                if cfg.busy:
                    term = int(w.near[c][min(int(np.searchsorted(near_cum[c], rng.random())), len(w.near[c]) - 1)])
                else:  # the draw as before, so streams without busy shops stay the same bytes
                    term = int(rng.choice(w.near[c]))
                if opens[term] > day or joins[c] > day:
                    open_near = [int(i) for i in w.near[c] if opens[i] <= day]
                    if joins[c] > day or not open_near:
                        continue
                    term = open_near[int(cold.integers(len(open_near)))]
                add(t, int(c), term, _amount(rng, w, c), entry, tender, device, None)

    # fraud that turns legitimate-looking sales fraudulent
    day_of = [int(tx["t"] // 86400) for tx in txs]
    if cfg.big_ticket > 0:  # legitimate big purchases (a phone, a suit): 5-40x the customer's usual amount
        big = np.random.default_rng([cfg.seed, 17])  # its own stream: the rest of the world stays as it was
        for tx in txs:
            if tx["scenario"] is None and big.random() < cfg.big_ticket:
                tx["amount"] *= float(big.uniform(5, 40))
    comp_term: dict[int, list[tuple[int, int]]] = {}
    comp_card: dict[int, list[tuple[int, int]]] = {}
    for day in range(cfg.days):
        for term in rng.choice(len(w.tid), rng.poisson(cfg.rate("compromised_terminal", day))):
            comp_term.setdefault(int(term), []).append((day, day + 28))
        for c in rng.choice(len(w.token), rng.poisson(cfg.rate("compromised_card", day))):
            comp_card.setdefault(int(c), []).append((day, day + 14))
    for tx, day in zip(txs, day_of, strict=True):
        if tx["scenario"]:
            continue
        if any(a <= day < b for a, b in comp_term.get(tx["term"], ())):
            tx["scenario"] = "compromised_terminal"
        elif any(a < day < b for a, b in comp_card.get(tx["c"], ())) and rng.random() < 1 / 3:
            tx["scenario"] = "compromised_card"
            tx["amount"] *= 5

    # injected fraudulent sales
    n_cust = len(w.token)
    card_holders = np.flatnonzero(w.kind <= 1)
    wallets = np.flatnonzero(w.kind == 3)
    for day in range(cfg.days):
        base = day * 86400
        tap = cfg.shape("card_testing", day) == "tap"
        for _ in range(rng.poisson(cfg.rate("card_testing", day))):
            c = int(rng.choice(card_holders))
            terms = [w.far_terminal(rng, c) if rng.random() < 0.5 else int(rng.integers(len(w.tid)))
                     for _ in range(int(rng.integers(1, 3)))]
            t = base + rng.uniform(0, 86000)
            entry = "manual" if rng.random() < 0.6 else "magstripe"
            for _ in range(int(rng.integers(4, 13) if not tap else rng.integers(3, 8))):
                if tap:
                    add(t, c, int(rng.choice(terms)), float(rng.uniform(5.0, 20.0)), "contactless",
                        "card_contactless", None, "card_testing")
                    t += rng.uniform(60, 600)
                else:
                    add(t, c, int(rng.choice(terms)), float(rng.uniform(0.5, 3.0)), entry, "card_contact", None,
                        "card_testing")
                    t += rng.uniform(5, 90)
            add(t + rng.uniform(60, 1800), c, int(rng.choice(terms)), float(rng.uniform(150, 600)),
                "chip" if tap else entry, "card_contact", None, "card_testing")
        for _ in range(rng.poisson(cfg.rate("terminal_cashout", day))):
            term = int(rng.integers(len(w.tid)))  # a fraudster-held terminal: stolen cards from elsewhere, in bursts
            opens[term] = min(opens[term], day)  # often a till opened for the purpose
            for burst_day in range(day, min(cfg.days, day + int(rng.integers(3, 15)))):
                if rng.random() < 0.4:
                    continue
                t = burst_day * 86400 + _day_seconds(rng)
                for _ in range(int(rng.integers(3, 11))):
                    c = int(rng.choice(card_holders))
                    keyed = rng.random() < 0.5
                    entry, tender = (("manual" if rng.random() < 0.5 else "magstripe"), "card_contact") if keyed \
                        else w.instrument(rng, c)[:2]
                    add(t, c, term, float(w.mean[c] * rng.uniform(1, 4)), entry, tender, None, "terminal_cashout")
                    t += rng.uniform(20, 900)
        for _ in range(rng.poisson(cfg.rate("amount_outlier", day))):
            c = int(rng.choice(card_holders))  # a stolen card: big purchases where its owner does not shop
            term = w.far_terminal(rng, c, 8, 40)
            t = base + _day_seconds(rng)
            for _ in range(int(rng.integers(1, 3))):
                entry, tender, _dev = w.instrument(rng, c)
                add(t, c, term, max(OUTLIER_THRESHOLD, w.mean[c] * rng.uniform(5, 15)), entry, tender, None,
                    "amount_outlier")
                t += rng.uniform(300, 5400)
        for _ in range(rng.poisson(cfg.rate("unfamiliar_entry", day))):
            c = int(rng.choice(card_holders))
            entry = "manual" if rng.random() < 0.5 else "magstripe"
            t = base + _day_seconds(rng)
            for _ in range(int(rng.integers(1, 4))):
                add(t, c, int(rng.choice(w.near[c])), w.mean[c] * rng.uniform(2, 6), entry, "card_contact", None,
                    "unfamiliar_entry")
                t += rng.uniform(300, 7200)
        near = cfg.shape("far_from_home", day) == "near"
        for _ in range(rng.poisson(cfg.rate("far_from_home", day))):
            c = int(rng.integers(n_cust))
            if w.kind[c] > 1:
                continue
            term = w.far_terminal(rng, c, 15, 40) if near else w.far_terminal(rng, c)
            t = base + _day_seconds(rng)
            for _ in range(int(rng.integers(1, 5))):
                entry, tender, _dev = w.instrument(rng, c)
                add(t, c, term, w.mean[c] * rng.uniform(1.5, 5), entry, tender, None, "far_from_home")
                t += rng.uniform(600, 10800)
        if len(wallets):
            for _ in range(rng.poisson(cfg.rate("wallet_takeover", day))):
                c = int(rng.choice(wallets))
                device = f"dev_{rng.bytes(8).hex()}"
                t = base + _day_seconds(rng)
                for _ in range(int(rng.integers(2, 6))):
                    add(t, c, int(rng.choice(w.near[c])) if rng.random() < 0.5 else int(rng.integers(len(w.tid))),
                        w.mean[c] * rng.uniform(2, 6), "wallet_offline", "cbdc_wallet", device, "wallet_takeover")
                    t += rng.uniform(120, 3600)
            for _ in range(rng.poisson(cfg.rate("wallet_offline_burst", day))):
                c = int(rng.choice(wallets))
                t = base + _day_seconds(rng)
                for _ in range(int(rng.integers(4, 9))):
                    add(t, c, int(rng.integers(len(w.tid))), w.mean[c] * rng.uniform(1, 3), "wallet_offline",
                        "cbdc_wallet", w.device[c], "wallet_offline_burst")
                    t += rng.uniform(30, 300)

    horizon = cfg.days * 86400
    txs = [tx for tx in txs if tx["t"] < horizon]
    open_ids = np.flatnonzero(opens == 0)
    open_ids = open_ids if len(open_ids) else np.arange(len(w.tid))
    for tx in txs:  # fraud injected at a terminal before it opened goes to one that was open
        if opens[tx["term"]] > tx["t"] // 86400:
            tx["term"] = int(open_ids[int(cold.integers(len(open_ids)))])
    txs.sort(key=lambda tx: (tx["t"], tx["c"], tx["term"]))
    out: list[tuple[float, int, dict[str, Any]]] = []
    lo, hi = cfg.feedback_delay_days
    for n, tx in enumerate(txs):
        when = cfg.start + timedelta(seconds=int(tx["t"]))
        term = tx["term"]
        profile = str(w.profile[term])
        amount = round(tx["amount"] * 100)
        currency = "CNY"
        if profile == "cross_border" and rng.random() < 0.3:
            currency, amount = "HKD", round(tx["amount"] * HKD_PER_CNY * 100)
        x, y = w.txy[term]
        tx_id = f"tx{n:08d}"
        line: dict[str, Any] = {
            "id": tx_id, "time": _time_text(when), "amount_minor": max(1, int(amount)), "currency": currency,
            "card_token": w.token[tx["c"]], "terminal_id": w.tid[term], "entry_mode": tx["entry"],
            "tender": tx["tender"], "profile": profile, "lat": round(30 + y / 100, 5), "lon": round(120 + x / 100, 5),
            "region": f"R{int(x // 25)}{int(y // 25)}", "label": {"fraud": bool(tx["scenario"]),
                                                                    "scenario": tx["scenario"]}}
        if tx["device"]:
            line["device_id"] = tx["device"]
        out.append((int(tx["t"]), 1, line))
        if tx["scenario"] and rng.random() < cfg.feedback_rate:
            ft = int(tx["t"] + rng.uniform(lo, hi) * 86400)
            if ft < horizon:
                fb = {"feedback": {"id": tx_id, "time": _time_text(cfg.start + timedelta(seconds=ft)), "fraud": True}}
                out.append((ft, 0, fb))
    out.sort(key=lambda item: (item[0], item[1]))
    lines = [line for _t, _k, line in out]
    return _reissue(lines) if cfg.reissue else lines


def _reissue(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Once fraud on a card is confirmed, the issuer blocks it and the customer gets a new card (a new token) for
    later sales; fraudsters holding the old card's data keep trying it (and the blacklist stops them)."""
    sale: dict[str, tuple[str, str]] = {}  # sale id -> (customer: the first token, the token it used)
    current: dict[str, str] = {}  # customer -> the token in use now
    issued: dict[str, int] = {}
    own = {None, "compromised_terminal"}  # sales the customer makes themself
    for line in lines:
        if "feedback" in line:
            customer, token = sale.get(line["feedback"]["id"], (None, None))
            if customer is not None and token == current.get(customer, customer):
                n = issued[customer] = issued.get(customer, 0) + 1
                current[customer] = "tk_" + hashlib.sha256(f"{customer}/{n}".encode()).hexdigest()[:32]
            continue
        customer = line["card_token"]
        if line["label"]["scenario"] in own and customer in current:
            line["card_token"] = current[customer]
        sale[line["id"]] = (customer, line["card_token"])
    return lines


def write_stream(cfg: Config, stream: TextIO = sys.stdout) -> int:
    lines = generate(cfg)
    for line in lines:
        stream.write(json.dumps(line, separators=(",", ":")) + "\n")
    return len(lines)


def iter_transactions(lines: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    return (line for line in lines if "feedback" not in line)
