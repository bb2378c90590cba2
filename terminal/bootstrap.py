"""One bootstrap: the wiring of a till's real parts (key store, journal, sync state, risk engine, operators, hub
client and uplink, devices, checkout) in one place, outside the checkout. `assemble` is shared by the demo's rig
(terminal/demo/rig.py) and by a real till; `open_till` builds a real till from its data directory and config
(`edgepos till init`), with its own staff, store name, time zone and devices, and no simulator anywhere.
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from drivers.card.kernel import TerminalConfig
from drivers.printer.device import CashDrawer, EscposPrinter
from models.delivery import DEFAULT_SHADOW_S, ModelDelivery
from models.engine import RiskEngine
from models.features import FeatureState
from models.scorer import Scorer
from sync.hub_client import HubClient
from sync.journal import Journal, utc_now
from sync.keystore import FileKeyStore, KeyStoreError, secret_from_env
from sync.layout import CATALOGUE, JOURNAL, KEYS, RISK_STATE
from sync.state import SyncState, state_path_for
from sync.uplink import Uplink
from terminal.catalogue import Catalogue, Product
from terminal.cbdc.link import CbdcLink
from terminal.cbdc.offline import OfflineWallets
from terminal.checkout.errors import CheckoutError
from terminal.checkout.machine import Checkout
from terminal.checkout.ports import CheckoutPorts
from terminal.domain import Money, TaxRate
from terminal.hub_link import HubLink
from terminal.operators import Operator, OperatorStore, operators_path_for, pepper_from_keystore
from terminal.till.config import ConfigError, TillConfig, load_config

RISK_MODELS = "risk-models"  # risk models delivered by the hub (models/delivery.py)


def _shadow_s(sync_state: SyncState) -> float:
    """How long a delivered model runs in shadow: the hub's config `risk_shadow_hours`, else 24 h."""
    hours = sync_state.config()[1].get("risk_shadow_hours")
    return float(hours) * 3600 if isinstance(hours, int | float) and not isinstance(hours, bool) and hours >= 0 \
        else DEFAULT_SHADOW_S


def close_all(closers: list[Callable[[], None]]) -> None:
    """Close what was opened, last first; a failing close never stops the others (the list is emptied)."""
    for close in reversed(closers):
        with contextlib.suppress(Exception):
            close()
    closers.clear()


class ClosesInReverse:
    """`close()` (and `with`) closes the object's `_closers`, last first."""

    _closers: list[Callable[[], None]]

    def close(self) -> None:
        close_all(self._closers)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalBlacklist:
    """Tokens blocked on this terminal by hand (the hub's list arrives through SyncState)."""

    def __init__(self, tokens: tuple[str, ...] = ()) -> None:
        self.tokens = set(tokens)

    def is_blacklisted(self, token: str) -> bool:
        return token in self.tokens


@dataclass
class Till(ClosesInReverse):
    data_dir: Path
    keystore: FileKeyStore
    journal: Journal
    sync_state: SyncState
    risk: RiskEngine
    operators: OperatorStore
    uplink: Uplink | None
    card_reader: Any  # PcscCardReader, an emulated reader (demo, tests) or None
    contactless_reader: Any
    printer: Any
    drawer: Any
    blacklist: LocalBlacklist
    operator: Operator | None  # None on a real till until someone logs in at the app
    checkout: Checkout
    _closers: list[Callable[[], None]] = field(default_factory=list)


def assemble(data_dir: Path, keystore: FileKeyStore, *, hub_url: str | None, clock: Callable[[], datetime],
             printer: Any, card_reader: Any, contactless_reader: Any,
             login: Callable[[OperatorStore], Operator | None] = lambda _ops: None, profile: str = "retail",
             currency: str = "CNY", auth_budget_s: float = 2.0, checkout_options: dict[str, Any] | None = None,
             hard_wallet: Any = None, contactless_wallet: Any = None) -> Till:
    """The journal, sync state, risk engine, operators, uplink and checkout of a till in `data_dir` around the
    given key store and devices. `login` may log an operator in once the operator store is open (the demo's
    cashier); a real till starts logged out."""
    journal = Journal.open(data_dir / JOURNAL, keystore, clock, create=True)
    closers: list[Callable[[], None]] = [journal.close]
    try:
        sync_state = SyncState.open(state_path_for(journal.path))
        closers.append(sync_state.close)
        blacklist = LocalBlacklist()
        features = FeatureState(data_dir / RISK_STATE)
        closers.append(features.close)
        scorer = Scorer.shipped()
        risk = RiskEngine(features, scorer, blacklists=(sync_state, blacklist))
        delivery = ModelDelivery(scorer, data_dir / RISK_MODELS, shadow_s=lambda: _shadow_s(sync_state))
        operators = OperatorStore.open(operators_path_for(journal.path), pepper_from_keystore(keystore),
                                       clock=clock, audit=journal)
        closers.append(operators.close)
        operator = login(operators)
        uplink: Uplink | None = None
        hub: HubLink | None = None
        cbdc: CbdcLink | None = None
        if hub_url is not None:
            client = HubClient(keystore, hub_url)
            closers.append(client.close)  # after the uplink's thread has stopped (closers run in reverse)
            uplink = Uplink(journal, client, state=sync_state, batch_size=1000,
                            on_model=lambda pointer: delivery.offer(pointer, client.model_file))
            closers.append(uplink.close)
            hub = HubLink(client, uplink)
            cbdc = CbdcLink(client, sync_state)
        known_issuer = cbdc.issuer_key if cbdc is not None else lambda: None
        wallets = OfflineWallets(journal, sync_state.is_blacklisted, known_issuer)
        signer = keystore.signing_key()
        drawer = CashDrawer(printer)
        ports = CheckoutPorts(journal=journal, risk=risk, auth=hub, clock=clock,
                              printer=printer, drawer=drawer, operators=operators, card_reader=card_reader,
                              contactless_reader=contactless_reader, token_key=keystore.token_key(), cbdc=cbdc,
                              offline_wallets=wallets, hard_wallet=hard_wallet, contactless_wallet=contactless_wallet,
                              receipt_signer=signer.sign)
        checkout = Checkout(ports, terminal_id=keystore.terminal_id, operator=operator, profile=profile,
                            currency=currency, auth_budget_s=auth_budget_s, **(checkout_options or {}))
    except BaseException:
        close_all(closers)
        raise
    return Till(data_dir, keystore, journal, sync_state, risk, operators, uplink, card_reader, contactless_reader,
                printer, drawer, blacklist, operator, checkout, closers)


# --- a real till -------------------------------------------------------------------------------------------------


class TillUnavailable(Exception):
    """The till cannot open: config, keys, journal or catalogue missing or unreadable. One sentence, what to do."""


@dataclass
class RealStore(ClosesInReverse):
    """A real till as the cashier app sees it (what `Shop.of` needs): no demo card slot, its own catalogue."""

    till: Till
    catalogue: Catalogue
    config: TillConfig
    device_note: str
    cards: None = None  # no "customer hands over a card" buttons: cards come from the readers
    _closers: list[Callable[[], None]] = field(default_factory=list)


def open_till(data_dir: Path, *, secret: bytes | None = None, clock: Callable[[], datetime] = utc_now) -> RealStore:
    """Open the till set up in `data_dir` from its config (TillUnavailable with one sentence when it cannot)."""
    data_dir = data_dir.resolve()
    for marker in ("RETIRED", "RETIRING"):  # terminal.fleet.agent: a retired till never opens to sell again
        if (data_dir / marker).exists():
            raise TillUnavailable(f"This terminal is {marker.lower()} (fleet management); it sells no more.")
    try:
        config = load_config(data_dir)
    except ConfigError as exc:
        raise TillUnavailable(str(exc)) from None
    try:
        keystore = FileKeyStore.open(data_dir / KEYS, secret if secret is not None else secret_from_env())
    except KeyStoreError as exc:
        raise TillUnavailable(f"The till's keys cannot be opened: {exc}.") from None
    catalogue = load_catalogue(data_dir / CATALOGUE, config.store.currency)
    devices, notes = _devices(config, TerminalConfig(token_key=keystore.token_key()))
    store = config.store
    header = tuple(line for line in (store.name, store.address, f"Tax id {store.tax_id}" if store.tax_id else "",
                                     *store.receipt_header) if line)
    options = {"header": header, "footer": tuple(store.receipt_footer) or ("Thank you!",),
               "receipt_tz": store.zone(), "merchant_name": store.name, "receipt_link": config.hub.invoice_url or None}
    try:
        till = assemble(data_dir, keystore, hub_url=config.hub.url, clock=clock, profile=store.profile,
                        currency=store.currency, checkout_options=options, **devices)
    except Exception as exc:
        close_all([device.close for device in devices.values() if device is not None])
        raise TillUnavailable(f"The till in {data_dir} cannot open: {exc}") from None
    real = RealStore(till, catalogue, config, "; ".join(notes))
    real._closers = [till.close, *[d.close for d in devices.values() if d is not None]]
    return real


def _devices(config: TillConfig, card_config: TerminalConfig) -> tuple[dict[str, Any], list[str]]:
    """The printer and card readers named in the config. A device that cannot be opened is left out with a note
    (the app says which; the checkout tells the cashier to take another tender), never replaced by a simulator."""
    devices = config.devices
    notes = []
    if devices.printer == "none":
        printer = EscposPrinter("dummy:", name="no printer (receipts on screen)")
        notes.append("no receipt printer configured: receipts are shown on screen only")
    else:
        printer = EscposPrinter(devices.printer)
    card_reader = contactless = None
    if devices.card_reader != "none":
        from drivers.card.kernel import EmvKernel
        from drivers.card.pcsc import PcscCardReader

        try:
            card_reader = PcscCardReader.discover(EmvKernel(card_config), devices.card_reader.removeprefix("pcsc:"))
        except Exception as exc:  # pcscd down or no such reader: cards are refused with a sentence, cash goes on
            notes.append(f"card reader {devices.card_reader} not available: {exc}")
    else:
        notes.append("no card reader configured")
    if devices.contactless != "none":
        from drivers.card.kernel import EmvKernel
        from drivers.nfc.reader import NfcReader

        try:
            contactless = NfcReader(devices.contactless.removeprefix("nfc:"), EmvKernel(card_config))
        except Exception as exc:
            notes.append(f"contactless reader {devices.contactless} not available: {exc}")
    return {"printer": printer, "card_reader": card_reader, "contactless_reader": contactless}, notes


# --- the catalogue -----------------------------------------------------------------------------------------------

CATALOGUE_COLUMNS = ("sku", "barcode", "name", "name_zh", "category", "price", "vat_percent", "unit")


def load_catalogue(path: Path, currency: str) -> Catalogue:
    """The shop's products from a CSV file with a header row: sku, barcode (EAN-13, UPC-A or EAN-8), name, name_zh
    (may be empty), category, price (shelf price, tax included, e.g. 3.50), vat_percent (e.g. 13), unit."""
    from terminal.catalogue import gtin13

    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        raise TillUnavailable(f"No products: put the shop's product list in {path} "
                              f"(columns {', '.join(CATALOGUE_COLUMNS)}).") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TillUnavailable(f"The product list {path} cannot be read ({exc}).") from None
    products = []
    for number, row in enumerate(rows, start=2):
        try:
            vat = Decimal(row["vat_percent"])
            products.append(Product(row["sku"], row["name"], row.get("name_zh") or row["name"], row["category"],
                                    Money.from_decimal(Decimal(row["price"]), currency),
                                    TaxRate(f"VAT{vat.normalize()}", vat / 100, inclusive=True),
                                    gtin13(row["barcode"]), row.get("unit") or "each"))
        except (KeyError, TypeError, ValueError, ArithmeticError, CheckoutError) as exc:
            raise TillUnavailable(f"{path} line {number}: {exc}") from None
    try:
        return Catalogue(products)
    except Exception as exc:
        raise TillUnavailable(f"{path}: {exc}") from None
