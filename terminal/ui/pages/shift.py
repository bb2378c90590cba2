"""The shift: open it with the counted float, an X report at any time, close with the cash count (Z report, a
manager approves). Reports are shown as they print and can be printed again."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFontDatabase, QFontMetrics
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPlainTextEdit, QVBoxLayout

from terminal.ui.pages.base import Page
from terminal.ui.widgets import Keypad, button, label


class ShiftPage(Page):
    name = "shift"
    keep_on_error = True

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.state = label("", "title", "shift_state")
        self.keypad = Keypad(ok=False)
        self.cash = self.keypad.field
        self.cash.setObjectName("shift_cash")
        self.keypad.submitted.connect(self._enter_pressed)
        self.preview = QPlainTextEdit()
        self.preview.setObjectName("shift_preview")
        self.preview.setReadOnly(True)
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.preview.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.preview.installEventFilter(self)
        self.open_button = button(self.tr("Open shift"), self._open, role="primary", name="shift_open")
        self.x_button = button(self.tr("X report"), self._x, name="shift_x")
        self.z_button = button(self.tr("Close shift (Z report)…"), self._close, role="danger", name="shift_close")
        self.print_button = button(self.tr("Print"), self._print, name="shift_print")
        self.sync_button = button(self.tr("Send to the hub now"), self._sync, name="shift_sync")
        actions = QGridLayout()
        actions.addWidget(self.open_button, 0, 0)
        actions.addWidget(self.z_button, 0, 0)
        actions.addWidget(self.x_button, 0, 1)
        actions.addWidget(self.print_button, 0, 2)
        actions.addWidget(self.sync_button, 1, 0, 1, 2)
        actions.addWidget(button(self.tr("Back to selling"), self._back, shortcut="Esc", name="shift_back"), 1, 2)
        for column in range(3):
            actions.setColumnStretch(column, 1)
        left = QVBoxLayout()
        left.addWidget(self.state)
        left.addWidget(self.keypad, 1)
        left.addLayout(actions)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addWidget(self.preview, 1)
        self.report: Any = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.preview:
            self._fit_report()
        return super().eventFilter(watched, event)

    def _fit_report(self) -> None:
        """The report keeps its columns: the font shrinks (down to 9 px) until the widest line fits, no wrapping."""
        lines = self.preview.toPlainText().splitlines() or [""]
        widest = max(len(line) for line in lines) or 1
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        room = self.preview.viewport().width() - 8
        for px in range(17, 8, -1):
            font.setPixelSize(px)
            if QFontMetrics(font).horizontalAdvance("M" * widest) <= room:
                break
        self.preview.setFont(font)

    def _enter_pressed(self, _text: str) -> None:
        """Enter in the cash field: opens the shift with that float, or (shift open) goes on to close with it."""
        if self.shifts.current() is None:
            self._open()
        else:
            self._close()

    @property
    def shifts(self) -> Any:
        return self.shop.shifts

    def enter(self, report: Any = None, **context: Any) -> None:
        shift = self.shifts.current()
        currency = self.checkout.currency
        if shift is None:
            self.state.setText(self.tr("No shift is open. Count the cash float in the drawer and open the shift."))
            self.cash.setPlaceholderText(self.tr("Cash float ({0})").format(currency))
        else:
            when = shift.opened_at.astimezone().strftime("%H:%M")
            self.state.setText(self.tr("Shift Z{0} open since {1} ({2}).").format(shift.z_number, when,
                                                                                 shift.opened_by))
            self.cash.setPlaceholderText(self.tr("Counted cash ({0})").format(currency))
        self.open_button.setVisible(shift is None)
        self.z_button.setVisible(shift is not None)
        self.x_button.setEnabled(shift is not None)
        self.z_button.setEnabled(shift is not None)
        if report is not None:
            self._show(report)
        self.print_button.setEnabled(self.report is not None)
        self.cash.clear()
        self.cash.setFocus()

    def _counted(self) -> dict[str, Any] | None:
        try:
            return {self.checkout.currency: self.shop.money(self.cash.text())}
        except Exception as exc:
            self.window_.fail(exc)
            return None

    def _open(self) -> None:
        counted = self._counted()
        if counted is not None:
            operator = self.shop.operator
            self.window_.act(lambda: self.shifts.open(operator, counted), self.tr("Opening the shift…"),
                             lambda _: self._opened())

    def _opened(self) -> None:
        self.window_.say(self.tr("Shift open. Good selling!"), "ok")
        self.window_.go("sale")

    def _x(self) -> None:
        operator = self.shop.operator
        self.window_.act(lambda: self.shifts.x_report(operator), self.tr("Adding up the shift…"), self._done)

    def _close(self) -> None:
        if self.checkout.state != "idle":
            self.window_.say(self.tr("Finish or cancel the open sale before closing the shift."), "warn")
            return
        counted = self._counted()
        if counted is None:
            return
        if not self.cash.text().strip():
            self.window_.say(self.tr("Count the cash in the drawer and enter it before closing."), "warn")
            return
        operator = self.shop.operator
        try:
            totals = self.shifts.cash_check(counted)
        except Exception as exc:
            self.window_.fail(exc)
            return
        details = "\n".join(self.tr("Counted {0}, expected {1}: {2}").format(
            t.counted.format(), t.expected_cash.format(), self._variance(t.variance)) for t in totals)
        self.window_.go("approve", back="shift", title=self.tr("Close the shift: a manager approves"),
                        details=details, role="manager",
                        run=lambda who, pin: self.shifts.close(operator, counted, approver_id=who, approver_pin=pin),
                        done=self._done)

    def _variance(self, variance: Any) -> str:
        if variance.is_zero:
            return self.tr("no difference")
        return (self.tr("{0} over") if variance.is_positive else self.tr("{0} short")).format(abs(variance).format())

    def _done(self, report: Any) -> None:
        self.window_.go("shift", report=report)
        self._print()

    def _show(self, report: Any) -> None:
        self.report = report
        self.preview.setPlainText("\n".join(report.lines(self.window_.lang)))
        self._fit_report()

    def _print(self) -> None:
        report, lang = self.report, self.window_.lang
        if report is not None:
            self.window_.act(lambda: self.shifts.print(report, lang), self.tr("Printing the report…"),
                             lambda _: self.window_.say(self.tr("{0} report {1} printed.").format(
                                 report.kind, report.number), "ok"))

    def _sync(self) -> None:
        """One sync round now, with a progress banner (the screen stays live; the uplink thread keeps going too)."""
        self.window_.act(self.shop.sync_now, self.tr("Sending to the hub…"), self._synced)

    def _synced(self, report: Any) -> None:
        if report.ok:
            self.window_.say(self.tr("Sent {0} records; {1} still waiting.").format(report.sent, report.pending), "ok")
        else:
            self.window_.say(self.tr("The hub could not be reached; {0} records wait and are sent automatically "
                                     "later.").format(report.pending), "warn")
        self.window_.refresh_status()

    def _back(self) -> None:
        self.window_.go("sale" if self.shifts.current() is not None else "shift")
