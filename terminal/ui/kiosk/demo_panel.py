"""The demo's stand-in for the customer's hands and the lane's devices (a second small window): scan an item with
the barcode scanner, put it in the bagging area (right or wrong weight), put produce on the scale, hold out a card,
show a payment code, confirm the shop QR in a wallet, tap an attendant's badge; with the demo hub, a Digital RMB
customer too (a wallet showing its code, the wallet paying the shop's QR, a hard wallet inserted or tapped: the wallet
simulator at the hub's reference operator, terminal.demo.wallets). Each drives the same lane methods
the real devices' threads call; the kiosk screen itself stays as the customer sees it."""

from __future__ import annotations

import random
from typing import Any

from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from terminal.ui.kiosk.style import BASE
from terminal.ui.widgets import button

DEMO_BADGE = b"\x04\xde\x40\x51\x00\x01"  # the demo supervisor's badge (Sun, S-001)


class DemoPanel(QWidget):
    def __init__(self, window: Any, till: Any, wallets: Any = None) -> None:
        super().__init__()
        self.window_, self.till, self.lane, self.wallets = window, till, window.lane, wallets
        self.rng = random.Random(13)
        self.setWindowTitle("edgepos demo: the customer's hands and the lane's devices")
        self.setStyleSheet(BASE + "QPushButton { min-height: 48px; font-size: 16px; }")
        grid = QGridLayout()
        scans = [p for p in self.lane.catalogue if p.unit != "kg"][:10]
        for i, product in enumerate(scans):
            grid.addWidget(button(f"Scan: {product.name}", lambda _=False, p=product: window.scan(p.barcode),
                                  name=f"demo_scan_{product.sku}"), i // 2, i % 2)
        extras = [
            ("Scan an unknown barcode", lambda: window.scan("6921999999992"), "demo_scan_unknown"),
            ("Put it in the bag (right weight)", self.bag_right, "demo_bag_right"),
            ("Put it in the bag (wrong weight)", self.bag_wrong, "demo_bag_wrong"),
            ("Put produce on the scale (0.8 kg)", lambda: self.weigh(800), "demo_scale"),
            ("Hold out a Visa card", lambda: self.card("visa"), "demo_card_visa"),
            ("Hold out an expired card", lambda: self.card("expired"), "demo_card_expired"),
            ("Hold out a phone to tap", lambda: self.card("unionpay", contactless=True), "demo_tap"),
            ("Show a payment code", self.payment_code, "demo_payment_code"),
            ("Wallet paid the shop QR", self.wallet_paid, "demo_wallet_paid"),
            ("Tap the attendant's badge (Sun)", lambda: window.badge(DEMO_BADGE), "demo_badge"),
        ]
        if wallets is not None:
            extras += [
                ("Digital RMB: show the wallet's code", self.cbdc_code, "demo_cbdc_code"),
                ("Digital RMB: wallet pays the shop QR", self.cbdc_pay_qr, "demo_cbdc_pay_qr"),
                ("Digital RMB: insert a hard wallet", lambda: self.cbdc_card(False), "demo_cbdc_card"),
                ("Digital RMB: tap a hard wallet", lambda: self.cbdc_card(True), "demo_cbdc_tap"),
            ]
        for i, (text, fn, name) in enumerate(extras, start=len(scans)):
            grid.addWidget(button(text, fn, name=name), i // 2, i % 2)
        self.note = QLabel("Cards are emulated in-process through the real EMV kernel. Staff: S-001 PIN 2468 "
                           "(supervisor), C-001 PIN 1357, T-001 PIN 8642 (technician: may close the kiosk).")
        self.note.setWordWrap(True)
        column = QVBoxLayout(self)
        column.addLayout(grid)
        column.addWidget(self.note)

    def _expected(self) -> int:
        expectation = self.lane.awaiting_bag
        if expectation is None:
            return 0
        return expectation.expected_g or self.rng.randint(150, 900)

    def bag_right(self) -> None:
        self.window_._act(lambda: self.lane.bagged(self.lane.bag_total_g + self._expected()))()

    def bag_wrong(self) -> None:
        self.window_._act(lambda: self.lane.bagged(self.lane.bag_total_g + self.rng.randint(30, 90)))()

    def weigh(self, grams: int) -> None:
        self.window_._act(lambda: self.lane.weigh(grams))()

    def card(self, name: str, contactless: bool = False) -> None:
        reader = self.till.contactless_reader if contactless else self.till.card_reader
        reader.present(name)

    def payment_code(self) -> None:
        self.window_._pay("payment_code", code=f"28{self.rng.randrange(10**16):016d}")

    def wallet_paid(self) -> None:
        self.window_._run(lambda: self.lane.shop_qr_paid(f"wallet-{self.rng.randrange(10**9)}"))

    # --- the Digital RMB customer (the wallet simulator against the demo hub) ------------------------------------

    def cbdc_code(self) -> None:
        """The customer's wallet shows a one-time code; the lane's scanner reads it."""
        self._wallet_step(lambda: self.window_._pay("cbdc_code", code=self.wallets.code()))

    def cbdc_pay_qr(self) -> None:
        """The customer's wallet scans the Digital RMB code on the lane's screen and pays it (the lane's long-poll
        sees it paid); with no such code on screen yet, the customer first chooses that way to pay."""
        if not (self.lane.showing_cbdc_qr() and self.window_.qr_text):
            self.window_._pay("cbdc_qr")
            return
        qr = self.window_.qr_text
        self._wallet_step(lambda: self.wallets.pay_qr(qr))

    def cbdc_card(self, contactless: bool) -> None:
        """A fresh customer's hard wallet on the lane's reader (the emulated slot), then that way to pay."""
        def present() -> None:
            self.wallets.present_card(self.till.checkout.ports, contactless=contactless)
            self.window_._pay("cbdc_wallet_tap" if contactless else "cbdc_wallet")

        self._wallet_step(present)

    def _wallet_step(self, fn: Any) -> None:
        try:
            fn()
        except Exception as exc:  # the demo hub not answering: said on the lane's error line, never a crash
            self.window_._failed(exc)
