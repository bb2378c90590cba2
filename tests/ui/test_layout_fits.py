"""Every page fits every screen a till may have: walked at 800x600, 1024x768 and 1920x1080, in English and Chinese.

At each page and size the test measures the real widget tree: a label's or button's text must fit its widget (with
the widget's own word wrap; elided text fits by construction, but a product never loses its price line), a field's
placeholder must fit, no widget may lie outside the window, no two buttons may overlap, every touch target is at
least 48 px both ways, and the window keeps the size it was given (a banner overlays, it never grows the window).
Screenshots of each page at each size go to $EDGEPOS_ARTIFACTS/layout (or the test's temp dir).

One demo store and one window per language serve all three sizes: the walk reaches a page once and then resizes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyleOptionButton,
    QTabBar,
    QWidget,
)

from terminal.demo import open_demo_store
from terminal.demo.rig import SAMPLE_OPERATORS
from terminal.demo.script import daytime_clock
from terminal.ui.app import application, build_window
from terminal.ui.fit import ElidedLabel, TouchButton

SIZES = ((800, 600), (1024, 768), (1920, 1080))
TOUCH = 48
PINS = {ident: pin for ident, _, _, pin in SAMPLE_OPERATORS}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with open_demo_store(tmp_path_factory.mktemp("layout") / "store", devices="inprocess",
                         clock=daytime_clock()) as store:
        yield store


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = os.environ.get("EDGEPOS_ARTIFACTS")
    out = Path(root) / "layout" if root else tmp_path_factory.mktemp("layout-shots")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _clipped_by_scroll_area(widget: QWidget, window: QWidget) -> bool:
    """Inside a scroll area's viewport a widget may be larger than what shows: the area scrolls it."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def _text_fits(fm: QFontMetrics, text: str, room: QRect, wrap: bool) -> bool:
    if room.width() <= 0 or room.height() <= 0:
        return False
    if wrap:
        needed = fm.boundingRect(QRect(0, 0, room.width(), 1 << 20),
                                 int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignLeft), text)
        return needed.width() <= room.width() and needed.height() <= room.height() + 1
    lines = text.split("\n")
    return max(fm.horizontalAdvance(line) for line in lines) <= room.width() and \
        fm.height() * len(lines) <= room.height() + 2


def _button_room(b: QPushButton) -> QRect:
    option = QStyleOptionButton()
    b.initStyleOption(option)
    return b.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, b)


def problems(window: QWidget, size: tuple[int, int]) -> list[str]:
    """What does not fit on the window as it is now (empty: all good)."""
    found = []
    if (window.width(), window.height()) != size:
        found.append(f"window is {window.width()}x{window.height()}, not {size[0]}x{size[1]}")
    frame = window.rect()
    for w in window.findChildren(QWidget):
        if not w.isVisible() or w.isWindow() or _clipped_by_scroll_area(w, window):
            continue
        name = w.objectName() or type(w).__name__
        where = QRect(w.mapTo(window, QPoint(0, 0)), w.size())
        if w.width() and w.height() and not frame.contains(where):
            found.append(f"{name} lies outside the window at {where.getRect()}")
        parent = w.parentWidget()
        if parent is not None and parent is not window and w.width() and not parent.rect().contains(w.geometry()):
            found.append(f"{name} sticks out of {parent.objectName() or type(parent).__name__}")
        if isinstance(w, QAbstractButton | QLineEdit | QComboBox) and (w.width() < TOUCH or w.height() < TOUCH):
            found.append(f"{name} ({getattr(w, 'text', lambda: '')()!r}) is {w.width()}x{w.height()}: too small "
                         "to touch")
        fm = QFontMetrics(w.font())
        if isinstance(w, QLabel) and not isinstance(w, ElidedLabel) and w.text() and w.pixmap().isNull():
            room = w.contentsRect().adjusted(w.margin(), w.margin(), -w.margin(), -w.margin())
            if not _text_fits(fm, w.text(), room, w.wordWrap()):
                found.append(f"label {name} cut: {w.text()!r} in {room.width()}x{room.height()}")
        elif isinstance(w, QPushButton) and w.text():
            if not _text_fits(fm, w.text(), _button_room(w), False):
                found.append(f"button {name} cut: {w.text()!r} in {w.width()}x{w.height()}")
            if isinstance(w, TouchButton) and w.property("role") == "product" and \
                    w.text().split("\n")[-1] != w.full_text.split("\n")[-1]:
                found.append(f"product {name} lost its price: {w.text()!r}")
            if not isinstance(w, TouchButton):
                found.append(f"button {name} is a plain QPushButton (cannot fit its text to a small screen)")
        elif isinstance(w, QLineEdit) and w.placeholderText() and not w.text():
            room = w.contentsRect().adjusted(12, 0, -12, 0)
            if fm.horizontalAdvance(w.placeholderText()) > room.width():
                found.append(f"field {name}: placeholder {w.placeholderText()!r} cut in {room.width()} px")
        elif isinstance(w, QComboBox) and w.currentText():
            room = w.width() - 48  # the drop-down arrow and padding
            if fm.horizontalAdvance(w.currentText()) > room:
                found.append(f"choice {name}: {w.currentText()!r} cut in {room} px")
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                tab = w.tabRect(i)
                if tab.height() < TOUCH or tab.width() < TOUCH:
                    found.append(f"tab {w.tabText(i)!r} is {tab.width()}x{tab.height()}: too small to touch")
                if fm.horizontalAdvance(w.tabText(i)) > tab.width() - 8:
                    found.append(f"tab {w.tabText(i)!r} cut in {tab.width()} px")
    found += _overlaps(window)
    return found


def _overlaps(window: QWidget) -> list[str]:
    """Buttons (keypad keys above all) must not lie on top of each other."""
    shown = [b for b in window.findChildren(QAbstractButton) if b.isVisible() and not isinstance(b.parent(), QTabBar)]
    rects = [(b, QRect(b.mapTo(window, QPoint(0, 0)), b.size())) for b in shown]
    return [f"{a.objectName() or a.text()!r} overlaps {b.objectName() or b.text()!r}"
            for i, (a, ra) in enumerate(rects) for b, rb in rects[i + 1:] if ra.intersects(rb)]


class Walk:
    """Reaches each page as a cashier would, then checks and photographs it at every size."""

    def __init__(self, window: Any, lang: str, out: Path) -> None:
        self.window, self.lang, self.out = window, lang, out
        self.found: dict[str, list[str]] = {}

    def settle(self) -> None:
        for _ in range(3):
            self.window.runner.wait()
            QApplication.processEvents()

    def tap(self, name: str) -> None:
        button = next((b for b in self.window.findChildren(QPushButton, name) if b.isVisible()), None)
        assert button is not None and button.isEnabled(), f"no button {name} on {self.window.page.name}"
        button.click()
        self.settle()

    def fill(self, name: str, text: str, enter: bool = False) -> None:
        field = next(f for f in self.window.findChildren(QLineEdit, name) if f.isVisible())
        field.setText(text)
        if enter:
            field.returnPressed.emit()
        self.settle()

    def check(self, shot: str) -> None:
        for size in SIZES:
            self.window.resize(*size)
            self.settle()
            for issue in problems(self.window, size):
                self.found.setdefault(f"{shot} {size[0]}x{size[1]}", []).append(issue)
            assert self.window.grab().save(str(self.out / f"{self.lang}-{shot}-{size[0]}x{size[1]}.png"))
        self.window.resize(*SIZES[0])
        self.settle()


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_every_page_fits_every_screen(qapp: Any, store: Any, out_dir: Path, lang: str) -> None:
    window = build_window(store, lang)
    window.resize(*SIZES[0])
    window.show()
    walk = Walk(window, lang, out_dir)
    catalogue = store.catalogue
    try:
        least = window.minimumSizeHint()
        if least.width() > SIZES[0][0] or least.height() > SIZES[0][1]:
            walk.found["minimum size"] = [f"the window needs at least {least.width()}x{least.height()}"]
        walk.check("01-login")
        walk.tap("login_pick_C-001")
        walk.fill("login_pin", PINS["C-001"], enter=True)
        assert window.page.name == "shift", window.banner.text.text()
        walk.check("02-shift-closed")
        walk.fill("shift_cash", "500")
        walk.tap("shift_open")
        walk.check("03-sale-empty")
        longest = max(catalogue.products, key=lambda p: len(p.display_name(lang)))
        for product in (longest, *catalogue.products[:6]):
            walk.fill("barcode", product.barcode, enter=True)
        walk.fill("barcode", "99999999", enter=True)  # unknown: a banner over the page
        assert window.banner.isVisible()
        walk.check("04-sale-basket-banner")
        walk.tap("discount_line")
        walk.check("05-discount")
        walk.tap("discount_back")
        walk.tap("pay")
        walk.check("06-tender")
        for how in ("cash", "card", "tap", "customer_qr"):
            walk.tap(f"tender_{how}")
            walk.check(f"07-{how}")
            walk.tap(f"{how}_back")
        walk.tap("tender_merchant_qr")
        walk.check("08-merchant-qr")
        walk.tap("merchant_qr_back")
        walk.tap("tender_cash")
        walk.tap("cash_exact")
        walk.check("09-receipt")
        sale_id = window.shop.checkout.last_sale.sale_id
        walk.tap("next_sale")
        walk.fill("barcode", f"80*{catalogue.by_sku('FRS-005').barcode}", enter=True)
        walk.tap("pay")
        walk.tap("tender_customer_qr")
        walk.tap("customer_qr_demo")
        assert window.page.name == "step_up", window.banner.text.text()
        walk.check("10-step-up")
        walk.fill("step_up_id", "S-001")
        walk.fill("step_up_pin", PINS["S-001"], enter=True)
        walk.tap("next_sale")
        walk.tap("open_refund")
        walk.fill("refund_code", f"EPS1:{store.till.keystore.terminal_id}:{sale_id}", enter=True)
        walk.tap("refund_plus")
        walk.check("11-refund")
        walk.tap("refund_go")
        walk.check("12-approve-refund")
        walk.tap("approve_back")
        walk.tap("refund_back")
        walk.tap("open_shift")
        walk.tap("shift_x")
        walk.check("13-x-report")
        walk.fill("shift_cash", "500")
        walk.tap("shift_close")
        walk.check("14-approve-close")
        walk.fill("approve_id", "M-001")
        walk.fill("approve_pin", PINS["M-001"], enter=True)
        walk.check("15-z-report")
    finally:
        window.timer.stop()
        window.runner.wait()
        window.close()
        application("en")
    report = "\n".join(f"{where}:\n  " + "\n  ".join(issues) for where, issues in walk.found.items())
    assert not walk.found, f"{sum(map(len, walk.found.values()))} layout problems ({lang}):\n{report}"


def test_category_scroll_arrows_are_touch_sized(qapp: Any) -> None:
    """A shop with more categories than fit gets scroll arrows on the tab bar: they are touch targets too."""
    from PySide6.QtWidgets import QTabWidget, QToolButton

    application("en")  # the app's style sheet
    tabs = QTabWidget()
    for i in range(12):
        tabs.addTab(QWidget(), f"Category {i}")
    tabs.resize(400, 300)
    tabs.show()
    QApplication.processEvents()
    arrows = [b for b in tabs.findChildren(QToolButton) if b.isVisible()]
    assert len(arrows) == 2 and all(b.width() >= TOUCH and b.height() >= TOUCH for b in arrows), \
        [(b.width(), b.height()) for b in arrows]
    tabs.close()
