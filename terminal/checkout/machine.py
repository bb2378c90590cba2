"""The checkout state machine: basket -> tenders (cash, card, QR) -> risk -> journal -> receipt -> drawer -> idle.

No Qt, no threads: the UI calls one method per cashier action and shows the returned `Outcome.sentence`. Every
step that matters is a journal record, appended (durable) before the screen may say "approved". A sale is either
completed (journalled `sale.completed`) or cancelled with every online hold voided; nothing is left half done.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, tzinfo
from typing import Any

from drivers.card.kernel import CARD_ASKED_ONLINE, CURRENCY_NUMERIC, Decision, Transaction
from drivers.errors import CardRemoved, DeviceError
from drivers.printer.adapt import document_from_receipt
from drivers.scanner.payload import build_emvco
from models.decision import REASONS, Offline, risk_line
from models.features import Tx
from sync.crypto import hmac_sm3
from sync.protocol import AuthRequest, PositiveAmount
from sync.protocol import TenderKind as WireTender
from terminal.checkout.attempt import (
    CARD_DECLINES,
    ENTRY_MODES,
    HUB_DECLINED,
    QR_NEEDS_NETWORK,
    TenderAttempt,
    card_secret,
)
from terminal.checkout.cbdc import CbdcTender, RiskDeclined
from terminal.checkout.errors import CheckoutError, InvalidTransition, NotAllowed
from terminal.checkout.outcome import Outcome
from terminal.checkout.ports import CheckoutPorts, HubError, HubRefusal
from terminal.checkout.sales_index import RECEIPT_QR_CAPTION, receipt_code
from terminal.checkout.states import CANCELLABLE, TRANSITIONS, State
from terminal.domain import Cart, Discount, Money, Receipt, Sale, TaxRate, Tender, TenderKind
from terminal.operators.roles import Permission
from terminal.operators.store import OperatorError

log = logging.getLogger("edgepos.checkout")
# mid-tender steps an unexpected failure (a bug, a broken model, a dead disk) must never leave the till stuck in
TENDER_STEPS = (State.CARD, State.CUSTOMER_QR, State.MERCHANT_QR, State.RISK_DECISION, State.STEP_UP_PIN,
                State.STEP_UP_SUPERVISOR, State.JOURNAL_COMMIT)
CARD_NEEDS_ONLINE = "This card must be checked by the bank, and the network is down. Ask for cash or another card."
PIN_NOT_CHECKED = "The card could not check the PIN. Ask for another way to pay."


def _recovering(action: Callable[..., Outcome]) -> Callable[..., Outcome]:
    """A tender action that fails unexpectedly puts the sale back at the tender choice, nothing taken (any hold
    placed for it is voided by `cancel` or released later), and says so in one sentence."""

    @functools.wraps(action)
    def run(self: Checkout, *args: Any, **kwargs: Any) -> Outcome:
        try:
            return action(self, *args, **kwargs)
        except (CheckoutError, OperatorError):  # worded for the cashier; the step stays as it was
            raise
        except Exception as exc:
            if self.state not in TENDER_STEPS or self.sale is None:
                raise
            log.exception("tender step %s failed unexpectedly in %s", action.__name__, self.state)
            self.state, self._pending = State.TENDER_SELECTION, None
            try:
                self._journal("tender.failed", {"sale_id": self.sale.sale_id, "error": type(exc).__name__,
                                                "step": action.__name__})
            except Exception:
                log.exception("tender.failed could not be journalled either")
            raise CheckoutError("That payment could not be completed and nothing was taken. Try again, take "
                                "another way to pay, or call a technician if it happens again.",
                                code="payment_failed_nothing_taken") from exc

    return run

class Checkout:
    """One till. `operator` is the logged-in operator (terminal.operators.Operator)."""

    def __init__(self, ports: CheckoutPorts, *, terminal_id: str, operator: Any, profile: str = "retail",
                 currency: str = "CNY", header: Sequence[str] = (), auth_budget_s: float = 2.0,
                 offline_budget_s: float = 0.3, merchant_name: str = "EDGEPOS STORE",
                 merchant_city: str = "SHANGHAI", footer: Sequence[str] = ("Thank you!",),
                 receipt_tz: tzinfo = UTC, receipt_link: str | None = None) -> None:
        self.ports = ports
        self.receipt_link = receipt_link  # the hub's public address: the receipt QR opens its e-invoice page
        self.terminal_id, self.operator, self.profile, self.currency = terminal_id, operator, profile, currency
        self.header, self.footer, self.receipt_tz = tuple(header), tuple(footer), receipt_tz
        self.auth_budget_s, self.offline_budget_s = auth_budget_s, offline_budget_s
        self.merchant_name, self.merchant_city = merchant_name, merchant_city
        self.state = State.IDLE
        self.cart: Cart | None = None
        self.sale: Sale | None = None
        self.last_sale: Sale | None = None  # the completed sale whose receipt may be reprinted
        self.offline: Offline | None = None  # set while the hub does not answer
        self._pending: TenderAttempt | None = None
        self._holds: list[str] = []  # online holds placed for the open sale (voided if it is cancelled)
        self._secrets: list[dict[str, Any]] = []  # per-tender card data, sealed into sale.completed
        self.print_problem = ""
        self.print_problem_code = ""
        self._offline_tenders = 0  # tenders of the open sale approved without the hub
        self.cbdc = CbdcTender(self)

    @property
    def pending_kind(self) -> str | None:
        """The tender kind waiting on screen (a shop QR: qr_merchant or cbdc_wallet), None when none waits."""
        return None if self._pending is None else str(self._pending.kind)

    # --- plumbing -----------------------------------------------------------------------------------------------

    def _go(self, target: State, action: str) -> None:
        if target not in TRANSITIONS[self.state]:
            raise InvalidTransition(action, self.state)
        self.state = target

    def _require(self, action: str, *states: State) -> None:
        if self.state not in states:
            raise InvalidTransition(action, self.state)

    def _journal(self, record_type: str, payload: dict[str, Any], sensitive: dict[str, Any] | None = None) -> Any:
        return self.ports.journal.append(record_type, payload, sensitive)

    def _now_epoch(self) -> int:
        return int(self.ports.clock().timestamp())

    def _outcome(self, result: str, sentence: str, *, code: str, params: dict[str, Any] | None = None,
                 **extra: Any) -> Outcome:
        sale = self.sale or self.last_sale
        remaining = self.sale.remaining.amount if self.sale is not None else 0
        return Outcome(result, self.state, sentence, sale.sale_id if sale else None, remaining, code=code,
                       params=params or {}, **extra)

    # --- basket -------------------------------------------------------------------------------------------------

    def start_sale(self) -> Cart:
        """A new basket; on a till that keeps shifts, only while one is open (its cash must count in it)."""
        if self.state is State.IDLE and self.ports.shifts is not None and self.ports.shifts.current() is None:
            raise NotAllowed("Open the shift first: count the float in the drawer.", code="shift_not_open")
        self._go(State.BASKET, "start a sale")
        self.cart = Cart(self.currency)
        return self.cart

    def add_item(self, sku: str, name: str, unit_price: Money, tax_rate: TaxRate, quantity: int = 1) -> int:
        """Add a line; returns its line number."""
        self._require("add items", State.BASKET)
        assert self.cart is not None
        return self.cart.add(sku, name, unit_price, tax_rate, quantity).line_no

    def override_price(self, line_no: int, price: Money, *, approver_id: str | None = None,
                       approver_pin: str | None = None) -> int:
        """Change a line's unit price (role check, audit record). Returns the new line number."""
        self._require("change a price", State.BASKET)
        assert self.cart is not None
        line = self.cart.line(line_no)
        self.ports.operators.authorize(self.operator, Permission.PRICE_OVERRIDE, "price_override",
                                       approver_id=approver_id, approver_pin=approver_pin,
                                       details={"sku": line.sku, "from": line.unit_price.amount, "to": price.amount,
                                                "currency": price.currency})
        self.cart.remove(line_no)
        return self.cart.add(line.sku, line.name, price, line.tax_rate, line.quantity, line.discount).line_no

    def discount_line(self, line_no: int, discount: Discount | None, *, approver_id: str | None = None,
                      approver_pin: str | None = None) -> int:
        """Give a line a discount (None removes it): the price-override privilege, audited. Returns the line."""
        self._require("give a discount", State.BASKET)
        assert self.cart is not None
        line = self.cart.line(line_no)
        self.ports.operators.authorize(self.operator, Permission.PRICE_OVERRIDE, "line_discount",
                                       approver_id=approver_id, approver_pin=approver_pin,
                                       details={"sku": line.sku, "line": line_no,
                                                "discount": None if discount is None else discount.to_dict()})
        return self.cart.set_line_discount(line_no, discount).line_no

    def checkout(self) -> Outcome:
        """Close the basket: the sale is priced and frozen, tenders may be taken."""
        self._require("go to payment", State.BASKET)
        assert self.cart is not None
        if self.cart.is_empty:
            raise CheckoutError("The basket is empty. Scan an item first.", code="basket_empty")
        self.sale = Sale.from_cart(self.cart, terminal_id=self.terminal_id, created_at=self.ports.clock())
        self._go(State.TENDER_SELECTION, "go to payment")
        self._journal("sale.started", {"sale_id": self.sale.sale_id, "operator": self.operator.operator_id,
                                       "lines": len(self.sale.lines), "total": self.sale.total.to_dict()})
        return self._outcome("tender", f"Total {self.sale.total.format()}. Choose how to pay.", code="choose_tender",
                             params={"total": self.sale.total.format()})

    def back(self) -> None:
        """Leave a tender screen without paying (to the tender choice), or the tender choice back to the basket."""
        if self.state in (State.CARD, State.CUSTOMER_QR, State.MERCHANT_QR):
            if self.state is State.MERCHANT_QR:
                self.cbdc.cancel_qr()
            self._pending = None
            self._go(State.TENDER_SELECTION, "go back")
            return
        self._require("go back", State.TENDER_SELECTION)
        assert self.sale is not None
        if self.sale.tenders:
            raise CheckoutError("Part is paid already: finish the payment or cancel the sale.", code="part_paid")
        self._journal("sale.reopened", {"sale_id": self.sale.sale_id})
        self.sale = None
        self._go(State.BASKET, "go back")

    # --- tenders ------------------------------------------------------------------------------------------------

    def _amount(self, amount: Money | None, cash: bool = False) -> Money:
        assert self.sale is not None
        due = self.sale.remaining
        if due.is_zero:  # paid in full, but the sale could not be saved: another payment would take money twice
            raise CheckoutError("This sale is paid but could not be saved. Call a technician, then cancel the sale.",
                                code="paid_not_saved")
        if amount is None:
            return due
        if amount.currency != self.currency or not amount.is_positive:
            raise CheckoutError(f"Enter an amount above zero in {self.currency}.", code="amount_not_positive",
                                params={"currency": self.currency})
        if not cash and amount > due:
            raise CheckoutError(f"Only cash can pay more than the {due.format()} due.", code="only_cash_pays_more",
                                params={"due": due.format()})
        return amount

    @_recovering
    def pay_cash(self, tendered: Money) -> Outcome:
        """Cash handed over; more than is due gives change."""
        self._require("take cash", State.TENDER_SELECTION)
        pending = TenderAttempt(TenderKind.CASH, self._amount(tendered, cash=True))
        return self._accept(pending, offline=False)

    @_recovering
    def pay_card(self, amount: Money | None = None, *, contactless: bool = False) -> Outcome:
        """Read the card (contact or tap) through the EMV kernel, then risk and the hub."""
        self._require("take a card", State.TENDER_SELECTION)
        reader = self.ports.contactless_reader if contactless else self.ports.card_reader
        if reader is None:
            raise CheckoutError("No card reader is connected. Take another way to pay or call a technician.",
                                code="no_card_reader")
        kind = TenderKind.CARD_CONTACTLESS if contactless else TenderKind.CARD_CONTACT
        money = self._amount(amount)
        self._go(State.CARD, "take a card")
        try:
            card = reader.transact(Transaction(money.amount, money.currency, day=self.ports.clock().date()))
        except DeviceError as exc:
            return self._card_failed(kind, money, exc)
        pending = TenderAttempt(kind, money, token=card.token, last4=card.last4, reader=reader, card=card)
        if card.decision is Decision.DECLINED:
            self._go(State.RISK_DECISION, "decide")
            code, sentence = CARD_DECLINES.get(card.reason, CARD_DECLINES["declined by the card"])
            return self._decline(pending, [code], sentence, code=code)
        return self._decide(pending)

    def _card_failed(self, kind: TenderKind, money: Money, exc: DeviceError) -> Outcome:
        sentence, code, params = exc.advice, exc.code, {}
        if isinstance(exc, CardRemoved):
            sentence = f"The card was removed too soon. {exc.advice}"
            code, params = "card_removed_too_soon", {"advice_code": exc.code}
        self._go(State.TENDER_SELECTION, "go back")
        assert self.sale is not None
        self._journal("tender.failed", {"sale_id": self.sale.sale_id, "kind": str(kind), "amount": money.to_dict(),
                                        "error": type(exc).__name__, "sentence": sentence})
        return self._outcome("error", sentence, code=code, params=params)

    @_recovering
    def pay_customer_qr(self, code: str, amount: Money | None = None) -> Outcome:
        """The customer's payment code, scanned. It is tokenised at once; only the token goes on."""
        self._require("scan a payment code", State.TENDER_SELECTION)
        money = self._amount(amount)
        if isinstance(code, str) and code.startswith("000201"):  # EMVCo merchant-presented: someone's shop code
            raise CheckoutError("That is a shop's QR code. Ask the customer to open their payment code.",
                                code="shop_qr_scanned")
        if not isinstance(code, str) or not 10 <= len(code) <= 64 or not code.isascii() or not code.isalnum():
            raise CheckoutError("This is not a payment code. Ask the customer to open their payment code.",
                                code="not_a_payment_code")
        self._go(State.CUSTOMER_QR, "scan a payment code")
        pending = TenderAttempt(TenderKind.QR_CUSTOMER, money, token=self._wallet_token(code))
        return self._decide(pending)

    def show_merchant_qr(self, amount: Money | None = None) -> Outcome:
        """Our dynamic QR for the customer's wallet to scan: show `qr_payload` on screen and customer display."""
        self._require("show the shop's QR code", State.TENDER_SELECTION)
        money = self._amount(amount)
        pending = TenderAttempt(TenderKind.QR_MERCHANT, money, reference=f"MQR{uuid.uuid4().hex[:20].upper()}")
        payload = build_emvco(self.merchant_name[:25], self.merchant_city[:15],
                              f"{CURRENCY_NUMERIC[money.currency]:03d}", money.major_text(),
                              reference=pending.reference)
        self._go(State.MERCHANT_QR, "show the shop's QR code")
        pending.pause()  # the customer scans and confirms in their wallet: not our software path
        self._pending = pending
        return self._outcome("qr_shown", f"Ask the customer to scan the code and pay {money.format()}.",
                             code="scan_shop_qr", params={"amount": money.format()}, qr_payload=payload)

    @_recovering
    def merchant_qr_paid(self, wallet_id: str) -> Outcome:
        """The wallet's payment notification for the shown code arrived (wallet id tokenised like a card)."""
        self._require("confirm the QR payment", State.MERCHANT_QR)
        pending = self._pending
        assert pending is not None
        token = self._wallet_token(wallet_id)  # may refuse: the code stays shown, back and cancel still work
        self._pending = None
        pending.resume()
        pending.token = token
        return self._decide(pending)

    def _wallet_token(self, code: str) -> str:
        if not self.ports.token_key:
            raise CheckoutError("QR payments are not set up on this till. Take another way to pay; call a technician.",
                                code="qr_not_set_up")
        return "tk_" + hmac_sm3(self.ports.token_key, b"wallet:" + code.encode()).hex()[:40]

    # --- digital currency (terminal.checkout.cbdc) -------------------------------------------------------------

    @_recovering
    def pay_cbdc_code(self, code: str, amount: Money | None = None) -> Outcome:
        """The customer's digital-currency payment code, scanned: risk, then the operator pays it (final)."""
        return self.cbdc.pay_code(code, amount)

    def show_cbdc_qr(self, amount: Money | None = None) -> Outcome:
        """The shop's digital-currency QR on screen (`qr_payload`); then `wait_cbdc_qr` until the wallet paid."""
        return self.cbdc.show_qr(amount)

    @_recovering
    def wait_cbdc_qr(self, wait_s: float = 25.0) -> Outcome:
        """Long-poll the hub for the shown QR: result `waiting` (call again), `completed`/`approved` or `declined`."""
        return self.cbdc.wait_qr(wait_s)

    @_recovering
    def pay_cbdc_hard_wallet(self, amount: Money | None = None, *, contactless: bool = False) -> Outcome:
        """An offline hard wallet, inserted or tapped: the till's checks and caps, a two-way exchange, journalled
        before approval, a signed receipt back to the wallet."""
        return self.cbdc.tap(amount, contactless)

    def _risk_only(self, pending: TenderAttempt, device: str) -> Exception | None:
        """The risk engine's decision on a hard-wallet payment before value moves: an exception to raise when it
        declines (offline limits of cards do not apply: the hard wallet has its own caps)."""
        tx = Tx(pending.attempt_id, self._now_epoch(), pending.amount.amount, pending.amount.currency,
                pending.token or "", self.terminal_id, pending.entry_mode or "wallet_offline", str(pending.kind),
                self.profile, None, None, None, None)  # device: see terminal.checkout.cbdc
        from_risk = self.ports.risk.decide(tx, None)
        pending.decision, pending.device = from_risk, device
        self._journal("risk.decided", risk_line(tx, from_risk))
        online = [code for code in from_risk.reasons if not code.startswith("offline_")]
        if online and REASONS[online[0]][0] == "decline":
            return RiskDeclined(online[0], REASONS[online[0]][1], list(from_risk.reasons))
        return None

    # --- risk and step-up ---------------------------------------------------------------------------------------

    def _decide(self, pending: TenderAttempt) -> Outcome:
        self._go(State.RISK_DECISION, "decide")
        assert self.sale is not None and pending.token is not None
        tx = Tx(pending.attempt_id, self._now_epoch(), pending.amount.amount, pending.amount.currency, pending.token,
                self.terminal_id, pending.entry_mode or ENTRY_MODES[pending.kind], str(pending.kind), self.profile,
                pending.device, None, None, None)
        decision = self.ports.risk.decide(tx, self.offline)  # offline limits apply while the hub is silent
        pending.decision = decision
        self._journal("risk.decided", risk_line(tx, decision))  # to the hub's learning loop with the journal
        online = [code for code in decision.reasons if not code.startswith("offline_")]
        verdict = REASONS[online[0]][0] if online else "approve"  # reasons come strictest first
        sentences = [REASONS[code][1] for code in decision.reasons]
        if verdict == "decline":
            return self._decline(pending, list(decision.reasons), REASONS[online[0]][1], code=online[0])
        if len(online) < len(decision.reasons):
            if verdict != "approve":  # offline it would be refused anyway: do not make the customer type a PIN
                return self._decline(pending, list(decision.reasons), sentences[0], code=decision.reasons[0])
            pending.offline_refusal = [c for c in decision.reasons if c.startswith("offline_")]
            return self._authorise(pending)  # the hub may be back: ask it; refused if it is still silent
        if verdict == "step_up_pin" and pending.reader is not None:
            return self._ask_step_up(pending, State.STEP_UP_PIN, sentences)
        if verdict in ("step_up_pin", "step_up_supervisor"):  # a wallet has no PIN pad here
            return self._ask_step_up(pending, State.STEP_UP_SUPERVISOR, sentences)
        return self._authorise(pending)

    def _ask_step_up(self, pending: TenderAttempt, state: State, sentences: list[str]) -> Outcome:
        assert self.sale is not None
        self._go(state, "ask for a step-up")
        pending.pause()
        self._pending = pending
        step = "pin" if state is State.STEP_UP_PIN else "supervisor"
        self._journal("tender.step_up_requested", {"sale_id": self.sale.sale_id, "kind": str(pending.kind),
                                                   "step": step, "reasons": list(pending.decision.reasons)})
        reasons = tuple(pending.decision.reasons)
        return self._outcome("step_up", sentences[0] if sentences else "Confirm this payment.",
                             code=reasons[0] if reasons else "confirm_payment", reasons=reasons)

    @_recovering
    def enter_pin(self, pin: str | None) -> Outcome:
        """The customer typed the PIN on the PIN pad (None: refused or gave up); the card checks it."""
        self._require("enter the PIN", State.STEP_UP_PIN)
        pending, self._pending = self._pending, None  # a crash below: _recovering returns to the tender choice
        assert pending is not None and pending.reader is not None
        try:
            ok = pin is not None and pending.reader.verify_pin(pin)
        except DeviceError as exc:  # a timeout, a status word: the PIN is not verified, the sale goes on
            log.warning("the card could not check the PIN: %s", type(exc).__name__)
            return self._step_up_done(pending, "pin", False, None, sentence=PIN_NOT_CHECKED, code="pin_not_checked")
        return self._step_up_done(pending, "pin", ok, None)

    @_recovering
    def supervisor_approve(self, operator_id: str, pin: str) -> Outcome:
        """A supervisor confirms with their own PIN. A wrong PIN or role raises (operators errors); the step stays."""
        self._require("approve as supervisor", State.STEP_UP_SUPERVISOR)
        pending = self._pending
        assert pending is not None and self.sale is not None
        approver = self.ports.operators.authorize(
            self.operator, Permission.STEP_UP, "step_up_supervisor", approver_id=operator_id, approver_pin=pin,
            details={"sale_id": self.sale.sale_id, "amount": pending.amount.amount, "currency": self.currency,
                     "reasons": list(pending.decision.reasons)})
        self._pending = None
        return self._step_up_done(pending, "supervisor", True, approver.operator_id)

    @_recovering
    def refuse_step_up(self) -> Outcome:
        self._require("refuse the step-up", State.STEP_UP_PIN, State.STEP_UP_SUPERVISOR)
        pending, self._pending = self._pending, None
        assert pending is not None
        return self._step_up_done(pending, "pin" if self.state is State.STEP_UP_PIN else "supervisor", False, None)

    def _step_up_done(self, pending: TenderAttempt, step: str, ok: bool, approved_by: str | None,
                      sentence: str | None = None, code: str | None = None) -> Outcome:
        assert self.sale is not None
        pending.resume()
        self._go(State.RISK_DECISION, "decide")
        self._journal("tender.step_up", {"sale_id": self.sale.sale_id, "kind": str(pending.kind), "step": step,
                                         "result": "approved" if ok else "refused", "approved_by": approved_by,
                                         "operator": self.operator.operator_id, "risk_id": pending.attempt_id})
        if not ok:
            sentence = sentence or ("The PIN was wrong or not entered. Ask for another way to pay." if step == "pin"
                                    else "The supervisor did not approve this payment. Ask for another way to pay.")
            code = code or ("step_up_pin_refused" if step == "pin" else "step_up_supervisor_refused")
            return self._decline(pending, [f"step_up_{step}_refused"], sentence, code=code)
        pending.stepped_up, pending.approved_by = True, approved_by
        return self._authorise(pending)

    def _decline(self, pending: TenderAttempt, reasons: list[str], sentence: str, *, code: str) -> Outcome:
        assert self.sale is not None
        self._go(State.TENDER_SELECTION, "go back")
        self._journal("tender.declined", {"sale_id": self.sale.sale_id, "kind": str(pending.kind),
                                          "amount": pending.amount.to_dict(), "last4": pending.last4,
                                          "reasons": reasons, "sentence": sentence,
                                          "offline": self.offline is not None})
        return self._outcome("declined", sentence, code=code, reasons=tuple(reasons), stepped_up=pending.stepped_up)

    # --- online / offline authorisation -------------------------------------------------------------------------

    def _authorise(self, pending: TenderAttempt) -> Outcome:
        assert self.sale is not None
        if pending.finish is not None:  # digital currency pays at its operator, not through a hold
            return pending.finish()
        auth = self.ports.auth
        if auth is None:
            return self._offline(pending)
        request = AuthRequest(auth_id=f"A{uuid.uuid4().hex}", sale_id=self.sale.sale_id,
                              tender=WireTender(str(pending.kind)),
                              amount=PositiveAmount(amount=pending.amount.amount, currency=pending.amount.currency),
                              token=pending.token, last4=pending.last4)
        try:
            answer = auth.authorise(request, self.offline_budget_s if self.offline else self.auth_budget_s)
        except HubRefusal as exc:
            log.warning("hub refused an authorisation: %s", exc.code)
            self._back_online()  # a refusal is an answer: the hub is there
            return self._decline(pending, [f"hub_{exc.code}"], HUB_DECLINED, code="hub_declined")
        if answer.decision == "approved":
            self._back_online()
            self._holds.append(request.auth_id)
            pending.reference = request.auth_id
            return self._accept(pending, offline=False)
        if answer.decision == "declined":
            self._back_online()
            return self._decline(pending, ["hub_declined"], HUB_DECLINED, code="hub_declined")
        # unavailable: the request may still have reached the hub and placed a hold; release it once back
        self._journal("auth.abandoned", {"auth_id": request.auth_id, "sale_id": self.sale.sale_id,
                                         "amount": pending.amount.to_dict(), "reason": (answer.reason or "")[:200]})
        return self._offline(pending)

    def _back_online(self) -> None:
        """The hub answered: the offline budget and limits no longer apply."""
        if self.offline is not None:
            log.info("hub answers again: back online")
        self.offline = None

    def _offline(self, pending: TenderAttempt) -> Outcome:
        """Approve without the hub only within the profile's offline limits (the risk engine's rules), and never a
        card that itself asked for the issuer (an ARQC where a TC was asked for) or whose PIN only the issuer can
        check (online PIN): the terminal's floor limit alone may be overridden by store-and-forward, the card not."""
        if pending.kind in (TenderKind.QR_CUSTOMER, TenderKind.QR_MERCHANT):
            return self._decline(pending, ["qr_needs_network"], QR_NEEDS_NETWORK, code="qr_needs_network")
        card = pending.card
        if card is not None and (card.cvm == "online_pin" or card.reason == CARD_ASKED_ONLINE):
            return self._decline(pending, ["card_needs_online"], CARD_NEEDS_ONLINE, code="card_needs_online")
        if pending.offline_refusal:
            first = pending.offline_refusal[0]
            return self._decline(pending, pending.offline_refusal, REASONS[first][1], code=first)
        now = self._now_epoch()
        if self.offline is None:
            self.offline = Offline(now)
        codes, base = self.ports.risk.offline_check(t=now, amount_minor=pending.amount.amount,
                                                    currency=pending.amount.currency, profile=self.profile,
                                                    offline=self.offline)
        if codes:
            return self._decline(pending, codes, REASONS[codes[0]][1], code=codes[0])
        self.offline = Offline(self.offline.since, self.offline.approved_total + base)
        pending.reference = f"OFF{pending.attempt_id[:24].upper()}"
        return self._accept(pending, offline=True)

    # --- taking the tender, committing the sale -----------------------------------------------------------------

    def _accept(self, pending: TenderAttempt, offline: bool) -> Outcome:
        """Journal the tender (durable), then take it into the sale; the last one commits the sale."""
        sale = self.sale
        assert sale is not None
        tender = Tender(pending.kind, pending.amount, pending.reference, pending.last4, pending.token)
        decision = pending.decision
        payload = {"sale_id": sale.sale_id, "kind": str(pending.kind), "amount": pending.amount.to_dict(),
                   "reference": pending.reference, "last4": pending.last4, "offline": offline,
                   "stepped_up": pending.stepped_up, "approved_by": pending.approved_by,
                   "operator": self.operator.operator_id,
                   "risk": None if decision is None else {"decision": decision.decision,
                                                          "score_ppm": round(decision.score * 1_000_000),
                                                          "reasons": list(decision.reasons)}}
        secret = card_secret(pending)
        try:
            self._journal("tender.approved", payload, secret or None)
        except Exception as exc:  # the journal cannot write (disk full, damaged): nothing may be approved
            log.error("tender not journalled (%s); the payment is not taken", type(exc).__name__)
            self._release_hold(pending.reference)
            if self.state is not State.TENDER_SELECTION:
                self._go(State.TENDER_SELECTION, "go back")
            raise CheckoutError("The payment could not be saved, so it was not taken. Call a technician; "
                                "take no more card payments.", code="payment_not_saved") from exc
        sale.add_tender(tender)  # cannot fail: amount, currency and state were checked before the hold was asked
        self._offline_tenders += offline
        if secret:
            self._secrets.append(secret)
        if sale.remaining.is_zero:
            return self._commit(pending, offline)
        latency = pending.elapsed_ms()
        if self.state is not State.TENDER_SELECTION:
            self._go(State.TENDER_SELECTION, "take the next payment")
        return self._outcome("approved", f"{tender.kind.label} {pending.amount.format()} approved. "
                             f"{sale.remaining.format()} still to pay.", code="tender_approved",
                             params={"kind": str(tender.kind), "kind_label": tender.kind.label,
                              "amount": pending.amount.format(), "remaining": sale.remaining.format()},
                             offline=offline, stepped_up=pending.stepped_up, latency_ms=latency)

    def _release_hold(self, auth_id: str) -> None:
        """Void an online hold this sale will not use (best effort; the uplink's release round catches the rest)."""
        if auth_id not in self._holds or self.ports.auth is None:
            return
        self._holds.remove(auth_id)
        try:
            self.ports.auth.void(auth_id, "payment not taken at the till")
        except Exception:
            log.warning("hold %s could not be voided now; it lapses at the hub or is released later", auth_id)

    def _commit(self, pending: TenderAttempt, offline: bool) -> Outcome:
        sale = self.sale
        assert sale is not None
        self._go(State.JOURNAL_COMMIT, "commit the sale")
        unpaid = sale.to_dict()
        sale.complete(self.ports.clock())
        try:
            self._journal("sale.completed", sale.to_dict(),
                          {"tenders": self._secrets, "operator": self.operator.operator_id} if self._secrets else None)
        except Exception as exc:  # not durable, so not paid: back to the open sale (cancel voids its holds)
            log.error("sale not journalled (%s); it stays open", type(exc).__name__)
            self.sale = Sale.from_dict(unpaid)
            self._go(State.TENDER_SELECTION, "go back")
            raise CheckoutError("The sale could not be saved, so it is not finished. Call a technician, then "
                                "cancel the sale.", code="sale_not_saved") from exc
        latency = pending.elapsed_ms()  # durable: the customer may now be told "approved"
        offline = offline or self._offline_tenders > 0
        change = sale.change_due
        self.last_sale, self.sale = sale, None
        self._holds, self._secrets, self.cart, self._offline_tenders = [], [], None, 0
        printed = self._print()
        paid = f"Paid {sale.total.format()}." + (f" Give {change.format()} change." if change.is_positive else "")
        then = (("give_change", {"change": change.format()}),) if change.is_positive else ()
        if not printed:
            then += (("receipt_not_printed", {"advice_code": self.print_problem_code}),)
            return Outcome("completed", self.state, f"{paid} {self.print_problem} Then press Reprint.",
                           sale.sale_id, 0, change.amount, offline, pending.stepped_up, latency, False,
                           code="paid", params={"paid": sale.total.format(), "then": then})
        return Outcome("completed", self.state, paid, sale.sale_id, 0, change.amount, offline, pending.stepped_up,
                       latency, True, code="paid", params={"paid": sale.total.format(), "then": then})

    def retry_commit(self) -> Outcome:
        """Save a fully paid sale again after the journal failed to (its tenders are still held)."""
        self._require("save the sale", State.TENDER_SELECTION)
        assert self.sale is not None
        if not self.sale.remaining.is_zero:
            raise CheckoutError(f"{self.sale.remaining.format()} is still due.", code="still_due",
                                params={"remaining": self.sale.remaining.format()})
        return self._commit(TenderAttempt(TenderKind.CASH, self.sale.total), self._offline_tenders > 0)

    # --- receipt and drawer -------------------------------------------------------------------------------------

    def _print(self) -> bool:
        """RECEIPT_PRINT -> DRAWER -> IDLE, or RECEIPT_FAILED (the sale stays complete; reprint is offered)."""
        sale = self.last_sale
        assert sale is not None
        self._go(State.RECEIPT_PRINT, "print the receipt")
        try:
            document = document_from_receipt(Receipt.for_sale(sale, self.header),
                                             qr_link=receipt_code(self.terminal_id, sale.sale_id, self.receipt_link),
                                             footer=self.footer, tz=self.receipt_tz)
            sent = self.ports.printer.print_receipt(replace(document, qr_caption=RECEIPT_QR_CAPTION))
        except DeviceError as exc:
            return self._print_failed(sale, exc, exc.advice, exc.code)
        except Exception as exc:  # a bug in layout or a driver: the sale is done all the same, a reprint is offered
            log.exception("the receipt could not be laid out or sent")
            return self._print_failed(sale, exc, "Call a technician if it happens again.", "call_technician_if_again")
        self._note_after_sale("receipt.printed", {"sale_id": sale.sale_id, "bytes": len(sent)})
        self._open_drawer()
        return True

    def _print_failed(self, sale: Sale, exc: Exception, advice: str, advice_code: str) -> bool:
        self.print_problem, self.print_problem_code = f"The receipt did not print: {advice}", advice_code
        self._go(State.RECEIPT_FAILED, "offer a reprint")
        self._note_after_sale("receipt.failed", {"sale_id": sale.sale_id, "error": type(exc).__name__})
        return False

    def _note_after_sale(self, record_type: str, payload: dict[str, Any]) -> None:
        """Journal a record after the sale is durable (receipt, drawer). If the journal fails now, the till must
        still reach idle: the sale is saved, and the next payment's own journal write will stop the till."""
        try:
            self._journal(record_type, payload)
        except Exception:
            log.exception("%s could not be journalled; the sale itself is saved", record_type)

    def reprint(self) -> Outcome:
        """Try the receipt again after a printer problem."""
        self._require("reprint", State.RECEIPT_FAILED)
        assert self.last_sale is not None
        if self._print():
            return Outcome("completed", self.state, "Receipt printed.", self.last_sale.sale_id, receipt_printed=True,
                           code="receipt_printed")
        return Outcome("completed", self.state, f"{self.print_problem} Then press Reprint.", self.last_sale.sale_id,
                       receipt_printed=False, code="receipt_not_printed",
                       params={"advice_code": self.print_problem_code})

    def skip_receipt(self) -> Outcome:
        """No receipt now (the customer does not want one): open the drawer, back to idle."""
        self._require("skip the receipt", State.RECEIPT_FAILED)
        assert self.last_sale is not None
        self._note_after_sale("receipt.skipped", {"sale_id": self.last_sale.sale_id})
        self._open_drawer()
        return Outcome("completed", self.state, "Sale done without a receipt.", self.last_sale.sale_id,
                       receipt_printed=False, code="sale_done_no_receipt")

    def _open_drawer(self) -> None:
        sale = self.last_sale
        assert sale is not None
        self._go(State.DRAWER, "open the drawer")
        try:
            if any(t.is_cash for t in sale.tenders):
                try:
                    self.ports.drawer.open()
                except Exception as exc:  # the drawer can be opened by key; the sale is done either way
                    self._note_after_sale("drawer.failed", {"sale_id": sale.sale_id, "error": type(exc).__name__})
                else:
                    self._note_after_sale("drawer.opened", {"sale_id": sale.sale_id,
                                                            "operator": self.operator.operator_id})
        finally:
            self._go(State.IDLE, "finish")

    def open_drawer_no_sale(self, *, approver_id: str | None = None, approver_pin: str | None = None) -> Outcome:
        """Open the drawer without a sale: a supervisor's privilege, audited."""
        self._require("open the drawer", State.IDLE)
        approver = self.ports.operators.authorize(self.operator, Permission.NO_SALE, "no_sale",
                                                  approver_id=approver_id, approver_pin=approver_pin)
        self.ports.drawer.open()
        self._journal("drawer.opened", {"sale_id": None, "reason": "no_sale", "operator": self.operator.operator_id,
                                        "approved_by": approver.operator_id})
        return Outcome("completed", self.state, "Drawer open.", code="drawer_open")

    # --- cancel -------------------------------------------------------------------------------------------------

    def cancel(self, reason: str = "cancelled at the till") -> Outcome:
        """Drop the sale at any step before it is committed; online holds are voided (or queued for release)."""
        if self.state not in CANCELLABLE:
            raise InvalidTransition("cancel", self.state, "There is no open sale to cancel (a paid sale needs a "
                                    "void or a refund).", code="nothing_to_cancel")
        sale = self.sale
        if self.state is State.MERCHANT_QR:
            self.cbdc.cancel_qr()
        voided, queued = [], []
        for auth_id in self._holds:
            try:
                assert self.ports.auth is not None
                self.ports.auth.void(auth_id, reason[:200])
                voided.append(auth_id)
                self._journal("tender.voided", {"sale_id": sale.sale_id if sale else None, "auth_id": auth_id})
            except HubError as exc:
                queued.append(auth_id)
                self._journal("auth.abandoned", {"auth_id": auth_id, "sale_id": sale.sale_id if sale else None,
                                                 "reason": f"void at cancel failed: {type(exc).__name__}"})
        cash = Money.total((t.amount for t in sale.tenders if t.is_cash), self.currency) if sale else None
        digital = [t for t in sale.tenders if t.kind is TenderKind.CBDC_WALLET] if sale else []
        for tender in digital:  # paid and final at the operator: given back to the wallet (UnansweredPayments)
            self._journal("cbdc.give_back", {"sale_id": sale.sale_id if sale else None, "payment_id": tender.reference,
                                             "amount": tender.amount.to_dict()})
        self._journal("sale.cancelled", {"sale_id": sale.sale_id if sale else None, "reason": reason[:200],
                                         "operator": self.operator.operator_id, "voided": voided, "queued": queued,
                                         "state": str(self.state),
                                         "cash_returned": cash.to_dict() if cash is not None else None})
        self.state = State.IDLE
        self.sale, self.cart, self._pending, self._holds, self._secrets = None, None, None, [], []
        self._offline_tenders = 0
        back = f" Give back {cash.format()} cash." if cash is not None and cash.is_positive else ""
        then = (("give_back_cash", {"cash": cash.format()}),) if back else ()
        if digital:
            back += " The digital-currency payment goes back to the customer's wallet."
            then += (("cbdc_goes_back_to_wallet", {}),)
        return Outcome("cancelled", self.state, f"Sale cancelled.{back}", sale.sale_id if sale else None,
                       code="sale_cancelled", params={"then": then})
