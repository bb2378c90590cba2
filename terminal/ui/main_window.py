"""The cashier window: a status bar (network and queue, devices, operator), a banner for sentences, and one page at
a time, chosen from the checkout's state so the screen can never disagree with the till."""

from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget, QStatusBar, QVBoxLayout, QWidget

from terminal.checkout import CheckoutError
from terminal.domain import DomainError
from terminal.operators import OperatorError
from terminal.shifts import ShiftError
from terminal.ui.input_hold import InputHold
from terminal.ui.pages.base import Page
from terminal.ui.pages.cbdc import CbdcPage
from terminal.ui.pages.discount import DiscountPage
from terminal.ui.pages.login import LoginPage
from terminal.ui.pages.payment import (
    ApprovePage,
    CardPage,
    CashPage,
    CustomerQrPage,
    MerchantQrPage,
    StepUpPage,
    TenderPage,
)
from terminal.ui.pages.receipt import ReceiptPage
from terminal.ui.pages.refund import RefundPage
from terminal.ui.pages.sale import SalePage
from terminal.ui.pages.shift import ShiftPage
from terminal.ui.shop import Shop
from terminal.ui.widgets import Banner, ElidedLabel, role_names
from terminal.ui.wording import word, word_error, word_outcome
from terminal.ui.worker import Runner

log = logging.getLogger("edgepos.ui")
TONES = {"approved": "ok", "completed": "ok", "declined": "error", "step_up": "warn", "error": "error",
         "cancelled": "info", "qr_shown": "info", "tender": "info"}
STATE_PAGES = {"idle": "sale", "basket": "sale", "tender_selection": "tender", "merchant_qr": "merchant_qr",
               "step_up_pin": "step_up", "step_up_supervisor": "step_up", "receipt_failed": "receipt"}
SAID_ON_PAGE = ("step_up_pin", "step_up_supervisor", "merchant_qr")
# errors whose message is a sentence for the cashier (anything else is a bug: say so and log it)
FRIENDLY = (CheckoutError, OperatorError, DomainError, ShiftError)


class CashierWindow(QMainWindow):
    def __init__(self, shop: Shop, lang: str = "en") -> None:
        super().__init__()
        self.shop, self.lang = shop, lang
        shop.print_in(lang)
        self.setWindowTitle("edgepos")
        self.setObjectName("cashier_window")
        self.runner = Runner(self)
        self.runner.busy.connect(self._busy)
        self.runner.idle.connect(self._idle)
        self.input_hold = InputHold(self, lambda: self.runner.running)
        self._just_said = False
        body = QWidget()
        self.banner = Banner(body)  # floats over the page: a sentence never grows the window
        self.stack = QStackedWidget()
        self.pages: dict[str, Page] = {}
        for page in (LoginPage(self), SalePage(self), TenderPage(self), CashPage(self), CardPage(self),
                     CardPage(self, contactless=True), CustomerQrPage(self), MerchantQrPage(self), StepUpPage(self),
                     ApprovePage(self), ReceiptPage(self), RefundPage(self), ShiftPage(self), DiscountPage(self),
                     CbdcPage(self)):
            self.pages[page.name] = page
            self.stack.addWidget(page)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.stack, 1)
        QApplication.instance().installEventFilter(self)
        self.setCentralWidget(body)
        self._status_labels()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh_status)
        self.timer.start(1000)
        self.refresh_status()
        self.go("login")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Resize and watched is self.centralWidget():
            self.banner.place()
        elif kind in (QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress) and self.banner.isVisible() and \
                not self._just_said and isinstance(watched, QWidget) and watched.window() is self and \
                not self.banner.isAncestorOf(watched) and watched is not self.banner:
            self.banner.hide_unless_busy()  # the next tap or key means it was read: the page shows again in full
        return super().eventFilter(watched, event)

    # --- pages --------------------------------------------------------------------------------------------------

    @property
    def page(self) -> Page:
        return self.stack.currentWidget()  # type: ignore[return-value]

    def go(self, name: str, **context: Any) -> None:
        page = self.pages[name]
        if page is not self.page and not self._just_said and not self.runner.running:
            self.banner.hide()  # a sentence belongs to the page it was said on (it floats over the next one's top)
        self.stack.setCurrentWidget(page)
        page.enter(**context)
        self.refresh_status()

    def follow_state(self, outcome: Any = None) -> None:
        """Show the page that fits the checkout's state (after every action)."""
        state = str(self.shop.checkout.state)
        if state == "idle" and self.shop.shifts.current() is None and (outcome is None or not outcome.ok):
            self.go("shift")  # no selling before the float is counted
        elif outcome is not None and outcome.result == "completed" and outcome.sale_id and state in (
                "idle", "receipt_failed"):
            self.go("receipt", outcome=outcome)
        elif state == "tender_selection" and self.page.name in ("cash", "card", "tap", "customer_qr") and (
                outcome is None or not outcome.ok):
            self.go("tender")
        elif state == "merchant_qr" and self.shop.checkout.pending_kind == "cbdc_wallet":
            self.go("cbdc", outcome=outcome)  # the digital-currency QR waits on its own page
        else:
            self.go(STATE_PAGES.get(state, "sale"), outcome=outcome)

    def logged_in(self, operator: Any) -> None:
        self.say(self.tr("Hello {0}.").format(operator.name), "ok")
        self.refresh_status()
        self.follow_state()

    def logout(self) -> None:
        if self.shop.checkout.state != "idle":
            self.say(self.tr("Finish or cancel the sale before logging out."), "warn")
            return
        self.banner.hide()
        self.go("login")

    # --- actions ------------------------------------------------------------------------------------------------

    def act(self, fn: Any, what: str, on_done: Any = None, quiet: bool = False, on_error: Any = None) -> None:
        """Run a till action off the UI thread; show its sentence and move to the page that fits."""
        if self.runner.running:
            return  # one action at a time: a double tap does not pay twice
        self._quiet = quiet
        handler = on_done or self.show_outcome

        def done(result: Any) -> None:
            self.banner.hide()  # an old sentence (an error, a greeting) is stale once the next action went through
            handler(result)

        self.runner.run(fn, done, on_error or self.fail, what)

    def show_outcome(self, outcome: Any) -> None:
        if outcome is not None and getattr(outcome, "result", "") == "completed":
            self.shop.poke_sync()
        if outcome is not None and outcome.result == "completed" and outcome.sale_id and \
                outcome.receipt_printed is not False:
            self.banner.hide()  # the receipt page says it in large type
        elif outcome is not None and (str(self.shop.checkout.state) in SAID_ON_PAGE or outcome.result == "tender"):
            self.banner.hide()  # the tender, step-up and QR pages say it in their own words, above their controls
        elif outcome is not None and hasattr(outcome, "sentence"):
            tone = TONES.get(outcome.result, "info")
            if outcome.result == "completed" and outcome.offline:
                tone = "warn"
            self.say(self.worded(outcome), tone)
        self.follow_state(outcome)

    def worded(self, outcome: Any) -> str:
        """The outcome's sentence in the screen's language (worded from its code and params)."""
        return word_outcome(outcome)

    def fail(self, exc: Exception) -> None:
        if isinstance(exc, FRIENDLY):
            self.say(word_error(exc), "error")
        else:
            log.exception("unexpected error at the till", exc_info=exc)
            self.say(self.tr("Something went wrong ({0}). Nothing was paid twice; call a technician if it happens "
                             "again.").format(type(exc).__name__), "error")
        if not self.page.keep_on_error:
            self.follow_state()

    def say(self, text: str, tone: str = "info") -> None:
        self.banner.show_text(text, tone)
        self._just_said = True  # the page this action leads to still shows it
        QTimer.singleShot(0, self._said)

    def _said(self) -> None:
        self._just_said = False

    def _busy(self, what: str) -> None:
        self.input_hold.hold()  # no taps while it runs; keys typed meanwhile (the next scan) are kept
        if what and not getattr(self, "_quiet", False):
            self.banner.show_text(what, "info", busy=True)

    def _idle(self) -> None:
        if self.banner.progress.isVisible():
            self.banner.hide()
        QTimer.singleShot(0, self.input_hold.release)  # after the action's result is on screen, the kept keys

    # --- status bar ---------------------------------------------------------------------------------------------

    def _status_labels(self) -> None:
        bar = QStatusBar()
        bar.setSizeGripEnabled(False)
        self.link_label, self.device_label, self.operator_label = ElidedLabel(), ElidedLabel(), ElidedLabel()
        self.link_label.setObjectName("status_link")
        self.device_label.setObjectName("status_devices")
        self.operator_label.setObjectName("status_operator")
        bar.addWidget(self.link_label, 1)
        bar.addWidget(self.device_label, 1)
        bar.addWidget(self.operator_label, 1)
        self.setStatusBar(bar)
        self._devices_at = -60.0

    def refresh_status(self) -> None:
        try:
            link = self.shop.link()
        except Exception as exc:  # the status bar must never take the till down
            self.link_label.setText(self.tr("Sync state unknown: {0}").format(type(exc).__name__))
        else:
            if link.online:
                text = self.tr("● Online · {0} to send").format(link.pending)
            else:
                text = self.tr("○ Offline · {0} waiting to send").format(link.pending)
            if link.alarm:
                text += " · " + link.alarm
            waiting = self.shop.cbdc_waiting()
            if waiting:
                text += " · " + self.tr("{0} digital-currency payments waiting to settle").format(waiting)
            self.link_label.setText(text)
        now = time.monotonic()
        # devices are asked every 5 s at most, and never while an action may be using them (same thread only)
        if now - self._devices_at >= 5 and not self.runner.running:
            self._devices_at = now
            devices = self.shop.devices()
            bad = [d for d in devices if not d.ok]
            advice = [word(d.advice_code, {}, d.advice) if d.advice_code else d.advice for d in bad]
            self.device_label.setText(self.tr("Devices ok ({0})").format(len(devices)) if not bad else
                                      self.tr("Check: {0}").format(", ".join(f"{d.name} - {said}"
                                                                             for d, said in zip(bad, advice,
                                                                                                strict=True))))
        op = self.shop.operator
        roles = role_names()
        self.operator_label.setText(f"{op.name} · {roles.get(str(op.role), str(op.role))}"
                                    if self.page.name != "login" else self.tr("Logged out"))
