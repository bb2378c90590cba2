"""The demo store: an embedded hub, a till with sample staff, the sample catalogue and simulated card hardware.

Everything lives in one data directory: `hub.db` (+ `hub.log`) for the hub, `till/` for the terminal (key store,
journal, operators, risk state). Opening the same directory again reopens that store, so the journal keeps growing.
The till's key store secret comes from EDGEPOS_KEY_SECRET when set; otherwise the demo keeps a random one in
`demo-key-secret` (0600) next to the store, which is fine for sample data and says so: a real till never does this.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from drivers.card.emulator import TEST_CARDS, CardProfile
from hub.process import HubProcess
from sync.crypto import sm3
from sync.journal import utc_now
from sync.keystore import SECRET_ENV, random_secret
from terminal.bootstrap import ClosesInReverse, close_all
from terminal.catalogue import Catalogue, sample_catalogue
from terminal.demo.rig import SAMPLE_OPERATORS, Till, build_till
from terminal.demo.startup import MERCHANT, BackgroundStart, SwitchableCardSlot, free_port
from terminal.demo.wallets import DemoWallets

DEVICES = ("auto", "pcscd", "inprocess")
SECRET_FILE = "demo-key-secret"
# what each test card does, for the "customer hands over a card" buttons
CARD_LABELS: dict[str, str] = {
    "visa": "Visa credit (approves)",
    "unionpay": "UnionPay debit (approves)",
    "expired": "Expired card (declined by the card)",
    "blacklisted": "Blocked card (declined)",
    "pin": "Card that asks for its PIN (1234)",
    "online": "Card that always goes online",
    "malformed": "Damaged chip (unreadable)",
    "pulled": "Card pulled out too early",
}


class CardSlot(Protocol):
    """The demo's "customer hands over a card" control, whichever reader backs it."""

    def names(self) -> list[str]: ...
    def label(self, name: str) -> str: ...
    def present(self, name: str | CardProfile, pin: str | None = None, contactless: bool = False) -> None: ...
    def close(self) -> None: ...


class DemoCardNames:
    """The emulator's test cards, as the demo's card panel lists them (shared by both card slots)."""

    def names(self) -> list[str]:
        return list(TEST_CARDS)

    def label(self, name: str) -> str:
        return CARD_LABELS.get(name, name)


class InProcessCardSlot(DemoCardNames):
    """Cards go straight to the till's in-process emulated readers (no pcscd needed)."""

    def __init__(self, till: Till) -> None:
        self.till = till

    def present(self, name: str | CardProfile, pin: str | None = None, contactless: bool = False) -> None:
        reader = self.till.contactless_reader if contactless else self.till.card_reader
        reader.present(name, pin=pin)

    def close(self) -> None:
        pass


@dataclass
class DemoStore(ClosesInReverse):
    till: Till
    catalogue: Catalogue
    hub: HubProcess
    data_dir: Path
    device_note: str
    cards: CardSlot
    devices: str  # what was chosen: "pcscd" or "inprocess"
    key_note: str = ""  # where the key store secret came from
    startup: Any = None  # terminal.demo.startup.BackgroundStart when the hub comes up behind the window
    wallets: Any = None  # terminal.demo.wallets.DemoWallets: digital-currency customers (None without a hub)
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def operators(self) -> list[tuple[str, str, str]]:
        """(id, name, PIN) of the sample staff, for the start-up banner and the login screen's hint."""
        return [(ident, name, pin) for ident, name, _role, pin in SAMPLE_OPERATORS]



def open_demo_store(data_dir: Path | None = None, *, devices: str = "auto", sales_hub: bool = True,
                    clock: Callable[[], datetime] = utc_now, background: bool = False) -> DemoStore:
    """Start the demo store (use as a context manager). `data_dir=None`: a temporary store removed on close.

    `sales_hub=False` skips the hub (the till sells offline only). `clock` is the till's clock (the headless run
    replays a shop day with one). `background=True` (the window) returns once the till can log people in; the hub,
    the enrolment and the warm-ups follow in a thread (`store.startup`)."""
    if devices not in DEVICES:
        raise ValueError(f"devices must be one of {', '.join(DEVICES)}, not {devices!r}")
    closers: list[Callable[[], None]] = []
    try:
        if data_dir is None:
            where = Path(tempfile.mkdtemp(prefix="edgepos-demo-"))
            closers.append(lambda: shutil.rmtree(where, ignore_errors=True))
        else:
            where = data_dir.resolve()
            where.mkdir(parents=True, exist_ok=True)
        secret, key_note = _key_secret(where, temporary=data_dir is None)
        admin_token = uuid.uuid4().hex
        # the CBDC issuer key outlives the run's admin token: sealed with a secret derived from the store's own
        issuer_secret = sm3(b"edgepos-demo-cbdc-issuer\n" + secret).hex()
        hub = HubProcess(db=where / "hub.db", admin_token=admin_token, log=where / "hub.log",
                         port=free_port() if background else 0,
                         extra_env={"EDGEPOS_CBDC_ISSUER_SECRET": issuer_secret})
        if sales_hub:
            if not background:
                hub.start()
            closers.append(hub.stop)
        backend, pcscd, why = start_cards("inprocess" if background else devices)
        if pcscd is not None:
            closers.append(pcscd.close)
        till = build_till(where / "till", terminal_id=f"DEMO-{uuid.uuid4().hex[:8].upper()}",
                          hub_url=hub.url if sales_hub else None,
                          enrol_code=hub.enrol_code(MERCHANT).encode() if sales_hub and not background else None,
                          clock=clock, secret=secret, card_reader=pcscd.reader if pcscd else None)
        closers.append(till.close)
        block_demo_card(till)
        if pcscd is not None:
            pcscd.attach(till)
            cards: CardSlot = pcscd
            note = pcscd_note(pcscd)
        else:
            cards = InProcessCardSlot(till) if not background else SwitchableCardSlot(InProcessCardSlot(till))
            note = inprocess_note(why)
            if background and devices != "inprocess":
                note = ("Cards: pcscd's virtual reader comes up behind the window (the status bar says when); "
                        "until then cards are emulated in-process through the real EMV kernel.")
        store = DemoStore(till, sample_catalogue(), hub, where, note, cards, backend, key_note)
        if sales_hub:
            store.wallets = DemoWallets(hub)
            closers.append(store.wallets.close)
        if background:
            store.startup = BackgroundStart(store, start_hub=sales_hub, devices=devices).start()
            closers.append(store.startup.close)
        store._closers = closers
        return store
    except BaseException:
        close_all(closers)
        raise


def block_demo_card(till: Till) -> None:
    """The "Blocked card (declined)" test card is on this till's blacklist, for the window and the script alike."""
    from sync.pan import tokenize_pan

    till.blacklist.tokens.add(tokenize_pan(TEST_CARDS["blacklisted"].pan, till.keystore.token_key()).token)


def inprocess_note(why: str) -> str:
    return f"Cards are emulated in-process through the real EMV kernel ({why}); no pcscd is used."


def pcscd_note(pcscd: Any) -> str:
    return (f"Cards are virtual chips in pcscd's reader {pcscd.reader_name!r} (real PC/SC stack); "
            "taps use the in-process contactless reader.")


def start_cards(devices: str) -> tuple[str, Any, str]:
    """(backend, pcscd slot or None, why in-process). "auto" takes pcscd + vpcd when this machine has them (the real
    PC/SC stack, on vpcd's first reader; the tests use the second) and says why when it falls back."""
    if devices == "inprocess":
        return "inprocess", None, "as asked"
    from drivers.errors import ServiceUnavailable
    from terminal.demo.pcscd_slot import PcscdCardSlot

    if devices == "auto" and shutil.which("pcscd") is None and not Path("/usr/sbin/pcscd").exists():
        return "inprocess", None, "pcscd is not installed"
    try:
        return "pcscd", PcscdCardSlot.start(), ""
    except ServiceUnavailable as exc:
        if devices == "pcscd":
            raise
        return "inprocess", None, f"pcscd is not usable here: {exc}"


def _key_secret(where: Path, *, temporary: bool) -> tuple[bytes, str]:
    """The key store secret: EDGEPOS_KEY_SECRET, else a demo file (kept only for a store that outlives the run)."""
    from_env = os.environ.get(SECRET_ENV, "")
    if from_env:
        return from_env.encode(), f"key store secret from {SECRET_ENV}"
    if temporary:
        return random_secret(), "key store secret random, for this run only"
    path = where / SECRET_FILE
    if path.exists():
        return path.read_bytes().strip(), f"demo key store secret in {path} (set {SECRET_ENV} to keep it off disk)"
    secret = random_secret()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(secret)
        out.flush()
        os.fsync(out.fileno())
    return secret, f"demo key store secret in {path} (set {SECRET_ENV} to keep it off disk)"


def describe(store: DemoStore) -> list[str]:
    """What was started, as the banner lines `edgepos demo` prints."""
    lines = [
        f"hub: {store.hub.url if store.hub.process else 'not started (offline only)'}"
        if store.startup is None else f"hub: {store.hub.url} (starting behind the window)",
        f"data: {store.data_dir}",
        f"terminal: {store.till.keystore.terminal_id}",
        f"devices: {store.device_note}",
        f"keys: {store.key_note}",
        f"catalogue: {len(store.catalogue)} products in {', '.join(store.catalogue.categories())}",
        "staff (id, PIN): " + ", ".join(f"{ident} {name} {pin}" for ident, name, pin in store.operators),
    ]
    return lines


def sale_clock_floor(data_dir: Path | None) -> datetime | None:
    """Time of the last journal record of an existing store, read without its keys (record times are not secret):
    a replayed shop day must start after it, so a reopened till's clock never runs backwards."""
    import sqlite3

    if data_dir is None:
        return None
    path = data_dir / "till" / "journal.db"
    if not path.exists():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT time FROM records ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    return datetime.fromisoformat(row[0]) if row else None


__all__ = ["CARD_LABELS", "DEVICES", "CardSlot", "DemoStore", "InProcessCardSlot", "describe", "open_demo_store",
           "sale_clock_floor"]
