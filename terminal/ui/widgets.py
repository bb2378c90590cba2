"""Small building blocks shared by the pages: buttons of the right size, a PIN/amount keypad, the banner."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def button(text: str, on_click: Callable[[], None] | None = None, role: str = "", shortcut: str = "",
           name: str = "") -> QPushButton:
    """A touch-sized button; `shortcut` is shown on it so the keyboard path is discoverable."""
    label = f"{text}\n[{shortcut}]" if shortcut and role in ("tender",) else (f"{text}  [{shortcut}]" if shortcut
                                                                          else text)
    b = QPushButton(label)
    if role:
        b.setProperty("role", role)
    if shortcut:
        b.setShortcut(shortcut)
    if name:
        b.setObjectName(name)
    b.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # the barcode / amount field keeps the keyboard
    if on_click is not None:
        b.clicked.connect(on_click)
    return b


def label(text: str = "", role: str = "", name: str = "") -> QLabel:
    w = QLabel(text)
    w.setWordWrap(True)
    if role:
        w.setProperty("role", role)
    if name:
        w.setObjectName(name)
    return w


class Banner(QFrame):
    """One sentence that says what happened and what to do; red for problems, green for done, blue while busy."""

    def __init__(self) -> None:
        super().__init__()
        self.setProperty("role", "banner")
        layout = QHBoxLayout(self)
        self.text = label(name="banner_text")
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: an endless bar, the UI stays responsive
        self.progress.setMaximumWidth(160)
        self.close_button = button("×", self.hide)
        self.close_button.setMaximumWidth(56)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.close_button)
        self.hide()

    def show_text(self, text: str, tone: str = "info", busy: bool = False) -> None:
        self.setProperty("tone", tone)
        self.style().unpolish(self)
        self.style().polish(self)
        self.text.setText(text)
        self.progress.setVisible(busy)
        self.close_button.setVisible(not busy)
        self.show()

    @property
    def tone(self) -> str:
        return str(self.property("tone") or "")


class Keypad(QWidget):
    """Digits for an amount or a PIN; typing on the keyboard works the same (the field has focus)."""

    submitted = Signal(str)

    def __init__(self, secret: bool = False, decimal: bool = True, placeholder: str = "") -> None:
        super().__init__()
        self.field = QLineEdit()
        self.field.setObjectName("keypad_field")
        self.field.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.field.setPlaceholderText(placeholder)
        if secret:
            self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.returnPressed.connect(self._submit)
        grid = QGridLayout()
        keys = ["7", "8", "9", "4", "5", "6", "1", "2", "3", "." if decimal else "", "0", "⌫"]
        for i, key in enumerate(keys):
            if not key:
                continue
            b = button(key, lambda _=False, k=key: self._press(k), role="key")
            grid.addWidget(b, i // 3, i % 3)
        self.ok = button(self.tr("OK"), self._submit, role="primary", name="keypad_ok")
        grid.addWidget(self.ok, 4, 0, 1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.field)
        layout.addLayout(grid)

    def _press(self, key: str) -> None:
        if key == "⌫":
            self.field.backspace()
        else:
            self.field.insert(key)
        self.field.setFocus()

    def _submit(self) -> None:
        self.submitted.emit(self.field.text())

    def clear(self) -> None:
        self.field.clear()
        self.field.setFocus()


class ApproverEntry(QWidget):
    """Who approves (an operator id) and their PIN on the keypad: the supervisor step-up and every privileged
    action use this one control. `submitted(operator_id, pin)`; the id field hides for a customer's card PIN."""

    submitted = Signal(str, str)

    def __init__(self, name: str) -> None:
        super().__init__()
        self.who = QLineEdit()
        self.who.setObjectName(f"{name}_id")
        self.who.setPlaceholderText(self.tr("Supervisor id, e.g. S-001"))
        self.keypad = Keypad(secret=True, decimal=False, placeholder=self.tr("PIN"))
        self.keypad.field.setObjectName(f"{name}_pin")
        self.keypad.submitted.connect(self._submit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.who)
        layout.addWidget(self.keypad)

    def reset(self, who: str = "", ask_who: bool = True) -> None:
        self.who.setVisible(ask_who)
        self.who.setText(who)
        self.keypad.clear()
        if ask_who and not who:
            self.who.setFocus()

    def _submit(self, pin: str) -> None:
        self.keypad.clear()
        self.submitted.emit(self.who.text().strip().upper(), pin)
