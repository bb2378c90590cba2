"""Refunds and voids: find the original sale (scan the receipt QR, or search by day, amount, card's last four),
choose what comes back, and a supervisor approves. Money goes back to the original tenders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from terminal.ui.pages.base import Page
from terminal.ui.widgets import TouchNumbers, button, label, tender_name
from terminal.ui.wording import word_error


class RefundPage(Page):
    name = "refund"
    keep_on_error = True

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.code = QLineEdit()
        self.code.setObjectName("refund_code")
        self.code.setPlaceholderText(self.tr("Scan receipt QR or sale no."))
        self.code.returnPressed.connect(self._by_code)
        self.amount = QLineEdit()
        self.amount.setObjectName("refund_search_amount")
        TouchNumbers(self.amount)
        self.amount.setPlaceholderText(self.tr("Sale total"))
        self.last4 = QLineEdit()
        self.last4.setObjectName("refund_search_last4")
        self.last4.setPlaceholderText(self.tr("Card last 4"))
        self.last4.setMaxLength(4)
        TouchNumbers(self.last4, decimal=False)
        self.days = QComboBox()
        self.days.setObjectName("refund_search_days")
        for text, days in ((self.tr("Today"), 1), (self.tr("Last 7 days"), 7), (self.tr("Last 90 days"), 90)):
            self.days.addItem(text, days)
        self.results = QListWidget()
        self.results.setWordWrap(True)
        self.results.setObjectName("refund_results")
        self.results.itemClicked.connect(lambda item: self._open(item.data(Qt.ItemDataRole.UserRole)))
        self.results.itemActivated.connect(lambda item: self._open(item.data(Qt.ItemDataRole.UserRole)))
        self.sale_title = label("", "title", "refund_sale_title")
        self.lines = QTableWidget(0, 4)
        self.lines.setObjectName("refund_lines")
        self.lines.setHorizontalHeaderLabels([self.tr("Item"), self.tr("Sold"), self.tr("Can return"),
                                              self.tr("Return")])
        header = self.lines.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.lines.verticalHeader().setDefaultSectionSize(48)
        self.lines.verticalHeader().hide()
        self.lines.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lines.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.quote = label("", "", "refund_quote")
        self.reason = QComboBox()
        self.reason.setObjectName("refund_reason")
        self.reason.setEditable(True)
        for text in (self.tr("Customer returned the goods"), self.tr("Damaged or faulty"), self.tr("Wrong price"),
                     self.tr("Charged twice")):
            self.reason.addItem(text)
        search = QGridLayout()
        search.addWidget(self.days, 0, 0)
        search.addWidget(self.last4, 0, 1)
        search.addWidget(self.amount, 1, 0)
        search.addWidget(button(self.tr("Search"), self._search, name="refund_search"), 1, 1)
        left = QVBoxLayout()
        left.addWidget(label(self.tr("Find the original sale"), "title"))
        left.addWidget(self.code)
        left.addLayout(search)
        left.addWidget(self.results, 1)
        left.addWidget(button(self.tr("Back to selling"), lambda: window.go("sale"), shortcut="Esc",
                              name="refund_back"))
        qty = QHBoxLayout()
        qty.addWidget(button("−", lambda: self._step(-1), name="refund_minus"))
        qty.addWidget(button("+", lambda: self._step(+1), name="refund_plus"))
        qty.addWidget(button(self.tr("Everything"), self._all, name="refund_all"))
        acts = QHBoxLayout()
        self.refund_button = button(self.tr("Refund…"), self._refund, role="primary", name="refund_go")
        self.void_button = button(self.tr("Void the whole sale…"), self._void, role="danger", name="void_go")
        self.finish_button = button(self.tr("Finish the unfinished refund"), self._finish, role="primary",
                                    name="refund_finish")  # the bank paid it out, the journal did not save it
        self.finish_button.hide()
        acts.addWidget(self.finish_button)
        acts.addWidget(self.refund_button)
        acts.addWidget(self.void_button)
        right = QVBoxLayout()
        right.addWidget(self.sale_title)
        right.addWidget(self.lines, 1)
        right.addLayout(qty)
        right.addWidget(self.quote)
        right.addWidget(self.reason)
        right.addLayout(acts)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)
        self.sale: Any = None
        self.returning: dict[int, int] = {}

    @property
    def aftersale(self) -> Any:
        return self.shop.aftersale

    def enter(self, **context: Any) -> None:
        self.code.clear()
        self.code.setFocus()
        self._show(None)
        self._search()

    # --- finding the sale ---------------------------------------------------------------------------------------

    def _by_code(self) -> None:
        text = self.code.text().strip()
        self.code.clear()
        if not text:
            return
        index = self.aftersale.index

        def find() -> Any:
            index.refresh()
            sale_id = index.sale_id_from_receipt_code(text) if ":" in text else text
            sale = index.find(sale_id)
            if sale is None:
                raise LookupError(sale_id)
            return sale

        def missing(exc: Exception) -> None:
            if isinstance(exc, LookupError):
                self.window_.say(self.tr("No sale with that number on this till. Search by amount or card "
                                         "instead."), "error")
            else:
                self.window_.fail(exc)

        self.window_.act(find, self.tr("Looking up the sale…"), self._show, quiet=True, on_error=missing)

    def _search(self) -> None:
        index = self.aftersale.index
        since = datetime.now(UTC) - timedelta(days=int(self.days.currentData()))
        try:
            amount = self.shop.money(self.amount.text()).amount if self.amount.text().strip() else None
        except Exception as exc:
            self.window_.fail(exc)
            return
        last4 = self.last4.text().strip() or None

        def search() -> Any:
            index.refresh()
            return index.search(since=since, amount_minor=amount, last4=last4, limit=50)

        self.window_.act(search, "", self._list, quiet=True)

    def _list(self, found: list[Any]) -> None:
        self.results.clear()
        for s in found:
            cards = " ".join(f"•••• {x}" for x in s.last4s)
            kinds = ", ".join(tender_name(k) for k in s.tender_kinds)
            when = s.completed_at.astimezone().strftime("%m-%d %H:%M")
            status = {"paid": "", "part_refunded": self.tr(" · part refunded"), "refunded": self.tr(" · refunded"),
                      "voided": self.tr(" · voided")}.get(s.status, s.status)
            item = QListWidgetItem(f"{when}   {s.total.format()}   {kinds} {cards}{status}")
            item.setData(Qt.ItemDataRole.UserRole, s.sale_id)
            self.results.addItem(item)
        if not found:
            self.results.addItem(self.tr("No sales match. Widen the search."))

    def _open(self, sale_id: Any) -> None:
        if sale_id:
            self.window_.act(lambda: self.aftersale.index.find(sale_id), "", self._show, quiet=True)

    # --- what comes back ----------------------------------------------------------------------------------------

    def _show(self, sale: Any) -> None:
        self.sale, self.returning = sale, {}
        self.lines.setRowCount(0)
        unfinished = sale is not None and self.aftersale.index.pending_refund(sale.sale_id) is not None
        self.finish_button.setVisible(unfinished)  # nothing else may be refunded before it is finished
        self.refund_button.setVisible(not unfinished)
        self.refund_button.setEnabled(sale is not None)
        self.void_button.setEnabled(sale is not None and sale.status != "voided")
        if sale is None:
            self.sale_title.setText(self.tr("Scan a receipt or pick a sale."))
            self.quote.setText("")
            return
        paid = ", ".join(f"{tender_name(t.kind)} {t.amount.format()}" for t in sale.tenders)
        self.sale_title.setText(self.tr("Sale of {0}: {1} ({2})").format(
            sale.completed_at.astimezone().strftime("%Y-%m-%d %H:%M"), sale.total.format(), paid))
        self.lines.setRowCount(len(sale.lines))
        for row, line in enumerate(sale.lines):
            name = self.shop.item_name(line.sku, line.name, self.window_.lang)
            for col, text in enumerate((name, str(line.quantity), str(sale.refundable_quantity(line.line_no)),
                                        "0")):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, line.line_no)
                self.lines.setItem(row, col, item)
        self.lines.selectRow(0)
        self._requote()

    def _step(self, delta: int) -> None:
        row = self.lines.currentRow()
        if self.sale is None or row < 0:
            return
        line_no = int(self.lines.item(row, 0).data(Qt.ItemDataRole.UserRole))
        most = self.sale.refundable_quantity(line_no)
        self.returning[line_no] = max(0, min(most, self.returning.get(line_no, 0) + delta))
        self._requote()

    def _all(self) -> None:
        if self.sale is not None:
            self.returning = {line.line_no: self.sale.refundable_quantity(line.line_no) for line in self.sale.lines}
            self._requote()

    def _chosen(self) -> dict[int, int]:
        return {k: v for k, v in self.returning.items() if v > 0}

    def _requote(self) -> None:
        for row in range(self.lines.rowCount()):
            line_no = int(self.lines.item(row, 0).data(Qt.ItemDataRole.UserRole))
            self.lines.item(row, 3).setText(str(self.returning.get(line_no, 0)))
        chosen = self._chosen()
        if not chosen:
            self.quote.setText(self.tr("Choose what the customer returns (− / + or Everything)."))
            return
        try:
            quote = self.aftersale.quote_refund(self.sale.sale_id, chosen)
        except Exception as exc:
            self.quote.setText(word_error(exc))
            return
        to = ", ".join(f"{tender_name(t.kind)}{' •••• ' + t.card_last4 if t.card_last4 else ''} {t.amount.format()}"
                       for t in quote.tenders)
        self.quote.setText(self.tr("Pay back {0} to: {1}").format(quote.total.format(), to))

    def _refund(self) -> None:
        chosen, sale, reason = self._chosen(), self.sale, self.reason.currentText()
        if sale is None or not chosen:
            self.window_.say(self.tr("Choose what the customer returns first."), "warn")
            return
        try:
            quote = self.aftersale.quote_refund(sale.sale_id, chosen)
        except Exception as exc:
            self.window_.fail(exc)
            return
        items = sum(chosen.values())
        self.window_.go("approve", back="refund", title=self.tr("Refund: a supervisor approves"),
                        details=self.tr("Pay back {0} for {1} of the sale of {2}.").format(
                            quote.total.format(), self.tr("1 item") if items == 1 else self.tr("{0} items").format(
                                items), sale.total.format()),
                        run=lambda who, pin: self.aftersale.refund(sale.sale_id, chosen, approver_id=who,
                                                                   approver_pin=pin, reason=reason))

    def _finish(self) -> None:
        """Finish the refund whose intent the journal holds (same refund, same keys at the hub: never paid twice)."""
        if self.sale is not None:
            sale_id = self.sale.sale_id
            self.window_.act(lambda: self.aftersale.finish_refund(sale_id), self.tr("Finishing the refund…"))

    def _void(self) -> None:
        sale, reason = self.sale, self.reason.currentText()
        if sale is None:
            return
        self.window_.go("approve", back="refund", title=self.tr("Void the whole sale: a supervisor approves"),
                        details=self.tr("The whole sale of {0} is voided and paid back.").format(sale.total.format()),
                        run=lambda who, pin: self.aftersale.void(sale.sale_id, approver_id=who, approver_pin=pin,
                                                                 reason=reason))
