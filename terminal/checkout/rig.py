"""Assemble a till from real parts in one data directory: key store, journal, risk engine with the shipped model,
operator store, uplink to a hub, emulated card readers through the EMV kernel, an ESC/POS printer and its drawer.

Used by the headless benchmark, the tests and `edgepos demo`, so all drive the same wiring. A data directory that
already holds a till is reopened (same keys, journal, operators), given the key store secret it was created with.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from drivers.card.inprocess import EmulatedCardReader
from drivers.card.kernel import TerminalConfig
from drivers.printer.device import CashDrawer, EscposPrinter
from models.engine import RiskEngine
from models.features import FeatureState
from models.scorer import Scorer
from sync.journal import Journal, utc_now
from sync.keystore import FileKeyStore, KeyStoreError, random_secret
from sync.state import SyncState, state_path_for
from sync.uplink import Uplink
from terminal.checkout.machine import Checkout
from terminal.checkout.ports import CheckoutPorts
from terminal.hub_link import HubLink
from terminal.operators import (
    Operator,
    OperatorStore,
    Role,
    UnknownOperator,
    operators_path_for,
    pepper_from_keystore,
)

# (id, name, role, PIN): the sample staff of the demo store
SAMPLE_OPERATORS: tuple[tuple[str, str, Role, str], ...] = (
    ("M-001", "Mei (manager)", Role.MANAGER, "9999"),
    ("S-001", "Sun (supervisor)", Role.SUPERVISOR, "2468"),
    ("C-001", "Chen (cashier)", Role.CASHIER, "1357"),
    ("T-001", "Tao (technician)", Role.TECHNICIAN, "8642"),
)


class LocalBlacklist:
    """Tokens blocked on this terminal by hand (the hub's list arrives through SyncState)."""

    def __init__(self, tokens: Sequence[str] = ()) -> None:
        self.tokens = set(tokens)

    def is_blacklisted(self, token: str) -> bool:
        return token in self.tokens


@dataclass
class Till:
    data_dir: Path
    keystore: FileKeyStore
    journal: Journal
    sync_state: SyncState
    risk: RiskEngine
    operators: OperatorStore
    uplink: Uplink | None
    card_reader: Any  # EmulatedCardReader, or what `card_reader` built (a PcscCardReader)
    contactless_reader: EmulatedCardReader
    printer: Any
    drawer: Any
    blacklist: LocalBlacklist
    operator: Operator
    checkout: Checkout
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self._closers):
            with contextlib.suppress(Exception):
                close()


def build_till(data_dir: Path, *, terminal_id: str, hub_url: str | None = None, enrol_secret: bytes | None = None,
               merchant_id: str = "M-DEMO", printer: Any = None, operator_id: str = "C-001",
               profile: str = "retail", clock: Callable[[], datetime] = utc_now,
               auth_budget_s: float = 2.0, secret: bytes | None = None,
               card_reader: Callable[[TerminalConfig], Any] | None = None) -> Till:
    """A ready till in `data_dir`, the cashier `operator_id` logged in.

    A new directory gets fresh keys (wrapped by `secret`, random when None) for `terminal_id`. A directory holding a
    key store is reopened with `secret` (required then) and keeps its own terminal id. `card_reader` builds the
    contact reader from the kernel's config (default: the in-process emulated one)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    keys = data_dir / "keys.json"
    if keys.exists():
        if secret is None:
            raise KeyStoreError(f"{keys}: a till exists here; its key store secret is needed to reopen it")
        keystore = FileKeyStore.open(keys, secret)
    else:
        keystore = FileKeyStore.create(keys, secret or random_secret(), terminal_id)
    journal = Journal.open(data_dir / "journal.db", keystore, clock, create=True)
    closers: list[Callable[[], None]] = [journal.close]
    sync_state = SyncState.open(state_path_for(journal.path))
    closers.append(sync_state.close)
    blacklist = LocalBlacklist()
    features = FeatureState(data_dir / "risk-state.db")
    closers.append(features.close)
    risk = RiskEngine(features, Scorer.shipped(), blacklists=(sync_state, blacklist))
    operators = OperatorStore.open(operators_path_for(journal.path), pepper_from_keystore(keystore), clock=clock,
                                   audit=journal)
    closers.append(operators.close)
    _add_sample_operators(operators)
    pins = {ident: pin for ident, _, _, pin in SAMPLE_OPERATORS}
    operator = operators.login(operator_id, pins[operator_id])
    uplink = None
    if hub_url is not None:
        uplink = Uplink(journal, keystore, hub_url, state=sync_state, batch_size=1000)
        closers.append(uplink.close)
        if enrol_secret is not None:
            uplink.enrol(merchant_id, enrol_secret)
    config = TerminalConfig(token_key=keystore.token_key())
    card_reader_ = card_reader(config) if card_reader else EmulatedCardReader(config)
    contactless = EmulatedCardReader(config, contactless=True)
    printer = printer or EscposPrinter("dummy:", simulated=True)
    drawer = CashDrawer(printer)
    ports = CheckoutPorts(journal=journal, risk=risk, auth=HubLink(uplink) if uplink else None, clock=clock,
                          printer=printer, drawer=drawer, operators=operators, card_reader=card_reader_,
                          contactless_reader=contactless, token_key=keystore.token_key())
    checkout = Checkout(ports, terminal_id=keystore.terminal_id, operator=operator, profile=profile,
                        auth_budget_s=auth_budget_s, header=("EDGEPOS DEMO STORE",))
    return Till(data_dir, keystore, journal, sync_state, risk, operators, uplink, card_reader_, contactless, printer,
                drawer, blacklist, operator, checkout, closers)


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
