"""What the back office pages show, read from the ledger: one merchant's day, its terminals, its exceptions.

Both lists are open for extension without touching the pages:
- `TERMINAL_FACTS`: functions adding columns to the terminals page (fleet health from issue 14 plugs in here);
- `EXCEPTION_SOURCES`: functions listing exceptions of any kind the hub records (declined offline sales today; the
  digital-currency double-spend reversals appear by their record's decline code, shown generically by kind + detail).
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.backend import Tx
from hub.backoffice.money import to_major
from hub.merchants import business_zone


@dataclass
class Bar:
    label: str
    value: int
    text: str


@dataclass
class CurrencyDay:
    currency: str
    net: int = 0
    count: int = 0
    by_tender: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_terminal: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_hour: list[int] = field(default_factory=lambda: [0] * 24)

    def bars(self, values: dict[str, int]) -> list[Bar]:
        return [Bar(k, v, to_major(v, self.currency)) for k, v in sorted(values.items(), key=lambda kv: -kv[1])]

    def hours(self) -> list[Bar]:
        return [Bar(f"{h:02d}", v, to_major(v, self.currency)) for h, v in enumerate(self.by_hour)]

    @property
    def net_text(self) -> str:
        return to_major(self.net, self.currency)


def day_summary(tx: Tx, merchant_id: str, day: str) -> list[CurrencyDay]:
    """Net money per currency of one business day: by tender, terminal and hour (merchant's time zone)."""
    zone = business_zone(tx, merchant_id)
    days: dict[str, CurrencyDay] = {}
    sales: dict[str, set[str]] = defaultdict(set)
    for terminal_id, kind, sale_id, when, tender, currency, amount in tx.all(
            "SELECT t.terminal_id, t.kind, t.sale_id, coalesce(r.time, t.created_at), p.tender, p.currency, "
            "p.amount FROM transfers t JOIN postings p ON p.transfer_id = t.id LEFT JOIN records r ON "
            "r.terminal_id = t.terminal_id AND r.seq = t.seq WHERE t.merchant_id = ? AND t.business_day = ? AND "
            "t.status = 'posted' AND p.tender IS NOT NULL", (merchant_id, day)):
        entry = days.setdefault(currency, CurrencyDay(currency))
        amount = int(amount)
        entry.net += amount
        entry.by_tender[tender] += amount
        entry.by_terminal[terminal_id] += amount
        entry.by_hour[datetime.fromisoformat(when).astimezone(zone).hour] += amount
        if kind in ("sale", "auth") and amount > 0:
            sales[currency].add(f"{terminal_id}:{sale_id}")
    for currency, entry in days.items():
        entry.count = len(sales[currency])
    return sorted(days.values(), key=lambda d: -abs(d.net))


def today(tx: Tx, merchant_id: str, now: datetime) -> str:
    return now.astimezone(business_zone(tx, merchant_id)).date().isoformat()


TerminalFacts = Callable[[Tx, str], dict[str, dict[str, str]]]  # (tx, merchant) -> terminal id -> column -> text


def _basic_facts(tx: Tx, merchant_id: str) -> dict[str, dict[str, str]]:
    facts: dict[str, dict[str, str]] = {}
    for terminal_id, enrolled, last_seq, last_time, last_seen, declined in tx.all(
            "SELECT t.id, t.enrolled_at, t.last_seq, max(r.time), max(r.received_at), "
            "sum(CASE WHEN r.status = 'declined' THEN 1 ELSE 0 END) FROM terminals t LEFT JOIN records r ON "
            "r.terminal_id = t.id WHERE t.merchant_id = ? GROUP BY t.id, t.enrolled_at, t.last_seq ORDER BY t.id",
            (merchant_id,)):
        facts[terminal_id] = {"enrolled": enrolled[:19].replace("T", " "),
                              "last_seen": (last_seen or "")[:19].replace("T", " "),
                              "last_record": f"#{last_seq} {(last_time or '')[:19].replace('T', ' ')}".strip(),
                              "declined": str(int(declined or 0)), "upload_lag": _lag(last_time, last_seen)}
    for terminal_id, count in tx.all("SELECT terminal_id, count(*) FROM holds WHERE merchant_id = ? AND status = "
                                     "'approved' GROUP BY terminal_id", (merchant_id,)):
        if terminal_id in facts:
            facts[terminal_id]["open_holds"] = str(count)
    return facts


def _lag(written: str | None, received: str | None) -> str:
    """How long the newest record waited on the till before the hub had it (a queue that grows shows here)."""
    if not written or not received:
        return ""
    try:
        seconds = (datetime.fromisoformat(received) - datetime.fromisoformat(written)).total_seconds()
    except ValueError:
        return ""
    return f"{max(seconds, 0):.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


TERMINAL_FACTS: list[TerminalFacts] = [_basic_facts]
TERMINAL_COLUMNS: list[str] = ["enrolled", "last_seen", "last_record", "upload_lag", "declined", "open_holds"]


def terminals(tx: Tx, merchant_id: str) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for source in TERMINAL_FACTS:
        for terminal_id, columns in source(tx, merchant_id).items():
            merged.setdefault(terminal_id, {}).update(columns)
    return merged


@dataclass(frozen=True, slots=True)
class ExceptionRow:
    terminal_id: str
    seq: int
    time: str
    kind: str
    detail: str
    resolved_by: str | None
    resolved_at: str | None
    note: str | None


ExceptionSource = Callable[[Tx, str], list[ExceptionRow]]


def _detail(record_type: str, payload_text: str) -> str:
    try:
        payload = json.loads(payload_text)
    except ValueError:
        return record_type
    parts = [record_type]
    for key in ("sale_id", "refund_id", "void_id"):
        if isinstance(payload.get(key), str):
            parts.append(f"{key.split('_')[0]} {payload[key]}")
    total = (payload.get("totals") or {}).get("total") or payload.get("total")
    if isinstance(total, dict) and isinstance(total.get("amount"), int) and isinstance(total.get("currency"), str):
        with contextlib.suppress(ValueError):
            parts.append(f"{to_major(total['amount'], total['currency'])} {total['currency']}")
    return ", ".join(parts)


def _declined_records(tx: Tx, merchant_id: str) -> list[ExceptionRow]:
    rows = tx.all(
        "SELECT r.terminal_id, r.seq, r.time, r.code, r.type, r.payload, x.resolved_by, x.resolved_at, x.note "
        "FROM records r JOIN terminals t ON t.id = r.terminal_id LEFT JOIN bo_resolutions x ON "
        "x.terminal_id = r.terminal_id AND x.seq = r.seq WHERE t.merchant_id = ? AND r.status = 'declined' "
        "ORDER BY r.time DESC LIMIT 500", (merchant_id,))
    return [ExceptionRow(terminal_id, int(seq), time, code or "declined", _detail(kind, payload), by, at, note)
            for terminal_id, seq, time, code, kind, payload, by, at, note in rows]


EXCEPTION_SOURCES: list[ExceptionSource] = [_declined_records]


def exceptions(tx: Tx, merchant_id: str) -> list[ExceptionRow]:
    found = [row for source in EXCEPTION_SOURCES for row in source(tx, merchant_id)]
    return sorted(found, key=lambda row: row.time, reverse=True)


def resolve(tx: Tx, merchant_id: str, terminal_id: str, seq: int, actor: str, note: str, now: str) -> bool:
    """Mark an exception of the merchant resolved (once; the first resolver stays on record)."""
    if not tx.one("SELECT 1 FROM records r JOIN terminals t ON t.id = r.terminal_id WHERE r.terminal_id = ? AND "
                  "r.seq = ? AND t.merchant_id = ? AND r.status = 'declined'", (terminal_id, seq, merchant_id)):
        return False
    return tx.run("INSERT INTO bo_resolutions (terminal_id, seq, resolved_by, resolved_at, note) VALUES "
                  "(?, ?, ?, ?, ?) ON CONFLICT (terminal_id, seq) DO NOTHING",
                  (terminal_id, seq, actor, now, note)) > 0


def chart(bars: list[Bar], width: int = 560, bar_height: int = 22) -> dict[str, Any]:
    """Geometry of a horizontal bar chart (rendered as inline SVG by the template)."""
    top = max((b.value for b in bars), default=0) or 1
    label_w = 150
    rows = [{"label": b.label, "text": b.text, "y": i * (bar_height + 6), "w": max(0, int((width - label_w - 90)
             * max(b.value, 0) / top)), "x": label_w} for i, b in enumerate(bars)]
    return {"rows": rows, "height": len(bars) * (bar_height + 6), "width": width, "bar_height": bar_height}


def columns(bars: list[Bar], width: int = 720, height: int = 180) -> dict[str, Any]:
    """Geometry of a vertical bar chart (24 hours)."""
    top = max((b.value for b in bars), default=0) or 1
    step = width / max(len(bars), 1)
    cols = [{"label": b.label, "text": b.text, "x": int(i * step) + 2, "w": int(step) - 4,
             "h": int((height - 20) * max(b.value, 0) / top)} for i, b in enumerate(bars)]
    for col in cols:
        col["y"] = height - 20 - col["h"]
    return {"cols": cols, "width": width, "height": height}
