"""What the back office pages show, read from the ledger: one merchant's day, its terminals, its exceptions.

Both lists are open for extension without touching the pages:
- `TERMINAL_FACTS`: functions adding columns to the terminals page (the fleet's health, `_fleet_facts`: group,
  last check-in, versions, the till's own queue depth and oldest record age, devices, clock skew, last error,
  retired/retiring, open remote actions - reported by the terminal at every sync, hub.fleet);
- `EXCEPTION_SOURCES`: functions listing exceptions of any kind the hub records (declined offline sales; a
  digital-currency double spend declines its sale record with code `cbdc_double_spend`, whose detail is read from
  the hub's exception record - device, counter, amount, reason - and a double spend without a declined sale record
  is listed from that record alone).
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub import fleet, risk_loop
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


def _age(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(seconds, 0.0)
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def _fleet_facts(tx: Tx, merchant_id: str) -> dict[str, dict[str, str]]:
    """What each terminal reported at its last check-in (hub.fleet), and what the hub has queued for it."""
    facts: dict[str, dict[str, str]] = {}
    for t in fleet.fleet(tx, merchant_id):
        health = t.health or {}
        queue = ""
        if t.health is not None:
            queue = str(int(health.get("queue_pending") or 0))
            oldest = health.get("oldest_pending_age_s")
            if oldest is not None and health.get("queue_pending"):
                queue += f" ({_age(float(oldest))})"
        skew = health.get("skew_ms")
        devices = health.get("devices") or []
        bad = [d for d in devices if d.get("status") != "ok"]
        facts[t.terminal_id] = {
            "group": t.group, "state": t.state,
            "checked_in": (t.last_seen_at or "")[:19].replace("T", " "),
            "versions": ", ".join(f"{k} {v}" for k, v in sorted((health.get("versions") or {}).items())),
            "queue": queue,
            "devices": "; ".join(f"{d.get('name')}: {d.get('status')}" + (f" ({d['advice']})" if d.get("advice")
                                                                            else "") for d in bad)
                       or (f"{len(devices)} ok" if devices else ""),
            "health": "error" if bad or health.get("last_error") else ("ok" if t.health is not None else ""),
            "skew": "" if skew is None else f"{int(skew)} ms",
            "last_error": str(health.get("last_error") or ""),
            "open_actions": ", ".join(t.open_actions),
        }
    return facts


TERMINAL_FACTS: list[TerminalFacts] = [_basic_facts, _fleet_facts]
TERMINAL_COLUMNS: list[str] = ["group", "state", "enrolled", "last_seen", "checked_in", "last_record", "queue",
                               "upload_lag", "health", "devices", "skew", "versions", "last_error", "declined",
                               "open_holds", "open_actions"]
REMOTE_ACTIONS: tuple[str, ...] = ("resync", "send_logs", "rotate_key", "reload_config", "retire")


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
    resolvable: bool = True  # a declined record (bo_resolutions); a bare hub exception record is shown only
    sale_id: str | None = None  # a declined sale a manager may mark as a wrong decline (risk label)
    wrong_decline: str | None = None  # who marked it so and when, when they did


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


CBDC_CODES = ("cbdc_double_spend", "cbdc_payment_invalid")
NOT_RISK_DECLINES = CBDC_CODES  # declines that are no risk decision: never labelled a wrong decline


def _hub_exceptions(tx: Tx, merchant_id: str) -> list[tuple[str, str | None, str, dict[str, Any]]]:
    """The hub's own exception records of the merchant (hub.cbdc: double spends): (kind, terminal, time, detail)."""
    found = []
    for kind, terminal_id, detail, created in tx.all(
            "SELECT kind, terminal_id, detail, created_at FROM exceptions WHERE merchant_id = ? "
            "ORDER BY created_at DESC LIMIT 500", (merchant_id,)):
        with contextlib.suppress(ValueError):
            parsed = json.loads(detail)
            if isinstance(parsed, dict):
                found.append((kind, terminal_id, created, parsed))
    return found


def cbdc_detail(detail: dict[str, Any]) -> str:
    """A double spend's detail in words: device, counter, amount, reason (the wallet only by its last 4 digits)."""
    parts = []
    if detail.get("sale_id"):
        parts.append(f"sale {detail['sale_id']}")
    if detail.get("device_id"):
        parts.append(f"hard wallet device {detail['device_id']}"
                     + (f" (wallet …{detail['wallet_last4']})" if detail.get("wallet_last4") else ""))
    if detail.get("counter") is not None:
        parts.append(f"counter {detail['counter']}")
    amount, currency = detail.get("amount"), detail.get("currency")
    if isinstance(amount, int) and isinstance(currency, str):
        with contextlib.suppress(ValueError):
            parts.append(f"{to_major(amount, currency)} {currency}")
    if detail.get("reason"):
        parts.append(f"reason: {detail['reason']}")
    return ", ".join(parts)


def _false_declines(tx: Tx, sale_ids: list[str]) -> dict[str, str]:
    if not sale_ids:
        return {}
    marks: dict[str, str] = {}
    for start in range(0, len(sale_ids), 200):
        chunk = sale_ids[start:start + 200]
        for sale_id, source, known in tx.all(
                "SELECT sale_id, source, known_at FROM risk_labels WHERE kind = 'false_decline' AND sale_id IN "
                f"({', '.join('?' * len(chunk))})", tuple(chunk)):
            marks.setdefault(sale_id, f"{source} · {known[:16].replace('T', ' ')}")
    return marks


TILL_DECLINE = "tender.declined"  # the till's risk engine (or a refused step-up) declined a payment of a sale


def _sale_id(record_type: str, payload_text: str) -> str | None:
    if record_type not in ("sale.completed", TILL_DECLINE):
        return None
    with contextlib.suppress(ValueError, AttributeError):
        sale_id = json.loads(payload_text).get("sale_id")
        return sale_id if isinstance(sale_id, str) else None
    return None


def _declined_records(tx: Tx, merchant_id: str) -> list[ExceptionRow]:
    rows = tx.all(
        "SELECT r.terminal_id, r.seq, r.time, r.code, r.type, r.payload, x.resolved_by, x.resolved_at, x.note "
        "FROM records r JOIN terminals t ON t.id = r.terminal_id LEFT JOIN bo_resolutions x ON "
        "x.terminal_id = r.terminal_id AND x.seq = r.seq WHERE t.merchant_id = ? AND r.status = 'declined' "
        "ORDER BY r.time DESC LIMIT 500", (merchant_id,))
    cbdc = {(terminal, detail.get("sale_id")): detail
            for kind, terminal, _at, detail in _hub_exceptions(tx, merchant_id) if kind in CBDC_CODES}
    sales = {(terminal_id, seq): _sale_id(kind, payload) for terminal_id, seq, _t, _c, kind, payload, *_ in rows}
    marks = _false_declines(tx, sorted({s for s in sales.values() if s}))
    found = []
    for terminal_id, seq, time, code, kind, payload, by, at, note in rows:
        sale_id = sales[(terminal_id, seq)]
        detail = _detail(kind, payload)
        if code in CBDC_CODES and (terminal_id, sale_id) in cbdc:
            detail = f"{kind}: {cbdc_detail(cbdc[(terminal_id, sale_id)])}"
        markable = sale_id if code not in NOT_RISK_DECLINES else None
        found.append(ExceptionRow(terminal_id, int(seq), time, code or "declined", detail, by, at, note,
                                  sale_id=markable, wrong_decline=marks.get(sale_id) if markable else None))
    return found


def _hub_exception_rows(tx: Tx, merchant_id: str) -> list[ExceptionRow]:
    """Double spends whose sale record the hub did not decline (e.g. the payment record came without its sale)."""
    declined = {(r[0], _sale_id(r[1], r[2])) for r in tx.all(
        "SELECT r.terminal_id, r.type, r.payload FROM records r JOIN terminals t ON t.id = r.terminal_id WHERE "
        "t.merchant_id = ? AND r.status = 'declined' AND r.code IN (?, ?)", (merchant_id, *CBDC_CODES))}
    return [ExceptionRow(terminal or "", int(detail.get("seq") or 0), at, kind, cbdc_detail(detail), None, None, None,
                         resolvable=False)
            for kind, terminal, at, detail in _hub_exceptions(tx, merchant_id)
            if (terminal, detail.get("sale_id")) not in declined]


def _till_declines(tx: Tx, merchant_id: str) -> list[ExceptionRow]:
    """Payments the till declined (risk engine, refused step-up), as journalled in `tender.declined`: where a
    manager says "that customer was genuine" (a wrong decline, learnt by the next retraining)."""
    rows = tx.all("SELECT r.terminal_id, r.seq, r.time, r.payload FROM records r JOIN terminals t ON t.id = "
                  "r.terminal_id WHERE t.merchant_id = ? AND r.type = ? ORDER BY r.time DESC LIMIT 500",
                  (merchant_id, TILL_DECLINE))
    parsed = []
    for terminal_id, seq, time, payload_text in rows:
        try:
            payload = json.loads(payload_text)
        except ValueError:
            continue
        if isinstance(payload, dict) and isinstance(payload.get("sale_id"), str):
            parsed.append((terminal_id, int(seq), time, payload))
    marks = _false_declines(tx, sorted({p["sale_id"] for *_x, p in parsed}))
    found = []
    for terminal_id, seq, time, payload in parsed:
        parts = [f"sale {payload['sale_id']}", str(payload.get("kind") or "")]
        amount = payload.get("amount") or {}
        if isinstance(amount, dict) and isinstance(amount.get("amount"), int) and isinstance(amount.get("currency"),
                                                                                            str):
            with contextlib.suppress(ValueError):
                parts.append(f"{to_major(amount['amount'], amount['currency'])} {amount['currency']}")
        if payload.get("last4"):
            parts.append(f"card …{payload['last4']}")
        reasons = payload.get("reasons")
        if isinstance(reasons, list) and reasons:
            parts.append("reasons: " + ", ".join(map(str, reasons[:8])))
        if payload.get("offline"):
            parts.append("offline")
        found.append(ExceptionRow(terminal_id, seq, time, "tender_declined", ", ".join(p for p in parts if p), None,
                                  None, None, resolvable=False, sale_id=payload["sale_id"],
                                  wrong_decline=marks.get(payload["sale_id"])))
    return found


EXCEPTION_SOURCES: list[ExceptionSource] = [_declined_records, _hub_exception_rows, _till_declines]


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


class AlreadyMarked(Exception):
    """The sale was marked a wrong decline already (once per sale)."""


def mark_false_decline(tx: Tx, merchant_id: str, terminal_id: str, seq: int, actor: str,
                       now: datetime) -> risk_loop.Label | None:
    """Record a `false_decline` label (known now) for the merchant's sale declined at the till (`tender.declined`)
    or at the hub (a declined sale record); None when there is no such record or it is no risk decision (a digital
    currency double spend); AlreadyMarked the second time for the same sale."""
    row = tx.one("SELECT r.type, r.payload, r.code, r.status FROM records r JOIN terminals t ON t.id = "
                 "r.terminal_id WHERE r.terminal_id = ? AND r.seq = ? AND t.merchant_id = ?",
                 (terminal_id, seq, merchant_id))
    sale_id = _sale_id(row[0], row[1]) if row else None
    if row is None or sale_id is None or row[2] in NOT_RISK_DECLINES:
        return None
    if row[0] != TILL_DECLINE and row[3] != "declined":  # a sale the hub booked was not declined
        return None
    tx.lock_name(f"false_decline:{sale_id}")
    if tx.one("SELECT 1 FROM risk_labels WHERE sale_id = ? AND kind = 'false_decline'", (sale_id,)):
        raise AlreadyMarked(sale_id)
    return risk_loop.add_label(tx, risk_loop.LabelIn(sale_id=sale_id, kind="false_decline", known_at=now,
                                                     source=f"backoffice:{actor}"[:200],
                                                     note=f"declined record {terminal_id}#{seq}"[:200]), now)


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
