"""Features of one sale, computed from the stream seen so far: the one function both training and scoring use.

`FeatureState.observe(tx)` returns the feature vector of `tx` from the state *before* it, then adds `tx` to the
state; `FeatureState.feedback(tx_id, t, fraud)` applies a confirmed-fraud report (blacklists the token, raises the
terminal's risk). Training replays a simulated stream through a memory-only state; the terminal and `edgepos risk score`
use the same class backed by SQLite. Because every window is a function of the last 30 days of events, and every
sum is an integer, the in-memory aggregates equal the ones rebuilt from SQLite after a restart, bit for bit.

Speed: each entity (card/wallet token, terminal) keeps its 30-day event list in memory with one head pointer and
running integer count/sum per window (1 h, 1 d, 7 d, 30 d), so a decision is O(1) amortised; the SQLite store is
written through in the same call (one insert per table, one commit) and read only on a cache miss.
"""

from __future__ import annotations

import bisect
import math
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sync.sqlite_tx import create_private, transaction

HOUR, DAY = 3600, 86400
WINDOWS = (HOUR, DAY, 7 * DAY, 30 * DAY)
FB_WINDOWS = (7 * DAY, 30 * DAY)
SMALL_MINOR = 500  # "tiny" amounts for card testing: below 5.00
HOME_CURRENCY = "CNY"
ENTRY_MODES = ("chip", "contactless", "magstripe", "manual", "qr", "wallet_online", "wallet_offline")
TENDERS = ("cash", "card_contact", "card_contactless", "qr_customer", "qr_merchant", "cbdc_wallet")
PROFILES = ("retail", "cross_border", "b2b")
REQUIRED = ("id", "time", "amount_minor", "currency", "card_token", "terminal_id", "entry_mode", "tender")

FEATURES = (
    "amount", "log_amount", "hour", "is_night", "is_weekend", "entry_mode", "tender", "profile", "foreign_currency",
    "card_cnt_1h", "card_cnt_1d", "card_cnt_7d", "card_cnt_30d", "card_sum_1h", "card_mean_1d", "card_mean_7d",
    "card_mean_30d", "card_amount_ratio_30d", "card_small_1h", "card_log_secs_since_last", "card_entry_share_30d",
    "card_device_new", "card_dist_from_home", "card_region_share_30d", "card_terminals_1d",
    "term_cnt_1h", "term_cnt_1d", "term_cnt_7d", "term_cnt_30d", "term_mean_30d", "term_amount_ratio_30d",
    "term_fraud_7d", "term_fraud_30d", "term_risk_30d",
    # terminal-level and cross-card signals (v2)
    "card_new_at_term", "term_new_share_1d", "term_new_share_7d", "term_keyed_share_1d", "term_keyed_share_30d",
    "term_entry_share_30d", "term_cards_1h", "term_small_1h", "term_fb_cards_7d", "term_fb_share_7d",
    "term_log_secs_since_fb_sale", "term_log_secs_since_fb", "term_fb_share_mature", "term_fb_run_share",
    # decline bursts (v3): attempts at this terminal by cards the till refused as reported (a skimmed terminal's
    # customers come back with their blocked cards; a cash-out terminal retries stolen ones)
    "term_blocked_1h", "term_blocked_1d", "term_blocked_share_7d", "term_blocked_share_30d",
    # cross-card: share of the cards seen here in 30 days that were reported for a sale here (a point of compromise)
    "term_fb_card_share_30d",
)
KEYED = frozenset({"manual", "magstripe"})
CARD_CNT_1H, CARD_CNT_1D = FEATURES.index("card_cnt_1h"), FEATURES.index("card_cnt_1d")  # what the velocity rules read


class InputError(ValueError):
    """A transaction or feedback line that cannot be used (missing field, wrong type, naive time)."""


@dataclass(frozen=True, slots=True)
class Tx:
    id: str
    t: int  # seconds since the epoch, UTC
    amount_minor: int
    currency: str
    card: str
    terminal: str
    entry_mode: str
    tender: str
    profile: str
    device: str | None
    lat_u: int | None  # micro-degrees (integers keep sums exact)
    lon_u: int | None
    region: str | None


def parse_time(value: Any) -> int:
    if not isinstance(value, str):
        raise InputError("time must be an ISO 8601 string")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"time {value[:40]!r} is not ISO 8601") from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise InputError("time must carry a UTC offset (e.g. 2026-01-05T10:00:00Z)")
    return math.floor(when.timestamp())


def _text(obj: dict[str, Any], key: str, required: bool = True, limit: int = 128) -> str | None:
    value = obj.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > limit:
        raise InputError(f"{key} must be a non-empty string of at most {limit} characters")
    return value


def parse_tx(obj: Any, default_profile: str = "retail") -> Tx:
    """Validate one transaction object (a JSON line) into a Tx; raises InputError with a readable message."""
    if not isinstance(obj, dict):
        raise InputError("a line must be a JSON object")
    missing = [k for k in REQUIRED if k not in obj]
    if missing:
        raise InputError(f"missing field(s): {', '.join(missing)}")
    amount = obj["amount_minor"]
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount < 10**15:
        raise InputError("amount_minor must be a positive integer (minor units)")
    currency = _text(obj, "currency", limit=3)
    if currency is None or len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise InputError("currency must be an ISO 4217 code like CNY")
    tender = _text(obj, "tender")
    if tender not in TENDERS:
        raise InputError(f"tender must be one of {', '.join(TENDERS)}")
    profile = obj.get("profile") or default_profile
    if profile not in PROFILES:
        raise InputError(f"profile must be one of {', '.join(PROFILES)}")
    lat, lon = obj.get("lat"), obj.get("lon")
    lat_u = lon_u = None
    if lat is not None or lon is not None:
        ok = all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (lat, lon))
        if not ok or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InputError("lat/lon must both be numbers in range")
        lat_u, lon_u = round(lat * 1e6), round(lon * 1e6)
    return Tx(str(_text(obj, "id")), parse_time(obj["time"]), amount, currency, str(_text(obj, "card_token")),
              str(_text(obj, "terminal_id")), str(_text(obj, "entry_mode", limit=32)), tender, profile,
              _text(obj, "device_id", required=False), lat_u, lon_u, _text(obj, "region", required=False, limit=32))


def parse_feedback(obj: Any) -> tuple[str, int, bool]:
    fb = obj.get("feedback") if isinstance(obj, dict) else None
    if not isinstance(fb, dict) or not isinstance(fb.get("fraud"), bool):
        raise InputError('feedback must be {"feedback": {"id": ..., "time": ..., "fraud": true|false}}')
    return str(_text(fb, "id")), parse_time(fb.get("time")), fb["fraud"]


class _Windows:
    """Events of one entity over the last 30 days with running count/sum per window (amortised O(1))."""

    __slots__ = ("counts", "events", "heads", "sums")

    def __init__(self) -> None:
        self.events: list[tuple] = []  # (t, amount_minor, extra...)
        self.heads = [0, 0, 0, 0]
        self.counts = [0, 0, 0, 0]
        self.sums = [0, 0, 0, 0]

    def advance(self, t: int, on_expire: Any = None) -> None:
        ev, n = self.events, len(self.events)
        for i, w in enumerate(WINDOWS):
            h, limit = self.heads[i], t - w
            while h < n and ev[h][0] <= limit:
                self.counts[i] -= 1
                self.sums[i] -= ev[h][1]
                if on_expire is not None and i == 3:
                    on_expire(ev[h])
                h += 1
            self.heads[i] = h
        if self.heads[3] > 256 and self.heads[3] * 2 > n:
            cut = self.heads[3]
            del ev[:cut]
            self.heads = [h - cut for h in self.heads]

    def add(self, event: tuple) -> None:
        self.events.append(event)
        amount = event[1]
        for i in range(4):
            self.counts[i] += 1
            self.sums[i] += amount


class _Card:
    __slots__ = ("devices", "entries", "lat", "loc_n", "lon", "regions", "win")

    def __init__(self) -> None:
        self.win = _Windows()  # events: (t, amount, terminal, entry, device, lat_u, lon_u, region)
        self.entries: dict[str, int] = {}
        self.devices: dict[str, int] = {}
        self.regions: dict[str, int] = {}
        self.lat = self.lon = self.loc_n = 0

    def expire(self, ev: tuple) -> None:
        _dec(self.entries, ev[3])
        if ev[4] is not None:
            _dec(self.devices, ev[4])
        if ev[5] is not None:
            self.lat -= ev[5]
            self.lon -= ev[6]
            self.loc_n -= 1
        if ev[7] is not None:
            _dec(self.regions, ev[7])

    def add(self, ev: tuple) -> None:
        self.win.add(ev)
        self.entries[ev[3]] = self.entries.get(ev[3], 0) + 1
        if ev[4] is not None:
            self.devices[ev[4]] = self.devices.get(ev[4], 0) + 1
        if ev[5] is not None:
            self.lat += ev[5]
            self.lon += ev[6]
            self.loc_n += 1
        if ev[7] is not None:
            self.regions[ev[7]] = self.regions.get(ev[7], 0) + 1


class _Terminal:
    """A terminal's 30-day events (t, amount, card, entry, new_card, blocked) with running counts of sales by cards
    new to it, of key-entered sales and of attempts by reported cards per window, its cards and entry modes, and the
    confirmed-fraud feedback it got."""

    __slots__ = ("blocked", "cards", "entries", "fb", "keyed", "new", "win")

    def __init__(self) -> None:
        self.win = _Windows()  # events: (t, amount, card, entry, new_card 0/1, blocked 0/1)
        self.new = [0, 0, 0, 0]
        self.keyed = [0, 0, 0, 0]
        self.blocked = [0, 0, 0, 0]
        self.cards: dict[str, int] = {}
        self.entries: dict[str, int] = {}
        self.fb: list[tuple[int, int, str]] = []  # (feedback time, sale time, card), kept 30 days of feedback time

    def advance(self, t: int) -> None:
        win, ev, n = self.win, self.win.events, len(self.win.events)
        for i, w in enumerate(WINDOWS):  # flag counts first: win.advance moves the heads
            h, limit = win.heads[i], t - w
            while h < n and ev[h][0] <= limit:
                e = ev[h]
                self.new[i] -= e[4]
                self.blocked[i] -= e[5]
                if e[3] in KEYED:
                    self.keyed[i] -= 1
                if i == 3:
                    _dec(self.cards, e[2])
                    _dec(self.entries, e[3])
                h += 1
        win.advance(t)

    def add(self, ev: tuple) -> None:
        self.win.add(ev)
        keyed = ev[3] in KEYED
        for i in range(4):
            self.new[i] += ev[4]
            self.blocked[i] += ev[5]
            self.keyed[i] += keyed
        self.cards[ev[2]] = self.cards.get(ev[2], 0) + 1
        self.entries[ev[3]] = self.entries.get(ev[3], 0) + 1


def _dec(d: dict[str, int], key: str) -> None:
    left = d[key] - 1
    if left:
        d[key] = left
    else:
        del d[key]


SCHEMA = """
CREATE TABLE IF NOT EXISTS card_event (card TEXT NOT NULL, t INTEGER NOT NULL, amount INTEGER NOT NULL,
    terminal TEXT NOT NULL, entry TEXT NOT NULL, device TEXT, lat INTEGER, lon INTEGER, region TEXT);
CREATE INDEX IF NOT EXISTS card_event_idx ON card_event (card, t);
CREATE TABLE IF NOT EXISTS term_event (terminal TEXT NOT NULL, t INTEGER NOT NULL, amount INTEGER NOT NULL,
    card TEXT NOT NULL DEFAULT '', entry TEXT NOT NULL DEFAULT '', new INTEGER NOT NULL DEFAULT 0,
    blocked INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS term_event_idx ON term_event (terminal, t);
CREATE TABLE IF NOT EXISTS term_fraud (id TEXT PRIMARY KEY, terminal TEXT NOT NULL, t INTEGER NOT NULL,
    sale_t INTEGER NOT NULL DEFAULT 0, card TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS term_fraud_idx ON term_fraud (terminal, t);
CREATE TABLE IF NOT EXISTS tx (id TEXT PRIMARY KEY, card TEXT NOT NULL, terminal TEXT NOT NULL, t INTEGER NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blacklist (token TEXT PRIMARY KEY, t INTEGER NOT NULL, reason TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""
APPLICATION_ID = 0x45505231  # "EPR1"


class FeatureState:
    """Rolling per-card and per-terminal state. `path=None`: memory only (training); else SQLite (WAL)."""

    def __init__(self, path: str | Path | None = None, cache_size: int = 200_000) -> None:
        self.cards: OrderedDict[str, _Card] = OrderedDict()
        self.terms: OrderedDict[str, _Terminal] = OrderedDict()
        self.blacklist: dict[str, int] = {}
        self.txs: dict[str, tuple[str, str, int]] = {}
        self.fraud_ids: set[str] = set()  # memory mode: feedback already counted (a repeated report counts once)
        self.cache_size = cache_size
        self.db: sqlite3.Connection | None = None
        self._pruned_at: int | None = None
        if path is not None:
            create_private(path)  # card velocity per token: owner only, like the journal
            self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            app_id = self.db.execute("PRAGMA application_id").fetchone()[0]
            tables = self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables):
                self.db.close()
                raise InputError(f"{path}: not an edgepos risk state file")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
            _add_columns(self.db)
            self.db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            self.blacklist = dict(self.db.execute("SELECT token, t FROM blacklist"))

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    # --- entity loading (cache miss -> SQLite) ---------------------------------------------------------------

    def _card(self, token: str, t: int) -> _Card:
        card = self.cards.get(token)
        if card is not None:
            self.cards.move_to_end(token)
            return card
        card = _Card()
        if self.db is not None:
            rows = self.db.execute("SELECT t, amount, terminal, entry, device, lat, lon, region FROM card_event "
                                   "WHERE card = ? AND t > ? ORDER BY rowid", (token, t - WINDOWS[3]))
            for row in rows:
                card.add(tuple(row))
        self.cards[token] = card
        if self.db is not None and len(self.cards) > self.cache_size:
            self.cards.popitem(last=False)
        return card

    def _terminal(self, terminal_id: str, t: int) -> _Terminal:
        term = self.terms.get(terminal_id)
        if term is not None:
            self.terms.move_to_end(terminal_id)
            return term
        term = _Terminal()
        if self.db is not None:
            for row in self.db.execute("SELECT t, amount, card, entry, new, blocked FROM term_event WHERE terminal = ? "
                                       "AND t > ? ORDER BY rowid", (terminal_id, t - WINDOWS[3])):
                term.add(tuple(row))
            term.fb = [tuple(r) for r in self.db.execute(
                "SELECT t, sale_t, card FROM term_fraud WHERE terminal = ? AND t > ? ORDER BY rowid",
                (terminal_id, t - WINDOWS[3]))]
        self.terms[terminal_id] = term
        if self.db is not None and len(self.terms) > self.cache_size:
            self.terms.popitem(last=False)
        return term

    # --- the feature function ----------------------------------------------------------------------------------

    def observe(self, tx: Tx, blocked: bool = False) -> list[float]:
        """Features of `tx` from everything before it; then `tx` joins the state (written through to SQLite).
        `blocked`: the till refuses the card as reported (blacklisted), known before the sale is scored."""
        t = tx.t
        card = self._card(tx.card, t)
        term = self._terminal(tx.terminal, t)
        cw, tw = card.win, term.win
        cw.advance(t, card.expire)
        term.advance(t)
        while term.fb and term.fb[0][0] <= t - FB_WINDOWS[1]:
            term.fb.pop(0)
        amount = tx.amount_minor / 100.0
        sod = t % DAY
        weekday = (t // DAY + 3) % 7  # 1970-01-01 was a Thursday; 5, 6 = Saturday, Sunday
        cc, cs = cw.counts, cw.sums
        ev = cw.events
        n1h = len(ev) - cw.heads[0]
        small = sum(1 for e in ev[cw.heads[0]:] if e[1] < SMALL_MINOR) if n1h else 0
        terminals_1d = len({e[2] for e in ev[cw.heads[1]:]}) if cc[1] else 0
        mean30 = cs[3] / cc[3] / 100.0 if cc[3] else -1.0
        if tx.lat_u is not None and card.loc_n:
            dlat = (tx.lat_u - card.lat / card.loc_n) / 1e6
            dlon = (tx.lon_u - card.lon / card.loc_n) / 1e6
            dist = math.hypot(dlat, dlon * 0.87) * 111.0  # km, flat-earth approximation is plenty here
        else:
            dist = -1.0
        device_new = -1.0 if tx.device is None else (0.0 if tx.device in card.devices else 1.0)
        tc, ts = tw.counts, tw.sums
        tmean30 = ts[3] / tc[3] / 100.0 if tc[3] else -1.0
        fb30 = len(term.fb)
        fb7 = sum(1 for f in term.fb if f[0] > t - FB_WINDOWS[0])
        tev = tw.events
        new_card = 0 if tx.card in term.cards else 1
        term_cards_1h = len({e[2] for e in tev[tw.heads[0]:]}) if tc[0] else 0
        term_small_1h = sum(1 for e in tev[tw.heads[0]:] if e[1] < SMALL_MINOR) if tc[0] else 0
        fb_cards_7d = len({f[2] for f in term.fb if f[0] > t - FB_WINDOWS[0]}) if fb30 else 0
        fb_sales_7d = sum(1 for f in term.fb if f[1] > t - FB_WINDOWS[0]) if fb30 else 0
        last_fb_sale = max(f[1] for f in term.fb) if fb30 else None
        # sales 1-7 days old have mostly been reported if the terminal is compromised; and since its first reported
        # sale of the last 7 days, what share of its sales has been reported
        mature = tc[2] - tc[1]
        fb_mature = sum(1 for f in term.fb if t - 7 * DAY < f[1] <= t - DAY) if fb30 else 0
        first7 = min((f[1] for f in term.fb if f[1] > t - 7 * DAY), default=None) if fb30 else None
        since_first = len(tev) - bisect.bisect_left(tev, first7, key=_time) if first7 is not None else 0
        fb_since_first = sum(1 for f in term.fb if first7 is not None and f[1] >= first7)
        features = [
            amount, math.log1p(amount), sod / 3600.0, 1.0 if sod < 6 * HOUR else 0.0, 1.0 if weekday >= 5 else 0.0,
            float(_code(ENTRY_MODES, tx.entry_mode)), float(_code(TENDERS, tx.tender)),
            float(_code(PROFILES, tx.profile)), 0.0 if tx.currency == HOME_CURRENCY else 1.0,
            float(cc[0]), float(cc[1]), float(cc[2]), float(cc[3]), cs[0] / 100.0,
            cs[1] / cc[1] / 100.0 if cc[1] else -1.0, cs[2] / cc[2] / 100.0 if cc[2] else -1.0, mean30,
            amount / mean30 if mean30 > 0 else -1.0, float(small),
            math.log1p(t - ev[-1][0]) if ev and t >= ev[-1][0] else -1.0,
            card.entries.get(tx.entry_mode, 0) / cc[3] if cc[3] else -1.0, device_new, dist,
            (card.regions.get(tx.region, 0) / cc[3] if cc[3] else -1.0) if tx.region is not None else -1.0,
            float(terminals_1d),
            float(tc[0]), float(tc[1]), float(tc[2]), float(tc[3]), tmean30,
            amount / tmean30 if tmean30 > 0 else -1.0, float(fb7), float(fb30), fb30 / tc[3] if tc[3] else 0.0,
            float(new_card), term.new[1] / tc[1] if tc[1] else -1.0, term.new[2] / tc[2] if tc[2] else -1.0,
            term.keyed[1] / tc[1] if tc[1] else -1.0, term.keyed[3] / tc[3] if tc[3] else -1.0,
            term.entries.get(tx.entry_mode, 0) / tc[3] if tc[3] else -1.0, float(term_cards_1h), float(term_small_1h),
            float(fb_cards_7d), fb_sales_7d / tc[2] if tc[2] else (float(fb_sales_7d) if fb_sales_7d else 0.0),
            math.log1p(max(0, t - last_fb_sale)) if last_fb_sale is not None else -1.0,
            math.log1p(max(0, t - term.fb[-1][0])) if fb30 else -1.0,
            fb_mature / mature if mature > 0 else -1.0, fb_since_first / since_first if since_first else -1.0,
            float(term.blocked[0]), float(term.blocked[1]), term.blocked[2] / tc[2] if tc[2] else -1.0,
            term.blocked[3] / tc[3] if tc[3] else -1.0,
            len({f[2] for f in term.fb}) / len(term.cards) if term.cards else -1.0,
        ]
        cev = (t, tx.amount_minor, tx.terminal, tx.entry_mode, tx.device, tx.lat_u, tx.lon_u, tx.region)
        card.add(cev)
        tev_new = (t, tx.amount_minor, tx.card, tx.entry_mode, new_card, 1 if blocked else 0)
        term.add(tev_new)
        if self.db is None:
            self.txs[tx.id] = (tx.card, tx.terminal, t)
        else:
            if self._pruned_at is None or t - self._pruned_at > DAY:  # once a day of stream time
                self._pruned_at = t
                self.prune(t)
            with transaction(self.db) as db:
                db.execute("INSERT INTO card_event VALUES (?,?,?,?,?,?,?,?,?)", (tx.card, *cev))
                db.execute("INSERT INTO term_event (terminal, t, amount, card, entry, new, blocked) "
                           "VALUES (?,?,?,?,?,?,?)",
                           (tx.terminal, *tev_new))
                db.execute("INSERT OR REPLACE INTO tx VALUES (?,?,?,?)", (tx.id, tx.card, tx.terminal, t))
        return features

    def feedback(self, tx_id: str, t: int, fraud: bool) -> bool:
        """Apply a confirmed-fraud / chargeback report; False when the sale is unknown here (ignored)."""
        known = self.txs.get(tx_id)
        if known is None and self.db is not None:
            row = self.db.execute("SELECT card, terminal, t FROM tx WHERE id = ?", (tx_id,)).fetchone()
            known = tuple(row) if row else None
        if known is None:
            return False
        if not fraud:
            return True
        card, terminal, sale_t = known
        term = self._terminal(terminal, t)
        if self.db is None:
            if tx_id in self.fraud_ids:
                return True
            self.fraud_ids.add(tx_id)
        else:
            with transaction(self.db) as db:
                new = db.execute("INSERT OR IGNORE INTO term_fraud (id, terminal, t, sale_t, card) VALUES (?,?,?,?,?)",
                                 (tx_id, terminal, t, sale_t, card)).rowcount
                db.execute("INSERT OR IGNORE INTO blacklist VALUES (?,?,?)", (card, t, "confirmed_fraud"))
            if not new:
                return True
        term.fb.append((t, sale_t, card))
        self.blacklist.setdefault(card, t)
        return True

    def seen(self, tx_id: str) -> bool:
        """A sale with this id was already observed (within the retained 30 days)."""
        if self.db is None:
            return tx_id in self.txs
        return self.db.execute("SELECT 1 FROM tx WHERE id = ?", (tx_id,)).fetchone() is not None

    def is_blacklisted(self, token: str) -> bool:
        return token in self.blacklist

    def card_velocity(self, token: str) -> tuple[int, int]:
        """(sales in the last hour, sales in the last day) of a token, from the cache (after observe)."""
        card = self.cards.get(token)
        return (card.win.counts[0], card.win.counts[1]) if card else (0, 0)

    def prune(self, now: int) -> None:
        """Delete events older than 31 days (done by `observe` once a day): outside every window, so features do not
        change; feedback for a sale older than that is ignored."""
        if self.db is not None:
            with transaction(self.db) as db:
                for table in ("card_event", "term_event", "term_fraud", "tx"):
                    db.execute(f"DELETE FROM {table} WHERE t <= ?", (now - WINDOWS[3] - DAY,))


def _add_columns(db: sqlite3.Connection) -> None:
    """A state file written before the v2 features gets their columns (its old rows count as unknown card/entry)."""
    for table, columns in (("term_event", ("card TEXT NOT NULL DEFAULT ''", "entry TEXT NOT NULL DEFAULT ''",
                                           "new INTEGER NOT NULL DEFAULT 0", "blocked INTEGER NOT NULL DEFAULT 0")),
                           ("term_fraud", ("sale_t INTEGER NOT NULL DEFAULT 0", "card TEXT NOT NULL DEFAULT ''"))):
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for column in columns:
            if column.split()[0] not in have:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


def _time(event: tuple) -> int:
    return event[0]


def _code(values: tuple[str, ...], value: str) -> int:
    try:
        return values.index(value)
    except ValueError:
        return len(values)
