"""AML screening of outgoing corporate payments: a `large` alert for one payment at or above the threshold, a
`structuring` alert when several payments just under it go to the same payee within a window (thresholds, band,
count and window in treasury.toml). Screening runs inside the payment's own transaction, so an alert exists exactly
when the payment does; finance lists the alerts and resolves each with a comment.

Screening flags, it never blocks: the payment goes on and the alert waits for a person.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hub.backend import Tx
from hub.clock import iso
from hub.corporate import fx
from hub.corporate.settings import TreasuryConfig
from hub.errors import HubError, NotFound
from sync.crypto import sm3

_SPACES = re.compile(r"[\s-]+")


@dataclass(frozen=True, slots=True)
class Alert:
    id: str
    kind: str
    ref: str
    payee_key: str
    payee_name: str
    payee_shown: str  # the masked account
    amount: int
    currency: str
    detail: dict[str, object]
    created_at: str
    status: str
    resolved_by: str | None
    resolved_at: str | None
    comment: str | None


def payee_key(payee_name: str, bank_code: str, account_masked: str) -> str:
    """One payee however it was typed (case, spaces, dashes): an SM3 of its name, bank and masked account. Alerts
    and screening rows never hold the account number; two accounts alike in name, bank and both ends count as one
    payee, which errs towards an alert."""
    text = "\n".join([" ".join(payee_name.split()).casefold(), _SPACES.sub("", bank_code).upper(),
                      _SPACES.sub("", account_masked).upper()])
    return sm3(b"edgepos-corp-payee\n" + text.encode()).hex()[:32]


def _threshold(tx: Tx, table: dict[str, int], amount: int, currency: str, config: TreasuryConfig,
               now: datetime) -> tuple[int, int]:
    """(amount, threshold) in one currency: the payment's own when the table lists it, else the AML base."""
    if currency in table:
        return amount, table[currency]
    if config.aml_base not in table:
        raise HubError(f"treasury.toml lists no AML threshold for {currency} nor for the base {config.aml_base}",
                       code="aml_config")
    converted = fx.quote(tx, amount, currency, config.aml_base, now, config.fx_max_age).amount_to
    return converted, table[config.aml_base]


def screen(tx: Tx, *, merchant_id: str, ref: str, payee_name: str, payee: str, shown: str, amount: int,
           currency: str, config: TreasuryConfig, now: datetime) -> list[Alert]:
    """Screen one payment (`ref` unique per payment: screening the same ref again changes nothing) to the payee
    fingerprinted `payee` (`payee_key`; `shown`: its masked account) and record its alerts in the caller's
    transaction."""
    key = payee
    tx.lock_name(f"corp-aml:{merchant_id}:{key}")
    if tx.one("SELECT 1 FROM corp_screened WHERE ref = ?", (ref,)):
        return []
    value, limit = _threshold(tx, config.structuring_threshold, amount, currency, config, now)
    just_under = Decimal(limit) * config.structuring_band <= value < limit
    tx.run("INSERT INTO corp_screened (ref, merchant_id, payee_key, amount, currency, just_under, at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?)", (ref, merchant_id, key, amount, currency, int(just_under), iso(now)))
    alerts = []
    large_value, large_limit = _threshold(tx, config.large, amount, currency, config, now)
    if large_value >= large_limit:
        alerts.append(_raise(tx, merchant_id, "large", ref, key, payee_name, shown, amount, currency,
                             {"threshold": large_limit, "compared": large_value}, now))
    if just_under:
        since = iso(now - config.structuring_window)
        rows = tx.all("SELECT ref FROM corp_screened WHERE merchant_id = ? AND payee_key = ? AND just_under = 1 "
                      "AND at > ? ORDER BY at, ref", (merchant_id, key, since))
        if len(rows) >= config.structuring_count:
            refs = [r[0] for r in rows]
            open_alert = tx.one("SELECT id FROM corp_alerts WHERE merchant_id = ? AND kind = 'structuring' AND "
                                "payee_key = ? AND status = 'open' AND created_at > ?", (merchant_id, key, since))
            detail = {"threshold": limit, "band": str(config.structuring_band), "payments": refs,
                      "window_h": config.structuring_window.total_seconds() / 3600}
            if open_alert is None:
                alerts.append(_raise(tx, merchant_id, "structuring", ref, key, payee_name, shown, amount, currency,
                                     detail, now))
            else:  # one open alert per payee and window, growing with each payment
                tx.run("UPDATE corp_alerts SET detail = ? WHERE id = ?", (json.dumps(detail), open_alert[0]))
    return alerts


def _raise(tx: Tx, merchant_id: str, kind: str, ref: str, key: str, payee_name: str, shown: str, amount: int,
           currency: str, detail: dict[str, object], now: datetime) -> Alert:
    ident = f"AL{uuid.uuid4().hex[:20].upper()}"
    tx.run("INSERT INTO corp_alerts (id, merchant_id, kind, ref, payee_key, payee_name, payee_shown, amount, "
           "currency, detail, created_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')",
           (ident, merchant_id, kind, ref, key, payee_name[:200], shown[:64], amount, currency, json.dumps(detail),
            iso(now)))
    return load(tx, merchant_id, ident)


_COLUMNS = ("id, kind, ref, payee_key, payee_name, payee_shown, amount, currency, detail, created_at, status, "
            "resolved_by, resolved_at, comment")


def _alert(row: tuple) -> Alert:
    return Alert(*row[:6], int(row[6]), row[7], json.loads(row[8]), *row[9:])


def load(tx: Tx, merchant_id: str, alert_id: str) -> Alert:
    row = tx.one(f"SELECT {_COLUMNS} FROM corp_alerts WHERE id = ? AND merchant_id = ?", (alert_id, merchant_id))
    if row is None:
        raise NotFound(f"no alert {alert_id}", code="no_alert")
    return _alert(row)


def alerts(tx: Tx, merchant_id: str, status: str | None = None, limit: int = 500) -> list[Alert]:
    where, params = ("AND status = ?", (merchant_id, status, limit)) if status else ("", (merchant_id, limit))
    rows = tx.all(f"SELECT {_COLUMNS} FROM corp_alerts WHERE merchant_id = ? {where} "
                  "ORDER BY created_at DESC, id LIMIT ?", params)
    return [_alert(r) for r in rows]


def resolve(tx: Tx, merchant_id: str, alert_id: str, actor: str, comment: str, now: datetime) -> Alert:
    """Close an alert with who, when and why (the comment is required: a reviewer reads it later)."""
    comment = comment.strip()
    if not comment:
        raise HubError("say what was checked: a comment is required to resolve an alert", code="missing_comment")
    alert = load(tx, merchant_id, alert_id)
    if alert.status != "open":
        raise HubError(f"alert {alert_id} was resolved already by {alert.resolved_by}", code="resolved_already")
    tx.run("UPDATE corp_alerts SET status = 'resolved', resolved_by = ?, resolved_at = ?, comment = ? "
           "WHERE id = ? AND status = 'open'", (actor, iso(now), comment[:500], alert_id))
    return load(tx, merchant_id, alert_id)
