"""After the payment: the big sentence (change to give), the receipt exactly as printed, reprint if paper ran out."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QPixmap
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
        self.slip = QPixmap()  # as printed; shown scaled to the width there is (never a sideways scroll)
        self.scroll = scroll = QScrollArea()
        scroll.setObjectName("receipt_scroll")
        scroll.setWidget(self.preview)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.viewport().installEventFilter(self)
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
        self.slip = QPixmap()
        if data:
            self.slip.loadFromData(data, "PNG")
        self._scale()
        self.scroll.verticalScrollBar().setValue(0)  # each receipt from its top
        if not data:
            self.preview.setText(self.tr("No receipt printed yet."))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.scroll.viewport():
            self._scale()
        return super().eventFilter(watched, event)

    def _scale(self) -> None:
        if self.slip.isNull():
            self.preview.setPixmap(QPixmap())
            return
        width = max(100, self.scroll.viewport().width() - 4)
        shown = self.slip if self.slip.width() <= width else self.slip.scaledToWidth(
            width, Qt.TransformationMode.SmoothTransformation)
        self.preview.setPixmap(shown)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """The next customer's first scan, typed while this page still shows: on to the basket with it, not lost."""
        text = event.text()
        if text and text.isprintable() and not text.isspace() and self.checkout.state == "idle":
            self.window_.go("sale")
            entry = self.window_.pages["sale"].entry
            entry.setFocus()
            entry.insert(text)
            return
        super().keyPressEvent(event)

    def _reprint(self) -> None:
        self.window_.act(self.checkout.reprint, self.tr("Printing…"))

    def _skip(self) -> None:
        self.window_.act(self.checkout.skip_receipt, "")

    def _next(self) -> None:
        self.window_.go("sale")
