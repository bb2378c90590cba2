"""Run under Xvfb (Qt's xcb platform, a real X server): open a locked-down kiosk lane full screen and the attendant
station, walk every customer page, and report what does not fit: the window not covering the screen, a button
outside the window or under 48 px, a page that needs sideways scrolling. Prints one JSON object; PNGs go to OUT."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QPushButton, QScrollArea

from sync.crypto import Sm2PrivateKey
from terminal.kiosk.link import LaneLink, LocalBus, StationLink
from terminal.kiosk.wiring import demo_lane
from terminal.ui.app import application, place_window
from terminal.ui.kiosk.lane_window import KioskWindow
from terminal.ui.kiosk.station_window import StationWindow

# at 800x600 only the attendant's PIN pads may scroll (staff, not customers, use them)
MAY_SCROLL = ("age-check", "out-of-service")


def settle(window: KioskWindow | None = None) -> None:
    for _ in range(5):
        if window is not None:
            window.runner.wait()
        QApplication.processEvents()


def check(window, name: str, out: Path, problems: list[str], scrolled: list[str]) -> None:
    settle(window if isinstance(window, KioskWindow) else None)
    screen = window.screen().geometry()
    if window.geometry() != screen and window.frameGeometry() != screen and window.isFullScreen() is False:
        problems.append(f"{name}: window {window.geometry().getRect()} is not the screen {screen.getRect()}")
    inside = QRect(QPoint(0, 0), window.size())
    for b in window.findChildren(QPushButton):
        if not b.isVisible():
            continue
        top_left = b.mapTo(window, QPoint(0, 0))
        rect = QRect(top_left, b.size())
        viewport = b.parentWidget()
        in_scroll = False
        while viewport is not None and viewport is not window:
            if viewport.objectName() == "qt_scrollarea_viewport":
                in_scroll = True
                break
            viewport = viewport.parentWidget()
        if not in_scroll and not inside.contains(rect):
            problems.append(f"{name}: {b.objectName() or b.text()!r} at {rect.getRect()} is outside the window")
        if b.width() < 48 or b.height() < 48:
            problems.append(f"{name}: {b.objectName() or b.text()!r} is {b.width()}x{b.height()}, under 48 px")
    if isinstance(window, KioskWindow):
        holder = window.pages.currentWidget()
        if not isinstance(holder, QScrollArea):  # a page whose lists scroll inside it must fit as it is
            if holder.minimumSizeHint().height() > holder.height():
                problems.append(f"{name}: the page does not fit")
        elif holder.horizontalScrollBar().maximum() > 0:
            problems.append(f"{name}: the page needs sideways scrolling")
        if isinstance(holder, QScrollArea) and holder.verticalScrollBar().maximum() > 0:
            scrolled.append(name)
            if name not in MAY_SCROLL:
                need, room = holder.widget().minimumSizeHint().height(), holder.viewport().height()
                problems.append(f"{name}: the customer would have to scroll to reach the page's buttons (page "
                                f"{need} px, room {room} px)")
    window.grab().save(str(out / f"{name}.png"))


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    application("en")
    problems: list[str] = []
    scrolled: list[str] = []
    with tempfile.TemporaryDirectory() as where, demo_lane(Path(where) / "lane",
                                                          secret=b"xvfb-kiosk-secret-0123456789abcd") as wired:
        lane, cat = wired.lane, wired.lane.catalogue
        bus, key = LocalBus(), Sm2PrivateKey.generate()
        link = LaneLink(lane, bus, prefix="x", key=wired.till.keystore.signing_key(),
                        stations={"station:S1": key.public_key()})
        window = KioskWindow(lane, shop_name="XVFB STORE", locked=True)
        place_window(window, fullscreen=True)
        settle(window)
        check(window, "attract", out, problems, scrolled)
        window.findChild(QPushButton, "kiosk_start").click()
        check(window, "language", out, problems, scrolled)
        window.findChild(QPushButton, "kiosk_lang_zh").click()
        window.scan(cat.by_sku("SNK-001").barcode)
        lane.bagged(75)
        check(window, "scanning", out, problems, scrolled)
        window.findChild(QPushButton, "kiosk_pick_PRD-001").click()
        check(window, "weighing", out, problems, scrolled)
        lane.weigh(900)
        lane.bagged(975)
        window.scan(cat.by_sku("DRK-006").barcode)
        check(window, "age-check", out, problems, scrolled)
        lane.clear_at_lane(operator_id="S-001", pin="2468")
        lane.bagged(1500)
        window.findChild(QPushButton, "kiosk_accessible").click()
        check(window, "scanning-high-contrast", out, problems, scrolled)
        window.findChild(QPushButton, "kiosk_accessible").click()
        window.findChild(QPushButton, "kiosk_pay").click()
        check(window, "basket", out, problems, scrolled)
        window.findChild(QPushButton, "kiosk_to_pay").click()
        check(window, "payment", out, problems, scrolled)
        wired.till.card_reader.present("visa")
        window.findChild(QPushButton, "kiosk_tender_card").click()
        settle(window)
        check(window, "receipt-choice", out, problems, scrolled)
        window.findChild(QPushButton, "kiosk_receipt_qr").click()
        check(window, "thank-you", out, problems, scrolled)
        window.findChild(QPushButton, "kiosk_done").click()
        lane.out_of_service("S-001")
        check(window, "out-of-service", out, problems, scrolled)
        station = StationWindow(StationLink(bus, prefix="x", key=key, station_id="S1",
                                            lanes={lane.lane_id: wired.till.keystore.public_key()}),
                                wired.till.operators)
        place_window(station, fullscreen=True)
        check(station, "station", out, problems, scrolled)
        window.close()
        visible_after_close = window.isVisible()
        window.exit_ok = True
        window.close()
        station.close()
        link.close()
    print(json.dumps({"problems": problems, "scrolled": scrolled, "locked_close_ignored": visible_after_close,
                      "screen": [window.screen().geometry().width(), window.screen().geometry().height()]}))


if __name__ == "__main__":
    main()
