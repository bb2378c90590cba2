"""A lane comes back clean after a crash or power cut at any step, and a payment that was approved is never lost or
charged twice.

On start the lane reads its journal (the only truth that survived) for sales it opened (`kiosk.basket`, written
before any card is read) that have neither `sale.completed` nor `sale.cancelled`:
- its approved tenders (`tender.approved`, durable before the customer was ever told "approved") cover the total:
  the sale is finished with those tenders (`sale.completed`, the same record a normal sale writes, marked
  `recovered`); no tender is asked again, so nothing is charged twice;
- otherwise every online hold it placed is voided at the hub (or, with the hub unreachable, journalled as
  `auth.abandoned` for the uplink's release round) and the sale is cancelled (`sale.cancelled`, reason "recovered
  after restart"): nothing is charged. A digital-currency payment (CBDC: a wallet code, the shop QR, a hard wallet)
  is final at the operator and places no hold: it counts like an approved card tender towards finishing the sale,
  and when the sale is cancelled it is given back to the paying wallet through the same path as a sale cancelled
  at the till (`cbdc.give_back`, refunded by terminal.checkout.cbdc.UnansweredPayments after the next good sync
  round, then `cbdc.released`).
Two digital-currency payments can precede their `tender.approved`: a hard wallet's payment is journalled
(`cbdc.offline_payment`) before the approval, and a shop QR shown (`cbdc.order_shown`) may have been paid by the
wallet while the lane was down. Both count as approved tenders of the sale: the first from the journal, the second
once the hub (`cbdc`, the till's CBDC link) has cancelled the order and answered that it was paid anyway (journalled
then as `tender.approved`, marked recovered); an order it cannot ask about expires at the hub unpaid.
An authorisation the hub approved but the lane never journalled (power lost between the two) is a hold nobody
captures: the hub voids it at its expiry (hub hold sweeper); it never becomes a charge.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from terminal.cbdc.offline import RECORD_TYPE as OFFLINE_PAYMENT
from terminal.checkout.ports import HubError
from terminal.domain import Money, Sale, Tender, TenderKind

log = logging.getLogger("edgepos.kiosk.recovery")


@dataclass
class RecoveryReport:
    finished: list[str] = field(default_factory=list)  # sale ids completed from their approved tenders
    voided: list[str] = field(default_factory=list)  # sale ids cancelled, holds voided
    holds_voided: list[str] = field(default_factory=list)
    holds_queued: list[str] = field(default_factory=list)
    given_back: list[str] = field(default_factory=list)  # digital-currency payments going back to their wallets
    checked_through: int = 0  # the journal position up to which no sale is left open

    @property
    def clean(self) -> bool:
        return not (self.finished or self.voided)

    def to_dict(self) -> dict[str, Any]:
        return {"finished": self.finished, "voided": self.voided, "holds_voided": self.holds_voided,
                "holds_queued": self.holds_queued, "given_back": self.given_back}


@dataclass
class _Open:
    basket: dict[str, Any] | None = None
    tenders: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)  # (record, payload)
    voided: set[str] = field(default_factory=set)
    offline: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)  # hard-wallet payments journalled
    orders: list[dict[str, Any]] = field(default_factory=list)  # digital-currency shop QRs shown

    def cbdc_tenders(self) -> None:
        """Hard-wallet payments journalled without their `tender.approved` (a crash in between) join the tenders."""
        have = {payload.get("reference") for _, payload in self.tenders}
        for record, payment in self.offline:
            if payment.get("payment_id") not in have:
                self.tenders.append((record, {"sale_id": payment.get("sale_id"), "kind": str(TenderKind.CBDC_WALLET),
                                              "amount": payment["amount"], "reference": payment["payment_id"],
                                              "last4": payment.get("wallet_last4"), "offline": True}))


def open_sales(journal: Any, after: int = 0) -> dict[str, _Open]:
    """Sales started on this journal (after record `after`) that were neither completed nor cancelled."""
    sales: dict[str, _Open] = {}
    for record in journal.records(after):
        kind = record.type
        if kind not in ("sale.started", "kiosk.basket", "tender.approved", "tender.voided", "sale.completed",
                        "sale.cancelled", OFFLINE_PAYMENT, "cbdc.order_shown"):
            continue
        payload = record.payload
        sale_id = payload["sale"]["sale_id"] if kind == "kiosk.basket" else payload.get("sale_id")
        if sale_id is None:
            continue
        if kind in ("sale.completed", "sale.cancelled"):
            sales.pop(sale_id, None)
            continue
        entry = sales.setdefault(sale_id, _Open())
        if kind == "kiosk.basket":
            entry.basket = payload["sale"]
        elif kind == "tender.approved":
            entry.tenders.append((record, payload))
        elif kind == "tender.voided":
            entry.voided.add(payload.get("auth_id", ""))
        elif kind == OFFLINE_PAYMENT:
            entry.offline.append((record, payload))
        elif kind == "cbdc.order_shown":
            entry.orders.append(payload)
    for entry in sales.values():
        entry.cbdc_tenders()
    return sales


def _paid_orders(journal: Any, cbdc: Any, sale_id: str, entry: _Open) -> None:
    """A shop QR shown when the lane went down: cancelled at the hub, then read; paid anyway -> an approved tender
    (journalled now, so the sale is finished with it or the payment given back)."""
    have = {payload.get("reference") for _, payload in entry.tenders}
    for order in entry.orders:
        try:
            cbdc.cancel_order(order["order_id"])
            answer = cbdc.wait_order(order["order_id"], 0)
        except HubError as exc:
            log.warning("order %s not asked at recovery (%s): it expires at the hub", order["order_id"],
                        type(exc).__name__)
            continue
        if answer.status != "paid" or not answer.payment_id or answer.payment_id in have:
            continue
        payload = {"sale_id": sale_id, "kind": str(TenderKind.CBDC_WALLET), "amount": order["amount"],
                   "reference": answer.payment_id, "last4": answer.wallet_last4, "offline": False,
                   "recovered": True}
        record = journal.append("tender.approved", payload)
        entry.tenders.append((record, payload))


def recover(journal: Any, auth: Any, clock: Any, lane_id: str, after: int = 0, cbdc: Any = None
            ) -> RecoveryReport:
    """Finish or void every sale the lane left open (see the module doc). Safe to run again: it only acts on sales
    still open, and each action ends with the record that closes the sale. `after`: a journal position where the
    last recovery left nothing open (`checked_through` of its report), so a long journal is not read again."""
    report = RecoveryReport()
    for sale_id, entry in open_sales(journal, after).items():
        if entry.orders and cbdc is not None:
            _paid_orders(journal, cbdc, sale_id, entry)
        approved = [(record, payload) for record, payload in entry.tenders
                    if payload.get("reference") not in entry.voided]
        total = Money.from_dict(entry.basket["totals"]["total"]) if entry.basket else None
        paid = sum(payload["amount"]["amount"] for _, payload in approved)
        if entry.basket is not None and total is not None and paid >= total.amount and approved:
            _finish(journal, entry.basket, approved, clock, lane_id)
            report.finished.append(sale_id)
            continue
        voided, queued = [], []
        for _, payload in approved:
            ref = payload.get("reference") or ""
            if payload.get("kind") == str(TenderKind.CBDC_WALLET):  # paid and final: back to the wallet
                journal.append("cbdc.give_back", {"sale_id": sale_id, "payment_id": ref, "amount": payload["amount"]})
                report.given_back.append(ref)
                continue
            if payload.get("offline") or auth is None:
                continue  # an offline approval placed no hold: cancelling the sale is enough
            try:
                auth.void(ref, "kiosk restarted before the sale was paid in full")
                voided.append(ref)
                journal.append("tender.voided", {"sale_id": sale_id, "auth_id": ref})
            except HubError as exc:
                queued.append(ref)
                journal.append("auth.abandoned", {"auth_id": ref, "sale_id": sale_id,
                                                  "reason": f"void at recovery failed: {type(exc).__name__}"})
        journal.append("sale.cancelled", {"sale_id": sale_id, "reason": "recovered after restart",
                                          "operator": f"KIOSK-{lane_id}", "voided": voided, "queued": queued,
                                          "state": "recovery", "cash_returned": None})
        report.voided.append(sale_id)
        report.holds_voided += voided
        report.holds_queued += queued
    if not report.clean:
        journal.append("kiosk.recovered", {"lane": lane_id, **report.to_dict()})
        log.warning("lane %s recovered: finished %s, voided %s", lane_id, report.finished, report.voided)
    report.checked_through = journal.head()[0]  # nothing before this is open now
    return report


def load_checkpoint(path: Path) -> int:
    """The journal position the last recovery left clean (0: read the whole journal)."""
    try:
        return int(json.loads(path.read_text())["checked_through"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def save_checkpoint(path: Path, seq: int) -> None:
    """Written atomically (a crash mid-write leaves the old checkpoint, never a later one)."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"checked_through": seq}, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _finish(journal: Any, basket: dict[str, Any], approved: list[tuple[Any, dict[str, Any]]], clock: Any,
            lane_id: str) -> None:
    sale = Sale.from_dict(basket)
    secrets = []
    for record, payload in approved:
        secret = journal.reveal(record) or {}
        sale.add_tender(Tender(TenderKind(payload["kind"]), Money.from_dict(payload["amount"]),
                               payload.get("reference") or "", payload.get("last4"), secret.get("token")))
        if secret:
            secrets.append(secret)
    now: datetime = clock()
    sale.complete(max(now, sale.created_at))
    journal.append("sale.completed", sale.to_dict(),
                   {"tenders": secrets, "operator": f"KIOSK-{lane_id}", "recovered": True} if secrets else None)
