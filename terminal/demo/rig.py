"""The demo and test rig: a till from real parts in one data directory (terminal.bootstrap.assemble: key store,
journal, risk engine with the shipped model, operator store, uplink) with emulated card readers through the EMV
kernel, a simulated ESC/POS printer, the sample staff and the cashier logged in.

Used by the headless benchmark, the tests and `edgepos demo`, so all drive the same wiring. A data directory that
already holds a till is reopened (same keys, journal, operators), given the key store secret it was created with.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from drivers.card.hardwallet_applet import WalletSlot
from drivers.card.inprocess import EmulatedCardReader
from drivers.card.kernel import TerminalConfig
from drivers.printer.device import EscposPrinter
from sync.journal import utc_now
from sync.keystore import FileKeyStore, KeyStoreError, random_secret
from sync.layout import KEYS
from terminal.bootstrap import LocalBlacklist, Till, assemble
from terminal.operators import Operator, OperatorStore, Role, UnknownOperator

__all__ = ["SAMPLE_OPERATORS", "LocalBlacklist", "Till", "build_till"]

# (id, name, role, PIN): the sample staff of the demo store
SAMPLE_OPERATORS: tuple[tuple[str, str, Role, str], ...] = (
    ("M-001", "Mei", Role.MANAGER, "9999"),
    ("S-001", "Sun", Role.SUPERVISOR, "2468"),
    ("C-001", "Chen", Role.CASHIER, "1357"),
    ("T-001", "Tao", Role.TECHNICIAN, "8642"),
)


def build_till(data_dir: Path, *, terminal_id: str, hub_url: str | None = None, enrol_code: bytes | None = None,
               merchant_id: str = "M-DEMO", printer: Any = None, operator_id: str = "C-001",
               profile: str = "retail", clock: Callable[[], datetime] = utc_now,
               auth_budget_s: float = 2.0, secret: bytes | None = None,
               card_reader: Callable[[TerminalConfig], Any] | None = None, hard_wallet: Any = None,
               contactless_wallet: Any = None) -> Till:
    """A ready till in `data_dir`, the cashier `operator_id` logged in.

    A new directory gets fresh keys (wrapped by `secret`, random when None) for `terminal_id`. A directory holding a
    key store is reopened with `secret` (required then) and keeps its own terminal id. `card_reader` builds the
    contact reader from the kernel's config (default: the in-process emulated one). `hard_wallet` /
    `contactless_wallet` take digital-currency hard wallets (default: emulated slots, `WalletSlot.present`)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    keys = data_dir / KEYS
    if keys.exists():
        if secret is None:
            raise KeyStoreError(f"{keys}: a till exists here; its key store secret is needed to reopen it")
        keystore = FileKeyStore.open(keys, secret)
    else:
        keystore = FileKeyStore.create(keys, secret or random_secret(), terminal_id)
    config = TerminalConfig(token_key=keystore.token_key())
    pins = {ident: pin for ident, _, _, pin in SAMPLE_OPERATORS}

    def sample_staff(operators: OperatorStore) -> Operator:
        _add_sample_operators(operators)
        return operators.login(operator_id, pins[operator_id])

    printer = printer or EscposPrinter("dummy:", simulated=True)
    till = assemble(data_dir, keystore, hub_url=hub_url, clock=clock, printer=printer,
                    card_reader=card_reader(config) if card_reader else EmulatedCardReader(config),
                    contactless_reader=EmulatedCardReader(config, contactless=True), login=sample_staff,
                    profile=profile, auth_budget_s=auth_budget_s,
                    checkout_options={"header": ("EDGEPOS DEMO STORE",)},
                    hard_wallet=hard_wallet or WalletSlot("emulated hard-wallet slot"),
                    contactless_wallet=contactless_wallet or WalletSlot("emulated hard-wallet tap"))
    if till.uplink is not None and enrol_code is not None:
        try:
            till.uplink.enrol(merchant_id, enrol_code)
        except BaseException:
            till.close()
            raise
    return till


def _add_sample_operators(operators: OperatorStore) -> None:
    """Enrol the sample staff that are missing (all on a new till; none when reopening one)."""
    manager = None
    for ident, name, role, pin in SAMPLE_OPERATORS:
        try:
            existing = operators.get(ident)
        except UnknownOperator:
            existing = operators.add(ident, name, role, pin, by=manager)
        if manager is None and existing.role is Role.MANAGER:
            manager = existing
