"""What the cashier screens may do, in one place: the till (checkout, operators, uplink), the catalogue, the demo's
card slot, after-sale (refunds, voids) and shifts. Widgets call this; it never touches Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from drivers.base import DeviceStatus
from terminal.domain import Money


class RecordingPrinter:
    """The till's printer, keeping the bytes of the last slip so the screen can preview exactly what printed."""

    def __init__(self, printer: Any) -> None:
        self._printer = printer
        self.last: bytes | None = None
        self.lang = "en"  # the receipt's language (the screen's, or the store's setting)
        self.names: dict[str, str] = {}  # English item name -> the catalogue's name in `lang`

    def print_receipt(self, doc: Any) -> bytes:
        from terminal.ui.receipt_language import in_language

        data = self._printer.print_receipt(in_language(doc, self.lang, self.names))
        self.last = data
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._printer, name)


@dataclass(frozen=True)
class LinkState:
    """The network/sync line of the status bar."""

    online: bool
    pending: int
    oldest_pending_age_s: float | None
    last_error: str | None
    alarm: str | None


@dataclass
class Shop:
    """Built from a demo store (terminal.demo) or any object with `till`, `catalogue`, optional `cards` and
    `device_note`."""

    till: Any
    catalogue: Any
    cards: Any = None
    device_note: str = ""
    aftersale: Any = None
    wallets: Any = None  # the demo's digital-currency customers (terminal.demo.wallets); None on a real till
    shifts: Any = None
    printer: RecordingPrinter = field(init=False)

    def __post_init__(self) -> None:
        ports = self.till.checkout.ports
        if not isinstance(ports.printer, RecordingPrinter):
            ports.printer = RecordingPrinter(ports.printer)
        self.printer = ports.printer

    @classmethod
    def of(cls, store: Any) -> Shop:
        from terminal.checkout import AfterSale, SaleIndex, release_abandoned_holds
        from terminal.checkout.cbdc import UnansweredPayments
        from terminal.shifts import Shifts

        till = store.till
        shop = cls(till, store.catalogue, getattr(store, "cards", None), getattr(store, "device_note", ""))
        shop.wallets = getattr(store, "wallets", None)
        shop.aftersale = AfterSale(till.checkout, SaleIndex.open(till.journal))
        shop.shifts = Shifts(till.journal, till.operators, shop.printer, till.checkout.ports.clock,
                             till.keystore.terminal_id, header=till.checkout.header)
        till.checkout.ports.shifts = shop.shifts  # the checkout itself refuses to sell before the shift is open
        if till.uplink is not None:
            index = shop.aftersale.index
            # holds the checkout gave up on while the hub was silent are voided once a round gets through
            hub = till.checkout.ports.auth
            unanswered = UnansweredPayments(till.journal, till.checkout.ports.cbdc)

            def after_round(_report: Any) -> None:
                release_abandoned_holds(till.journal, hub, index)
                if till.checkout.ports.cbdc is not None:
                    unanswered.release()  # digital-currency payments whose answer was lost: given back

            till.uplink.after_round = after_round
            till.uplink.start()  # sync runs in its own thread; the status bar shows the queue
        return shop

    # --- people -------------------------------------------------------------------------------------------------

    @property
    def checkout(self) -> Any:
        return self.till.checkout

    @property
    def operator(self) -> Any:
        return self.till.checkout.operator

    def login(self, operator_id: str, pin: str) -> Any:
        """Raises the operator store's errors (wrong PIN with tries left, locked out, unknown)."""
        operator = self.till.operators.login(operator_id.strip().upper(), pin)
        self.till.checkout.operator = operator
        return operator

    def staff(self) -> list[Any]:
        """The till's enrolled operators (the login screen's buttons)."""
        return self.till.operators.all()

    # --- basket -------------------------------------------------------------------------------------------------

    def add_product(self, product: Any, quantity: int = 1) -> int:
        """Add to the basket; the same item at the same price again adds to its line (one line per item)."""
        checkout = self.checkout
        if checkout.state == "idle":
            checkout.start_sale()
        if checkout.state == "basket" and checkout.cart is not None:
            for line in checkout.cart.lines:
                if line.sku == product.sku and line.unit_price == product.price and line.discount is None:
                    return checkout.cart.set_quantity(line.line_no, line.quantity + quantity).line_no
        return checkout.add_item(product.sku, product.name, product.price, product.tax_rate, quantity)

    def print_in(self, lang: str) -> None:
        """Receipts in `lang` (the screen's) from now on."""
        self.printer.lang = lang
        self.printer.names = {p.name: p.display_name(lang) for p in self.catalogue}

    def item_name(self, sku: str, fallback: str, lang: str) -> str:
        """The basket line's name in the cashier's language (the journal keeps the catalogue's English name)."""
        try:
            return self.catalogue.by_sku(sku).display_name(lang)
        except Exception:  # an item no longer in the catalogue keeps the name it was sold under
            return fallback

    def scan(self, code: str, quantity: int = 1) -> int:
        """A barcode from the scanner or typed: adds the product, returns its line (the catalogue's error if
        unknown)."""
        return self.add_product(self.catalogue.by_barcode(code), quantity)

    def set_quantity(self, line_no: int, quantity: int) -> None:
        cart = self.checkout.cart
        if cart is None or self.checkout.state != "basket":
            return
        if quantity <= 0:
            cart.remove(line_no)
            if cart.is_empty:  # an emptied basket is no sale: back to idle (refunds, shift, log-out allowed)
                self.checkout.cancel("basket emptied")
        else:
            cart.set_quantity(line_no, quantity)

    def money(self, text: str) -> Money:
        return Money.parse(text.strip() or "0", self.checkout.currency)

    # --- link and devices ---------------------------------------------------------------------------------------

    def cbdc_waiting(self) -> int:
        """Offline digital-currency payments taken here that the hub has not settled yet (the status bar)."""
        wallets = self.till.checkout.ports.offline_wallets
        return len(wallets.waiting()) if wallets is not None else 0

    def link(self) -> LinkState:
        uplink = self.till.uplink
        if uplink is None:
            pending = self.till.journal.outbox_stats()[0]
            return LinkState(False, pending, None, "no hub configured", None)
        s = uplink.status()
        offline = self.checkout.offline  # the till approved offline since...; a sync round after that clears it
        synced_since = offline is None or (s.last_success_at is not None and
                                           datetime.fromisoformat(s.last_success_at).timestamp() > offline.since)
        online = s.enrolled and s.last_error is None and synced_since
        return LinkState(online, s.pending, s.oldest_pending_age_s, s.last_error, s.alarm)

    def devices(self) -> list[DeviceStatus]:
        out = []
        for device in (self.till.card_reader, self.till.contactless_reader, self.till.printer, self.till.drawer):
            try:
                out.append(device.status())
            except Exception as exc:  # a device that cannot even say how it is, is not ok
                out.append(DeviceStatus(type(device).__name__, "?", "?", True, "error", None, str(exc)))
        return out

    def poke_sync(self) -> None:
        """A sale or refund was journalled: send it now rather than at the next idle round."""
        if self.till.uplink is not None:
            self.till.uplink.poke()

    def sync_now(self) -> Any:
        """One sync round now (the uplink thread keeps going on its own); returns its report."""
        uplink = self.till.uplink
        if uplink is None:
            raise RuntimeError("No hub is configured on this till.")
        report = uplink.sync_once()
        if report.ok and uplink.after_round is not None:
            uplink.after_round(report)
        return report

    def receipt_png(self, data: bytes | None = None) -> bytes | None:
        from drivers.printer.preview import render_png

        data = self.printer.last if data is None else data
        return None if data is None else render_png(data)
