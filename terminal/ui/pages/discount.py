"""A discount on one basket line: a percentage, approved by a supervisor (the price-override privilege, audited)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QVBoxLayout

from terminal.domain import Discount, DomainError
from terminal.ui.pages.base import Page
from terminal.ui.widgets import ApproverEntry, button, label


class DiscountPage(Page):
    name = "discount"
    keep_on_error = True

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.title = label("", "title", "discount_title")
        self.percent = QLineEdit()
        self.percent.setObjectName("discount_percent")
        self.percent.setPlaceholderText(self.tr("Discount in % (0 removes it)"))
        quick = QHBoxLayout()
        for value in (5, 10, 20, 50):
            quick.addWidget(button(f"{value}%", lambda _=False, v=value: self.percent.setText(str(v)),
                                   name=f"discount_{value}"))
        quick.addWidget(button(self.tr("None"), lambda: self.percent.setText("0"), name="discount_none"))
        self.entry = ApproverEntry("discount")
        self.entry.submitted.connect(self._submit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(quick)
        layout.addWidget(self.percent)
        layout.addWidget(label(self.tr("A supervisor approves with their id and PIN."), "hint"))
        layout.addWidget(self.entry)
        layout.addWidget(button(self.tr("Back"), lambda: window.go("sale"), shortcut="Esc", name="discount_back"))
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
