"""Helpers for the digital-currency tests (imported by name: pytest puts this folder on sys.path): a real hub
process, the wallet simulator against it, tills from real parts enrolled at it."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from hub.process import HubProcess
from terminal.cbdc.simulator import WalletSimulator
from terminal.demo.rig import Till, build_till
from terminal.domain import Money, TaxRate

ADMIN_TOKEN = "cbdc-tests-admin-token-0123456789abcdef"
MERCHANT = "M-12CBDC"
VAT = TaxRate("VAT13", Decimal("0.13"), inclusive=True)


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


def new_till(where: Path, hub: HubProcess, **options: Any) -> Till:
    till = build_till(where / uuid.uuid4().hex[:8], terminal_id=f"T12-{uuid.uuid4().hex[:8]}", hub_url=hub.url,
                      enrol_code=hub.enrol_code(MERCHANT).encode(), merchant_id=MERCHANT, **options)
    assert till.checkout.ports.cbdc is not None
    assert till.checkout.ports.cbdc.issuer_key() is not None  # one contact with the hub: offline checks work
    return till


def basket(till: Till, price_minor: int) -> None:
    co = till.checkout
    co.start_sale()
    co.add_item("SKU1", "Tea", cny(price_minor), VAT)
    co.checkout()


def slot(till: Till, contactless: bool = False) -> Any:
    ports = till.checkout.ports
    return ports.contactless_wallet if contactless else ports.hard_wallet


def simulator(hub: HubProcess) -> WalletSimulator:
    return WalletSimulator(hub.url, ADMIN_TOKEN)


def records_of(till: Till, record_type: str) -> list[Any]:
    return [r for r in till.journal.records() if r.type == record_type]
