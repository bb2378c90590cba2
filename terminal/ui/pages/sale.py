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
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from terminal.ui.pages.base import Page
from terminal.ui.widgets import SecondTap, button, label

GRID_COLUMNS = 3
NARROW_BASKET_PX = 460  # below this the basket shows item, quantity and amount
TIMES = re.compile(r"(\d{1,4})\s*[*xX×]\s*(\d+)")  # "12*6901234567892": twelve of that item


class SalePage(Page):
    name = "sale"

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        lang = window.lang
        self.tabs = QTabWidget()
        self.tabs.setObjectName("categories")
        for category in self.shop.catalogue.categories():
            self.tabs.addTab(self._grid(self.shop.catalogue.in_category(category)),
                             self.shop.catalogue.category_label(category, lang))
        self.found_tab: QWidget | None = None  # the live search's results, first tab while the field holds a name
        self.entry = QLineEdit()
        self.entry.setObjectName("barcode")
        self.entry.setPlaceholderText(self.tr("Scan a barcode or type a name"))
        self.entry.returnPressed.connect(self._entered)
        self.entry.textEdited.connect(self._live_search)
        self.entry.textEdited.connect(window.banner.hide_unless_busy)  # typing on: the last sentence was read
        self.lines = QTableWidget(0, 4)
        self.lines.setObjectName("basket")
        self.lines.setHorizontalHeaderLabels([self.tr("Item"), self.tr("Qty"), self.tr("Price"), self.tr("Amount")])
        header = self.lines.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.lines.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.lines.setWordWrap(True)
        self.lines.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.lines.installEventFilter(self)
        self.lines.verticalHeader().setDefaultSectionSize(48)
        self.lines.verticalHeader().hide()
        self.lines.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lines.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lines.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.total = label("", "total", "sale_total")
        self.hint = label(self.tr("12*code + Enter: twelve of an item"), "hint", "sale_hint")
        self.tax = label("", "hint", "sale_tax")
        self.pay = button(self.tr("Pay"), self._pay, role="primary", shortcut="F12", name="pay")
        qty = QGridLayout()
        qty.addWidget(button("−  [-]", lambda: self._step(-1), name="qty_minus"), 0, 0)
        qty.addWidget(button("+  [+]", lambda: self._step(+1), name="qty_plus"), 0, 1)
        qty.addWidget(button(self.tr("Discount…"), self._discount, name="discount_line"), 0, 2)
        qty.addWidget(button(self.tr("Remove  [Del]"), self._remove, role="danger", name="remove_line"), 1, 0, 1, 2)
        qty.addWidget(button(self.tr("Cancel sale"), self._cancel, role="danger", name="cancel_sale"), 1, 2)
        tools = QHBoxLayout()
        self.idle_only = [  # these need a till with no open sale
            button(self.tr("Refund / void"), lambda: window.go("refund"), shortcut="Ctrl+R", name="open_refund"),
            button(self.tr("Shift && reports"), lambda: window.go("shift"), shortcut="Ctrl+J", name="open_shift"),
            button(self.tr("No sale"), self._no_sale, name="no_sale"),
            button(self.tr("Log out"), window.logout, name="logout"),
        ]
        for b in self.idle_only:
            tools.addWidget(b, 1)
        left = QVBoxLayout()
        left.addWidget(self.entry)
        left.addWidget(self.tabs, 1)
        left.addLayout(tools)
        right = QVBoxLayout()
        right.addWidget(self.lines, 1)
        right.addWidget(self.hint)
        right.addLayout(qty)
        right.addWidget(self.tax)
        right.addWidget(self.total)
        right.addWidget(self.pay)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)
        QShortcut(QKeySequence("Escape"), self, self._escape)
        self.second_tap = SecondTap(window)
        self.entry.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """In the barcode field (barcodes are digits): + / - change the quantity, Up / Down pick a line, Delete on
        an empty field removes the line."""
        if watched is self.lines and event.type() == QEvent.Type.Resize:
            self.lines.setColumnHidden(2, self.lines.width() < NARROW_BASKET_PX)  # the unit price, when tight
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

    def _escape(self) -> None:
        self.entry.clear()
        self._live_search("")

    def enter(self, **context: Any) -> None:
        self.second_tap.reset()
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
            count = sum(x.quantity for x in lines)
            self.tax.setText(self.tr("1 item · tax {0}").format(totals.tax.format()) if count == 1 else
                             self.tr("{0} items · tax {1}").format(count, totals.tax.format()))
        else:
            self.total.setText(self.tr("Total {0}").format(self.shop.money("0").format()))
            self.tax.setText(self.tr("Scan an item to start a sale."))
        self.pay.setEnabled(bool(lines))
        for name in ("qty_minus", "qty_plus", "discount_line", "remove_line", "cancel_sale"):
            self.findChild(QPushButton, name).setEnabled(bool(lines))
        for b in self.idle_only:
            b.setEnabled(self.checkout.state == "idle")

    def _selected(self) -> int | None:
        row = self.lines.currentRow()
        item = self.lines.item(row, 0) if row >= 0 else None
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def _grid(self, products: list[Any], prefix: str = "product") -> QWidget:
        host = QWidget()
        grid = QGridLayout(host)
        for i, product in enumerate(products):
            text = f"{product.display_name(self.window_.lang)}\n{product.price.format()}"
            grid.addWidget(button(text, lambda _=False, p=product: self._add(p), role="product",
                                  name=f"{prefix}_{product.sku}"), i // GRID_COLUMNS, i % GRID_COLUMNS)
        grid.setRowStretch(grid.rowCount(), 1)
        for column in range(GRID_COLUMNS):
            grid.setColumnStretch(column, 1)
        return host

    def _live_search(self, text: str) -> None:
        """A name typed in the field filters the grid as it is typed: a "Found" tab first, best matches first."""
        text = text.strip()
        if self.found_tab is not None:
            self.tabs.removeTab(self.tabs.indexOf(self.found_tab))
            self.found_tab.deleteLater()
            self.found_tab = None
        if not text or text.isdigit() or TIMES.fullmatch(text) or text[0].isdigit():
            return
        found = self.shop.catalogue.search(text)[:GRID_COLUMNS * 4]
        self.found_tab = self._grid(found, "found") if found else QWidget()
        if not found:
            grid = QVBoxLayout(self.found_tab)
            grid.addWidget(label(self.tr("Nothing matches. Scan the barcode or pick from the grid."), "hint"))
            grid.addStretch(1)
        self.tabs.insertTab(0, self.found_tab, self.tr("Found: {0}").format(len(found)))
        self.tabs.setCurrentIndex(0)

    def _add(self, product: Any) -> None:
        self.window_.act(lambda: self.shop.add_product(product), "", self.refresh, quiet=True)
        if self.entry.text():
            self.entry.clear()
            self._live_search("")
        self.entry.setFocus()

    def _entered(self) -> None:
        text = self.entry.text().strip()
        if not text:
            self.entry.clear()
            if self.pay.isEnabled():
                self._pay()
            return
        times = TIMES.fullmatch(text)
        if text.isdigit() or times:
            self.entry.clear()
            code, quantity = (times.group(2), int(times.group(1))) if times else (text, 1)
            self.window_.act(lambda: self.shop.scan(code, quantity), "", self.refresh, quiet=True)
            return
        found = self.shop.catalogue.search(text)
        exact = [p for p in found if text.casefold() in (p.display_name(self.window_.lang).casefold(),
                                                         p.sku.casefold())]
        if len(found) == 1 or len(exact) == 1:
            self._add((exact or found)[0])
        elif found:
            self.window_.say(self.tr("{0} items match: tap one, or type more of the name.").format(len(found)),
                             "info")
        else:
            self.window_.say(self.tr("Nothing matches “{0}”. Scan the barcode or pick from the grid.").format(text),
                             "warn")

    def _empties_basket(self, line_no: int, delta: int | None) -> bool:
        cart = self.checkout.cart
        if cart is None or len(cart.lines) != 1:
            return False
        return delta is None or cart.line(line_no).quantity + delta <= 0

    def _step(self, delta: int) -> None:
        line_no = self._selected()
        cart = self.checkout.cart
        if line_no is None or cart is None:
            return
        if self._empties_basket(line_no, delta) and not self.second_tap.confirmed(
                "minus", self.tr("That is the last item: press − again to empty the basket.")):
            return
        self.window_.act(lambda: self.shop.set_quantity(line_no, cart.line(line_no).quantity + delta), "",
                         lambda _: self.refresh(), quiet=True)

    def _discount(self) -> None:
        line_no = self._selected()
        if line_no is not None and self.checkout.state == "basket":
            self.window_.go("discount", line_no=line_no)

    def _remove(self) -> None:
        line_no = self._selected()
        if line_no is None or (self._empties_basket(line_no, None) and not self.second_tap.confirmed(
                "remove", self.tr("That is the last item: tap Remove again to empty the basket."))):
            return
        self.window_.act(lambda: self.shop.set_quantity(line_no, 0), "", lambda _: self.refresh(), quiet=True)

    def _pay(self) -> None:
        self.window_.act(self.checkout.checkout, self.tr("Pricing the sale…"))

    def _cancel(self) -> None:
        if self.checkout.state == "basket" and self.second_tap.confirmed(
                "cancel", self.tr("Tap Cancel sale again to cancel the whole sale.")):
            self.window_.act(self.checkout.cancel, self.tr("Cancelling…"))

    def _no_sale(self) -> None:
        self.window_.go("approve", action="no_sale")
