"""The kiosk's screens driven like a customer and an attendant (pytest-qt, offscreen, real parts): the whole flow
by touch with a real Toledo 8217 scale on a pty, the keyboard path, the station approving a call over the real
Mosquitto broker, a lane whose broker is down, and the lock-down."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QScrollArea

from drivers.scale.toledo import PtyScaleSim, Toledo8217Scale
from sync.crypto import Sm2PrivateKey
from terminal.kiosk.link import LaneLink, MqttTransport, StationLink, client_id
from terminal.kiosk.states import Step
from terminal.kiosk.wiring import demo_lane
from terminal.ui.app import application
from terminal.ui.kiosk.lane_window import KioskWindow
from terminal.ui.kiosk.station_window import StationWindow


def _tap(qtbot: Any, window: Any, name: str) -> None:
    found = [b for b in window.findChildren(QPushButton, name) if b.isVisible() and b.isEnabled()]
    states = [(b.isVisible(), b.isEnabled()) for b in window.findChildren(QPushButton, name)]
    assert found, f"no visible, enabled button {name!r} (visible, enabled: {states}; " \
                  f"{getattr(window, 'error', '')!r})"
    qtbot.mouseClick(found[0], Qt.MouseButton.LeftButton)


def _tap_when_ready(qtbot: Any, window: Any, name: str) -> None:
    """A button that appears when a message over the broker arrives."""
    qtbot.waitUntil(lambda: any(b.isVisible() and b.isEnabled() for b in window.findChildren(QPushButton, name)),
                    timeout=5000)
    _tap(qtbot, window, name)


def _idle(qtbot: Any, window: KioskWindow) -> None:
    qtbot.waitUntil(lambda: not window.runner.running, timeout=15_000)


@pytest.fixture
def scale_sim() -> Iterator[PtyScaleSim]:
    sim = PtyScaleSim()
    yield sim
    sim.close()


@pytest.fixture
def lane_window(qtbot: Any, lane_dir: Path, lane_secret: bytes, scale_sim: PtyScaleSim) -> Iterator[Any]:
    application("en")
    scale = Toledo8217Scale(scale_sim.port, timeout=0.5, settle_s=1.0)
    with demo_lane(lane_dir, secret=lane_secret, scale=scale) as wired:
        window = KioskWindow(wired.lane, shop_name="TEST STORE")
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        yield window, wired
        window.close()
        window.runner.wait()
        scale.close()
    application("en")


def test_a_customer_scans_weighs_pays_and_takes_a_qr_receipt_by_touch(qtbot, lane_window, scale_sim) -> None:
    window, wired = lane_window
    lane, cat = wired.lane, wired.lane.catalogue
    _tap(qtbot, window, "kiosk_start")
    _tap(qtbot, window, "kiosk_lang_zh")
    assert lane.lang == "zh_CN" and "请" in window.message.text()  # the screen speaks Chinese now
    qtbot.keyClicks(window.findChild(QLineEdit, "kiosk_scan_field"), cat.by_sku("SNK-001").barcode)
    qtbot.keyClick(window.findChild(QLineEdit, "kiosk_scan_field"), Qt.Key.Key_Return)
    assert lane.awaiting_bag is not None and window.basket_list.count() == 1
    lane.bagged(75)  # the bagging scale's thread
    _tap(qtbot, window, "kiosk_pick_PRD-002")
    assert window.pages.currentWidget() is window.page[Step.WEIGHING]
    scale_sim.put(1250, motion_polls=2)  # settling on the platter
    _tap(qtbot, window, "kiosk_weigh")
    _idle(qtbot, window)
    assert lane.step is Step.SCANNING and lane.checkout.cart.lines[-1].unit_price.amount == 1075
    lane.bagged(75 + 1250)
    _tap(qtbot, window, "kiosk_pay")
    _tap(qtbot, window, "kiosk_to_pay")
    visible = {n for n, b in window.tender_buttons.items() if b.isVisible()}
    assert visible == {"card", "tap", "payment_code", "shop_qr"}
    wired.till.card_reader.present("expired")
    _tap(qtbot, window, "kiosk_tender_card")
    _idle(qtbot, window)
    assert lane.step is Step.PAYING and "付款未成功" in window.message.text()
    wired.till.card_reader.present("visa")
    _tap(qtbot, window, "kiosk_tender_card")
    _idle(qtbot, window)
    assert lane.step is Step.RECEIPT_CHOICE
    _tap(qtbot, window, "kiosk_receipt_qr")
    assert window.receipt_qr.isVisible() and window.receipt_link.startswith("EPS1:")
    _tap(qtbot, window, "kiosk_done")
    assert lane.step is Step.ATTRACT and lane.lang == "en"
    assert [r.type for r in wired.till.journal.records()].count("sale.completed") == 1


def test_keyboard_path_and_lock_down(qtbot, lane_window) -> None:
    window, wired = lane_window
    start = window.findChild(QPushButton, "kiosk_start")
    start.setFocus()
    qtbot.keyClick(start, Qt.Key.Key_Space)
    assert wired.lane.step is Step.LANGUAGE
    for step in Step:  # every button a customer needs can take the keyboard focus (Tab, then Space/Enter)
        page = window.page[step]
        page = page.widget() if isinstance(page, QScrollArea) else page
        for b in page.findChildren(QPushButton):
            assert b.focusPolicy() & Qt.FocusPolicy.TabFocus, f"{b.objectName()} on {step} has no keyboard focus"
    qtbot.keyClick(window.findChild(QPushButton, "kiosk_lang_en"), Qt.Key.Key_Space)
    assert wired.lane.step is Step.SCANNING
    # the same lane locked down: frameless, closes ignored, only a technician or manager gets out
    locked = KioskWindow(wired.lane, locked=True)
    qtbot.addWidget(locked)
    locked.show()
    assert locked.windowFlags() & Qt.WindowType.FramelessWindowHint
    locked.close()
    qtbot.keyClick(locked, Qt.Key.Key_Escape)
    assert locked.isVisible()
    _tap(qtbot, locked, "kiosk_staff")
    locked.exit_entry.who.setText("S-001")
    locked.exit_entry.keypad.submitted.emit("2468")
    assert locked.isVisible() and "technician" in locked.error_label.text()
    locked.exit_entry.who.setText("T-001")
    locked.exit_entry.keypad.submitted.emit("8642")
    assert not locked.isVisible() and locked.exit_ok


def test_station_window_approves_a_call_over_the_broker(qtbot, lane_window, broker_url) -> None:
    window, wired = lane_window
    lane = wired.lane
    prefix = f"13-test/{uuid.uuid4().hex[:8]}"
    station_key = Sm2PrivateKey.generate()
    lane_bus = MqttTransport(broker_url, client_id=client_id("lane"))
    station_bus = MqttTransport(broker_url, client_id=client_id("station"))
    try:
        assert lane_bus.wait_connected(5) and station_bus.wait_connected(5)
        link = LaneLink(lane, lane_bus, prefix=prefix, key=wired.till.keystore.signing_key(),
                        stations={"station:S1": station_key.public_key()})
        station_link = StationLink(station_bus, prefix=prefix, key=station_key, station_id="S1",
                                   lanes={lane.lane_id: wired.till.keystore.public_key()})
        station = StationWindow(station_link, wired.till.operators)
        qtbot.addWidget(station)
        station.show()
        _tap(qtbot, window, "kiosk_start")
        _tap(qtbot, window, "kiosk_lang_en")
        window.scan(lane.catalogue.by_sku("DRK-006").barcode)
        assert lane.step is Step.HELP and window.call_text.isVisible()
        qtbot.waitUntil(lambda: lane.lane_id in station.cards and station.cards[lane.lane_id].call.text().startswith(
            "Lager beer"), timeout=5000)
        assert not station.cards[lane.lane_id].approve.isEnabled()  # nobody signed in at the station yet
        station.login.who.setText("C-001")
        station.login.keypad.submitted.emit("1357")  # a cashier signs in: the lane will refuse the age check
        assert station.attendant is not None, station.error
        _tap_when_ready(qtbot, station, f"station_approve_{lane.lane_id}")
        qtbot.waitUntil(lambda: "refused" in station.cards[lane.lane_id].result.text(), timeout=5000)
        assert lane.step is Step.HELP
        _tap(qtbot, station, "station_sign_out")
        station.login.who.setText("S-001")
        station.login.keypad.submitted.emit("2468")
        _tap_when_ready(qtbot, station, f"station_approve_{lane.lane_id}")
        qtbot.waitUntil(lambda: lane.step is Step.SCANNING, timeout=5000)
        qtbot.waitUntil(lambda: window.pages.currentWidget() is window.page[Step.SCANNING], timeout=5000)
        qtbot.waitUntil(lambda: "scanning" in station.cards[lane.lane_id].state.text(), timeout=5000)
        station.close()
        link.close()
    finally:
        lane_bus.close()
        station_bus.close()


def test_a_lane_with_its_broker_down_clears_calls_at_the_lane(qtbot, lane_window) -> None:
    window, wired = lane_window
    lane = wired.lane
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        dead = spare.getsockname()[1]
    bus = MqttTransport(f"mqtt://127.0.0.1:{dead}", client_id=client_id("lane"))
    try:
        link = LaneLink(lane, bus, prefix="13-test/down", key=wired.till.keystore.signing_key(), stations={})
        _tap(qtbot, window, "kiosk_start")
        _tap(qtbot, window, "kiosk_lang_en")
        window.scan(lane.catalogue.by_sku("DRK-006").barcode)
        assert lane.step is Step.HELP and not bus.connected
        window.attendant.who.setText("S-001")
        window.attendant.keypad.field.setText("2468")
        _tap(qtbot, window, "kiosk_approve")
        assert lane.step is Step.SCANNING and lane.age_ok
        link.close()
    finally:
        bus.close()


def test_a_real_lane_takes_scans_from_a_serial_scanner_and_the_bagging_scale_by_itself(qtbot, lane_window) -> None:
    from drivers.scanner.serial_scanner import PtyScannerSim, SerialScanner
    from terminal.ui.kiosk.run import connect_devices

    window, wired = lane_window
    lane = wired.lane
    scanner_sim, bag_sim = PtyScannerSim(), PtyScaleSim()
    scanner, bag_scale = SerialScanner(scanner_sim.port), Toledo8217Scale(bag_sim.port, timeout=0.3, settle_s=0.3)
    feed = connect_devices(window, (scanner,), None, bag_scale)
    try:
        _tap(qtbot, window, "kiosk_start")
        _tap(qtbot, window, "kiosk_lang_en")
        scanner_sim.scan(lane.catalogue.by_sku("SNK-001").barcode)
        qtbot.waitUntil(lambda: window.basket_list.count() == 1, timeout=5000)
        assert lane.awaiting_bag is not None
        bag_sim.put(75)  # the customer puts the crisps in the bag: the lane sees it by itself
        qtbot.waitUntil(lambda: lane.awaiting_bag is None, timeout=5000)
        assert lane.bag_total_g == 75 and lane.step is Step.SCANNING
    finally:
        feed.stop.set()
        for thread in feed.threads:
            thread.join(2)
        scanner.close()
        bag_scale.close()
        scanner_sim.close()
        bag_sim.close()


def test_typing_a_name_finds_items_by_picture(qtbot, lane_window) -> None:
    window, wired = lane_window
    lane = wired.lane
    _tap(qtbot, window, "kiosk_start")
    _tap(qtbot, window, "kiosk_lang_zh")
    field = window.findChild(QLineEdit, "kiosk_scan_field")
    assert set(window.tiles) == {"PRD-001", "PRD-002", "PRD-003", "PRD-004"}  # loose produce first
    qtbot.keyClicks(field, "cola")  # typed on a keyboard: by name
    assert list(window.tiles) == ["DRK-003"]
    field.setText("绿茶")  # green tea, by its Chinese name (an input method's commit: QTest cannot type it)
    field.textEdited.emit("绿茶")
    assert list(window.tiles) == ["DRK-002"]
    qtbot.keyClick(field, Qt.Key.Key_Return)  # the one match: taken
    assert lane.checkout.cart.lines[-1].sku == "DRK-002" and field.text() == ""
    assert "PRD-001" in window.tiles


def test_a_staff_badge_on_the_nfc_reader_clears_an_age_check(qtbot, lane_window) -> None:
    """The badge is a real ISO-DEP tag over nfcpy's UDP driver; the lane reads its UID only while it calls."""
    from drivers.nfc.doctor import free_udp_port
    from drivers.nfc.emulator import NdefApp, Type4Card, UdpCardSim
    from drivers.nfc.reader import NfcReader
    from terminal.ui.kiosk.run import connect_devices

    window, wired = lane_window
    lane = wired.lane
    badge_uid = bytes.fromhex("04A1B2C3D4E5F6")
    wired.badges.enrol(badge_uid, "S-001")
    port = free_udp_port()
    reader = NfcReader(f"udp:127.0.0.1:{port}", simulated=True)
    feed = connect_devices(window, (), reader, None)
    sim = UdpCardSim(Type4Card(None, NdefApp(b"")), port, uid=badge_uid).start()
    try:
        _tap(qtbot, window, "kiosk_start")
        _tap(qtbot, window, "kiosk_lang_en")
        window.scan(lane.catalogue.by_sku("DRK-006").barcode)
        assert lane.step is Step.HELP
        qtbot.waitUntil(lambda: lane.step is Step.SCANNING, timeout=15_000)
        assert lane.age_ok and lane.events[-1]["where"] == "lane"
        audit = [r.payload for r in wired.till.journal.records() if r.type == "audit.privileged"]
        assert audit[-1]["operator"] == "S-001" and audit[-1]["action"] == "kiosk_age_check"
    finally:
        feed.stop.set()
        for thread in feed.threads:
            thread.join(5)
        sim.stop()
        reader.close()
