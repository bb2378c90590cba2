"""Small building blocks shared by the pages: touch-sized buttons, a PIN/amount keypad, the approver entry, the
banner, the second tap that confirms throwing work away, and role and tender names in the screen's language."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QElapsedTimer,
    QEvent,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from terminal.ui.fit import ElidedLabel, TouchButton

__all__ = ["ApproverEntry", "Banner", "ElidedLabel", "Keypad", "SecondTap", "TouchButton", "button", "label",
           "role_names", "tender_name"]

BANNER_MARGIN = 8
KEYPAD_MAX_PX = 520
OK_SHOWN_MS = 6000  # a "done" sentence stays this long; problems stay until the next action or the × tap


def button(text: str, on_click: Callable[[], None] | None = None, role: str = "", shortcut: str = "",
           name: str = "") -> QPushButton:
    """A touch-sized button; `shortcut` is shown on it so the keyboard path is discoverable."""
    label = f"{text}\n[{shortcut}]" if shortcut and role in ("tender",) else (f"{text}  [{shortcut}]" if shortcut
                                                                          else text)
    b = TouchButton(label)
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


class SecondTap:
    """A step that throws work away (cancel the sale, empty the basket) happens on the second tap or key within a
    few seconds; the first says what the second will do. Nothing is lost to a stray tap."""

    def __init__(self, window: Any, within_ms: int = 5000) -> None:
        self.window, self.within_ms = window, within_ms
        self.armed, self.since = "", QElapsedTimer()

    def confirmed(self, what: str, sentence: str) -> bool:
        if self.armed == what and self.since.isValid() and self.since.elapsed() < self.within_ms:
            self.armed = ""
            return True
        self.armed = what
        self.since.start()
        self.window.say(sentence, "warn")
        return False

    def reset(self) -> None:
        self.armed = ""


def role_names() -> dict[str, str]:
    """The operator roles in the screen's language."""
    return {"cashier": QCoreApplication.translate("Role", "cashier"),
            "supervisor": QCoreApplication.translate("Role", "supervisor"),
            "manager": QCoreApplication.translate("Role", "manager"),
            "technician": QCoreApplication.translate("Role", "technician")}


def tender_name(kind: object) -> str:
    """How a tender is called on the screen, in its language (the domain's English label otherwise)."""
    english = getattr(kind, "label", str(kind))
    names = {"Cash": QCoreApplication.translate("Tender", "Cash"), "Card": QCoreApplication.translate("Tender", "Card"),
             "Card contactless": QCoreApplication.translate("Tender", "Card contactless"),
             "QR payment": QCoreApplication.translate("Tender", "QR payment"),
             "Digital currency": QCoreApplication.translate("Tender", "Digital currency")}
    return names.get(english, english)


def label(text: str = "", role: str = "", name: str = "") -> QLabel:
    w = QLabel(text)
    w.setWordWrap(True)
    if role:
        w.setProperty("role", role)
    if name:
        w.setObjectName(name)
    return w


class Banner(QFrame):
    """One sentence that says what happened and what to do; red for problems, green for done, blue while busy.

    It floats over the top of the page (it never pushes the page down or grows the window): `place()` fits it to
    its parent's width; a green "done" sentence goes away by itself after a few seconds."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 4, 4, 4)  # a slim strip: it floats over the top of the page
        self.text = label(name="banner_text")
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: an endless bar, the UI stays responsive
        self.progress.setMaximumWidth(160)
        self.close_button = button("×", self.hide, name="banner_close")
        self.close_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.close_button)
        self.fade = QTimer(self)
        self.fade.setSingleShot(True)
        self.fade.timeout.connect(self.hide)
        self.hide()

    def show_text(self, text: str, tone: str = "info", busy: bool = False) -> None:
        self.setProperty("tone", tone)
        self.style().unpolish(self)
        self.style().polish(self)
        self.text.setText(text)
        self.progress.setVisible(busy)
        self.close_button.setVisible(not busy)
        self.fade.stop()
        if tone == "ok":
            self.fade.start(OK_SHOWN_MS)
        self.show()
        self.place()
        self.raise_()

    def place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        width = parent.width() - 2 * BANNER_MARGIN
        height = self.layout().totalHeightForWidth(width) if self.layout().hasHeightForWidth() else \
            self.sizeHint().height()
        self.setGeometry(BANNER_MARGIN, BANNER_MARGIN, width, max(height, self.minimumSizeHint().height()))

    def hide_unless_busy(self) -> None:
        if not self.progress.isVisible():
            self.hide()

    @property
    def tone(self) -> str:
        return str(self.property("tone") or "")


class Keypad(QWidget):
    """Digits for an amount or a PIN; typing on the keyboard works the same (the field has focus). Keys are at
    least 48 px and grow with the screen. `ok=False`: the page's own buttons submit."""

    submitted = Signal(str)

    def __init__(self, secret: bool = False, decimal: bool = True, placeholder: str = "", ok: bool = True,
                 names: str = "key") -> None:
        super().__init__()
        self.field = QLineEdit()
        self.field.setObjectName(f"{names}pad_field")
        self.field.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.field.setPlaceholderText(placeholder)
        if secret:
            self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.returnPressed.connect(self._submit)
        grid = QGridLayout()
        grid.setSpacing(6)
        keys = ["7", "8", "9", "4", "5", "6", "1", "2", "3", "." if decimal else "", "0", "⌫"]
        for i, key in enumerate(keys):
            if not key:
                continue
            b = button(key, lambda _=False, k=key: self._press(k), role="key",
                       name=f"{names}_" + {"⌫": "back", ".": "dot"}.get(key, key))
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            grid.addWidget(b, i // 3, i % 3)
        self.ok = button(self.tr("OK"), self._submit, role="primary", name=f"{names}pad_ok")
        self.ok.setVisible(ok)
        if ok:
            grid.addWidget(self.ok, 4, 0, 1, 3)
        pad = QWidget()  # keys stay a hand's width on a wide screen, centred in the room the page gives
        pad.setMaximumWidth(KEYPAD_MAX_PX)
        column = QVBoxLayout(pad)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.field)
        column.addLayout(grid, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addStretch(0)
        layout.addWidget(pad, 1)
        layout.addStretch(0)

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


class TouchNumbers(QObject):
    """A number field a finger can fill: a tap on it opens a keypad over the window, prefilled with the field's
    text; OK (or Enter) puts what was typed into the field and closes it. A keyboard types into the field as before.
    Its keys are named `touch_1`..., `touchpad_ok`, apart from a page's own keypad."""

    def __init__(self, field: QLineEdit, decimal: bool = True) -> None:
        super().__init__(field)
        self.field, self.decimal = field, decimal
        self.popup: QFrame | None = None
        field.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.field and event.type() == QEvent.Type.MouseButtonRelease and self.field.isEnabled()
                and not self.field.isReadOnly()):
            self.open()
        return False

    def open(self) -> None:
        """The keypad as a panel over the window (not a separate pop-up window: kiosk and framebuffer platforms
        handle those badly), below the field when it fits, else above it, always inside the window."""
        window = self.field.window()
        if self.popup is not None:
            self.popup.deleteLater()
        popup = QFrame(window)
        popup.setObjectName("touch_keypad")
        popup.setFrameShape(QFrame.Shape.Box)
        popup.setAutoFillBackground(True)
        keypad = Keypad(decimal=self.decimal, placeholder=self.field.placeholderText(), names="touch")
        keypad.field.setMaxLength(self.field.maxLength())
        keypad.field.setText(self.field.text())
        keypad.submitted.connect(self._take)
        close = button(self.tr("Close"), self._close, name="touchpad_close")
        column = QVBoxLayout(popup)
        column.addWidget(keypad, 1)
        column.addWidget(close)
        width, height = min(360, window.width()), min(500, window.height())
        below = self.field.mapTo(window, self.field.rect().bottomLeft())
        x = max(0, min(below.x(), window.width() - width))
        y = below.y() if below.y() + height <= window.height() else max(0, below.y() - self.field.height() - height)
        popup.setGeometry(x, y, width, height)
        popup.show()
        popup.raise_()
        keypad.field.setFocus()
        self.popup = popup

    def _take(self, text: str) -> None:
        self.field.setText(text)
        self._close()

    def _close(self) -> None:
        if self.popup is not None:
            self.popup.hide()
            self.popup.deleteLater()
            self.popup = None
        self.field.setFocus()


class ApproverEntry(QWidget):
    """Who approves and their PIN, by touch alone: a button per operator who may approve (or type / scan the id),
    then the PIN on the keypad. The supervisor step-up and every privileged action use this one control.
    `submitted(operator_id, pin)`; for a customer's card PIN only the keypad shows."""

    submitted = Signal(str, str)

    def __init__(self, name: str, staff: Sequence[Any] = ()) -> None:
        super().__init__()
        self.name = name
        self.who = QLineEdit()
        self.who.setObjectName(f"{name}_id")
        self.keypad = Keypad(secret=True, decimal=False, placeholder=self.tr("PIN"))
        self.keypad.field.setObjectName(f"{name}_pin")
        self.keypad.submitted.connect(self._submit)
        self.people: dict[str, tuple[QPushButton, str]] = {}
        people = QGridLayout()
        approvers = [op for op in staff if str(getattr(op, "role", "")) in ("supervisor", "manager")]
        for i, op in enumerate(approvers):
            b = button(f"{op.name} · {op.operator_id}", lambda _=False, o=op: self._pick(o.operator_id),
                       name=f"{name}_pick_{op.operator_id}")
            b.setCheckable(True)
            self.people[op.operator_id] = (b, str(op.role))
            people.addWidget(b, i // 2, i % 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(people)
        layout.addWidget(self.who)
        layout.addWidget(self.keypad, 1)

    def reset(self, who: str = "", ask_who: bool = True, role: str = "supervisor") -> None:
        """`role`: the least role that may approve ("manager" hides the supervisors)."""
        self.who.setVisible(ask_who)
        self.who.setPlaceholderText(self.tr("Manager id, e.g. M-001") if role == "manager"
                                    else self.tr("Supervisor id, e.g. S-001"))
        for b, their_role in self.people.values():
            b.setVisible(ask_who and (role != "manager" or their_role == "manager"))
        self._pick(who)

    def _pick(self, operator_id: str) -> None:
        self.who.setText(operator_id)
        for ident, (b, _) in self.people.items():
            b.setChecked(ident == operator_id)
        self.keypad.clear()
        if not operator_id and self.who.isVisibleTo(self):
            self.who.setFocus()

    def _submit(self, pin: str) -> None:
        self.keypad.clear()
        self.submitted.emit(self.who.text().strip().upper(), pin)
