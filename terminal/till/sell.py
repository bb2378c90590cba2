"""A cash sale on a real till without the window: barcodes rung up through the same checkout the cashier app drives,
exact cash taken, the sale sent to the hub. Behind `edgepos run --sell` (scripts, smoke tests after an install,
the README's walk-through); an integrator's own front end calls `sell_for_cash` the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from terminal.checkout import CheckoutError
from terminal.domain import Receipt


@dataclass(frozen=True)
class CashSale:
    sale_id: str
    total_minor: int
    currency: str
    synced: bool
    pending: int  # records still waiting for the hub after the sync round
    receipt: str  # as printed, in the store's name and time zone

    def to_dict(self) -> dict[str, Any]:
        return {"sale_id": self.sale_id, "total": {"amount": self.total_minor, "currency": self.currency},
                "synced": self.synced, "pending": self.pending, "receipt": self.receipt}


def parse_item(text: str) -> tuple[str, int]:
    """`BARCODE` or `BARCODE*QTY`."""
    code, _, quantity = text.partition("*")
    count = int(quantity or 1)
    if count < 1:
        raise ValueError(f"{text}: the quantity must be at least 1")
    return code.strip(), count


def sell_for_cash(store: Any, operator_id: str, pin: str, items: Sequence[str]) -> CashSale:
    """Log `operator_id` in, ring `items` up, take exact cash, send to the hub. Raises the operator store's, the
    catalogue's and the checkout's errors (each a sentence for the person at the till)."""
    till, checkout = store.till, store.till.checkout
    checkout.operator = till.operators.login(operator_id, pin)
    checkout.start_sale()
    for item in items:
        code, quantity = parse_item(item)
        product = store.catalogue.by_barcode(code)
        checkout.add_item(product.sku, product.name, product.price, product.tax_rate, quantity)
    checkout.checkout()
    assert checkout.sale is not None
    outcome = checkout.pay_cash(checkout.sale.remaining)
    sale = checkout.last_sale
    if outcome.result != "completed" or sale is None:
        raise CheckoutError(outcome.sentence, code=outcome.code, params=outcome.params)
    report = till.uplink.sync_once() if till.uplink is not None else None
    pending = report.pending if report is not None else till.journal.outbox_stats()[0]
    receipt = Receipt.for_sale(sale, checkout.header).render_text(tz=checkout.receipt_tz)
    return CashSale(sale.sale_id, sale.total.amount, sale.total.currency,
                    report is not None and report.ok and pending == 0, pending, receipt)
