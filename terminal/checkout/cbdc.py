"""The digital-currency tender (CBDC, e-CNY style) in the checkout core, three ways, usable by the cashier UI and
the kiosk alike through terminal.checkout.machine.Checkout:

- customer-presented code (scanned): risk, then the hub's operator pays it at once (final) or declines it with a
  code and the limit that stopped it;
- merchant-presented QR (on screen): the hub makes an order, the till long-polls it until the wallet has paid;
- hard wallet (contact or contactless), offline: the till's own checks and caps (terminal.cbdc.offline), a two-way
  exchange with a fresh challenge, the payment journalled durably before approval, a terminal-signed receipt back.
Every refusal is a code the UI words (terminal/ui/wording.py) and an English sentence; nothing half-done is paid.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from drivers.card.hardwallet import WalletStatus
from drivers.errors import CardRemoved, DeviceError
from models.cbdc_rules import CBDC_REASONS, CbdcRiskState
from sync.cbdc import CbdcFormatError, PaymentCode, PaymentRequest, receipt_input
from sync.crypto import sm3
from sync.protocol import PositiveAmount
from terminal.cbdc.offline import RECORD_TYPE, OfflineRefused
from terminal.checkout.attempt import TenderAttempt
from terminal.checkout.errors import CheckoutError
from terminal.checkout.outcome import Outcome
from terminal.checkout.ports import HubRefusal, HubUnreachable
from terminal.checkout.states import State
from terminal.domain import Money, TenderKind

if TYPE_CHECKING:
    from terminal.checkout.machine import Checkout

log = logging.getLogger("edgepos.checkout.cbdc")
CBDC_NEEDS_NETWORK = ("Online digital currency needs the network, which is down. Ask the customer to tap their "
                      "hard wallet, or take another way to pay.")
DECLINED = {  # the operator's decline code -> what the cashier reads (the UI words the code)
    "cbdc_over_payment_limit": "That is over this wallet's limit per payment{limit}. Ask for a smaller amount or "
                               "another way to pay.",
    "cbdc_over_day_limit": "That is over this wallet's limit for today{limit}. Ask for another way to pay.",
    "cbdc_insufficient_funds": "The wallet does not hold enough. Ask the customer to top it up or pay another way.",
    "cbdc_code_expired": "The payment code has expired. Ask the customer to refresh it and scan again.",
    "cbdc_code_used": "That payment code was used already. Ask the customer to show a new one.",
    "cbdc_code_invalid": "That is not a valid digital-currency payment code. Ask the customer to open it again.",
    "cbdc_wallet_blocked": "This wallet is blocked. Ask for another way to pay.",
    "cbdc_wrong_currency": "This wallet holds another currency. Ask for another way to pay.",
}
WAIT_S = 25.0


def wallet_token(wallet_no: str) -> str:
    """A wallet as the risk engine's card (velocity, model): never the wallet number itself."""
    return "tk_" + sm3(b"edgepos-cbdc-wallet\n" + wallet_no.encode()).hex()[:40]


class CbdcTender:
    """The three digital-currency flows of one Checkout (it keeps the state machine; this keeps the steps)."""

    def __init__(self, checkout: Checkout) -> None:
        self.co = checkout
        self.risk = CbdcRiskState()

    # --- customer-presented code ------------------------------------------------------------------------------------

    def pay_code(self, code: str, amount: Money | None) -> Outcome:
        co = self.co
        co._require("take digital currency", State.TENDER_SELECTION)
        money = co._amount(amount)
        try:
            parsed = PaymentCode.decode(code if isinstance(code, str) else "")
        except CbdcFormatError:
            raise CheckoutError("This is not a digital-currency payment code. Ask the customer to open it again.",
                                code="cbdc_code_unreadable") from None
        co._go(State.CUSTOMER_QR, "scan a payment code")
        pending = TenderAttempt(TenderKind.CBDC_WALLET, money, token=wallet_token(parsed.wallet_no),
                                last4=parsed.wallet_no[-4:], entry_mode="wallet_online")
        pending.finish = lambda: self._pay_code_online(pending, code)
        return co._decide(pending)

    def _pay_code_online(self, pending: TenderAttempt, code: str) -> Outcome:
        co = self.co
        assert co.sale is not None
        if co.ports.cbdc is None:
            return co._decline(pending, ["cbdc_needs_network"], CBDC_NEEDS_NETWORK, code="cbdc_needs_network")
        payment_id = f"CBN{uuid.uuid4().hex[:24].upper()}"
        amount = PositiveAmount(amount=pending.amount.amount, currency=pending.amount.currency)
        try:
            answer = co.ports.cbdc.pay_code(payment_id, co.sale.sale_id, code, amount,
                                            co.offline_budget_s if co.offline else co.auth_budget_s)
        except HubUnreachable:
            self._lost(pending, payment_id)
            return co._decline(pending, ["cbdc_needs_network"], CBDC_NEEDS_NETWORK, code="cbdc_needs_network")
        except HubRefusal as exc:
            co._back_online()
            return co._decline(pending, [f"hub_{exc.code}"], DECLINED["cbdc_code_invalid"], code="cbdc_code_invalid")
        co._back_online()
        return self._answered(pending, answer, payment_id)

    def _lost(self, pending: TenderAttempt, payment_id: str) -> None:
        """No answer: the payment may have gone through; the journal says so for the manager's reconciliation."""
        assert self.co.sale is not None
        self.co._journal("cbdc.unanswered", {"sale_id": self.co.sale.sale_id, "payment_id": payment_id,
                                             "amount": pending.amount.to_dict()})

    def _answered(self, pending: TenderAttempt, answer: Any, payment_id: str) -> Outcome:
        co = self.co
        if answer.status == "approved":
            pending.reference, pending.last4 = payment_id, answer.wallet_last4 or pending.last4
            return co._accept(pending, offline=False)
        code = answer.code if answer.code in DECLINED else "cbdc_code_invalid"
        limit = Money(answer.limit.amount, answer.limit.currency) if answer.limit is not None else None
        sentence = DECLINED[code].format(limit=f" ({limit.format()})" if limit else "")
        params = {"limit": limit.format()} if limit else {}
        if co.state is not State.TENDER_SELECTION:
            co._go(State.TENDER_SELECTION, "go back")
        assert co.sale is not None
        co._journal("tender.declined", {"sale_id": co.sale.sale_id, "kind": str(pending.kind),
                                        "amount": pending.amount.to_dict(), "last4": pending.last4,
                                        "reasons": [code], "sentence": sentence, "offline": False})
        return co._outcome("declined", sentence, code=code, params=params, reasons=(code,))

    # --- merchant-presented QR ---------------------------------------------------------------------------------------

    def show_qr(self, amount: Money | None) -> Outcome:
        co = self.co
        co._require("show the digital-currency QR", State.TENDER_SELECTION)
        assert co.sale is not None
        money = co._amount(amount)
        if co.ports.cbdc is None:
            raise CheckoutError(CBDC_NEEDS_NETWORK, code="cbdc_needs_network")
        order_id = f"O{uuid.uuid4().hex[:24].upper()}"
        try:
            order = co.ports.cbdc.create_order(order_id, co.sale.sale_id,
                                               PositiveAmount(amount=money.amount, currency=money.currency))
        except (HubUnreachable, HubRefusal) as exc:
            log.warning("digital-currency order not created: %s", type(exc).__name__)
            raise CheckoutError(CBDC_NEEDS_NETWORK, code="cbdc_needs_network") from None
        pending = TenderAttempt(TenderKind.CBDC_WALLET, money, reference=order_id, entry_mode="wallet_online")
        co._go(State.MERCHANT_QR, "show the digital-currency QR")
        pending.pause()  # the customer scans and confirms in their wallet: not our software path
        co._pending = pending
        co._journal("cbdc.order_shown", {"sale_id": co.sale.sale_id, "order_id": order_id,
                                         "amount": money.to_dict()})
        return co._outcome("qr_shown", f"Ask the customer to scan the code with their digital-currency wallet and "
                           f"pay {money.format()}.", code="cbdc_scan_shop_qr", params={"amount": money.format()},
                           qr_payload=order.qr)

    def wait_qr(self, wait_s: float = WAIT_S) -> Outcome:
        """Ask the hub (long-poll, up to `wait_s`) whether the shown QR was paid; call again while it waits."""
        co = self.co
        co._require("wait for the digital-currency payment", State.MERCHANT_QR)
        pending = co._pending
        assert pending is not None and co.ports.cbdc is not None
        try:
            order = co.ports.cbdc.wait_order(pending.reference, wait_s)
        except (HubUnreachable, HubRefusal):
            return co._outcome("waiting", "Waiting for the wallet's payment (the network is slow).",
                               code="cbdc_waiting_network")
        if order.status == "open":
            return co._outcome("waiting", "Waiting for the customer's wallet to pay.", code="cbdc_waiting")
        co._pending = None
        if order.status != "paid":
            co._go(State.TENDER_SELECTION, "go back")
            return co._outcome("declined", "The code expired before the wallet paid. Show a new code or take "
                               "another way to pay.", code="cbdc_order_expired")
        pending.resume()
        pending.reference, pending.last4 = order.payment_id or pending.reference, order.wallet_last4
        co._go(State.RISK_DECISION, "decide")
        return co._accept(pending, offline=False)  # paid and final at the operator: risk cannot call it back

    def cancel_qr(self) -> None:
        """Leaving the QR screen: the order is cancelled so a late wallet cannot pay it."""
        pending = self.co._pending
        if pending is not None and self.co.ports.cbdc is not None and pending.kind is TenderKind.CBDC_WALLET:
            try:
                self.co.ports.cbdc.cancel_order(pending.reference)
            except (HubUnreachable, HubRefusal):
                log.warning("order %s not cancelled now; it expires at the hub", pending.reference)

    # --- hard wallet, offline ----------------------------------------------------------------------------------------

    def tap(self, amount: Money | None, contactless: bool) -> Outcome:
        co = self.co
        co._require("take a hard wallet", State.TENDER_SELECTION)
        assert co.sale is not None
        reader = co.ports.contactless_wallet if contactless else co.ports.hard_wallet
        checks, signer = co.ports.offline_wallets, co.ports.receipt_signer
        if reader is None or checks is None or signer is None:
            raise CheckoutError("No hard-wallet reader is set up on this till. Take another way to pay.",
                                code="cbdc_no_wallet_reader")
        money = co._amount(amount)
        request = PaymentRequest.fresh(money.amount, money.currency, co.terminal_id)
        pending = TenderAttempt(TenderKind.CBDC_WALLET, money, entry_mode="wallet_offline")
        now = co._now_epoch()
        found: dict[str, Any] = {}

        def precheck(cert_raw: bytes, status: WalletStatus) -> None:
            cert = checks.precheck(cert_raw, status, money.amount, money.currency, co.profile, now)
            found["cert"] = cert
            reasons = self.risk.check(cert.device_hex, status.counter, now)
            if reasons:
                raise OfflineRefused(reasons[0], CBDC_REASONS[reasons[0]])
            pending.token, pending.last4 = wallet_token(cert.wallet_no), cert.wallet_no[-4:]
            decision = co._risk_only(pending, device=cert.device_hex)
            if decision is not None:
                raise decision

        def accept(cert_raw: bytes, raw: bytes, status: WalletStatus) -> bytes:
            cert = found["cert"]
            payment = checks.verify(cert, raw, request, status)
            pending.reference = payment.payment_id
            payload = {"sale_id": co.sale.sale_id if co.sale else None, "payment_id": payment.payment_id,
                       "payment": raw.hex(), "cert": cert_raw.hex(), "device": cert.device_hex,
                       "counter": payment.counter, "amount": money.to_dict(), "wallet_last4": cert.wallet_no[-4:],
                       "contactless": contactless}
            record = co._journal(RECORD_TYPE, payload)  # durable before approval (and before the receipt)
            checks.noted(record.seq, payload, now)
            self.risk.paid(cert.device_hex, payment.counter, now)
            return signer(receipt_input(raw))

        co._go(State.CARD, "take a hard wallet")
        try:
            reader.pay(request, precheck, accept)
        except OfflineRefused as no:
            return self._refused(pending, no.code, no.sentence, no.params)
        except _RiskDeclined as no:
            return co._decline(pending, no.reasons, no.sentence, code=no.code)
        except CardRemoved:
            return self._refused(pending, "cbdc_wallet_removed", "The hard wallet was taken away too soon. Nothing "
                                 "was taken; ask the customer to hold it to the reader again.", {})
        except DeviceError as exc:  # HardWalletError (a status word), a timeout, no reader service
            log.warning("hard wallet exchange failed: %s", exc)
            return self._refused(pending, exc.code, exc.advice, {})
        co._go(State.RISK_DECISION, "decide")
        return co._accept(pending, offline=True)

    def _refused(self, pending: TenderAttempt, code: str, sentence: str, params: dict[str, Any]) -> Outcome:
        co = self.co
        assert co.sale is not None
        co._go(State.TENDER_SELECTION, "go back")
        shown = {k: (Money(v, pending.amount.currency).format() if k == "limit" else v) for k, v in params.items()}
        co._journal("tender.declined", {"sale_id": co.sale.sale_id, "kind": str(pending.kind),
                                        "amount": pending.amount.to_dict(), "last4": pending.last4,
                                        "reasons": [code], "sentence": sentence, "offline": True})
        return co._outcome("declined", sentence, code=code, params=shown, reasons=(code,))



class _RiskDeclined(Exception):
    """The risk engine declined a hard-wallet payment before any value moved."""

    def __init__(self, code: str, sentence: str, reasons: list[str]) -> None:
        super().__init__(sentence)
        self.code, self.sentence, self.reasons = code, sentence, reasons


RiskDeclined = _RiskDeclined


class UnansweredPayments:
    """Digital-currency payments the till did not keep: online code payments whose answer never came
    (`cbdc.unanswered`: the operator may have paid while the till declined and took another tender) and payments of
    a sale cancelled afterwards (`cbdc.give_back`). Once the hub answers (and has settled an offline one) each is
    refunded in full to the paying wallet
    (idempotent per payment; a payment the operator never made is answered `unknown_payment`) and `cbdc.released`
    is journalled, so no customer pays twice. The journal is read incrementally (one full pass at start)."""

    def __init__(self, journal: Any, cbdc: Any) -> None:
        self.journal, self.cbdc = journal, cbdc
        self._after = 0
        self._pending: dict[str, dict[str, Any]] = {}
        self._tries: dict[str, int] = {}

    def _catch_up(self) -> None:
        for record in self.journal.records(after=self._after):
            self._after = record.seq
            if record.type in ("cbdc.unanswered", "cbdc.give_back"):
                self._pending[record.payload["payment_id"]] = record.payload
            elif record.type == "cbdc.released":
                self._pending.pop(record.payload["payment_id"], None)

    def release(self) -> int:
        """Give back what the operator took for unanswered payments; returns how many were settled now."""
        self._catch_up()
        done = 0
        for payment_id, payload in list(self._pending.items()):
            amount = PositiveAmount(amount=payload["amount"]["amount"], currency=payload["amount"]["currency"])
            try:
                self._tries[payment_id] = self._tries.get(payment_id, 0) + 1  # a refusal is kept per key: ask anew
                answer = self.cbdc.refund(f"BACK-{payment_id}", payment_id, amount, "not taken for a sale",
                                          attempt=self._tries[payment_id])
                if answer.code == "cbdc_payment_not_settled":
                    continue  # an offline payment the hub has not settled yet: the next round
                result = "refunded" if answer.status == "approved" else (answer.code or "declined")
            except HubRefusal as exc:
                if exc.code == "unknown_payment" and payment_id.startswith("CBO"):
                    continue  # an offline payment not uploaded and settled yet: the next round
                result = exc.code  # unknown_payment: the operator never took it
            except HubUnreachable:
                return done  # later
            self.journal.append("cbdc.released", {"payment_id": payment_id, "sale_id": payload.get("sale_id"),
                                                  "result": result})
            self._pending.pop(payment_id, None)
            done += 1
        return done
