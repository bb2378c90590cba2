from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from domain_builders import (
    NOW,
    VAT13_INCL,
    assert_plain_json,
    card,
    cash,
    cny,
    example_cart,
    paid_sale,
    paid_sales,
    rates,
)
from hypothesis import given
from hypothesis import strategies as st

from terminal.domain import (
    Cart,
    CartError,
    CurrencyMismatch,
    InvalidAmount,
    InvalidValue,
    Money,
    OverRefund,
    Receipt,
    RecordError,
    Refund,
    Sale,
    SaleStateError,
    SaleStatus,
    TaxRate,
    Tender,
    TenderError,
    TenderKind,
    Void,
)


def open_sale(cart: Cart | None = None) -> Sale:
    return Sale.from_cart(cart or example_cart(), terminal_id="T-0001", created_at=NOW)


def three_teas() -> Cart:
    """3 x 1.00 at 13% included: 0.88 net + 0.12 tax each, 2.65 + 0.35 for the line."""
    cart = Cart("CNY")
    cart.add("T", "Tea", cny("1.00"), VAT13_INCL, quantity=3)
    cart.add("B", "Bun", cny("2.50"), VAT13_INCL)
    return cart


# -- creating --------------------------------------------------------------------------------------------------------


def test_sale_is_a_frozen_snapshot_of_the_cart():
    cart = example_cart()
    sale = open_sale(cart)
    cart.set_quantity(1, 10)
    cart.remove(2)
    assert [line.quantity for line in sale.lines] == [2, 1]
    assert sale.total == cny("18.32")
    assert sale.status is SaleStatus.OPEN and sale.remaining == cny("18.32")
    assert uuid.UUID(sale.sale_id).version == 4


def test_sale_needs_lines_an_id_and_an_aware_time():
    with pytest.raises(CartError, match="empty"):
        open_sale(Cart("CNY"))
    with pytest.raises(InvalidValue, match="time zone"):
        Sale.from_cart(example_cart(), terminal_id="T-0001", created_at=datetime(2025, 11, 25, 10, 40))
    with pytest.raises(InvalidValue):
        Sale.from_cart(example_cart(), terminal_id=" ", created_at=NOW)
    shanghai = datetime(2025, 11, 25, 18, 40, 5, 123456, tzinfo=timezone(timedelta(hours=8)))
    sale = Sale.from_cart(example_cart(), terminal_id="T-0001", created_at=shanghai, sale_id="S-42")
    assert sale.created_at == NOW and sale.created_at.utcoffset() == timedelta(0)
    assert sale.sale_id == "S-42"


# -- paying ----------------------------------------------------------------------------------------------------------


def test_cash_overpayment_gives_change():
    sale = open_sale()
    sale.add_tender(cash(cny("20.00")))
    assert sale.paid == cny("20.00") and sale.remaining == cny("0.00") and sale.change_due == cny("1.68")
    sale.complete(NOW)
    assert sale.status is SaleStatus.PAID and sale.completed_at == NOW


def test_split_tender_card_then_cash():
    sale = open_sale()
    sale.add_tender(card(cny("10.00")))
    assert sale.remaining == cny("8.32") and sale.change_due == cny("0.00")
    sale.add_tender(cash(cny("10.00")))
    assert sale.change_due == cny("1.68")
    with pytest.raises(TenderError, match="Nothing is left to pay"):
        sale.add_tender(cash(cny("1.00")))
    sale.complete(NOW)
    assert [t.kind for t in sale.tenders] == [TenderKind.CARD_CONTACTLESS, TenderKind.CASH]


def test_only_cash_may_overpay():
    sale = open_sale()
    with pytest.raises(TenderError, match=r"Only cash can pay more than the CNY 18\.32 due"):
        sale.add_tender(card(cny("18.33")))
    sale.add_tender(cash(cny("5.00")))
    with pytest.raises(TenderError, match=r"13\.32"):
        sale.add_tender(Tender(TenderKind.QR_CUSTOMER, cny("20.00"), reference="WX123"))
    sale.add_tender(Tender(TenderKind.CBDC_WALLET, cny("13.32"), reference="ECNY-9"))
    assert sale.remaining.is_zero and sale.change_due.is_zero


def test_cannot_complete_until_paid_nor_pay_after():
    sale = open_sale()
    sale.add_tender(cash(cny("10.00")))
    with pytest.raises(SaleStateError, match=r"CNY 8\.32 is still due"):
        sale.complete(NOW)
    sale.add_tender(cash(cny("8.32")))
    sale.complete(NOW)
    with pytest.raises(SaleStateError, match="already paid"):
        sale.add_tender(cash(cny("1.00")))
    with pytest.raises(SaleStateError):
        sale.complete(NOW)


def test_free_sale_completes_without_tenders():
    cart = Cart("CNY")
    cart.add("G", "Gift", cny("0.00"), VAT13_INCL)
    sale = open_sale(cart)
    sale.complete(NOW)
    assert sale.status is SaleStatus.PAID and sale.tenders == ()


def test_tender_in_another_currency_is_refused():
    with pytest.raises(CurrencyMismatch):
        open_sale().add_tender(cash(Money(2000, "HKD")))


@pytest.mark.parametrize(
    "make",
    [
        lambda: card(cny("1.00"), last4="42424"),
        lambda: card(cny("1.00"), last4="4111111111111111"),
        lambda: card(cny("1.00"), last4="42a4"),
        lambda: card(cny("1.00"), last4="٤٢٤٢"),
        lambda: Tender(TenderKind.CASH, cny("1.00"), card_last4="4242"),
        lambda: Tender(TenderKind.CARD_CONTACT, cny("1.00"), reference=""),
        lambda: Tender(TenderKind.CARD_CONTACT, cny("1.00"), reference="A1", token="4111111111111111"),
        lambda: Tender(TenderKind.CASH, cny("1.00"), token="tk_0123456789abcdef"),
    ],
)
def test_tender_keeps_no_more_than_four_card_digits_and_needs_a_reference(make):
    with pytest.raises(TenderError):
        make()


@pytest.mark.parametrize("amount", [cny("0.00"), cny("-1.00")])
def test_tender_amount_is_positive(amount):
    with pytest.raises(InvalidAmount):
        cash(amount)


# -- voids -----------------------------------------------------------------------------------------------------------


def test_void_needs_reason_and_approver_and_happens_once():
    sale = paid_sale()
    with pytest.raises(InvalidValue, match="reason"):
        sale.void(reason="", approver_id="M-1", at=NOW)
    with pytest.raises(InvalidValue, match="approver"):
        sale.void(reason="wrong item", approver_id=" ", at=NOW)
    assert sale.status is SaleStatus.PAID
    record = sale.void(reason="wrong item", approver_id="M-1", at=NOW)
    assert sale.status is SaleStatus.VOIDED and sale.void_record == record and record.sale_id == sale.sale_id
    with pytest.raises(SaleStateError, match="already voided"):
        sale.void(reason="again", approver_id="M-1", at=NOW)
    with pytest.raises(SaleStateError, match="voided"):
        sale.refund(lines={1: 1}, tenders=[], reason="x", approver_id="M-1", at=NOW)


def test_open_sale_can_be_voided_and_then_takes_no_payment():
    sale = open_sale()
    sale.add_tender(card(cny("10.00")))
    sale.void(reason="customer left", approver_id="M-1", at=NOW)
    with pytest.raises(SaleStateError, match="voided"):
        sale.add_tender(cash(cny("8.32")))
    with pytest.raises(SaleStateError):
        sale.complete(NOW)


def test_no_void_after_a_refund():
    sale = paid_sale()
    sale.refund(lines={2: 1}, tenders=[cash(cny("12.36"))], reason="stale", approver_id="M-1", at=NOW)
    with pytest.raises(SaleStateError, match="refunds"):
        sale.void(reason="x", approver_id="M-1", at=NOW)


def test_void_of_another_sale_is_refused():
    sale, other = paid_sale(), paid_sale()
    with pytest.raises(RecordError):
        sale.apply_void(Void("V-1", other.sale_id, "T-0001", "x", "M-1", NOW))


# -- refunds ---------------------------------------------------------------------------------------------------------


def test_refund_of_an_open_sale_is_refused():
    with pytest.raises(SaleStateError, match="not paid"):
        open_sale().refund(lines={1: 1}, tenders=[], reason="x", approver_id="M-1", at=NOW)


def test_partial_refunds_add_up_to_the_line_exactly():
    sale = paid_sale(three_teas())
    tea = sale.line(1)
    assert (tea.net, tea.tax, tea.gross) == (cny("2.65"), cny("0.35"), cny("3.00"))
    amounts = []
    for _ in range(3):
        refund = sale.refund(lines={1: 1}, tenders=[cash(cny("1.00"))], reason="broken", approver_id="M-1", at=NOW)
        amounts.append((refund.net, refund.tax, refund.total))
    assert [a[2] for a in amounts] == [cny("1.00")] * 3
    assert Money.total((a[0] for a in amounts), "CNY") == tea.net
    assert Money.total((a[1] for a in amounts), "CNY") == tea.tax
    assert sale.refunded_quantity(1) == 3 and sale.refundable_quantity(1) == 0
    with pytest.raises(OverRefund, match="already been refunded in full"):
        sale.refund(lines={1: 1}, tenders=[cash(cny("1.00"))], reason="again", approver_id="M-1", at=NOW)


def test_over_refund_is_refused_and_changes_nothing():
    sale = paid_sale(three_teas())
    sale.refund(lines={1: 2}, tenders=[cash(cny("2.00"))], reason="broken", approver_id="M-1", at=NOW)
    with pytest.raises(OverRefund, match="Only 1 of Tea can still be refunded"):
        sale.refund(lines={1: 2, 2: 1}, tenders=[cash(cny("4.50"))], reason="x", approver_id="M-1", at=NOW)
    assert sale.refunded_quantity(1) == 2 and sale.refunded_quantity(2) == 0 and len(sale.refunds) == 1
    assert sale.refunded_total == cny("2.00")


def test_refund_payments_must_equal_the_refund():
    sale = paid_sale(three_teas())
    with pytest.raises(TenderError, match=r"exactly CNY 2\.50"):
        sale.refund(lines={2: 1}, tenders=[cash(cny("3.00"))], reason="x", approver_id="M-1", at=NOW)
    with pytest.raises(TenderError):
        sale.refund(lines={2: 1}, tenders=[], reason="x", approver_id="M-1", at=NOW)
    refund = sale.refund(
        lines={2: 1}, tenders=[card(cny("1.50")), cash(cny("1.00"))], reason="x", approver_id="M-1", at=NOW
    )
    assert refund.total == cny("2.50") and refund.sale_id == sale.sale_id


def test_refund_needs_lines_reason_and_approver():
    sale = paid_sale(three_teas())
    with pytest.raises(OverRefund, match="at least one item"):
        sale.refund(lines={}, tenders=[], reason="x", approver_id="M-1", at=NOW)
    with pytest.raises(InvalidAmount):
        sale.refund(lines={1: 0}, tenders=[], reason="x", approver_id="M-1", at=NOW)
    with pytest.raises(CartError, match="Line 9"):
        sale.refund(lines={9: 1}, tenders=[], reason="x", approver_id="M-1", at=NOW)
    with pytest.raises(InvalidValue):
        sale.refund(lines={2: 1}, tenders=[cash(cny("2.50"))], reason="", approver_id="M-1", at=NOW)
    with pytest.raises(InvalidValue):
        sale.refund(lines={2: 1}, tenders=[cash(cny("2.50"))], reason="x", approver_id="", at=NOW)
    assert sale.refunds == ()


def test_replayed_refunds_are_checked_like_new_ones():
    sale, other = paid_sale(three_teas()), paid_sale(three_teas())
    refund = other.refund(lines={1: 3}, tenders=[cash(cny("3.00"))], reason="x", approver_id="M-1", at=NOW)
    with pytest.raises(RecordError, match="another sale"):
        sale.apply_refund(refund)
    mine = Refund.from_dict({**refund.to_dict(), "sale_id": sale.sale_id})
    sale.apply_refund(mine)
    with pytest.raises(SaleStateError, match="already recorded"):
        sale.apply_refund(mine)
    again = Refund.from_dict({**mine.to_dict(), "refund_id": "R-2"})
    with pytest.raises(OverRefund):
        sale.apply_refund(again)


def test_refund_may_run_on_another_terminal():
    sale = paid_sale(three_teas())
    refund = sale.refund(
        lines={2: 1}, tenders=[cash(cny("2.50"))], reason="x", approver_id="M-1", at=NOW, terminal_id="T-0002"
    )
    assert refund.terminal_id == "T-0002" and sale.terminal_id == "T-0001"


# -- records ---------------------------------------------------------------------------------------------------------


def full_history_sale() -> Sale:
    sale = paid_sale(three_teas(), card(cny("4.00"), last4="0005"), cash(cny("10.00")))
    sale.refund(lines={1: 1}, tenders=[cash(cny("1.00"))], reason="broken", approver_id="M-1", at=NOW, refund_id="R1")
    return sale


def test_sale_round_trips_through_json():
    sale = full_history_sale()
    payload = sale.to_dict()
    assert_plain_json(payload)
    assert payload["created_at"] == "2025-11-25T10:40:05.123456+00:00"
    assert payload["lines"][0]["tax_rate"]["rate"] == "0.13"
    assert payload["change"] == {"amount": 850, "currency": "CNY"}  # 14.00 paid for 5.50
    again = Sale.from_dict(json.loads(json.dumps(payload)))
    assert again == sale and again.to_dict() == payload
    assert again.refundable_quantity(1) == 2


def test_voided_sale_round_trips():
    sale = open_sale()
    sale.add_tender(card(cny("5.00")))
    void = sale.void(reason="customer left", approver_id="M-1", at=NOW + timedelta(minutes=1))
    again = Sale.from_dict(json.loads(json.dumps(sale.to_dict())))
    assert again == sale and again.status is SaleStatus.VOIDED and again.completed_at is None
    assert Void.from_dict(void.to_dict()) == void


def test_tampered_or_foreign_records_are_refused():
    payload = full_history_sale().to_dict()
    with pytest.raises(RecordError, match="totals"):
        Sale.from_dict({**payload, "totals": {**payload["totals"], "total": {"amount": 1, "currency": "CNY"}}})
    with pytest.raises(RecordError):
        Sale.from_dict({**payload, "type": "refund"})
    with pytest.raises(TypeError):
        float_amount = {"amount": 4.0, "currency": "CNY"}
        Sale.from_dict({**payload, "tenders": [{**payload["tenders"][0], "amount": float_amount}]})
    refund = payload["refunds"][0]
    with pytest.raises(RecordError):
        Refund.from_dict({**refund, "total": {"amount": 99, "currency": "CNY"}})
    line = payload["lines"][0]
    bad_line = {**line, "gross": {"amount": 301, "currency": "CNY"}}
    with pytest.raises(InvalidAmount):  # gross no longer matches net + tax
        Sale.from_dict({**payload, "lines": [bad_line, payload["lines"][1]]})


def test_tax_rate_in_a_record_must_be_a_string():
    payload = paid_sale().to_dict()
    line = payload["lines"][0]
    with pytest.raises(TypeError):
        Sale.from_dict({**payload, "lines": [{**line, "tax_rate": {**line["tax_rate"], "rate": 0.13}}]})


# -- properties ------------------------------------------------------------------------------------------------------


@given(paid_sales())
def test_payment_invariants(sale):
    assert sale.paid == sale.total + sale.change_due
    assert sale.remaining.is_zero
    cash_paid = Money.total((t.amount for t in sale.tenders if t.is_cash), sale.currency)
    assert sale.change_due <= cash_paid  # change only ever comes out of cash


@given(paid_sales())
def test_any_paid_sale_round_trips_as_plain_json(sale):
    payload = sale.to_dict()
    assert_plain_json(payload)
    assert Sale.from_dict(json.loads(json.dumps(payload))) == sale


def test_quote_tells_the_refund_before_it_is_taken():
    sale = paid_sale(three_teas())
    quote = sale.quote_refund({1: 2, 2: 1})
    assert [(rl.line_no, rl.quantity, rl.gross) for rl in quote] == [(1, 2, cny("2.00")), (2, 1, cny("2.50"))]
    assert sale.refunds == ()
    refund = sale.refund(lines={1: 2, 2: 1}, tenders=[cash(cny("4.50"))], reason="x", approver_id="M-1", at=NOW)
    assert refund.lines == quote


@given(paid_sales(), st.lists(st.tuples(st.integers(0, 6), st.integers(1, 25)), max_size=12))
def test_refunds_never_exceed_the_sale(sale, attempts):
    for i, (index, quantity) in enumerate(attempts):
        line = sale.lines[index % len(sale.lines)]
        if quantity > sale.refundable_quantity(line.line_no):
            with pytest.raises(OverRefund):
                sale.quote_refund({line.line_no: quantity})
            with pytest.raises(OverRefund):
                sale.refund(lines={line.line_no: quantity}, tenders=[], reason="r", approver_id="M", at=NOW)
            continue
        total = Money.total((rl.gross for rl in sale.quote_refund({line.line_no: quantity})), sale.currency)
        tenders = [cash(total)] if total.is_positive else []
        sale.refund(
            lines={line.line_no: quantity}, tenders=tenders, reason="r", approver_id="M", at=NOW, refund_id=f"R{i}"
        )
    for line in sale.lines:
        back = [rl for r in sale.refunds for rl in r.lines if rl.line_no == line.line_no]
        assert sum(rl.quantity for rl in back) == sale.refunded_quantity(line.line_no) <= line.quantity
        net = Money.total((rl.net for rl in back), sale.currency)
        tax = Money.total((rl.tax for rl in back), sale.currency)
        assert net <= line.net and tax <= line.tax
        if sale.refundable_quantity(line.line_no) == 0:
            assert (net, tax) == (line.net, line.tax)  # everything back: exactly the line, not a cent more or less
    assert sale.refunded_total <= sale.total
    assert Sale.from_dict(json.loads(json.dumps(sale.to_dict()))) == sale


def test_rate_change_does_not_reach_a_stored_sale():
    """Stored amounts are authoritative: a sale keeps the tax it was sold with."""
    payload = paid_sale().to_dict()
    assert Sale.from_dict(payload).line(1).tax_rate == TaxRate("VAT13", Decimal("0.13"), inclusive=True)


@given(
    st.integers(1, 10**7),
    st.integers(1, 30),
    rates,
    st.booleans(),
    st.lists(st.integers(1, 30), min_size=1, max_size=30),
)
def test_refunding_a_line_in_any_steps_returns_it_exactly(price, quantity, rate, inclusive, steps):
    cart = Cart("CNY")
    cart.add("X", "Thing", Money(price, "CNY"), TaxRate("T", rate, inclusive), quantity=quantity)
    sale = paid_sale(cart)
    line = sale.line(1)
    for step in steps:
        step = min(step, sale.refundable_quantity(1))
        if step == 0:
            break
        (quoted,) = sale.quote_refund({1: step})
        assert not quoted.net.is_negative and not quoted.tax.is_negative
        assert abs(quoted.gross.amount * quantity - line.gross.amount * step) <= quantity  # fair share, +-1 unit
        sale.refund(lines={1: step}, tenders=[cash(quoted.gross)] if quoted.gross.is_positive else [], reason="r",
                    approver_id="M", at=NOW)
    if sale.refundable_quantity(1) == 0:
        assert sale.refunded_total == sale.total
        assert Money.total((r.tax for r in sale.refunds), "CNY") == line.tax


def test_a_card_token_travels_in_the_record_but_never_onto_the_receipt():
    token = "tk_" + "ab" * 20
    tender = Tender(TenderKind.CARD_CONTACT, cny("18.32"), reference="AUTH-1", card_last4="4242", token=token)
    sale = paid_sale(example_cart(), tender)
    assert Sale.from_dict(sale.to_dict()).tenders[0].token == token
    receipt = Receipt.for_sale(sale)
    assert token not in json.dumps(receipt.to_dict()) and token not in receipt.render_text()
