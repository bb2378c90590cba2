"""A discount on one basket line: a percentage, approved by a supervisor (the price-override privilege, audited)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout

from terminal.domain import Discount, DomainError
from terminal.ui.pages.base import Page
from terminal.ui.widgets import ApproverEntry, TouchNumbers, button, label


class DiscountPage(Page):
    name = "discount"
    keep_on_error = True

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.title = label("", "title", "discount_title")
        self.percent = QLineEdit()
        self.percent.setObjectName("discount_percent")
        TouchNumbers(self.percent)
        self.percent.setPlaceholderText(self.tr("Discount %"))
        quick = QGridLayout()
        for i, value in enumerate((5, 10, 20, 50)):
            quick.addWidget(button(f"{value}%", lambda _=False, v=value: self.percent.setText(str(v)),
                                   name=f"discount_{value}"), 0, i)
        quick.addWidget(button(self.tr("No discount"), lambda: self.percent.setText("0"), name="discount_none"),
                        1, 0, 1, 4)
        self.entry = ApproverEntry("discount", self.shop.staff())
        self.entry.submitted.connect(self._submit)
        left = QVBoxLayout()
        left.addWidget(self.title)
        left.addLayout(quick)
        left.addWidget(self.percent)
        left.addWidget(label(self.tr("A supervisor approves: tap your name, then your PIN."), "hint"))
        left.addStretch(1)
        left.addWidget(button(self.tr("Back"), lambda: window.go("sale"), shortcut="Esc", name="discount_back"))
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addWidget(self.entry, 1)
        self.line_no: int | None = None

    def enter(self, line_no: int | None = None, **context: Any) -> None:
        cart = self.checkout.cart
        if line_no is None or cart is None:
            return
        self.line_no = line_no
        line = cart.line(line_no)
        name = self.shop.item_name(line.sku, line.name, self.window_.lang)
        self.title.setText(self.tr("Discount on {0} ({1} × {2})").format(name, line.quantity,
                                                                       line.unit_price.format()))
        self.percent.clear()
        operator = self.shop.operator
        self.entry.reset(operator.operator_id if operator.role != "cashier" else "")
        self.percent.setFocus()

    def _submit(self, who: str, pin: str) -> None:
        line_no, text = self.line_no, self.percent.text().strip().rstrip("%")
        try:
            value = Decimal(text or "0")
            if not value.is_finite():
                raise InvalidOperation(text)
        except InvalidOperation:
            self.window_.say(self.tr("Enter the discount as a percentage, e.g. 10."), "error")
            return
        try:
            discount = None if value == 0 else Discount.percent(value)
        except DomainError as exc:  # the domain's own sentence (e.g. above 100 %)
            self.window_.fail(exc)
            return
        self.window_.act(lambda: self.checkout.discount_line(line_no, discount, approver_id=who or None,
                                                             approver_pin=pin),
                         self.tr("Checking the approval…"), lambda _: self.window_.go("sale"))
