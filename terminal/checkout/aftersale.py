"""Refunds and voids of completed sales, at an idle till: find the sale (sales index), get a supervisor's approval,
pay back through the original tenders, journal the record, print the slip, open the drawer for cash.

Money goes back the way it came: card and QR tenders first, in sale order, each up to what is left of it after
earlier refunds, cash last and never more than the cash kept (taken minus change). An online hold (reference = the
hub's auth id) is captured (idempotent: it is what the sale record does at ingest anyway) and refunded online under
the refund id *before* the record is journalled, so the hub's ingest finds the online refund and does not book the
record's part twice. When the hub does not answer, the record alone carries the refund: ingest books it against
the hold once it arrives. Voids go only through the `sale.voided` record, pushed to the hub at once when it answers:
voiding a hold directly would make the hub decline the sale record that captures it later.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from drivers.errors import DeviceError
from drivers.printer.adapt import document_from_receipt
from sync.protocol import PositiveAmount
from terminal.checkout.errors import CheckoutError, InvalidTransition, NotAllowed
from terminal.checkout.machine import Checkout
from terminal.checkout.outcome import Outcome
from terminal.checkout.ports import CheckoutPorts, HubRefusal, HubUnreachable
from terminal.checkout.sales_index import SaleIndex, SaleNotFound
from terminal.checkout.states import State
from terminal.domain import DomainError, Money, Receipt, Refund, RefundLine, Sale, Tender, TenderKind
from terminal.operators import OperatorError, Permission

log = logging.getLogger("edgepos.checkout")

ONLINE_HOLD = re.compile(r"A[0-9a-f]{32}")  # the auth ids Checkout._authorise asks the hub for


class RefundRefused(CheckoutError):
    """The refund cannot be made as asked (nothing was paid back, nothing journalled)."""


class VoidRefused(CheckoutError):
    """The sale cannot be voided (nothing was changed)."""


@dataclass(frozen=True, slots=True)
class RefundQuote:
    """What a refund would pay back: per line, and per original tender (`tenders`, in payout order)."""

    sale_id: str
    currency: str
    lines: tuple[RefundLine, ...]
    tenders: tuple[Tender, ...]

    @property
    def total(self) -> Money:
        return Money.total((line.gross for line in self.lines), self.currency)

    @property
    def cash(self) -> Money:
        return Money.total((t.amount for t in self.tenders if t.is_cash), self.currency)


def _from_domain(error: type[CheckoutError], exc: DomainError) -> CheckoutError:
    """The domain's refusal as the after-sale's, keeping its code and params for the UI to word."""
    return error(str(exc), code=exc.code or "domain_refusal", params=exc.params or {"message": str(exc)})


def business_day(moment: datetime) -> str:
    """The hub's settlement day of a moment: its UTC calendar date (as hub.clock.business_day; terminal code does
    not import the hub)."""
    return moment.astimezone(UTC).date().isoformat()


def is_online_hold(tender: Tender) -> bool:
    return not tender.is_cash and ONLINE_HOLD.fullmatch(tender.reference) is not None


def route_refund(sale: Sale, amount: Money) -> tuple[Tender, ...]:
    """The tenders paying back `amount` of `sale`: card/QR tenders first in sale order, each up to what earlier
    refunds left of it, then cash up to the cash kept. Refuses what the original payments cannot cover."""
    used: dict[tuple[str, str], int] = {}
    cash_back = 0
    for refund in sale.refunds:
        for tender in refund.tenders:
            if tender.is_cash:
                cash_back += tender.amount.amount
            else:
                key = (str(tender.kind), tender.reference)
                used[key] = used.get(key, 0) + tender.amount.amount
    left, out = amount.amount, []
    for tender in sale.tenders:
        if tender.is_cash or left == 0:
            continue
        key = (str(tender.kind), tender.reference)
        taken_before = min(used.get(key, 0), tender.amount.amount)
        used[key] = used.get(key, 0) - taken_before
        take = min(tender.amount.amount - taken_before, left)
        if take > 0:
            out.append(Tender(tender.kind, Money(take, sale.currency), tender.reference, tender.card_last4))
            left -= take
    cash_kept = sum(t.amount.amount for t in sale.tenders if t.is_cash) - sale.change_due.amount - cash_back
    if left > 0 and cash_kept > 0:
        take = min(cash_kept, left)
        out.append(Tender(TenderKind.CASH, Money(take, sale.currency)))
        left -= take
    if left > 0:
        can = Money(amount.amount - left, sale.currency).format()
        raise RefundRefused(f"Only {can} of this can go back to the original payments; refund fewer items or call "
                            "the manager.", code="refund_over_tenders", params={"amount": can})
    return tuple(out)


class AfterSale:
    """Refunds and voids for the till `checkout`, answered from `index` (both share the checkout's ports)."""

    def __init__(self, checkout: Checkout, index: SaleIndex) -> None:
        self.checkout, self.index = checkout, index
        self.print_problem = ""
        self.print_problem_said: tuple[str, dict[str, Any]] = ("", {})

    @property
    def _ports(self) -> CheckoutPorts:
        return self.checkout.ports

    # --- refunds --------------------------------------------------------------------------------------------------

    def quote_refund(self, sale_id: str, lines: Mapping[int, int]) -> RefundQuote:
        """What refunding `lines` ({line_no: quantity}) of the sale would pay back, and to which tenders."""
        return self._quote(self._sale(sale_id), lines)

    def refund(self, sale_id: str, lines: Mapping[int, int], *, approver_id: str | None = None,
               approver_pin: str | None = None, reason: str) -> Outcome:
        """Pay back `lines` of a completed sale through its original tenders (approval needed: Permission.REFUND)."""
        self._require_idle("refund a sale")
        reason = self._reason(reason, RefundRefused, "refund")
        sale = self._sale(sale_id)
        quote = self._quote(sale, lines)
        approver = self._authorize(Permission.REFUND, "refund", approver_id, approver_pin,
                                   {"sale_id": sale.sale_id, "amount": quote.total.amount,
                                    "currency": quote.currency, "lines": {str(k): v for k, v in lines.items()}})
        if self.index.pending_refund(sale.sale_id) is not None:
            raise RefundRefused("A refund of this sale was started and not saved. Finish that refund first.",
                                code="refund_unfinished")
        try:
            record = sale.refund(lines=lines, tenders=quote.tenders, reason=reason, approver_id=approver.operator_id,
                                 at=self._ports.clock(), terminal_id=self.checkout.terminal_id)
        except DomainError as exc:
            raise _from_domain(RefundRefused, exc) from exc
        if any(is_online_hold(t) or t.kind is TenderKind.CBDC_WALLET for t in record.tenders) and \
                (self._ports.auth is not None or self._ports.cbdc is not None):
            # the bank pays out before refund.completed is written: the intent is durable first, so a journal that
            # fails afterwards still leaves the record to finish the refund from (never a second payout)
            self._save("refund.requested", record.to_dict(), "The refund could not be saved, so nothing was "
                       "refunded. Call a technician.", code="refund_not_saved")
        return self._carry_out(sale, record)

    def finish_refund(self, sale_id: str) -> Outcome:
        """Finish a refund whose intent was journalled but whose completion was not (the journal failed after the
        bank refund): the online refunds are asked again under the same keys (the hub answers what it did the first
        time), then the refund is saved, printed and the cash handed back as if nothing had happened."""
        self._require_idle("finish a refund")
        sale = self._sale(sale_id)
        pending = self.index.pending_refund(sale.sale_id)
        if pending is None:
            raise RefundRefused("This sale has no unfinished refund.", code="no_unfinished_refund")
        try:
            record = Refund.from_dict(pending)
            sale.apply_refund(record)
        except DomainError as exc:
            raise _from_domain(RefundRefused, exc) from exc
        return self._carry_out(sale, record)

    def _carry_out(self, sale: Sale, record: Refund) -> Outcome:
        self._refund_cbdc(record)
        online, deferred, unreachable = self._refund_online(sale, record)
        self._save("refund.completed", record.to_dict(), "The refund could not be saved. Call a technician, then "
                   "finish the refund from the sale.", code="refund_not_completed")
        self.index.refresh()
        printed = self._print(Receipt.for_refund(sale, record, self.checkout.header), sale.sale_id,
                              record.refund_id, "refund")
        cash = Money.total((t.amount for t in record.tenders if t.is_cash), record.currency)
        if cash.is_positive:
            self._open_drawer(sale.sale_id, record.refund_id, "refund")
        sentence = f"Refunded {record.total.format()}."
        then: list[tuple[str, dict[str, Any]]] = []
        if cash.is_positive:
            sentence += f" Give back {cash.format()} cash."
            then.append(("give_back_cash", {"cash": cash.format()}))
        if online:
            sentence += " The card or QR refund went to the bank."
            then.append(("refund_sent_to_bank", {}))
        if deferred:
            sentence += (" The card or QR refund reaches the bank when the network is back." if unreachable
                         else " The card or QR refund reaches the bank with the next sync.")
            then.append(("refund_bank_when_online" if unreachable else "refund_bank_next_sync", {}))
        return self._done(sale, sentence, ("refunded", {"amount": record.total.format()}), then, cash, printed,
                          unreachable)

    def _done(self, sale: Sale, sentence: str, said: tuple[str, dict[str, Any]],
              then: list[tuple[str, dict[str, Any]]], cash: Money, printed: bool, unreachable: bool) -> Outcome:
        """The outcome of a refund or void: the sentence, plus the printer's problem when the slip did not print."""
        if not printed:
            sentence += f" {self.print_problem}"
            then.append(self.print_problem_said)
        code, params = said
        return Outcome("completed", self.checkout.state, sentence, sale.sale_id, change_minor=cash.amount,
                       offline=unreachable, receipt_printed=printed, code=code, params={**params, "then": tuple(then)})

    def _quote(self, sale: Sale, lines: Mapping[int, int]) -> RefundQuote:
        if not isinstance(lines, Mapping) or not lines:
            raise RefundRefused("Choose at least one item to refund.", code="refund_choose_items")
        if sale.void_record is not None:
            raise RefundRefused("This sale was voided, so there is nothing to refund.", code="refund_sale_voided")
        try:
            quoted = sale.quote_refund(lines)
        except (DomainError, TypeError) as exc:
            if isinstance(exc, DomainError):
                raise _from_domain(RefundRefused, exc) from exc
            raise RefundRefused("Enter whole numbers of items.", code="refund_whole_items") from exc
        total = Money.total((line.gross for line in quoted), sale.currency)
        return RefundQuote(sale.sale_id, sale.currency, quoted, route_refund(sale, total))

    def _refund_cbdc(self, record: Refund) -> None:
        """Digital currency goes back to the wallet that paid, at the operator, before the refund is completed (its
        intent is journalled first; `finish_refund` asks again under the same keys, never paying out twice)."""
        cbdc = self._ports.cbdc
        for tender in (t for t in record.tenders if t.kind is TenderKind.CBDC_WALLET):
            if cbdc is None:
                raise RefundRefused("Digital currency can only be refunded on a till connected to the hub.",
                                    code="cbdc_refund_needs_network")
            try:
                answer = cbdc.refund(record.refund_id, tender.reference,
                                     PositiveAmount(amount=tender.amount.amount, currency=record.currency),
                                     record.reason[:200] or "refund")
            except HubUnreachable as exc:
                raise RefundRefused("The digital-currency refund needs the network. Finish the refund from the "
                                    "sale when it is back.", code="cbdc_refund_needs_network") from exc
            except HubRefusal as exc:
                raise RefundRefused("The bank refused to refund this card or QR payment. Call the manager.",
                                    code="refund_bank_refused") from exc
            if answer.status != "approved":
                code = answer.code if answer.code in ("cbdc_payment_not_settled", "cbdc_refund_exceeds_payment") \
                    else "refund_bank_refused"
                raise RefundRefused(answer.message or "The digital-currency operator refused the refund.", code=code)

    def _refund_online(self, sale: Sale, record: Refund) -> tuple[list[str], list[str], bool]:
        """Refund online holds at the hub now; returns (refunded online, left to the record, hub unreachable).

        Each hold is refunded under (refund id, auth id), so a refund spread over two cards goes online for both;
        whatever the hub did not take now is booked by it when the record arrives (it skips the parts done)."""
        auth = self._ports.auth
        non_cash = [t for t in record.tenders if not t.is_cash]
        holds = [t for t in non_cash if is_online_hold(t)]
        deferred = [t.reference for t in non_cash if t not in holds]
        if not holds or auth is None:
            return [], [t.reference for t in non_cash], bool(holds)
        online: list[str] = []
        for n, tender in enumerate(holds):
            captured = sum(t.amount.amount for t in sale.tenders if t.reference == tender.reference)
            try:
                auth.capture(tender.reference, PositiveAmount(amount=captured, currency=sale.currency))
                auth.refund(record.refund_id, tender.reference,
                            PositiveAmount(amount=tender.amount.amount, currency=record.currency),
                            record.reason[:200])
            except HubUnreachable:
                log.info("hub unavailable: refund %s is journalled and booked when the journal syncs",
                         record.refund_id)
                return online, [t.reference for t in holds[n:]] + deferred, True
            except HubRefusal as exc:
                log.warning("hub refused refund %s of sale %s: %s", record.refund_id, sale.sale_id, exc.code)
                if online:  # part went back already: the record must still be journalled, the rest at ingest
                    return online, [t.reference for t in holds[n:]] + deferred, False
                raise RefundRefused("The bank refused to refund this card or QR payment. Call the manager.",
                                    code="refund_bank_refused") from exc
            online.append(tender.reference)
        return online, deferred, False

    # --- voids ----------------------------------------------------------------------------------------------------

    def void(self, sale_id: str, *, approver_id: str | None = None, approver_pin: str | None = None,
             reason: str) -> Outcome:
        """Cancel a whole sale of today's business day that has no refunds (approval needed: Permission.VOID)."""
        self._require_idle("void a sale")
        reason = self._reason(reason, VoidRefused, "void")
        sale = self._sale(sale_id)
        if sale.void_record is not None:
            raise VoidRefused("This sale was voided already.", code="void_already")
        if sale.refunds:
            raise VoidRefused("This sale has refunds, so it cannot be voided; refund the rest instead.",
                              code="void_has_refunds")
        now = self._ports.clock()
        recorded = self.index.recorded_at(sale.sale_id) or sale.completed_at
        assert recorded is not None
        if business_day(recorded) != business_day(now):
            raise VoidRefused("This sale is from an earlier business day and is settled; refund it instead.",
                              code="void_earlier_day")
        approver = self._authorize(Permission.VOID, "void", approver_id, approver_pin,
                                   {"sale_id": sale.sale_id, "amount": sale.total.amount, "currency": sale.currency})
        try:
            record = sale.void(reason=reason, approver_id=approver.operator_id, at=now,
                               terminal_id=self.checkout.terminal_id)
        except DomainError as exc:
            raise _from_domain(VoidRefused, exc) from exc
        self._save("sale.voided", record.to_dict(), "The void could not be saved, so the sale stands. Call a "
                   "technician.", code="void_not_saved")
        self.index.refresh()
        unreachable = self._push_void(sale)
        printed = self._print(Receipt.for_void(sale, self.checkout.header), sale.sale_id, record.void_id, "void")
        cash = Money.total((t.amount for t in sale.tenders if t.is_cash), sale.currency) - sale.change_due
        if cash.is_positive:
            self._open_drawer(sale.sale_id, record.void_id, "void")
        sentence = f"Sale voided ({sale.total.format()})."
        then: list[tuple[str, dict[str, Any]]] = []
        if cash.is_positive:
            sentence += f" Give back {cash.format()} cash."
            then.append(("give_back_cash", {"cash": cash.format()}))
        if any(not t.is_cash for t in sale.tenders):
            sentence += (" The card or QR payment is released when the network is back." if unreachable
                         else " The card or QR payment is released.")
            then.append(("void_released_when_online" if unreachable else "void_released", {}))
        return self._done(sale, sentence, ("sale_voided", {"amount": sale.total.format()}), then, cash, printed,
                          unreachable)

    def _push_void(self, sale: Sale) -> bool:
        """Send the void record to the hub now when the sale had online holds; True when the hub did not take it."""
        if not any(is_online_hold(t) for t in sale.tenders):
            return False
        auth = self._ports.auth
        if auth is None:
            return True
        report = auth.send_now()
        return not report.reached_hub or report.pending > 0

    # --- shared steps ---------------------------------------------------------------------------------------------

    def _require_idle(self, action: str) -> None:
        if self.checkout.state is not State.IDLE:
            raise InvalidTransition(action, self.checkout.state, f"Finish or cancel the open sale first, then "
                                    f"{action}.", code="finish_open_sale_first")

    @staticmethod
    def _reason(reason: object, error: type[CheckoutError], what: str) -> str:
        if not isinstance(reason, str) or not reason.strip():
            code = "refund_reason_missing" if what == "refund" else "void_reason_missing"
            raise error(f"Enter a reason for the {what}.", code=code)
        return reason.strip()[:200]

    def _sale(self, sale_id: str) -> Sale:
        self.index.refresh()
        sale = self.index.find(sale_id) if isinstance(sale_id, str) else None
        if sale is None:
            raise SaleNotFound("No completed sale with that number on this till. Search by time, amount or card.",
                               code="sale_not_found")
        return sale

    def _authorize(self, permission: Permission, action: str, approver_id: str | None, approver_pin: str | None,
                   details: dict[str, Any]) -> Any:
        try:
            return self._ports.operators.authorize(self.checkout.operator, permission, action,
                                                   approver_id=approver_id, approver_pin=approver_pin,
                                                   details=details)
        except OperatorError as exc:
            raise NotAllowed(str(exc), code=exc.code, params=exc.params) from exc

    def _save(self, record_type: str, payload: dict[str, Any], refusal: str, *, code: str) -> None:
        try:
            self._ports.journal.append(record_type, payload)
        except Exception as exc:
            log.error("%s not journalled (%s)", record_type, type(exc).__name__)
            raise CheckoutError(refusal, code=code) from exc

    def _print(self, receipt: Receipt, sale_id: str, document_id: str, kind: str) -> bool:
        """Print the slip; a printer problem is journalled and reported, never undoes the refund or void."""
        try:
            sent = self._ports.printer.print_receipt(document_from_receipt(receipt, footer=self.checkout.footer,
                                                                                tz=self.checkout.receipt_tz))
        except DeviceError as exc:
            self.print_problem = f"The {kind} slip did not print: {exc.advice}"
            self.print_problem_said = ("refund_slip_not_printed" if kind == "refund" else "void_slip_not_printed",
                                       {"advice_code": exc.code})
            self._ports.journal.append("receipt.failed", {"sale_id": sale_id, "document_id": document_id,
                                                          "kind": kind, "error": type(exc).__name__})
            return False
        self._ports.journal.append("receipt.printed", {"sale_id": sale_id, "document_id": document_id, "kind": kind,
                                                       "bytes": len(sent)})
        return True

    def _open_drawer(self, sale_id: str, document_id: str, kind: str) -> None:
        try:
            self._ports.drawer.open()
        except DeviceError as exc:
            self._ports.journal.append("drawer.failed", {"sale_id": sale_id, "document_id": document_id,
                                                         "reason": kind, "error": type(exc).__name__})
            return
        self._ports.journal.append("drawer.opened", {"sale_id": sale_id, "document_id": document_id, "reason": kind,
                                                     "operator": self.checkout.operator.operator_id})
