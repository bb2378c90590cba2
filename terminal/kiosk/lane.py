"""One self-checkout lane, without Qt: the customer's flow over the cashier's checkout core.

attract -> language -> scan and bag (barcode, camera, or product search) -> basket -> pay -> receipt choice ->
thank-you -> attract, with the explicit table of terminal.kiosk.states. Interventions (terminal.kiosk.interventions)
stop the lane until an attendant clears them at the lane (badge or id + PIN) or from the station (terminal.kiosk.link,
signed over MQTT). Idle: a warning, then the unpaid basket is cancelled and journalled. Every customer action is one
method, timed (`timings_ms`: the software path, the kiosk's p99 target is 50 ms) and serialised by one lock, so the
station's thread and the screen's thread cannot interleave.

Codes cross layers, sentences do not: every refusal is a KioskError(code, params) the screens word (kiosk_* codes in
terminal.ui.wording); checkout refusals keep their own codes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from terminal.catalogue import Catalogue, CatalogueError, Product
from terminal.checkout.errors import CheckoutError
from terminal.checkout.machine import Checkout
from terminal.checkout.outcome import Outcome
from terminal.checkout.states import State
from terminal.domain import TenderKind
from terminal.kiosk.actions import ATTENDANT_ACTIONS, InvalidStep, KioskError, action
from terminal.kiosk.attending import Attending
from terminal.kiosk.bagging import BaggingCheck, Expectation
from terminal.kiosk.interventions import Intervention, Kind
from terminal.kiosk.receipts import HeldReceipts
from terminal.kiosk.states import RESUMABLE, TRANSITIONS, Step
from terminal.kiosk.tenders import TENDERS, TenderRequest, customer_reason

log = logging.getLogger("edgepos.kiosk")
MIN_BAGGED_G = 5  # less than this on the bagging scale: the item is not down yet
SAME_READING_G = 3  # a polled reading this close to the last mismatch is the same placement
__all__ = ["ATTENDANT_ACTIONS", "InvalidStep", "KioskError", "KioskPolicy", "Lane", "Snapshot"]


@dataclass(frozen=True)
class KioskPolicy:
    """Per store (till config [kiosk]): the bagging check switch, limits and patience."""

    bagging_check: bool = True
    age_restricted: frozenset[str] = frozenset()  # SKUs (and categories) that need an age check
    high_value_minor: int = 100_000  # baskets above this need an attendant before payment (CNY 1,000.00)
    failed_payments_before_help: int = 2
    idle_warning_s: float = 60.0  # no time pressure: a minute of nothing before we even ask
    idle_reset_s: float = 45.0  # after the warning, before an unpaid basket is cancelled
    accessible_factor: float = 3.0  # accessibility mode multiplies the patience
    thank_you_s: float = 6.0


@dataclass
class Snapshot:
    """What the station and the screens show of a lane (no card data, no PIN, no names of customers)."""

    lane_id: str
    step: str
    lang: str
    items: int
    total: str
    total_minor: int
    intervention: dict[str, Any] | None
    awaiting_bag: bool
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Lane(Attending):
    def __init__(self, checkout: Checkout, catalogue: Catalogue, *, lane_id: str, operators: Any,
                 receipts: HeldReceipts, policy: KioskPolicy = KioskPolicy(), scale: Any = None,
                 bagging: BaggingCheck | None = None, badges: Any = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.checkout, self.catalogue, self.lane_id = checkout, catalogue, lane_id
        self.operators, self.receipts, self.policy = operators, receipts, policy
        self.scale, self.bagging, self.badges, self.clock = scale, bagging, badges, clock
        self.step = Step.ATTRACT
        self.lang = "en"
        self.accessible = False  # larger type, high contrast, more patience (the customer chooses)
        self.intervention: Intervention | None = None
        self.resume: Step | None = None  # where HELP or IDLE_WARNING returns to
        self.awaiting_bag: Expectation | None = None
        self.bag_retry = False
        self.bag_total_g = 0  # what the bagging scale showed when the last item was accepted
        self.mismatch_reading = 0  # the reading that did not match (a repeat of it is not a second try)
        self.pending_weighed: Product | None = None
        self.age_ok = False
        self.high_value_ok = False
        self.failed_payments = 0
        self.message, self.params = "kiosk_touch_to_start", {}
        self.last_outcome: Outcome | None = None
        self.last_action_at = clock()
        self.warned_at: float | None = None
        self.timings: list[tuple[str, float]] = []  # (action, ms): the software path of each action
        self.device_timings: list[tuple[str, float]] = []  # (action, ms) spent in device I/O (card, printer, scale)
        self._device_ms = 0.0
        self.listeners: list[Callable[[Snapshot], None]] = []
        self.events: list[dict[str, Any]] = []  # interventions raised/cleared (for the headless run)
        self._lock = threading.RLock()

    # --- plumbing -----------------------------------------------------------------------------------------------

    def _go(self, target: Step, action: str) -> None:
        if target not in TRANSITIONS[self.step]:
            raise InvalidStep(action, self.step, code="kiosk_not_now")
        self.step = target

    def _need(self, action: str, *steps: Step) -> None:
        if self.step not in steps:
            raise InvalidStep(action, self.step, code="kiosk_not_now")

    def _say(self, message: str, /, **params: Any) -> None:
        self.message, self.params = message, params

    def _journal(self, record_type: str, payload: Mapping[str, Any]) -> None:
        self.checkout.ports.journal.append(record_type, {"lane": self.lane_id, **payload})

    def _changed(self) -> None:
        snap = self.snapshot()
        for listener in list(self.listeners):
            try:
                listener(snap)
            except Exception:
                log.exception("a lane listener failed")

    def report(self, to: Callable[[Snapshot], None]) -> None:
        """Hand a consistent snapshot to `to` between actions (the link's heartbeat), never in the middle of one."""
        with self._lock:
            to(self.snapshot())

    def snapshot(self) -> Snapshot:
        cart = self.checkout.cart
        total = cart.totals().total if cart is not None and not cart.is_empty else None
        items = len(cart.lines) if cart is not None else 0
        return Snapshot(self.lane_id, str(self.step), self.lang, items, total.format() if total else "",
                        total.amount if total else 0,
                        self.intervention.to_dict() if self.intervention else None, self.awaiting_bag is not None,
                        self.message, dict(self.params))

    @property
    def timings_ms(self) -> list[float]:
        return [ms for _, ms in self.timings]

    @property
    def patience(self) -> float:
        return self.policy.accessible_factor if self.accessible else 1.0

    # --- start --------------------------------------------------------------------------------------------------

    @action("start")
    def start(self) -> None:
        """The customer touched the attract screen."""
        self._go(Step.LANGUAGE, "start")
        self._say("kiosk_choose_language")

    @action("language")
    def choose_language(self, lang: str, *, accessible: bool | None = None) -> None:
        self._need("choose a language", Step.LANGUAGE)
        self.lang = "zh_CN" if lang.lower().startswith("zh") else "en"
        if accessible is not None:
            self.accessible = accessible
        self.checkout.start_sale()
        self._go(Step.SCANNING, "start scanning")
        self._journal("kiosk.session.started", {"lang": self.lang, "accessible": self.accessible})
        self._say("kiosk_scan_first")

    @action("accessibility")
    def set_accessible(self, on: bool) -> None:
        """Large type + high contrast + three times the patience; any step."""
        self.accessible = on

    # --- scanning and weighing ----------------------------------------------------------------------------------

    @action("scan")
    def scan(self, code: str) -> Product | None:
        """A barcode from the scanner or camera. Unknown codes call the attendant; weighed goods go to the scale."""
        self._need("scan", Step.SCANNING)
        if self.awaiting_bag is not None:
            raise KioskError("Put the last item in the bagging area first.", code="kiosk_bag_first")
        try:
            product = self.catalogue.by_barcode(code)
        except CatalogueError:
            self._raise(Kind.UNKNOWN_ITEM, {"code": code.strip()[:32]})
            return None
        return self._take(product)

    @action("pick")
    def pick(self, sku: str) -> Product:
        """An item chosen by picture in the product search (loose produce, bakery)."""
        self._need("pick an item", Step.SCANNING)
        if self.awaiting_bag is not None:
            raise KioskError("Put the last item in the bagging area first.", code="kiosk_bag_first")
        product = self.catalogue.by_sku(sku)
        taken = self._take(product)
        assert taken is not None
        return taken

    def search(self, text: str) -> list[Product]:
        """The product search with pictures (read-only, no step change)."""
        return self.catalogue.search(text)

    def _take(self, product: Product) -> Product | None:
        if product.unit == "kg":
            self.pending_weighed = product
            self._go(Step.WEIGHING, "weigh")
            self._say("kiosk_put_on_scale", name=product.display_name(self.lang), price=product.price.format())
            return product
        self._add(product, product.price, product.display_name(self.lang), None)
        return product

    def _add(self, product: Product, price: Any, name: str, weighed_g: int | None) -> None:
        line = self.checkout.add_item(product.sku, name, price, product.tax_rate)
        self._say("kiosk_added", name=name, price=price.format())
        if self.policy.bagging_check and self.bagging is not None:
            self.awaiting_bag = self.bagging.expectation(product.sku, weighed_g)
            self.bag_retry = False
            self._say("kiosk_place_in_bag", name=name)
        if self._age_restricted(product) and not self.age_ok:
            self._raise(Kind.AGE_CHECK, {"name": name, "line": line})

    def _age_restricted(self, product: Product) -> bool:
        return product.sku in self.policy.age_restricted or product.category in self.policy.age_restricted

    @action("weigh")
    def weigh(self, grams: int | None = None) -> int:
        """Read the checkout scale (or take `grams` from the caller's scale thread) and price the item by weight."""
        self._need("weigh", Step.WEIGHING)
        product = self.pending_weighed
        assert product is not None
        if grams is None:
            if self.scale is None:
                raise KioskError("This lane has no scale. Call for help.", code="kiosk_no_scale")
            started = time.perf_counter()
            grams = self.scale.weigh().grams  # DeviceError: the screen words its advice and the customer retries
            self._device_ms += (time.perf_counter() - started) * 1000
        if grams <= 0:
            raise KioskError("Put the item on the scale.", code="kiosk_scale_empty")
        price = product.price.scale(Fraction(grams, 1000))
        kg = f"{grams / 1000:.3f}"
        name = f"{product.display_name(self.lang)} {kg} kg"
        self._go(Step.SCANNING, "weigh")
        self.pending_weighed = None
        self._add(product, price, name, grams)
        return grams

    @action("cancel weighing")
    def cancel_weighing(self) -> None:
        self._need("cancel weighing", Step.WEIGHING)
        self.pending_weighed = None
        self._go(Step.SCANNING, "cancel weighing")
        self._say("kiosk_scan_next")

    @action("bag")
    def bagged(self, bag_total_g: int) -> bool:
        """The bagging scale's reading after the customer put the item down. One mismatch: re-bag; two: attendant."""
        if self.awaiting_bag is None or self.bagging is None:
            self.bag_total_g = bag_total_g
            return True
        expectation = self.awaiting_bag
        added = bag_total_g - self.bag_total_g
        if added < MIN_BAGGED_G:
            return False  # nothing put down yet (or the item taken out to re-bag): keep waiting, no penalty
        if self.bag_retry and abs(bag_total_g - self.mismatch_reading) <= SAME_READING_G:
            return False  # the same wrong reading again (the scale is polled): wait for the customer to re-bag
        verdict = self.bagging.check(expectation, added)
        if verdict.ok:
            self.bagging.learn(expectation.sku, verdict.measured_g)
            self.awaiting_bag, self.bag_retry, self.bag_total_g = None, False, bag_total_g
            if self.step is Step.SCANNING:
                self._say("kiosk_scan_next")
            return True
        if not self.bag_retry:
            self.bag_retry, self.mismatch_reading = True, bag_total_g
            self._say("kiosk_rebag", expected_g=verdict.expected_g, measured_g=verdict.measured_g)
            return False
        self._raise(Kind.WEIGHT_MISMATCH, {"sku": expectation.sku, "expected_g": verdict.expected_g,
                                           "measured_g": verdict.measured_g})
        return False

    # --- basket and payment -------------------------------------------------------------------------------------

    @action("review")
    def review(self) -> None:
        """Scan and bag -> the basket, ready to pay."""
        self._need("review the basket", Step.SCANNING)
        if self.awaiting_bag is not None:
            raise KioskError("Put the last item in the bagging area first.", code="kiosk_bag_first")
        cart = self.checkout.cart
        if cart is None or cart.is_empty:
            raise KioskError("Scan an item first.", code="kiosk_scan_first")
        self._go(Step.BASKET, "review the basket")
        self._say("kiosk_check_basket", total=cart.totals().total.format())

    @action("scan more")
    def scan_more(self) -> None:
        self._need("scan more", Step.BASKET, Step.PAYING)
        paid = self._close_cbdc_qr()
        if paid is not None and paid.result == "completed":
            self._after_payment(paid)  # the wallet paid before the cancel reached the hub: the sale is paid
            return
        while self.checkout.state is not State.BASKET:  # the shop's QR shown -> tender choice -> basket
            self.checkout.back()  # only without a tender taken: part-paid stays in payment (part_paid refusal)
        if self.step is Step.PAYING:
            self._go(Step.BASKET, "go back")
        self._go(Step.SCANNING, "scan more")
        self._say("kiosk_scan_next")

    @action("pay")
    def to_payment(self) -> None:
        """Basket -> payment; a basket over the store's limit calls the attendant first."""
        self._need("pay", Step.BASKET)
        cart = self.checkout.cart
        assert cart is not None
        total = cart.totals().total
        if total.amount > self.policy.high_value_minor and not self.high_value_ok:
            self._raise(Kind.HIGH_VALUE, {"total": total.format()}, resume=Step.PAYING)
            return
        self._enter_payment()

    def _enter_payment(self) -> None:
        outcome = self.checkout.checkout()
        sale = self.checkout.sale
        assert sale is not None
        # the whole basket, durable before any card is read: a restart can finish or void this exact sale
        self._journal("kiosk.basket", {"sale": sale.to_dict()})
        if self.step is not Step.PAYING:
            self._go(Step.PAYING, "pay")
        self._say("kiosk_choose_payment", total=sale.total.format())
        self.last_outcome = outcome

    def tenders(self) -> list[str]:
        """The ways to pay this lane offers now (the registry in terminal.kiosk.tenders, minus missing devices)."""
        return [name for name, tender in TENDERS.items() if tender.available(self.checkout)]

    @action("tender")
    def pay(self, method: str, **details: Any) -> Outcome:
        """Pay by one of `tenders()`: card (insert), tap, payment_code (code=...), shop_qr (then shop_qr_paid),
        cbdc_code (code=...), cbdc_qr (then wait_shop_qr until paid), cbdc_wallet, cbdc_wallet_tap."""
        self._need("pay", Step.PAYING)
        tender = TENDERS.get(method)
        if tender is None or not tender.available(self.checkout):
            raise KioskError("That way to pay is not available here.", code="kiosk_tender_unavailable",
                             params={"method": method})
        started = time.perf_counter()
        try:
            outcome = tender.pay(self.checkout, TenderRequest(method, dict(details)))
            if outcome.latency_ms is not None:  # the checkout's software path starts after the card read
                self._device_ms += max(0.0, (time.perf_counter() - started) * 1000 - outcome.latency_ms)
        except CheckoutError as exc:
            self._payment_failed(exc.code, dict(exc.params))
            raise
        return self._after_payment(outcome)

    @action("shop qr wait")
    def wait_shop_qr(self, wait_s: float = 1.5) -> Outcome:
        """The digital-currency shop QR on screen: ask the hub (long-poll, up to `wait_s`) whether the customer's
        wallet paid it. `waiting`: ask again; `completed`: paid; `declined`: the code expired (choose again)."""
        self._need("wait for the wallet", Step.PAYING)
        started = time.perf_counter()
        outcome = self.checkout.wait_cbdc_qr(wait_s)
        # the long-poll is the hub's (and the customer's) time, not the lane's software path
        self._device_ms += max(0.0, (time.perf_counter() - started) * 1000 - (outcome.latency_ms or 0.0))
        if outcome.result == "waiting":
            self.last_outcome = outcome
            return outcome
        return self._after_payment(outcome)

    def showing_cbdc_qr(self) -> bool:
        """The shop's digital-currency QR is on screen, waiting for the customer's wallet."""
        return self.checkout.state is State.MERCHANT_QR and self.checkout.pending_kind == str(TenderKind.CBDC_WALLET)

    def _close_cbdc_qr(self) -> Outcome | None:
        """The customer leaves the digital-currency QR (Back, cancel, idle): the order is cancelled at the hub so a
        late wallet cannot pay it, then read once more: a wallet that paid before the cancel reached the hub has
        paid this sale (`completed`), never lost. None when no such QR was shown."""
        if not self.showing_cbdc_qr():
            return None
        self.checkout.cbdc.cancel_qr()
        started = time.perf_counter()
        outcome = self.checkout.wait_cbdc_qr(0)
        self._device_ms += max(0.0, (time.perf_counter() - started) * 1000 - (outcome.latency_ms or 0.0))
        if outcome.result == "waiting":  # no answer from the hub: the order expires there unpaid
            log.warning("digital-currency QR left without the hub's last word")
            self.checkout.back()
            return None
        return outcome

    @action("shop qr paid")
    def shop_qr_paid(self, wallet_id: str) -> Outcome:
        self._need("confirm the QR payment", Step.PAYING)
        return self._after_payment(self.checkout.merchant_qr_paid(wallet_id))

    @action("pin")
    def enter_pin(self, pin: str | None) -> Outcome:
        """The customer's PIN for a card that asked for it (on the PIN pad; never journalled or shown)."""
        self._need("enter the PIN", Step.PAYING)
        return self._after_payment(self.checkout.enter_pin(pin))

    def _after_payment(self, outcome: Outcome) -> Outcome:
        self.last_outcome = outcome
        if outcome.result == "completed":
            self.failed_payments = 0
            self._go(Step.RECEIPT_CHOICE, "choose a receipt")
            self._say("kiosk_paid", paid=outcome.params.get("paid", ""))
        elif outcome.result == "declined":
            self._payment_failed(outcome.code, dict(outcome.params))
        elif outcome.result == "step_up" and self.checkout.state is State.STEP_UP_SUPERVISOR:
            self._raise(Kind.PAYMENT_FAILED, {"reason": outcome.code, "step_up": True}, remote_ok=False)
        elif outcome.result == "step_up":
            self._say("kiosk_enter_pin")
        elif outcome.result == "qr_shown":
            message = "kiosk_scan_cbdc_qr" if outcome.code == "cbdc_scan_shop_qr" else "kiosk_scan_shop_qr"
            self._say(message, amount=outcome.params.get("amount", ""))
        elif outcome.result == "error":
            self._payment_failed(outcome.code, dict(outcome.params))
        return outcome

    def _payment_failed(self, code: str, params: dict[str, Any]) -> None:
        self.failed_payments += 1
        self._say("kiosk_payment_failed", reason_code=customer_reason(code))
        if self.failed_payments >= self.policy.failed_payments_before_help:
            self._raise(Kind.PAYMENT_FAILED, {"reason": code})

    # --- receipt ------------------------------------------------------------------------------------------------

    @action("receipt")
    def receipt(self, choice: str) -> str | None:
        """print, qr (the e-receipt link shown on screen) or none. Returns the QR link for "qr"."""
        self._need("choose a receipt", Step.RECEIPT_CHOICE)
        if choice not in ("print", "qr", "none"):
            raise KioskError("Choose print, QR code or no receipt.", code="kiosk_receipt_choice")
        link = None
        if choice == "print":
            started = time.perf_counter()
            try:
                self.receipts.release()
                self._device_ms += (time.perf_counter() - started) * 1000  # the printer's I/O (and its driver)
            except Exception as exc:  # the sale is paid: the e-receipt is offered instead, never a retry of payment
                log.warning("kiosk receipt did not print: %s", type(exc).__name__)
                choice, link = "qr", self.receipts.link
                self._say("kiosk_receipt_not_printed")
        elif choice == "qr":
            link = self.receipts.link
        self.receipts.drop()
        sale = self.checkout.last_sale
        self._journal("kiosk.receipt", {"sale_id": sale.sale_id if sale else None, "choice": choice})
        self._go(Step.THANK_YOU, "say thank you")
        if self.message != "kiosk_receipt_not_printed":
            self._say("kiosk_thank_you")
        return link

    @action("done")
    def done(self) -> None:
        self._need("finish", Step.THANK_YOU)
        self._reset()
        self._go(Step.ATTRACT, "finish")

    def _reset(self) -> None:
        self.intervention = self.resume = self.awaiting_bag = self.pending_weighed = None
        self.bag_retry = self.age_ok = self.high_value_ok = False
        self.failed_payments, self.warned_at = 0, None
        self.lang, self.accessible = "en", False
        self._say("kiosk_touch_to_start")

    # --- cancel, help, idle -------------------------------------------------------------------------------------

    @action("cancel")
    def request_cancel(self) -> None:
        """The customer wants to stop. An empty basket just ends; one with items needs the attendant."""
        self._need("cancel", Step.LANGUAGE, Step.SCANNING, Step.WEIGHING, Step.BASKET, Step.PAYING)
        cart = self.checkout.cart
        if self.step is Step.LANGUAGE or cart is None or cart.is_empty:
            self._abandon("customer cancelled an empty basket")
            return
        self._raise(Kind.CANCEL_REQUEST, {"items": len(cart.lines)})

    @action("help")
    def call_help(self) -> None:
        self._need("call for help", *RESUMABLE)
        self._raise(Kind.HELP, {})

    def tick(self) -> None:
        """Called about once a second by the screen (or the headless run): idle warning, then reset."""
        if not self._lock.acquire(blocking=False):
            return  # an action (a card being read) is running: never interrupt it, look again next tick
        try:
            self._tick()
        finally:
            self._lock.release()

    def _tick(self) -> None:
        now = self.clock()
        quiet = now - self.last_action_at
        before = self.step
        if self.step is Step.THANK_YOU and quiet >= self.policy.thank_you_s:
            self._reset()
            self.step = Step.ATTRACT
        elif self.step is Step.RECEIPT_CHOICE and quiet >= self.policy.idle_warning_s * self.patience:
            self.receipt.__wrapped__(self, "none")  # paid already: no receipt, then thank-you
        elif self.step in (Step.LANGUAGE, *RESUMABLE) and quiet >= self.policy.idle_warning_s * self.patience:
            if self.step is Step.PAYING and self.checkout.state not in (State.TENDER_SELECTION,
                                                                        State.MERCHANT_QR):
                return  # a card or PIN in progress: never interrupt a payment
            self.resume, self.warned_at = self.step, now
            self._go(Step.IDLE_WARNING, "warn")
            self._say("kiosk_more_time")
        elif self.step is Step.IDLE_WARNING and self.warned_at is not None and \
                now - self.warned_at >= self.policy.idle_reset_s * self.patience:
            self._abandon("idle: no answer to the warning")
        if self.step is not before:
            self._changed()

    @action("more time")
    def more_time(self) -> None:
        self._need("continue", Step.IDLE_WARNING)
        assert self.resume is not None
        self.step, self.resume, self.warned_at = self.resume, None, None
        self._say("kiosk_scan_next" if self.step is Step.SCANNING else "kiosk_continue")

    def _abandon(self, reason: str) -> None:
        """Cancel the unpaid basket (holds voided by the checkout, journalled) and go back to attract."""
        paid = self._close_cbdc_qr()
        if paid is not None and paid.result == "completed":  # the wallet paid the QR just before: a paid sale
            self.last_outcome = paid
            self.step = Step.RECEIPT_CHOICE
            self.receipt.__wrapped__(self, "none")
            self._reset()
            self.step = Step.ATTRACT
            return
        had = self.checkout.state is not State.IDLE
        if had:
            try:
                self.checkout.cancel(f"kiosk {self.lane_id}: {reason}")
            except CheckoutError:
                log.exception("the basket could not be cancelled")
        self._journal("kiosk.abandoned", {"reason": reason, "step": str(self.resume or self.step), "basket": had})
        self._reset()
        self.step = Step.ATTRACT
