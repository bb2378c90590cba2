"""A kiosk customer pays with digital currency (数字人民币 / Digital RMB) the three ways the checkout core offers,
on real parts: a real hub process with its reference operator, the wallet simulator as the customer's phone, the
demo lane's emulated hard-wallet slot, the screens offscreen (pytest-qt). The shop QR is long-polled through the
hub and cancelled there when the customer leaves it or the lane idles out; refusals read as customer reasons;
a crash after the approval finishes the sale once; a CBDC payment of a sale voided at recovery goes back to the
wallet after the sync round."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton

from hub.process import HubProcess
from terminal.cbdc.simulator import WalletError
from terminal.checkout.states import State
from terminal.demo.startup import MERCHANT
from terminal.demo.wallets import DemoWallets
from terminal.domain import Money
from terminal.kiosk.headless import audit
from terminal.kiosk.states import Step
from terminal.kiosk.sync import GiveBack
from terminal.kiosk.tenders import customer_reason
from terminal.kiosk.wiring import demo_lane
from terminal.ui.app import application
from terminal.ui.kiosk.demo_panel import DemoPanel
from terminal.ui.kiosk.lane_window import KioskWindow
from terminal.ui.wording import word

SECRET = b"kiosk-cbdc-test-secret-012345678"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    where = tmp_path_factory.mktemp("hub-kiosk-cbdc")
    with HubProcess(db=where / "hub.db", admin_token=uuid.uuid4().hex, log=where / "hub.log") as process:
        yield process


@pytest.fixture(scope="module")
def wallets(hub: HubProcess) -> Iterator[DemoWallets]:
    made = DemoWallets(hub)
    yield made
    made.close()


def open_lane(where: Path, hub: HubProcess, **options: Any) -> Any:
    enrol = None if (where / "keys.json").exists() else hub.enrol_code(MERCHANT).encode()
    lane_id = "C" + hashlib.sha256(str(where).encode()).hexdigest()[:6].upper()  # one terminal per lane at the hub
    return demo_lane(where, lane_id=lane_id, secret=SECRET, hub_url=hub.url, enrol_code=enrol, **options)


@pytest.fixture
def cbdc_lane(tmp_path: Path, hub: HubProcess, clock: Any) -> Iterator[Any]:
    with open_lane(tmp_path / "lane", hub, clock=clock) as wired:
        assert wired.till.checkout.ports.cbdc.issuer_key() is not None  # one contact: hard wallets can be checked
        yield wired


def to_payment(lane: Any, sku: str = "SNK-001") -> None:
    lane.start()
    lane.choose_language("en")
    lane.scan(lane.catalogue.by_sku(sku).barcode)
    lane.bagged(lane.bag_total_g + (lane.awaiting_bag.expected_g or 75) if lane.awaiting_bag else 0)
    lane.review()
    lane.to_payment()
    assert lane.step is Step.PAYING


def cbdc_tenders(wired: Any) -> list[dict[str, Any]]:
    return [t for r in wired.till.journal.records() if r.type == "sale.completed"
            for t in r.payload["tenders"] if t["kind"] == "cbdc_wallet"]


# --- the screens --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def screen(qapp: Any, tmp_path_factory: pytest.TempPathFactory, hub: HubProcess, wallets: DemoWallets
           ) -> Iterator[tuple[KioskWindow, Any, DemoPanel]]:
    """One lane and its screens for the screen tests (each leaves the lane back at attract)."""
    application("en")
    with open_lane(tmp_path_factory.mktemp("kiosk-cbdc-screen") / "lane", hub) as wired:
        window = KioskWindow(wired.lane, shop_name="TEST STORE")
        panel = DemoPanel(window, wired.till, wallets=wallets)
        window.resize(1280, 800)
        window.show()
        panel.show()
        yield window, wired, panel
        window.close()
        panel.close()
        window.runner.wait()
    application("en")


def _finish(qtbot: Any, window: KioskWindow) -> None:
    _tap(qtbot, window, "kiosk_receipt_none")
    _tap(qtbot, window, "kiosk_done")
    assert window.lane.step is Step.ATTRACT


def _tap(qtbot: Any, widget: Any, name: str) -> None:
    found = [b for b in widget.findChildren(QPushButton, name) if b.isVisible() and b.isEnabled()]
    assert found, f"no visible button {name!r} ({getattr(widget, 'error', '')!r})"
    qtbot.mouseClick(found[0], Qt.MouseButton.LeftButton)


def _paid(qtbot: Any, window: KioskWindow) -> None:
    qtbot.waitUntil(lambda: window.lane.step is Step.RECEIPT_CHOICE, timeout=15_000)
    qtbot.waitUntil(lambda: not window.runner.running, timeout=15_000)


def _to_payment_by_touch(qtbot: Any, window: KioskWindow, lang: str = "zh") -> None:
    lane = window.lane
    _tap(qtbot, window, "kiosk_start")
    _tap(qtbot, window, f"kiosk_lang_{lang}")
    window.scan(lane.catalogue.by_sku("SNK-001").barcode)
    lane.bagged(lane.bag_total_g + 75)  # the bagging scale's thread
    _tap(qtbot, window, "kiosk_pay")
    _tap(qtbot, window, "kiosk_to_pay")
    assert lane.step is Step.PAYING


def test_customer_pays_by_their_wallets_code_on_a_chinese_screen(qtbot, screen, wallets) -> None:
    window, wired, _panel = screen
    _to_payment_by_touch(qtbot, window, "zh")
    button = next(b for b in window.findChildren(QPushButton, "kiosk_tender_cbdc_code"))
    assert button.isVisible() and "数字人民币" in button.text()
    _tap(qtbot, window, "kiosk_tender_cbdc_code")
    field = window.findChild(QLineEdit, "kiosk_code_field")
    assert field.isVisible() and window.code_method == "cbdc_code"
    window.scan("not a wallet code")  # the scanner reads something else: a customer's reason, nothing paid
    qtbot.waitUntil(lambda: bool(window.error) or "kiosk_reason" in str(wired.lane.params), timeout=10_000)
    assert wired.lane.params.get("reason_code") == "kiosk_reason_cbdc_code"
    assert word("kiosk_reason_cbdc_code") in window.message.text() or window.error
    _tap(qtbot, window, "kiosk_tender_cbdc_code")
    window.scan(wallets.code(wallets.new_customer()))  # the scanner reads the phone
    _paid(qtbot, window)
    tender = wired.till.checkout.last_sale.tenders[0]
    assert str(tender.kind) == "cbdc_wallet" and tender.reference.startswith("CBN")
    _finish(qtbot, window)


def test_customer_pays_the_shop_qr_from_their_wallet_and_the_lane_long_polls_the_hub(qtbot, screen, wallets) -> None:
    window, wired, panel = screen
    lane = wired.lane
    _to_payment_by_touch(qtbot, window, "en")
    _tap(qtbot, panel, "demo_cbdc_pay_qr")  # no code on screen yet: the customer chooses that way first
    qtbot.waitUntil(lambda: window.shop_qr.isVisible(), timeout=10_000)
    assert lane.showing_cbdc_qr() and "Digital RMB" in window.message.text()
    assert not window.findChild(QPushButton, "kiosk_tender_card").isVisible()
    # Back: the order is cancelled at the hub, so the wallet can no longer pay that code
    left = window.qr_text
    _tap(qtbot, window, "kiosk_pay_back")
    qtbot.waitUntil(lambda: lane.step is Step.SCANNING and not window.runner.running, timeout=10_000)
    with pytest.raises(WalletError):
        wallets.pay_qr(left, wallets.new_customer())
    assert lane.checkout.state is State.BASKET
    _tap(qtbot, window, "kiosk_pay")
    _tap(qtbot, window, "kiosk_to_pay")
    _tap(qtbot, window, "kiosk_tender_cbdc_qr")
    qtbot.waitUntil(lambda: window.shop_qr.isVisible() and lane.showing_cbdc_qr(), timeout=10_000)
    qtbot.wait(300)  # the lane is polling now: the wallet pays while a long-poll waits at the hub
    _tap(qtbot, panel, "demo_cbdc_pay_qr")
    _paid(qtbot, window)
    assert not window.shop_qr.isVisible()
    sale_id = wired.till.checkout.last_sale.sale_id
    assert sale_id in [r.payload["sale_id"] for r in wired.till.journal.records() if r.type == "sale.completed"]
    assert any(ms > 50 for name, ms in lane.device_timings if name == "shop qr wait")  # the long-poll: not software
    _finish(qtbot, window)


def test_customer_pays_with_a_hard_wallet_inserted_and_tapped(qtbot, screen) -> None:
    window, wired, panel = screen
    for button in ("demo_cbdc_card", "demo_cbdc_tap"):
        _to_payment_by_touch(qtbot, window, "en")
        _tap(qtbot, panel, button)
        _paid(qtbot, window)
        _finish(qtbot, window)
    offline = [r.payload for r in wired.till.journal.records() if r.type == "cbdc.offline_payment"]
    assert [p["contactless"] for p in offline] == [False, True]
    assert [t["reference"] for t in cbdc_tenders(wired)][-2:] == [p["payment_id"] for p in offline]
    assert audit(wired.till.journal) == (0, 0)


# --- the lane without screens ----------------------------------------------------------------------------------


def test_idle_lane_cancels_the_shop_qr_at_the_hub_and_keeps_a_payment_made_just_before(cbdc_lane, wallets,
                                                                                       clock) -> None:
    lane = cbdc_lane.lane
    to_payment(lane)
    shown = lane.pay("cbdc_qr")
    clock.now += 1000
    lane.tick()
    assert lane.step is Step.IDLE_WARNING
    clock.now += 1000
    lane.tick()  # nobody answered: the basket is cancelled, and the order with it at the hub
    assert lane.step is Step.ATTRACT and lane.checkout.state is State.IDLE
    with pytest.raises(WalletError):
        wallets.pay_qr(shown.qr_payload, wallets.new_customer())
    # a wallet that paid while the lane was warning: the idle-out finds the order paid and keeps the sale
    to_payment(lane)
    shown = lane.pay("cbdc_qr")
    clock.now += 1000
    lane.tick()
    wallets.pay_qr(shown.qr_payload, wallets.new_customer())
    clock.now += 1000
    lane.tick()
    assert lane.step is Step.ATTRACT
    assert len(cbdc_tenders(cbdc_lane)) == 1 and audit(cbdc_lane.till.journal) == (0, 0)


def test_refusals_read_as_customer_reasons() -> None:
    assert customer_reason("cbdc_insufficient_funds") == "kiosk_reason_cbdc_wallet"
    assert customer_reason("cbdc_over_day_limit") == "kiosk_reason_cbdc_wallet"
    assert customer_reason("cbdc_code_used") == "kiosk_reason_cbdc_code"
    assert customer_reason("cbdc_order_expired") == "kiosk_reason_cbdc_qr_expired"
    assert customer_reason("cbdc_needs_network") == "kiosk_reason_offline"
    assert customer_reason("cbdc_wallet_removed") == "kiosk_reason_cbdc_hard_wallet"


# --- crash recovery ------------------------------------------------------------------------------------------


class Crash(BaseException):
    """The process dies here (nothing in the lane catches a BaseException)."""


def _crash_after(wired: Any, record_type: str) -> None:
    journal = wired.till.journal
    real = journal.append

    def append(kind: str, payload: Any, sensitive: Any = None) -> Any:
        result = real(kind, payload, sensitive)
        if kind == record_type:
            raise Crash
        return result

    journal.append = append


def _restart(where: Path, hub: HubProcess) -> Any:
    again = open_lane(where, hub)
    assert again.lane.step is Step.ATTRACT and again.till.checkout.state is State.IDLE
    return again


def test_recovery_finishes_a_cbdc_paid_sale_once_and_gives_back_a_voided_ones(tmp_path: Path, hub, wallets) -> None:
    """Power lost right after a wallet code's approval, then between a hard wallet's journalled payment and its
    approval: each sale is finished once from the journal; a shop QR the wallet paid while the lane was down is
    found paid at the hub and finishes its sale. Then a sale part-paid by a wallet code: voided at the restart, its
    payment given back to the wallet after the next good sync round."""
    where = tmp_path / "lane"
    wired = open_lane(where, hub)
    finished = []
    for crash_at in ("tender.approved", "cbdc.offline_payment"):
        to_payment(wired.lane)
        finished.append(wired.till.checkout.sale.sale_id)
        _crash_after(wired, crash_at)
        with pytest.raises(Crash):
            if crash_at == "tender.approved":
                wired.lane.pay("cbdc_code", code=wallets.code(wallets.new_customer()))
            else:
                wallets.present_card(wired.till.checkout.ports)
                wired.lane.pay("cbdc_wallet")
        wired.close()
        wired = _restart(where, hub)
        assert wired.recovery.finished == finished[-1:] and not wired.recovery.given_back
        assert len(cbdc_tenders(wired)) == len(finished) and audit(wired.till.journal) == (0, 0)
    # the shop QR on screen, the wallet pays it, the lane goes down before its next poll: paid, so finished
    to_payment(wired.lane)
    finished.append(wired.till.checkout.sale.sale_id)
    wallets.pay_qr(wired.lane.pay("cbdc_qr").qr_payload, wallets.new_customer())
    wired.close()
    wired = _restart(where, hub)
    assert wired.recovery.finished == finished[-1:] and len(cbdc_tenders(wired)) == 3
    assert audit(wired.till.journal) == (0, 0)
    to_payment(wired.lane)
    checkout = wired.till.checkout
    sale_id, part = checkout.sale.sale_id, Money(100, checkout.sale.total.currency)
    wallet = wallets.new_customer(fund=10_000)
    balance = wallets._ready().info(wallet).balance
    assert checkout.pay_cbdc_code(wallets.code(wallet), part).result == "approved"  # part paid, then the power cut
    wired.close()
    with _restart(where, hub) as again:
        report = again.recovery
        assert report.voided == [sale_id] and len(report.given_back) == 1 and not report.finished
        assert GiveBack(again.till)() >= 1  # what the lane's sync thread runs after the next good round
        released = [r.payload for r in again.till.journal.records() if r.type == "cbdc.released"]
        assert [(p["payment_id"], p["result"]) for p in released] == [(report.given_back[0], "refunded")]
        assert audit(again.till.journal) == (0, 0)
    assert wallets._ready().info(wallet).balance == balance  # the wallet has its money back
    with _restart(where, hub) as third:
        assert third.recovery.clean
