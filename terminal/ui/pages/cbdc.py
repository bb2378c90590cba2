"""The digital-currency tender (数字人民币 / digital RMB), three ways: scan the customer's wallet code, show the shop's
QR and wait for the wallet's payment (the till long-polls the hub), or take an offline hard wallet (insert or tap).
The checkout core does the work (terminal.checkout.cbdc); this page only asks and shows."""

from __future__ import annotations

import io
from typing import Any

import qrcode
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QVBoxLayout

from terminal.ui.pages.base import Page
from terminal.ui.widgets import button, label

POLL_S = 1.5  # one long-poll at a time, short enough that Back is never ignored for long


class CbdcPage(Page):
    name = "cbdc"

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.due = label("", "total", "cbdc_due")
        self.code = QLineEdit()
        self.code.setObjectName("cbdc_code")
        self.code.setEchoMode(QLineEdit.EchoMode.Password)  # a payment code is money: not on screen
        self.code.setPlaceholderText(self.tr("Scan the digital-currency code on the customer's phone"))
        self.code.returnPressed.connect(self._pay_code)
        self.image = QLabel()
        self.image.setObjectName("cbdc_qr_image")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        grid = QGridLayout()
        grid.addWidget(button(self.tr("Show shop QR"), self._show_qr, role="tender", shortcut="F2",
                              name="cbdc_show_qr"), 0, 0)
        grid.addWidget(button(self.tr("Hard wallet (insert)"), lambda: self._hard_wallet(False), role="tender",
                              shortcut="F3", name="cbdc_insert"), 0, 1)
        grid.addWidget(button(self.tr("Hard wallet (tap)"), lambda: self._hard_wallet(True), role="tender",
                              shortcut="F4", name="cbdc_tap"), 0, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(label(self.tr("Digital RMB: scan the wallet's code, show the shop QR, or take the hard "
                                       "wallet."), "title"))
        layout.addWidget(self.due)
        layout.addWidget(self.code)
        layout.addLayout(grid)
        if self.shop.wallets is not None:  # the demo store only: the customer's side is simulated
            demo = QGridLayout()
            demo.addWidget(button(self.tr("Demo: customer shows a wallet code"), self._demo_code,
                                  name="cbdc_demo_code"), 0, 0)
            demo.addWidget(button(self.tr("Demo: customer pays the shop QR"), self._demo_pay_qr,
                                  name="cbdc_demo_pay_qr"), 0, 1)
            demo.addWidget(button(self.tr("Demo: customer holds out the hard wallet"), self._demo_card,
                                  name="cbdc_demo_card"), 0, 2)
            layout.addLayout(demo)
        layout.addWidget(self.image, 1)
        layout.addWidget(button(self.tr("Back"), self._back, shortcut="Esc", name="cbdc_back"))
        self._amount: Any = None
        self._qr = ""

    def enter(self, amount: Any = None, outcome: Any = None, **context: Any) -> None:
        sale = self.checkout.sale
        if sale is None:
            return
        if outcome is not None and outcome.qr_payload:
            self._qr_shown(outcome)
            return
        self._amount = amount
        self._qr = ""
        self.image.clear()
        self.due.setText(self.tr("Amount {0}").format((amount or sale.remaining).format()))
        self.code.clear()
        self.code.setFocus()

    # --- the three flows --------------------------------------------------------------------------------------

    def _pay_code(self) -> None:
        code, amount = self.code.text().strip(), self._amount
        self.code.clear()
        self.window_.act(lambda: self.checkout.pay_cbdc_code(code, amount), self.tr("Asking the wallet's bank…"))

    def _show_qr(self) -> None:
        amount = self._amount
        self.window_.act(lambda: self.checkout.show_cbdc_qr(amount), self.tr("Making the QR code…"),
                         self._qr_shown)

    def _qr_shown(self, outcome: Any) -> None:
        if outcome is None or not outcome.qr_payload:
            self.window_.show_outcome(outcome)
            return
        if self.window_.page is not self:
            self.window_.go(self.name)
        self._qr = outcome.qr_payload
        buffer = io.BytesIO()
        qrcode.make(outcome.qr_payload, box_size=6, border=2).save(buffer, format="PNG")
        pixmap = QPixmap()
        pixmap.loadFromData(buffer.getvalue(), "PNG")
        self.image.setPixmap(pixmap)
        self.window_.say(self.window_.worded(outcome), "info")
        QTimer.singleShot(0, self._wait)

    def _wait(self) -> None:
        if self.checkout.state != "merchant_qr" or self.window_.page is not self:
            return

        def done(outcome: Any) -> None:
            if outcome.result == "waiting" and self.checkout.state == "merchant_qr":
                QTimer.singleShot(50, self._wait)  # still open: ask again
            else:
                self.image.clear()
                self.window_.show_outcome(outcome)

        self.window_.act(lambda: self.checkout.wait_cbdc_qr(POLL_S), "", done, quiet=True)

    def _hard_wallet(self, contactless: bool) -> None:
        amount = self._amount
        self.window_.act(lambda: self.checkout.pay_cbdc_hard_wallet(amount, contactless=contactless),
                         self.tr("Hold the hard wallet to the reader…"))

    def _back(self) -> None:
        self.image.clear()
        if self.checkout.state == "merchant_qr":
            self.window_.act(self.checkout.back, "", lambda _: self.window_.go("tender"), quiet=True)
        else:
            self.window_.go("tender")

    # --- the demo's customer ----------------------------------------------------------------------------------

    def _demo_code(self) -> None:
        try:
            self.code.setText(self.shop.wallets.code())
        except Exception as exc:
            self.window_.fail(exc)
            return
        self._pay_code()

    def _demo_pay_qr(self) -> None:
        if not self._qr:
            self._show_qr()
            return
        try:
            self.shop.wallets.pay_qr(self._qr)
        except Exception as exc:
            self.window_.fail(exc)

    def _demo_card(self) -> None:
        try:
            self.shop.wallets.present_card(self.till_ports(), contactless=False)
        except Exception as exc:
            self.window_.fail(exc)
            return
        self._hard_wallet(False)

    def till_ports(self) -> Any:
        return self.checkout.ports
