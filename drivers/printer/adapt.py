"""Turn any receipt-shaped object (terminal.domain's Receipt, without importing it: the dependency points from
terminal to drivers) into a ReceiptDocument. Money-like fields need `.amount` (int minor units)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo
from decimal import Decimal
from typing import Any

from drivers.printer.document import AmountRow, ItemRow, ReceiptDocument, TenderRow

_TITLES = {"sale": "SALE", "refund": "REFUND", "void": "VOID"}


def document_from_receipt(receipt: Any, qr_link: str | None = None, footer: Sequence[str] = ("Thank you!",),
                          tz: tzinfo = UTC) -> ReceiptDocument:
    kind = str(receipt.kind)
    meta = [receipt.issued_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z"), f"Terminal {receipt.terminal_id}",
            f"Sale {receipt.sale_id}"]
    if kind != "sale":
        meta.append(f"{_TITLES.get(kind, kind.upper()).title()} {receipt.document_id}")
    if getattr(receipt, "reason", ""):
        meta.append(f"Reason: {receipt.reason}")
    totals = [AmountRow("Subtotal", receipt.subtotal.amount)]
    if receipt.discount.amount:
        totals.append(AmountRow("Discount", -receipt.discount.amount))
    for tax in receipt.taxes:
        rate = tax.rate
        pct = f"{Decimal(rate.rate * 100).normalize():f}%"
        totals.append(AmountRow(f"{rate.code} {pct}{' incl.' if rate.inclusive else ''}", tax.tax.amount))
    totals.append(AmountRow("TOTAL", receipt.total.amount, emphasis=True))
    tenders = []
    for t in receipt.tenders:
        label = getattr(t.kind, "label", str(t.kind))
        if str(t.kind) == "cbdc_wallet" and receipt.currency == "CNY":
            label = "Digital RMB"  # e-CNY by its name (数字人民币 on a Chinese receipt); the wallet's last 4 only
        tenders.append(TenderRow(label, t.amount.amount, t.card, t.reference))
    return ReceiptDocument(
        currency=receipt.currency, title=_TITLES.get(kind, kind.upper()), header=tuple(receipt.header),
        meta=tuple(meta),
        items=tuple(ItemRow(x.name, x.quantity, x.unit_price.amount, x.amount.amount, x.discount.amount)
                    for x in receipt.lines),
        totals=tuple(totals), tenders=tuple(tenders), change=receipt.change.amount, qr_link=qr_link,
        footer=tuple(footer),
    )
