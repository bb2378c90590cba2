"""Log in with an operator id and PIN (touch: tap your name, then the PIN on the keypad)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout

from terminal.ui.pages.base import Page
from terminal.ui.widgets import Keypad, button, label, role_names


class LoginPage(Page):
    name = "login"
    keep_on_error = True

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.operator_id = QLineEdit()
        self.operator_id.setObjectName("login_id")
        self.operator_id.setPlaceholderText(self.tr("Or type your id"))
        people = QGridLayout()
        roles = role_names()
        for i, op in enumerate(self.shop.staff()):
            text = f"{op.name} · {op.operator_id}\n{roles.get(str(op.role), str(op.role))}"
            people.addWidget(button(text, lambda _=False, o=op: self._pick(o.operator_id),
                                    name=f"login_pick_{op.operator_id}"), i // 2, i % 2)
        self.keypad = Keypad(secret=True, decimal=False, placeholder=self.tr("PIN"))
        self.keypad.field.setObjectName("login_pin")
        self.keypad.submitted.connect(self._login)
        left = QVBoxLayout()
        left.addWidget(label(self.tr("Who is at the till?"), "title"))
        left.addLayout(people)
        left.addWidget(self.operator_id)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(label(self.tr("Enter your PIN"), "title"))
        right.addWidget(self.keypad, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)

    def enter(self, **context: Any) -> None:
        self.keypad.clear()
        if not self.operator_id.text():
            self.operator_id.setFocus()

    def _pick(self, operator_id: str) -> None:
        self.operator_id.setText(operator_id)
        self.keypad.clear()

    def _login(self, pin: str) -> None:
        self.keypad.clear()
        self.window_.act(lambda: self.shop.login(self.operator_id.text(), pin), self.tr("Checking the PIN…"),
                         self.window_.logged_in)
