"""After the payment: the big sentence (change to give), the receipt exactly as printed, reprint if paper ran out."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QVBoxLayout

from terminal.ui.pages.base import Page
from terminal.ui.widgets import button, label


class ReceiptPage(Page):
    name = "receipt"

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.result = label("", "total", "receipt_result")
        self.preview = QLabel()
        self.preview.setObjectName("receipt_preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidget(self.preview)
        scroll.setWidgetResizable(True)
        self.reprint = button(self.tr("Reprint"), self._reprint, role="primary", name="reprint")
        self.skip = button(self.tr("No receipt"), self._skip, name="skip_receipt")
        self.next = button(self.tr("Next customer"), self._next, role="primary", shortcut="Return",
                           name="next_sale")
        row = QHBoxLayout()
        for b in (self.reprint, self.skip, self.next):
            row.addWidget(b)
        left = QVBoxLayout()
        left.addWidget(self.result)
        left.addStretch(1)
        left.addLayout(row)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addWidget(scroll, 1)

    def enter(self, outcome: Any = None, png: bytes | None = None, **context: Any) -> None:
        failed = self.checkout.state == "receipt_failed"
        if outcome is not None:
            self.result.setText(self.window_.worded(outcome))
        self.reprint.setVisible(failed)
        self.skip.setVisible(failed)
        self.next.setVisible(not failed)
        printed = outcome is None or outcome.receipt_printed is not False
        data = png if png is not None else (self.shop.receipt_png() if printed and not failed else None)
        pixmap = QPixmap()
        if data:
            pixmap.loadFromData(data, "PNG")
        self.preview.setPixmap(pixmap)
        if not data:
            self.preview.setText(self.tr("No receipt printed yet."))

    def _reprint(self) -> None:
        self.window_.act(self.checkout.reprint, self.tr("Printing…"))

    def _skip(self) -> None:
        self.window_.act(self.checkout.skip_receipt, "")

    def _next(self) -> None:
        self.window_.go("sale")
