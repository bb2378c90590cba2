"""`edgepos demo --screenshot DIR`: walk the main screens of a demo store offscreen and save each as a PNG.

The walk taps buttons and fills fields by name, as a cashier would, so the pictures show real states: a sale in
progress, the tender choice, a supervisor step-up, the receipt as printed, a refund, and the Z report.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton

from terminal.demo.rig import SAMPLE_OPERATORS

PINS = {ident: pin for ident, _, _, pin in SAMPLE_OPERATORS}


class _Walk:
    def __init__(self, window: Any, out: Path) -> None:
        self.window, self.out, self.saved = window, out, []

    def settle(self) -> None:
        for _ in range(3):
            self.window.runner.wait()
            QApplication.processEvents()

    def tap(self, name: str) -> None:
        button = self.window.findChild(QPushButton, name)
        if button is None or not button.isVisible() or not button.isEnabled():
            raise RuntimeError(f"screenshot walk: no button {name!r} on page {self.window.page.name!r} "
                               f"({self.window.banner.text.text()})")
        button.click()
        self.settle()

    def product(self, catalogue: Any, sku: str) -> None:
        """Open the product's category tab, then tap it."""
        tabs = self.window.pages["sale"].tabs
        category = catalogue.category_label(catalogue.by_sku(sku).category, self.window.lang)
        tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i) == category))
        self.tap(f"product_{sku}")

    def fill(self, name: str, text: str, enter: bool = False) -> None:
        field = self.window.findChild(QLineEdit, name)
        field.setText(text)
        if enter:
            field.returnPressed.emit()
        self.settle()

    def shot(self, name: str) -> None:
        self.settle()
        path = self.out / f"{name}.png"
        if not self.window.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        self.saved.append(path)


def render_all(store: Any, out_dir: Path, lang: str = "en") -> list[Path]:
    """Render the main screens of `store` to PNG files in `out_dir`; returns their paths."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from terminal.ui.app import build_window

    out_dir.mkdir(parents=True, exist_ok=True)
    window = build_window(store, lang)
    window.resize(1280, 800)
    window.show()
    walk = _Walk(window, out_dir)
    catalogue = store.catalogue
    try:
        walk.shot("01-login")
        walk.tap("login_pick_C-001")
        walk.fill("login_pin", PINS["C-001"], enter=True)
        if window.shop.shifts.current() is None:
            walk.fill("shift_cash", "500")
            walk.tap("shift_open")
        walk.fill("barcode", f"80*{catalogue.by_sku('FRS-005').barcode}", enter=True)  # a bulk buy first
        walk.tap("pay")
        walk.tap("tender_customer_qr")
        walk.tap("customer_qr_demo")
        walk.shot("02-step-up")
        walk.fill("step_up_id", "S-001")
        walk.fill("step_up_pin", PINS["S-001"], enter=True)
        walk.tap("next_sale")
        for sku in ("DRK-002", "DRK-002", "SNK-001", "FRS-001"):
            walk.product(catalogue, sku)
        walk.shot("03-sale-in-progress")
        walk.tap("pay")
        walk.shot("04-tender-choice")
        walk.tap("tender_card")
        walk.shot("05-card-wait")
        walk.tap("card_present_visa")
        walk.shot("06-receipt-preview")
        sale_id = window.shop.checkout.last_sale.sale_id
        walk.tap("next_sale")
        walk.tap("open_refund")
        walk.fill("refund_code", f"EPS1:{store.till.keystore.terminal_id}:{sale_id}", enter=True)
        walk.tap("refund_plus")
        walk.shot("07-refund")
        walk.tap("refund_back")
        walk.tap("open_shift")
        walk.fill("shift_cash", "500")
        walk.tap("shift_close")
        walk.fill("approve_id", "M-001")
        walk.fill("approve_pin", PINS["M-001"], enter=True)
        walk.shot("08-z-report")
    finally:
        window.timer.stop()
        window.runner.wait()
        window.close()
    return walk.saved
