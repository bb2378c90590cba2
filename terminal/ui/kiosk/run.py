"""Entry points of the kiosk's windows: a real lane (`edgepos kiosk`), a real station (`edgepos attendant`), the demo
(`edgepos demo --kiosk`: a lane, its device panel and a station on the demo store) and `--screenshot DIR`."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from terminal.ui.app import _quit_on_signals, application, place_window
from terminal.ui.kiosk.lane_window import KioskWindow
from terminal.ui.kiosk.station_window import StationWindow


class DeviceFeed(QObject):
    """A device read in a thread (the serial scanner; the NFC reader for badges) handed to the UI thread."""

    scanned = Signal(str)
    badge = Signal(bytes)
    bagged = Signal(int)

    def __init__(self, scanners: tuple[Any, ...] = (), nfc: Any = None, wants_badge: Any = None,
                 bag_scale: Any = None, wants_bag: Any = None) -> None:
        super().__init__()
        self.stop = threading.Event()
        self.threads = []
        for scanner in scanners:  # the serial scanner and the camera both hand codes to the same lane
            if scanner is not None:
                self.threads.append(threading.Thread(target=self._scan, args=(scanner,), daemon=True))
        if bag_scale is not None:
            self.threads.append(threading.Thread(target=self._bag, args=(bag_scale, wants_bag), daemon=True))
        if nfc is not None and hasattr(nfc, "read_uid"):
            self.threads.append(threading.Thread(target=self._badges, args=(nfc, wants_badge), daemon=True))
        for thread in self.threads:
            thread.start()

    def _scan(self, scanner: Any) -> None:
        while not self.stop.is_set():
            try:
                self.scanned.emit(scanner.read_code(timeout=0.5))
            except Exception:
                self.stop.wait(0.2)

    def _bag(self, scale: Any, wants_bag: Any) -> None:
        """The bagging-area scale, polled (8217 is a poll protocol) while the lane waits for an item in the bag."""
        while not self.stop.wait(0.4):
            if not wants_bag():
                continue
            try:
                self.bagged.emit(scale.weigh().grams)
            except Exception:  # in motion, or the cable: the lane keeps waiting, the customer can call for help
                continue

    def _badges(self, nfc: Any, wants_badge: Any) -> None:
        while not self.stop.is_set():
            if not wants_badge():  # the reader takes cards for payment; badges only while the lane calls
                self.stop.wait(0.3)
                continue
            try:
                self.badge.emit(nfc.read_uid(timeout=1.0))
            except Exception:
                self.stop.wait(0.2)


def connect_devices(window: KioskWindow, scanners: tuple[Any, ...], nfc: Any, bag_scale: Any) -> DeviceFeed:
    """The lane's devices read in threads, handed to the customer's screen: scans, badges while the lane calls,
    the bagging scale while an item is awaited. Stop with `feed.stop.set()`."""
    lane = window.lane
    feed = DeviceFeed(scanners, nfc, wants_badge=lambda: lane.step == "help", bag_scale=bag_scale,
                      wants_bag=lambda: lane.awaiting_bag is not None)
    feed.scanned.connect(window.scan)
    feed.badge.connect(window.badge)
    feed.bagged.connect(lambda grams: window._act(lambda: lane.bagged(grams))())
    return feed


def run_lane(real: Any, *, locked: bool = True, size: tuple[int, int] | None = None) -> int:
    """The customer's screen on a real lane (terminal.kiosk.wiring.RealLane), locked down unless `locked=False`."""
    app = application("en")
    store = real.store
    window = KioskWindow(real.lane, shop_name=store.config.store.name, locked=locked)
    feed = connect_devices(window, (real.scanner, real.camera), store.till.contactless_reader, real.bagging_scale)
    place_window(window, fullscreen=locked, size=size)
    _quit_on_signals(app)
    try:
        return app.exec()
    finally:
        feed.stop.set()


def run_station(link: Any, operators: Any, *, size: tuple[int, int] | None = None) -> int:
    app = application("en")
    window = StationWindow(link, operators)
    place_window(window, size=size)
    _quit_on_signals(app)
    return app.exec()


class DemoKiosk:
    """Lane + device panel + station of the demo store in one process, over the broker `pick_broker` found."""

    def __init__(self, data_dir: Path, *, broker_url: str | None = None, secret: bytes = b"", hub: bool = True
                 ) -> None:
        import uuid

        from hub.process import HubProcess
        from sync.crypto import Sm2PrivateKey
        from terminal.demo.startup import MERCHANT
        from terminal.kiosk.broker import pick_broker
        from terminal.kiosk.link import LaneLink, StationLink
        from terminal.kiosk.wiring import demo_lane
        from terminal.ui.kiosk.demo_panel import DEMO_BADGE

        self.broker = pick_broker(broker_url)
        data_dir.mkdir(parents=True, exist_ok=True)
        self.hub: HubProcess | None = None
        hub_url = enrol = None
        if hub:  # card, payment-code and shop-QR payments are authorised online, as in a shop
            self.hub = HubProcess(db=data_dir / "hub.db", admin_token=uuid.uuid4().hex, log=data_dir / "hub.log")
            self.hub.start()
            hub_url = self.hub.url
            if not (data_dir / "lane" / "keys.json").exists():
                enrol = self.hub.enrol_code(MERCHANT).encode()
        self.wired = demo_lane(data_dir / "lane", secret=secret or b"edgepos-demo-kiosk-secret-012345",
                               hub_url=hub_url, enrol_code=enrol)
        self.wired.badges.enrol(DEMO_BADGE, "S-001")
        till = self.wired.till
        self.wallets: Any = None  # the customer's digital-currency wallets (the demo hub's reference operator)
        if self.hub is not None:
            from terminal.demo.wallets import DemoWallets
            from terminal.kiosk.sync import start_sync

            start_sync(till)
            self.wallets = DemoWallets(self.hub)
        station_key = Sm2PrivateKey.generate()
        prefix = f"edgepos/demo-{till.keystore.terminal_id}"
        self.lane_link = LaneLink(self.wired.lane, self.broker.transport("lane"), prefix=prefix,
                                  key=till.keystore.signing_key(), stations={"station:S1": station_key.public_key()})
        self.station_link = StationLink(self.broker.transport("station"), prefix=prefix, key=station_key,
                                        station_id="S1", lanes={self.wired.lane.lane_id: till.keystore.public_key()})

    def windows(self) -> tuple[KioskWindow, StationWindow, Any]:
        from terminal.ui.kiosk.demo_panel import DemoPanel

        lane = KioskWindow(self.wired.lane, shop_name="EDGEPOS DEMO STORE · self-checkout")
        station = StationWindow(self.station_link, self.wired.till.operators)
        panel = DemoPanel(lane, self.wired.till, wallets=self.wallets)
        return lane, station, panel

    def close(self) -> None:
        if self.wallets is not None:
            self.wallets.close()
        self.lane_link.close()
        self.broker.close()
        self.wired.close()
        if self.hub is not None:
            self.hub.stop()


def run_demo(data_dir: Path, *, broker_url: str | None = None, size: tuple[int, int] | None = None) -> int:
    app = application("en")
    demo = DemoKiosk(data_dir, broker_url=broker_url)
    print(f"  {demo.broker.note}", flush=True)
    try:
        lane, station, panel = demo.windows()
        place_window(lane, size=size or (1024, 768))
        station.resize(1000, 700)
        station.show()
        panel.resize(700, 560)
        panel.show()
        _quit_on_signals(app)
        return app.exec()
    finally:
        demo.close()


# --- screenshots -------------------------------------------------------------------------------------------------


class _Walk:
    def __init__(self, out: Path) -> None:
        self.out, self.saved = out, []

    @staticmethod
    def settle(window: KioskWindow | None = None) -> None:
        for _ in range(4):
            if window is not None:
                window.runner.wait()
            QApplication.processEvents()

    def tap(self, window: QWidget, name: str) -> None:
        found = window.findChild(QPushButton, name)
        if found is None or not found.isVisible():
            raise RuntimeError(f"screenshot walk: no button {name!r}")
        found.click()
        self.settle(window if isinstance(window, KioskWindow) else None)

    def shot(self, window: QWidget, name: str) -> None:
        self.settle(window if isinstance(window, KioskWindow) else None)
        path = self.out / f"{name}.png"
        if not window.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        self.saved.append(path)


def render_screens(out_dir: Path, data_dir: Path, size: tuple[int, int] = (1280, 800)) -> list[Path]:
    """Walk a demo lane offscreen through its screens and save PNGs (>= 7), plus the attendant station."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out_dir.mkdir(parents=True, exist_ok=True)
    application("en")
    demo = DemoKiosk(data_dir, broker_url="local:", hub=False)  # the card is approved offline: no hub needed
    walk = _Walk(out_dir)
    try:
        lane_window, station, panel = demo.windows()
        lane, till = demo.wired.lane, demo.wired.till
        for sku in ("DRK-001", "SNK-006"):  # the lane has learnt these items' weights from earlier sales
            for grams in (558, 561, 560) if sku == "DRK-001" else (214, 216, 215):
                demo.wired.bagging.learn(sku, grams)
        lane_window.resize(*size)
        lane_window.show()
        walk.shot(lane_window, "01-attract")
        walk.tap(lane_window, "kiosk_start")
        walk.shot(lane_window, "02-language")
        walk.tap(lane_window, "kiosk_lang_en")
        cat = lane.catalogue
        lane_window.scan(cat.by_sku("DRK-001").barcode)
        panel.bag_right()
        lane_window.scan(cat.by_sku("SNK-006").barcode)
        panel.bag_right()
        walk.tap(lane_window, "kiosk_pick_PRD-001")
        walk.shot(lane_window, "03-weighing")
        panel.weigh(734)
        panel.bag_right()
        walk.shot(lane_window, "04-scanning")
        lane_window.scan(cat.by_sku("SNK-006").barcode)
        panel.bag_wrong()
        walk.shot(lane_window, "05-weight-check")
        panel.bag_right()
        lane_window.scan(cat.by_sku("DRK-006").barcode)
        walk.shot(lane_window, "06-age-check")
        station.resize(*size)
        station.show()
        station.login.who.setText("S-001")
        station.login.keypad.field.setText("2468")
        station.login.keypad.submitted.emit("2468")
        walk.settle()
        walk.shot(station, "07-attendant-station")
        walk.tap(station, f"station_approve_{lane.lane_id}")
        walk.settle()
        panel.bag_right()
        walk.tap(lane_window, "kiosk_pay")
        walk.tap(lane_window, "kiosk_to_pay")
        walk.tap(lane_window, "kiosk_tender_shop_qr")
        walk.shot(lane_window, "08-payment-shop-qr")
        walk.tap(lane_window, "kiosk_pay_back")  # the customer pays by card instead
        walk.tap(lane_window, "kiosk_pay")
        walk.tap(lane_window, "kiosk_to_pay")
        till.card_reader.present("visa")
        walk.tap(lane_window, "kiosk_tender_card")
        walk.shot(lane_window, "09-receipt-choice")
        walk.tap(lane_window, "kiosk_receipt_qr")
        walk.shot(lane_window, "10-thank-you")
        walk.tap(lane_window, "kiosk_done")
        walk.tap(lane_window, "kiosk_start")
        walk.tap(lane_window, "kiosk_lang_zh")
        walk.tap(lane_window, "kiosk_accessible")
        lane_window.scan(cat.by_sku("DRK-002").barcode)
        panel.bag_right()
        walk.shot(lane_window, "11-high-contrast-chinese")
    finally:
        for window in QApplication.topLevelWidgets():
            window.close()
        demo.close()
        application("en")
    return walk.saved
