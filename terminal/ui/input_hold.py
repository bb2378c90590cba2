"""While a till action runs, the screen takes no taps but keeps every keystroke and replays them, in order, when the
action is done: a keyboard-wedge scanner types the next barcode + Enter while the previous item is still being added,
and that scan must not be lost (nor a `+`, nor `3*code`).

Taps are dropped while busy on purpose: a double tap on Pay must not pay twice. Keys are replayed through QTest's
key path, which goes through Qt's shortcut map first, so F12 or Esc typed during an action still work afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QWidget

_TAPS = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick,
         QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd)


_KEYS = (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress, QEvent.Type.KeyRelease)


@dataclass(frozen=True)
class _Key:
    key: int
    modifiers: Qt.KeyboardModifier
    text: str
    press: bool


class InputHold(QObject):
    """`hold()` when an action starts, `release()` when it ends; `busy()` says whether an action still runs (a
    replayed Enter may start the next one, and the keys after it wait for that one)."""

    def __init__(self, window: QWidget, busy: Callable[[], bool]) -> None:
        super().__init__(window)
        self.window, self._busy = window, busy
        self.keys: list[_Key] = []
        self.holding = False

    def hold(self) -> None:
        if not self.holding:
            self.holding = True
            QApplication.instance().installEventFilter(self)

    def release(self) -> None:
        """Replay what was typed until an action starts again (then the rest waits for that one to end)."""
        if self.keys:
            from PySide6.QtTest import QTest  # only when something was typed meanwhile (keeps start-up lean)
        while self.keys and not self._busy():
            key = self.keys.pop(0)
            target = QApplication.focusWidget()
            if target is None or target.window() is not self.window:
                target = self.window
            action = QTest.KeyAction.Press if key.press else QTest.KeyAction.Release
            self.holding = False  # let the replayed key through the filter
            QTest.sendKeyEvent(action, target, Qt.Key(key.key), key.text, key.modifiers)
            self.holding = True
        if not self._busy():
            self.holding = False
            QApplication.instance().removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.holding or not isinstance(watched, QWidget) or watched.window() is not self.window:
            return False
        kind = event.type()
        if kind in _KEYS and watched is not (QApplication.focusWidget() or self.window):
            return False  # a key on its way up from the focus widget (an Enter the field passed on): not a new one
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()  # no shortcut fires now: the key arrives as a KeyPress, is kept, and replays later
            return True
        if kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            self.keys.append(_Key(event.key(), event.modifiers(), event.text(), kind == QEvent.Type.KeyPress))
            return True
        return kind in _TAPS
