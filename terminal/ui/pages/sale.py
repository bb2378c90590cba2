"""The basket: product grid by category (touch), barcode or search field (keyboard / scanner), lines with
quantities, the total, and Pay."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from terminal.ui.pages.base import Page
from terminal.ui.widgets import button, label

GRID_COLUMNS = 3
TIMES = re.compile(r"(\d{1,4})\s*[*xX×]\s*(\d+)")  # "12*6901234567892": twelve of that item


class SalePage(Page):
    name = "sale"

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        lang = window.lang
        self.tabs = QTabWidget()
        self.tabs.setObjectName("categories")
        for category in self.shop.catalogue.categories():
            grid_host = QWidget()
            grid = QGridLayout(grid_host)
            for i, product in enumerate(self.shop.catalogue.in_category(category)):
                text = f"{product.display_name(lang)}\n{product.price.format()}"
                grid.addWidget(button(text, lambda _=False, p=product: self._add(p), role="product",
                                      name=f"product_{product.sku}"), i // GRID_COLUMNS, i % GRID_COLUMNS)
            grid.setRowStretch(grid.rowCount(), 1)
            self.tabs.addTab(grid_host, self.shop.catalogue.category_label(category, lang))
        self.entry = QLineEdit()
        self.entry.setObjectName("barcode")
        self.entry.setPlaceholderText(self.tr("Scan or type a barcode (12*code: twelve), or a name - Enter adds"))
        self.entry.returnPressed.connect(self._entered)
        self.lines = QTableWidget(0, 4)
        self.lines.setObjectName("basket")
        self.lines.setHorizontalHeaderLabels([self.tr("Item"), self.tr("Qty"), self.tr("Price"), self.tr("Amount")])
        self.lines.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.lines.verticalHeader().setDefaultSectionSize(48)
        self.lines.verticalHeader().hide()
        self.lines.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lines.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lines.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.total = label("", "total", "sale_total")
        self.tax = label("", "hint", "sale_tax")
        self.pay = button(self.tr("Pay"), self._pay, role="primary", shortcut="F12", name="pay")
        qty = QHBoxLayout()
        qty.addWidget(button("−  [-]", lambda: self._step(-1), name="qty_minus"))
        qty.addWidget(button("+  [+]", lambda: self._step(+1), name="qty_plus"))
        qty.addWidget(button(self.tr("Discount…"), self._discount, name="discount_line"))
        qty.addWidget(button(self.tr("Remove  [Del]"), self._remove, role="danger", name="remove_line"))
        qty.addWidget(button(self.tr("Cancel sale"), self._cancel, role="danger", name="cancel_sale"))
        tools = QHBoxLayout()
        self.idle_only = [  # these need a till with no open sale
            button(self.tr("Refund / void"), lambda: window.go("refund"), shortcut="Ctrl+R", name="open_refund"),
            button(self.tr("Shift && reports"), lambda: window.go("shift"), shortcut="Ctrl+J", name="open_shift"),
            button(self.tr("No sale"), self._no_sale, name="no_sale"),
            button(self.tr("Log out"), window.logout, name="logout"),
        ]
        for b in self.idle_only:
            tools.addWidget(b)
        left = QVBoxLayout()
        left.addWidget(self.entry)
        left.addWidget(self.tabs, 1)
        left.addLayout(tools)
        right = QVBoxLayout()
        right.addWidget(self.lines, 1)
        right.addLayout(qty)
        right.addWidget(self.tax)
        right.addWidget(self.total)
        right.addWidget(self.pay)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)
        QShortcut(QKeySequence("Escape"), self, self.entry.clear)
        self.entry.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """In the barcode field (barcodes are digits): + / - change the quantity, Up / Down pick a line, Delete on
        an empty field removes the line."""
        if watched is self.entry and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Plus, Qt.Key.Key_Minus):
                self._step(1 if key == Qt.Key.Key_Plus else -1)
                return True
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.lines.rowCount():
                row = self.lines.currentRow() + (1 if key == Qt.Key.Key_Down else -1)
                self.lines.selectRow(max(0, min(self.lines.rowCount() - 1, row)))
                return True
            if key == Qt.Key.Key_Delete and not self.entry.text():
                self._remove()
                return True
        return super().eventFilter(watched, event)

    def enter(self, **context: Any) -> None:
        self.refresh()
        self.entry.setFocus()

    def refresh(self, select: int | None = None) -> None:
        """Redraw the basket; `select`: the line just added (else the selection stays)."""
        cart = self.checkout.cart
        lines = cart.priced_lines() if cart is not None and not cart.is_empty else ()
        selected = select if isinstance(select, int) else self._selected()
        self.lines.setRowCount(len(lines))
        for row, line in enumerate(lines):
            name = self.shop.item_name(line.sku, line.name, self.window_.lang)
            if line.line_discount.is_positive:
                name += f"  (−{line.line_discount.format()})"
            for col, text in enumerate((name, str(line.quantity), line.unit_price.format(), line.amount.format())):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, line.line_no)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.lines.setItem(row, col, item)
        if lines:
            rows = [r for r in range(len(lines)) if lines[r].line_no == selected]
            self.lines.selectRow(rows[0] if rows else len(lines) - 1)
            totals = cart.totals()
            self.total.setText(self.tr("Total {0}").format(totals.total.format()))
            self.tax.setText(self.tr("{0} items · tax {1}").format(sum(x.quantity for x in lines),
                                                                     totals.tax.format()))
        else:
            self.total.setText(self.tr("Total {0}").format(self.shop.money("0").format()))
            self.tax.setText(self.tr("Scan an item to start a sale."))
        self.pay.setEnabled(bool(lines))
        for b in self.idle_only:
            b.setEnabled(self.checkout.state == "idle")

    def _selected(self) -> int | None:
        row = self.lines.currentRow()
        item = self.lines.item(row, 0) if row >= 0 else None
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def _add(self, product: Any) -> None:
        self.window_.act(lambda: self.shop.add_product(product), "", self.refresh, quiet=True)
        self.entry.setFocus()

    def _entered(self) -> None:
        text = self.entry.text().strip()
        self.entry.clear()
        if not text:
            if self.pay.isEnabled():
                self._pay()
            return
        times = TIMES.fullmatch(text)
        if text.isdigit() or times:
            code, quantity = (times.group(2), int(times.group(1))) if times else (text, 1)
            self.window_.act(lambda: self.shop.scan(code, quantity), "", self.refresh, quiet=True)
            return
        found = self.shop.catalogue.search(text)
        if len(found) == 1:
            self._add(found[0])
        elif found:
            names = ", ".join(p.display_name(self.window_.lang) for p in found[:6])
            self.window_.say(self.tr("Several items match: {0}. Type more of the name.").format(names), "warn")
        else:
            self.window_.say(self.tr("Nothing matches “{0}”. Scan the barcode or pick from the grid.").format(text),
                             "warn")

    def _step(self, delta: int) -> None:
        line_no = self._selected()
        cart = self.checkout.cart
        if line_no is None or cart is None:
            return
        self.window_.act(lambda: self.shop.set_quantity(line_no, cart.line(line_no).quantity + delta), "",
                         lambda _: self.refresh(), quiet=True)

    def _discount(self) -> None:
        line_no = self._selected()
        if line_no is not None and self.checkout.state == "basket":
            self.window_.go("discount", line_no=line_no)

    def _remove(self) -> None:
        line_no = self._selected()
        if line_no is not None:
            self.window_.act(lambda: self.shop.set_quantity(line_no, 0), "", lambda _: self.refresh(), quiet=True)

    def _pay(self) -> None:
        self.window_.act(self.checkout.checkout, self.tr("Pricing the sale…"))

    def _cancel(self) -> None:
        if self.checkout.state == "basket":
            self.window_.act(self.checkout.cancel, self.tr("Cancelling…"))

    def _no_sale(self) -> None:
        self.window_.go("approve", action="no_sale")
