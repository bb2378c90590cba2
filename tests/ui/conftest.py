"""The cashier window on a real demo store (journal, operators, risk engine, hub process over HTTP, in-process card
emulators through the EMV kernel), rendered offscreen. Tests click and type like a cashier: by object name."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton

from terminal.demo import open_demo_store
from terminal.demo.script import daytime_clock
from terminal.ui.app import build_window


class Cashier:
    """Drives the window as a person would: find a visible control by name, click it or type into it."""

    def __init__(self, qtbot: Any, window: Any, shots: Path) -> None:
        self.qtbot, self.window, self.shots = qtbot, window, shots

    @property
    def page(self) -> str:
        return self.window.page.name

    @property
    def banner(self) -> str:
        return self.window.banner.text.text() if self.window.banner.isVisible() else ""

    def _find(self, cls: type, name: str) -> Any:
        found = [w for w in self.window.findChildren(cls, name) if w.isVisible()]
        assert found, f"no visible {cls.__name__} named {name!r} on page {self.page!r} (banner: {self.banner!r})"
        return found[0]

    def idle(self) -> None:
        self.qtbot.waitUntil(lambda: not self.window.runner.running, timeout=20_000)
        self.qtbot.wait(20)

    def tap(self, name: str) -> None:
        button = self._find(QPushButton, name)
        assert button.isEnabled(), f"{name} is disabled"
        assert button.height() >= 48, f"{name} is {button.height()} px high: too small to touch"
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        self.idle()

    def type(self, name: str, text: str, enter: bool = False) -> None:
        field = self._find(QLineEdit, name)
        field.setFocus()
        field.clear()
        self.qtbot.keyClicks(field, text)
        if enter:
            self.qtbot.keyClick(field, Qt.Key.Key_Return)
        self.idle()

    def key(self, key: Qt.Key, widget_name: str | None = None) -> None:
        """A key press where the keyboard focus is (or on a named field)."""
        target = self._find(QLineEdit, widget_name) if widget_name else self.window.focusWidget() or self.window
        self.qtbot.keyClick(target, key)
        self.qtbot.wait(250)  # a button's shortcut "animates" its click for 100 ms
        self.idle()

    def text(self, name: str) -> str:
        from PySide6.QtWidgets import QLabel

        return self._find(QLabel, name).text()

    def shot(self, name: str) -> Path:
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{name}.png"
        assert self.window.grab().save(str(path)), path
        return path

    def login(self, operator_id: str = "C-001", pin: str = "1357") -> None:
        self.tap(f"login_pick_{operator_id}")
        self.type("login_pin", pin, enter=True)

    def open_shift(self, float_text: str = "200") -> None:
        assert self.page == "shift", self.page
        self.type("shift_cash", float_text)
        self.tap("shift_open")
        assert self.page == "sale", self.banner


@pytest.fixture
def shots(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """Screenshots go to $EDGEPOS_ARTIFACTS/screens (CI keeps them) or the test's temp dir."""
    root = os.environ.get("EDGEPOS_ARTIFACTS")
    return Path(root) / "screens" if root else tmp_path / "screens"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Any]:
    # a weekday morning: the risk model weighs the hour, so the step-up test does not depend on when CI runs
    with open_demo_store(tmp_path / "store", devices="inprocess", clock=daytime_clock()) as store:
        yield store


@pytest.fixture
def cashier(qtbot: Any, store: Any, shots: Path) -> Iterator[Cashier]:
    yield from _cashier(qtbot, store, shots, "en")


@pytest.fixture
def cashier_zh(qtbot: Any, store: Any, shots: Path) -> Iterator[Cashier]:
    """The same window on a Chinese screen (English comes back for the next test)."""
    from terminal.ui.app import application

    try:
        yield from _cashier(qtbot, store, shots, "zh_CN")
    finally:
        application("en")


def _cashier(qtbot: Any, store: Any, shots: Path, lang: str) -> Iterator[Cashier]:
    window = build_window(store, lang)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()  # window shortcuts (F5, F12, Esc...) need the active window
    qtbot.waitActive(window)
    yield Cashier(qtbot, window, shots)
    window.runner.wait()
    window.timer.stop()
