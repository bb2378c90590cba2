"""The customer's screen at a kiosk lane: one page per lane step (terminal.kiosk.states), drawn from the lane's
snapshot after every action, worded in the customer's language (English / 简体中文, chosen per customer).

Customer-facing, not the cashier's screens with bigger buttons: one thing to do per page, a sentence that says it in
large type, no time pressure (the lane warns before it ever resets, and a customer may ask for more time), a
high-contrast large-text mode any customer can switch on at any step, a help button on every page, and a full
keyboard path (Tab moves between the page's buttons with a thick focus frame, Enter/Space presses; a barcode can be
typed). Payment and weighing run off the UI thread (terminal.ui.worker.Runner) so a slow card never freezes it.

Lock-down (`locked=True`): full screen, frameless, stays on top, ignores Alt+F4 and Escape; the only way out is the
small Staff button, and only for a technician or manager (badge or id + PIN; `Lane.authorize_exit`, audited).
"""

from __future__ import annotations

import logging
from typing import Any

import qrcode
from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QColor, QFont, QIcon, QImage, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from terminal.kiosk.states import Step
from terminal.kiosk.tenders import CODE_TENDERS, TENDERS
from terminal.ui.app import application
from terminal.ui.kiosk.style import BASE, HIGH_CONTRAST
from terminal.ui.widgets import ApproverEntry, Keypad, button
from terminal.ui.wording import word, word_error
from terminal.ui.worker import Runner

log = logging.getLogger("edgepos.kiosk.ui")
CBDC_POLL_S = 1.5  # one long-poll of the digital-RMB shop QR at a time (Back waits at most this long)
CATEGORY_COLOURS = {"Fresh": "#2e7d32", "Drinks": "#1565c0", "Snacks": "#ef6c00", "Household": "#6a1b9a"}


def picture(name: str, category: str, size: int = 72) -> QIcon:
    """The item's picture tile: drawn (no product photos ship with the demo catalogue); a shop's catalogue can bring
    its own images later through the same button."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(CATEGORY_COLOURS.get(category, "#455a64")))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(2, 2, size - 4, size - 4)
    painter.setPen(QColor("white"))
    font = QFont()
    font.setPixelSize(size // 2)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, name.removeprefix("Loose ")[:1].upper())
    painter.end()
    return QIcon(pixmap)


def qr_pixmap(text: str, px: int = 260) -> QPixmap:
    image = qrcode.make(text, border=2).get_image().convert("RGB")
    data = image.tobytes("raw", "RGB")
    qimage = QImage(data, image.width, image.height, image.width * 3, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(qimage).scaled(px, px, Qt.AspectRatioMode.KeepAspectRatio)


def _label(role: str, name: str = "") -> QLabel:
    lab = QLabel()
    lab.setProperty("role", role)
    lab.setWordWrap(True)
    if name:
        lab.setObjectName(name)
    return lab


class _Bridge(QObject):
    """The lane's listener may be called from the station link's thread: repaint on the UI thread."""

    changed = Signal()


class KioskWindow(QWidget):
    def __init__(self, lane: Any, *, shop_name: str = "", locked: bool = False, badge_reader: Any = None) -> None:
        super().__init__()
        self.setObjectName("kiosk")
        self.lane, self.locked, self.badge_reader = lane, locked, badge_reader
        self.exit_ok = False
        self.runner = Runner(self)
        self.error = ""  # the last refusal, worded
        self.qr_text: str | None = None
        self.receipt_link: str | None = None
        self.lang_shown = ""
        self.setWindowTitle(shop_name or "edgepos")
        self.setStyleSheet(BASE)
        if locked:
            self.setWindowFlags(Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint)
        self.bridge = _Bridge(self)
        self.bridge.changed.connect(self.refresh, Qt.ConnectionType.QueuedConnection)
        lane.listeners.append(self._lane_changed)

        # top bar: shop, accessibility, help
        self.shop = _label("hint")
        self.shop.setText(shop_name)
        self.accessible = button("", self._toggle_accessible, name="kiosk_accessible")
        self.accessible.setCheckable(True)
        self.help = button("", self._call_help, role="help", name="kiosk_help")
        self.staff = button("", self._open_staff, role="small", name="kiosk_staff")
        self.staff.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # the customer's keyboard path starts on their page
        top = QHBoxLayout()
        top.addWidget(self.staff)
        top.addWidget(self.shop, 1)
        top.addWidget(self.accessible)
        top.addWidget(self.help)
        self.message = _label("message", "kiosk_message")
        self.error_label = _label("hint", "kiosk_error")
        self.pages = QStackedWidget()
        self.page: dict[Step, QWidget] = {}
        for step, build in ((Step.ATTRACT, self._attract), (Step.LANGUAGE, self._language),
                            (Step.SCANNING, self._scanning), (Step.WEIGHING, self._weighing),
                            (Step.BASKET, self._basket), (Step.PAYING, self._paying),
                            (Step.RECEIPT_CHOICE, self._receipt), (Step.THANK_YOU, self._thanks),
                            (Step.HELP, self._help_page), (Step.IDLE_WARNING, self._idle),
                            (Step.OUT_OF_SERVICE, self._closed)):
            page = build()
            if step in (Step.SCANNING, Step.BASKET):  # their lists scroll inside; Pay always stays in view
                self.page[step] = page
                self.pages.addWidget(page)
                continue
            holder = QScrollArea()  # a small screen (800x600) scrolls a tall page instead of growing the window
            holder.setWidget(page)
            holder.setWidgetResizable(True)
            holder.setFrameShape(QFrame.Shape.NoFrame)
            holder.setObjectName(f"kiosk_page_{step}")
            self.page[step] = holder
            self.pages.addWidget(holder)
        self.staff_panel = self._staff_panel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.error_label)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.staff_panel)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.timer.start(1000)
        self.refresh()

    # --- pages --------------------------------------------------------------------------------------------------

    def _column(self, *widgets: QWidget, stretch_first: bool = False) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        for i, widget in enumerate(widgets):
            column.addWidget(widget, 1 if stretch_first and i == 0 else 0)
        if not stretch_first:
            column.addStretch(1)
        return page

    def _attract(self) -> QWidget:
        self.welcome = _label("title")
        self.welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.start_button = button("", self._act(self.lane.start), role="primary", name="kiosk_start")
        self.start_button.setMinimumHeight(160)
        self.start_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(self.welcome)
        column.addWidget(self.start_button, 1)  # the whole screen is the button
        return page

    def _language(self) -> QWidget:
        english = button("English", self._act(lambda: self.lane.choose_language("en")), role="primary",
                         name="kiosk_lang_en")
        chinese = button("简体中文", self._act(lambda: self.lane.choose_language("zh_CN")), role="primary",
                         name="kiosk_lang_zh")
        row = QWidget()
        line = QHBoxLayout(row)
        line.addWidget(english)
        line.addWidget(chinese)
        self.language_back = button("", self._act(self.lane.request_cancel), name="kiosk_lang_back")
        return self._column(row, self.language_back)

    def _scanning(self) -> QWidget:
        page = QWidget()
        self.basket_list = QListWidget()
        self.basket_list.setObjectName("kiosk_basket")
        self.basket_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.basket_list.setMinimumHeight(60)  # the list gives way on a small screen, Pay never does
        self.total = _label("total", "kiosk_total")
        self.total.setWordWrap(False)
        self.scan_field = QLineEdit()
        self.scan_field.setObjectName("kiosk_scan_field")
        self.scan_field.returnPressed.connect(self._typed_scan)
        self.scan_field.setAccessibleName("barcode")
        left = QVBoxLayout()
        left.addWidget(self.basket_list, 1)
        left.addWidget(self.total)
        left.addWidget(self.scan_field)
        self.search_title = _label("hint")
        tiles = QWidget()
        self.tile_grid = QGridLayout(tiles)
        self.tiles: dict[str, Any] = {}
        self.produce = [p for p in self.lane.catalogue if p.unit == "kg"] or list(self.lane.catalogue)[:6]
        self._fill_tiles(self.produce)
        self.scan_field.textEdited.connect(self._search)
        scroll = QScrollArea()
        scroll.setWidget(tiles)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setMinimumHeight(60)
        right = QVBoxLayout()
        right.addWidget(self.search_title)
        right.addWidget(scroll, 1)
        self.cancel_button = button("", self._act(self.lane.request_cancel), role="danger", name="kiosk_cancel")
        self.pay_button = button("", self._act(self.lane.review), role="primary", name="kiosk_pay")
        right.addWidget(self.cancel_button)
        right.addWidget(self.pay_button)
        row = QHBoxLayout(page)
        row.addLayout(left, 3)
        row.addLayout(right, 2)
        return page

    def _fill_tiles(self, products: list[Any]) -> None:
        """The picture tiles: loose produce by default, the matches while the customer types a name."""
        for tile, _product in self.tiles.values():
            self.tile_grid.removeWidget(tile)
            tile.deleteLater()
        self.tiles = {}
        for i, product in enumerate(products):
            tile = button("", self._act(lambda _=False, s=product.sku: self._pick(s)), role="tile",
                          name=f"kiosk_pick_{product.sku}")
            tile.setIcon(picture(product.name, product.category))
            tile.setIconSize(QSize(44, 44))
            self.tiles[product.sku] = (tile, product)
            self.tile_grid.addWidget(tile, i, 0)
        self._word_tiles()

    def _word_tiles(self) -> None:
        for tile, product in self.tiles.values():
            name = product.display_name(self.lane.lang)
            tile.setText(f"{name}\n{product.price.format()} / kg" if product.unit == "kg"
                         else f"{name}\n{product.price.format()}")

    def _search(self, text: str) -> None:
        """Letters typed in the barcode field search the shop by name (English or Chinese); digits are a barcode."""
        typed = text.strip()
        wanted = self.lane.search(typed)[:8] if typed and not typed.isdigit() else self.produce
        if [p.sku for p in wanted] != list(self.tiles):
            self._fill_tiles(wanted)

    def _pick(self, sku: str) -> None:
        self.lane.pick(sku)
        if self.scan_field.text():
            self.scan_field.clear()
            self._fill_tiles(self.produce)

    def _weighing(self) -> QWidget:
        self.weight_label = _label("total", "kiosk_weight")
        self.weight_picture = QLabel()
        self.weight_picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.weigh_button = button("", self._weigh, role="primary", name="kiosk_weigh")
        self.weigh_back = button("", self._act(self.lane.cancel_weighing), name="kiosk_weigh_back")
        item = QWidget()  # the item's picture beside its name
        row = QHBoxLayout(item)
        row.addWidget(self.weight_picture)
        row.addWidget(self.weight_label, 1)
        return self._column(item, self.weigh_button, self.weigh_back)

    def _basket(self) -> QWidget:
        self.review_list = QListWidget()
        self.review_list.setObjectName("kiosk_review")
        self.review_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.review_list.setMinimumHeight(60)
        self.review_total = _label("total")
        self.scan_more = button("", self._act(self.lane.scan_more), name="kiosk_scan_more")
        self.to_pay = button("", self._act(self.lane.to_payment), role="primary", name="kiosk_to_pay")
        row = QWidget()
        line = QHBoxLayout(row)
        line.addWidget(self.scan_more)
        line.addWidget(self.to_pay)
        return self._column(self.review_list, self.review_total, row, stretch_first=True)

    def _paying(self) -> QWidget:
        page = QWidget()
        self.tender_buttons: dict[str, Any] = {}
        grid = QGridLayout()
        for i, name in enumerate(TENDERS):
            b = button("", lambda _=False, n=name: self._pay(n), role="primary", name=f"kiosk_tender_{name}")
            self.tender_buttons[name] = b
            grid.addWidget(b, i // 2, i % 2)
        self.code_field = QLineEdit()  # the payment code, read by the scanner (or typed)
        self.code_field.setObjectName("kiosk_code_field")
        self.code_field.setVisible(False)
        self.code_method = "payment_code"  # which code tender the field is open for (shop's or digital RMB)
        self.code_field.returnPressed.connect(lambda: self._pay(self.code_method, code=self.code_field.text()))
        self.shop_qr = QLabel()
        self.shop_qr.setObjectName("kiosk_shop_qr")
        self.shop_qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pin_pad = Keypad(secret=True, decimal=False, names="kiosk_pin")
        self.pin_pad.submitted.connect(lambda pin: self._run(lambda: self.lane.enter_pin(pin or None)))
        self.pay_back = button("", self._pay_back, name="kiosk_pay_back")
        column = QVBoxLayout(page)
        column.addLayout(grid)
        column.addWidget(self.code_field)
        column.addWidget(self.shop_qr, 1)
        column.addWidget(self.pin_pad, 1)
        column.addWidget(self.pay_back)
        return page

    def _receipt(self) -> QWidget:
        self.receipt_buttons = [button("", lambda _=False, c=c: self._receipt_choice(c), role="primary",
                                       name=f"kiosk_receipt_{c}") for c in ("print", "qr", "none")]
        return self._column(*self.receipt_buttons)

    def _thanks(self) -> QWidget:
        self.thanks_title = _label("title")
        self.thanks_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.receipt_qr = QLabel()
        self.receipt_qr.setObjectName("kiosk_receipt_qr")
        self.receipt_qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.receipt_caption = _label("hint")
        self.receipt_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.done_button = button("", self._act(self.lane.done), role="primary", name="kiosk_done")
        return self._column(self.thanks_title, self.receipt_qr, self.receipt_caption, self.done_button)

    def _help_page(self) -> QWidget:
        """The call, in large type, for the customer; beside it the attendant's controls (badge, or id + PIN)."""
        frame = QFrame()
        frame.setProperty("role", "call")
        self.call_text = _label("message", "kiosk_call")
        self.attendant_hint = _label("hint")
        self.attendant = ApproverEntry("kiosk_attendant")
        self.attendant.submitted.connect(lambda who, pin: self._attend(True, who, pin))
        self.attendant.keypad.ok.setVisible(False)  # Approve / Refuse say what the PIN is for
        self.approve = button("", lambda: self._attend(True), role="primary", name="kiosk_approve")
        self.refuse = button("", lambda: self._attend(False), role="danger", name="kiosk_refuse")
        left = QVBoxLayout()
        left.addWidget(self.call_text)
        left.addStretch(1)
        left.addWidget(self.attendant_hint)
        left.addWidget(self.approve)
        left.addWidget(self.refuse)
        row = QHBoxLayout(frame)
        row.addLayout(left, 3)
        row.addWidget(self.attendant, 2)
        return frame

    def _idle(self) -> QWidget:
        self.more_time = button("", self._more_time, role="primary", name="kiosk_more_time")
        self.more_time.setMinimumHeight(180)
        return self._column(self.more_time)

    def _closed(self) -> QWidget:
        self.reopen_entry = ApproverEntry("kiosk_reopen")
        self.reopen_entry.submitted.connect(self._reopen)
        return self._column(self.reopen_entry, stretch_first=True)

    def _staff_panel(self) -> QFrame:
        panel = QFrame()
        panel.setProperty("role", "call")
        self.staff_hint = _label("hint")
        self.exit_entry = ApproverEntry("kiosk_exit")
        self.exit_entry.submitted.connect(self._exit)
        column = QVBoxLayout(panel)
        column.addWidget(self.staff_hint)
        column.addWidget(self.exit_entry)
        panel.setVisible(False)
        return panel

    # --- actions ------------------------------------------------------------------------------------------------

    def _act(self, fn: Any) -> Any:
        """A button's action on the lane: the refusal (a code) worded under the page, never a crash."""

        def run(*_args: Any) -> None:
            self.error = ""
            try:
                fn()
            except Exception as exc:  # the lane refuses with a code; anything else is a bug, logged
                if not getattr(exc, "code", ""):
                    log.exception("kiosk action failed")
                self.error = word_error(exc)
            self.refresh()

        return run

    def _run(self, fn: Any, then: Any = None) -> None:
        """Off the UI thread (a card read, the scale, the hub), then repaint (and `then`)."""
        self.error = ""

        def done(result: Any) -> None:
            self.refresh()
            if then is not None:
                then(result)

        self.runner.run(fn, done, self._failed, "kiosk")

    def _failed(self, exc: Exception) -> None:
        if not getattr(exc, "code", ""):
            log.error("kiosk action failed: %s", type(exc).__name__)
        self.error = word_error(exc)
        self.refresh()

    def _typed_scan(self) -> None:
        code = self.scan_field.text().strip()
        if code and not code.isdigit():  # a name: Enter takes the one match, else the tiles show the choice
            if len(self.tiles) == 1:
                self._act(lambda: self._pick(next(iter(self.tiles))))()
            return
        self.scan_field.clear()
        if code:
            self._act(lambda: self.lane.scan(code))()

    def scan(self, code: str) -> None:
        """A barcode from the scanner (or camera) thread's signal."""
        if self.lane.step is Step.PAYING and self.code_field.isVisible():
            self._pay(self.code_method, code=code)
        else:
            self._act(lambda: self.lane.scan(code))()

    def _weigh(self) -> None:
        self._run(lambda: self.lane.weigh())

    def _pay(self, method: str, **details: Any) -> None:
        if method in CODE_TENDERS and not details:
            self.code_method = method
            self.code_field.setVisible(True)
            self.code_field.setFocus()
            self.refresh()
            return
        self.code_field.clear()
        self.code_field.setVisible(False)

        def pay() -> Any:
            outcome = self.lane.pay(method, **details)
            self.qr_text = outcome.qr_payload
            return outcome

        self._run(pay, then=self._poll_cbdc_qr)

    def _poll_cbdc_qr(self, *_args: Any) -> None:
        """The digital-RMB shop QR on screen: long-poll the hub (one short poll at a time, so Back is never held up
        for long) until the customer's wallet has paid or the code expired."""
        if self.lane.step is not Step.PAYING or not self.lane.showing_cbdc_qr() or self.runner.running:
            return

        def done(outcome: Any) -> None:
            self.refresh()
            if outcome is not None and outcome.result == "waiting":
                QTimer.singleShot(50, self._poll_cbdc_qr)

        self.runner.run(lambda: self.lane.wait_shop_qr(CBDC_POLL_S), done, self._failed, "kiosk")

    def _pay_back(self) -> None:
        """Back from the payment screen: a digital-RMB QR is cancelled at the hub first (off the UI thread)."""
        self._run(self.lane.scan_more)

    def _receipt_choice(self, choice: str) -> None:
        def choose() -> None:
            self.receipt_link = self.lane.receipt(choice)

        self._act(choose)()

    def _call_help(self) -> None:
        if self.lane.step in (Step.SCANNING, Step.WEIGHING, Step.BASKET, Step.PAYING):
            self._act(self.lane.call_help)()

    def _attend(self, approve: bool, who: str | None = None, pin: str | None = None) -> None:
        who = (who if who is not None else self.attendant.who.text()).strip().upper()
        pin = pin if pin is not None else self.attendant.keypad.field.text()
        self.attendant.keypad.clear()
        self._act(lambda: self.lane.clear_at_lane(approve, operator_id=who, pin=pin))()

    def badge(self, uid: bytes, approve: bool = True) -> None:
        """A badge tapped on the NFC reader (the reader thread's signal, or the demo's panel)."""
        if self.lane.step is Step.HELP:
            self._act(lambda: self.lane.clear_at_lane(approve, badge=uid))()

    def _reopen(self, who: str, pin: str) -> None:
        def reopen() -> None:
            attendant = self.lane.identify(operator_id=who, pin=pin)
            self.lane.back_in_service(attendant.operator_id)

        self._act(reopen)()

    def _open_staff(self) -> None:
        self.staff_panel.setVisible(not self.staff_panel.isVisible())
        self.exit_entry.reset(ask_who=True, role="manager")

    def _exit(self, who: str, pin: str) -> None:
        def leave() -> None:
            self.lane.authorize_exit(operator_id=who, pin=pin)
            self.exit_ok = True
            self.close()

        self._act(leave)()

    def _toggle_accessible(self) -> None:
        self.lane.set_accessible(not self.lane.accessible)

    def _tick(self) -> None:
        self.lane.tick()

    def _lane_changed(self, _snapshot: Any) -> None:
        self.bridge.changed.emit()

    def _more_time(self) -> None:
        self._act(self.lane.more_time)()
        self._resume_poll()

    def _resume_poll(self) -> None:
        """Back on the payment step with the digital-RMB QR still shown (after "more time"): ask the hub again."""
        if self.lane.step is Step.PAYING and self.lane.showing_cbdc_qr():
            QTimer.singleShot(0, self._poll_cbdc_qr)

    # --- drawing ------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        lane = self.lane
        if lane.lang != self.lang_shown:
            application(lane.lang)  # the customer's language, for every sentence below
            self.setStyleSheet(HIGH_CONTRAST if lane.accessible else BASE)
            self.lang_shown = lane.lang
        self.setStyleSheet(HIGH_CONTRAST if lane.accessible else BASE)
        step = lane.step
        self.pages.setCurrentWidget(self.page[step])
        self.message.setText(word(lane.message, lane.params))
        self.message.setVisible(step not in (Step.HELP, Step.ATTRACT, Step.THANK_YOU))  # their page says it
        self.error_label.setText(self.error)
        self.error_label.setVisible(bool(self.error))
        self.accessible.setText(word("kiosk_btn_accessible"))
        self.accessible.setChecked(lane.accessible)
        self.help.setText(word("kiosk_btn_help"))
        self.help.setVisible(step in (Step.SCANNING, Step.WEIGHING, Step.BASKET, Step.PAYING))
        self.staff.setText(word("kiosk_btn_staff"))
        self.staff_hint.setText(word("kiosk_staff_panel"))
        self.welcome.setText(word("kiosk_welcome"))
        self.start_button.setText(word("kiosk_btn_start"))
        self.language_back.setText(word("kiosk_btn_back"))
        self._draw_basket()
        self.search_title.setText(word("kiosk_search_title"))
        self.scan_field.setPlaceholderText(word("kiosk_type_barcode"))
        self.code_field.setPlaceholderText(word("kiosk_type_barcode"))
        self._word_tiles()
        self.cancel_button.setText(word("kiosk_btn_cancel"))
        self.pay_button.setText(word("kiosk_btn_pay"))
        self.weigh_button.setText(word("kiosk_btn_weigh"))
        self.weigh_back.setText(word("kiosk_btn_back"))
        pending = lane.pending_weighed
        self.weight_label.setText(pending.display_name(lane.lang) if pending else "")
        if pending is not None:
            self.weight_picture.setPixmap(picture(pending.name, pending.category, 96).pixmap(96, 96))
        self.scan_more.setText(word("kiosk_btn_scan_more"))
        self.to_pay.setText(word("kiosk_btn_pay"))
        available = set(lane.tenders()) if step is Step.PAYING else set()
        pin_wanted = step is Step.PAYING and lane.checkout.state == "step_up_pin"
        showing_qr = step is Step.PAYING and lane.checkout.state == "merchant_qr" and self.qr_text
        for name, b in self.tender_buttons.items():
            b.setText(word(TENDERS[name].label_code))
            b.setVisible(name in available and not pin_wanted and not showing_qr)
        self.pin_pad.setVisible(pin_wanted)
        self.shop_qr.setVisible(bool(showing_qr))
        if showing_qr:
            self.shop_qr.setPixmap(qr_pixmap(self.qr_text, min(300, max(160, self.height() // 3))))
        self.pay_back.setText(word("kiosk_btn_back"))
        for b, code in zip(self.receipt_buttons, ("kiosk_btn_print", "kiosk_btn_qr", "kiosk_btn_none"), strict=True):
            b.setText(word(code))
        self.thanks_title.setText(word("kiosk_thank_you"))
        has_link = step is Step.THANK_YOU and bool(self.receipt_link)
        self.receipt_qr.setVisible(has_link)
        self.receipt_caption.setVisible(has_link)
        if has_link:
            self.receipt_qr.setPixmap(qr_pixmap(self.receipt_link or "", min(260, max(140, self.height() // 4))))
            self.receipt_caption.setText(word("kiosk_receipt_qr_caption"))
        self.done_button.setText(word("kiosk_btn_done"))
        call = lane.intervention
        self.call_text.setText(word(call.code, call.params) if call else "")
        self.attendant_hint.setText(word("kiosk_attendant_panel"))
        self.approve.setText(word("kiosk_btn_approve"))
        self.refuse.setText(word("kiosk_btn_refuse"))
        self.more_time.setText(word("kiosk_btn_more_time"))
        if step is Step.SCANNING and not self.scan_field.hasFocus() and QApplication.focusWidget() is None:
            self.scan_field.setFocus()

    def _draw_basket(self) -> None:
        cart = self.lane.checkout.cart
        lines = cart.lines if cart is not None else ()
        for widget in (self.basket_list, self.review_list):
            widget.clear()
            for line in lines:
                widget.addItem(f"{line.name}    {(line.unit_price * line.quantity).format()}")
        total = cart.totals().total.format() if cart is not None and not cart.is_empty else ""
        text = word("kiosk_basket_total", {"total": total}) if total else word("kiosk_basket_empty")
        self.total.setText(text)
        self.review_total.setText(text)

    # --- lock-down ----------------------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.locked and not self.exit_ok:
            event.ignore()  # Alt+F4, a window manager's close: only an authorised exit leaves
            return
        self.timer.stop()
        self.runner.wait()
        if self._lane_changed in self.lane.listeners:
            self.lane.listeners.remove(self._lane_changed)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.locked and event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F4):
            event.accept()
            return
        super().keyPressEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if self.locked and event.type() == QEvent.Type.WindowStateChange and not self.isFullScreen():
            QTimer.singleShot(0, self.showFullScreen)  # minimised or restored by someone: back to full screen
