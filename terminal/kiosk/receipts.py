"""The kiosk's receipt choice: the checkout lays the receipt out at commit as always, but on a kiosk the document
is held here (a PrinterPort) until the customer chooses print, the QR e-receipt on screen, or none."""

from __future__ import annotations

from typing import Any

from drivers.printer.document import ReceiptDocument


class HeldReceipts:
    """Wraps the real printer. `print_receipt` keeps the document (the sale is already durable); `release` prints
    it; `link` is the e-receipt code the QR on screen carries (terminal.checkout.sales_index.receipt_code)."""

    def __init__(self, printer: Any) -> None:
        self.printer = printer
        self.held: ReceiptDocument | None = None

    def print_receipt(self, doc: ReceiptDocument) -> bytes:
        self.held = doc
        return b""

    @property
    def link(self) -> str | None:
        return None if self.held is None else self.held.qr_link

    def release(self) -> bytes:
        if self.held is None:
            return b""
        return self.printer.print_receipt(self.held)

    def drop(self) -> None:
        self.held = None

    # the cash drawer port rides on the printer (CashDrawer(printer)); a kiosk takes no cash, but the port is whole
    def kick_drawer(self, pin: int = 2) -> None:
        self.printer.kick_drawer(pin)

    def status(self) -> Any:
        return self.printer.status()

    def close(self) -> None:
        self.printer.close()
