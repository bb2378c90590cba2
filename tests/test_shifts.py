"""Shifts on a real till without a hub (so card payments are approved offline): real signed journal, operator store
with PINs, EMV kernel over the card emulator, ESC/POS printer (dummy, or the TCP simulator for paper out).

Refunds and voids are written as `refund.completed` / `sale.voided` records in the domain's formats, rebuilt from
the journalled sale, as the refund flow writes them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from checkout.checkout_support import VAT, basket, cny

from drivers.printer.device import EscposPrinter
from drivers.printer.layout import display_width
from drivers.printer.preview import decode, render_png
from drivers.printer.sim import NetworkPrinterSim
from sync.journal import Journal
from terminal.checkout import NotAllowed, State
from terminal.checkout.machine import Checkout
from terminal.demo.rig import Till, build_till
from terminal.domain import Money, Sale, Tender, TenderKind
from terminal.operators import NotPermitted, OperatorStore, operators_path_for, pepper_from_keystore
from terminal.shifts import ReportNotPrinted, ShiftError, ShiftReport, Shifts

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def usd(text: str) -> Money:
    return Money.parse(text, "USD")


@pytest.fixture
def till(tmp_path: Path):
    made = build_till(tmp_path / "till", terminal_id=f"T-SH-{uuid.uuid4().hex[:8]}")
    yield made
    made.close()


def shifts_of(till: Till, journal: Journal | None = None, operators: OperatorStore | None = None) -> Shifts:
    return Shifts(journal or till.journal, operators or till.operators, till.printer,
                  lambda: datetime.now(UTC), till.keystore.terminal_id, header=("EDGEPOS DEMO STORE",))


def cash_sale(till: Till, tendered: str, *prices: str) -> dict:
    basket(till, *prices)
    assert till.checkout.pay_cash(cny(tendered)).result == "completed"
    return last_sale(till.journal)


def card_sale(till: Till, *prices: str) -> dict:
    basket(till, *prices)
    till.card_reader.present("visa")
    out = till.checkout.pay_card()
    assert out.result == "completed" and out.offline, out
    return last_sale(till.journal)


def last_sale(journal: Journal) -> dict:
    return [r.payload for r in journal.records() if r.type == "sale.completed"][-1]


def record_types(journal: Journal) -> list[str]:
    return [r.type for r in journal.records()]


def test_x_and_z_reports_of_cash_card_and_split_sales(till):
    shifts = shifts_of(till)
    shift = shifts.open(till.operator, {"CNY": cny("200.00")})
    assert shifts.current() == shift and shift.z_number == 1
    sales = [cash_sale(till, "50.00", "18.50", "2.00"), card_sale(till, "30.00")]
    basket(till, "100.00")
    till.card_reader.present("visa")
    assert till.checkout.pay_card(cny("60.00")).result == "approved"
    assert till.checkout.pay_cash(cny("40.00")).result == "completed"
    sales.append(last_sale(till.journal))

    x1 = shifts.x_report()
    c = x1.currency("CNY")
    assert (x1.kind, x1.number, c.sales_count, c.gross) == ("X", 1, 3, cny("150.50"))
    assert c.tax == Money.total((Money.from_dict(s["totals"]["tax"]) for s in sales), "CNY") and c.tax.is_positive
    assert {t.kind: (t.count, t.amount) for t in c.tenders} == {"cash": (2, cny("90.00")),
                                                                "card_contact": (2, cny("90.00"))}
    assert c.change_given == cny("29.50") and (c.offline_count, c.offline_amount) == (2, cny("90.00"))
    assert c.expected_cash == cny("260.50") and c.counted is None and c.variance is None
    assert record_types(till.journal)[-1] == "shift.x_report" and shifts.current() == shift  # stays open
    assert shifts.x_report().number == 2

    with pytest.raises(NotPermitted, match="manager must approve"):
        shifts.close(till.operator, {"CNY": cny("260.00")})
    with pytest.raises(NotPermitted, match="cannot approve"):
        shifts.close(till.operator, {"CNY": cny("260.00")}, approver_id="S-001", approver_pin="2468")
    assert shifts.current() == shift  # still open after the refusals
    z = shifts.close(till.operator, {"CNY": cny("260.00")}, approver_id="M-001", approver_pin="9999")
    c = z.currency("CNY")
    assert (z.kind, z.number, z.by, z.approved_by) == ("Z", 1, "C-001", "M-001")
    assert c.counted == cny("260.00") and c.variance == cny("-0.50")  # short by 0.50: negative
    assert c.gross == cny("150.50") and z.closed_at is not None and z.opened_by == "C-001"
    closed = [r for r in till.journal.records() if r.type == "shift.closed"]
    assert len(closed) == 1 and closed[0].payload == z.to_dict()  # durable when close() returns
    assert closed[0].payload["currencies"][0]["variance"] == {"amount": -50, "currency": "CNY"}
    assert ShiftReport.from_dict(closed[0].payload) == z
    assert shifts.current() is None
    audit = [r.payload for r in till.journal.records() if r.type == "audit.privileged"][-1]
    assert (audit["action"], audit["approved_by"]) == ("shift_close", "M-001")
    with pytest.raises(ShiftError, match="No shift is open"):
        shifts.x_report()


def test_multi_currency_float_and_count(till):
    shifts = shifts_of(till)
    shifts.open(till.operator, {"CNY": cny("100.00"), "USD": usd("50.00")})
    cash_sale(till, "20.00", "20.00")
    dollars = Checkout(till.checkout.ports, terminal_id=till.keystore.terminal_id, operator=till.operator,
                       currency="USD")
    dollars.start_sale()
    dollars.add_item("SKU-US", "Souvenir", usd("12.00"), VAT)
    dollars.checkout()
    assert dollars.pay_cash(usd("20.00")).result == "completed"

    with pytest.raises(ShiftError, match="Count the USD cash too"):
        shifts.close(till.operator, {"CNY": cny("120.00")}, approver_id="M-001", approver_pin="9999")
    with pytest.raises(ShiftError, match="under CNY is in USD"):
        shifts.close(till.operator, {"CNY": usd("62.00")})
    z = shifts.close(till.operator, {"CNY": cny("120.00"), "USD": usd("63.00")}, approver_id="M-001",
                     approver_pin="9999")
    cny_totals, usd_totals = z.currencies
    assert (cny_totals.currency, cny_totals.sales_count, cny_totals.variance) == ("CNY", 1, cny("0.00"))
    assert (usd_totals.gross, usd_totals.change_given, usd_totals.expected_cash) == (
        usd("12.00"), usd("8.00"), usd("62.00"))
    assert usd_totals.variance == usd("1.00")  # over by one dollar: positive
    text = "\n".join(z.lines())
    assert "USD" in text and "+1.00" in text and "62.00" in text


def test_refunds_voids_cancels_declines_and_no_sale_move_the_expected_cash(till):
    shifts = shifts_of(till)
    shifts.open(till.operator, {"CNY": cny("100.00")})
    a = cash_sale(till, "20.00", "20.00")
    b = card_sale(till, "30.00")
    c = cash_sale(till, "50.00", "10.00")  # 40.00 change
    refund_a = Sale.from_dict(a).refund(lines={1: 1}, tenders=[Tender(TenderKind.CASH, cny("20.00"))],
                                        reason="damaged", approver_id="S-001", at=NOW)
    card = b["tenders"][0]
    refund_b = Sale.from_dict(b).refund(lines={1: 1}, reason="changed mind", approver_id="S-001", at=NOW,
                                        tenders=[Tender(TenderKind.CARD_CONTACT, cny("30.00"), card["reference"],
                                                        card["card_last4"])])
    till.journal.append("refund.completed", refund_a.to_dict())
    till.journal.append("refund.completed", refund_b.to_dict())
    voided = Sale.from_dict(c)
    till.journal.append("sale.voided", voided.void(reason="wrong basket", approver_id="S-001", at=NOW).to_dict())
    basket(till, "50.00")
    assert till.checkout.pay_cash(cny("20.00")).result == "approved"
    till.card_reader.present("expired")
    assert till.checkout.pay_card().result == "declined"
    assert "Give back CNY 20.00 cash" in till.checkout.cancel().sentence
    till.checkout.open_drawer_no_sale(approver_id="S-001", approver_pin="2468")

    x = shifts.x_report()
    t = x.currency("CNY")
    assert (t.sales_count, t.gross) == (3, cny("60.00"))
    assert (t.refunds_count, t.refunds, t.voids_count, t.voids) == (2, cny("50.00"), 1, cny("10.00"))
    assert t.net == cny("0.00")
    assert {r.kind: (r.count, r.amount) for r in t.refund_tenders} == {"cash": (1, cny("20.00")),
                                                                       "card_contact": (1, cny("30.00"))}
    assert (t.cash_taken, t.change_given, t.cash_refunded) == (cny("90.00"), cny("40.00"), cny("20.00"))
    assert (t.cash_returned, t.cash_voided) == (cny("20.00"), cny("10.00"))
    assert t.expected_cash == cny("100.00")  # 100 + 90 - 40 - 20 - 20 - 10
    assert (x.cancelled_sales, x.declined_tenders, x.no_sale_opens, x.unmatched_voids) == (1, 1, 1, 0)


def test_a_void_of_last_shifts_sale_is_found_and_paid_back_from_this_drawer(till):
    shifts = shifts_of(till)
    shifts.open(till.operator, {"CNY": cny("50.00")})
    sale = cash_sale(till, "20.00", "15.00")
    shifts.close(till.operator, {"CNY": cny("65.00")}, approver_id="M-001", approver_pin="9999")
    shifts.open(till.operator, {"CNY": cny("65.00")})
    till.journal.append("sale.voided", Sale.from_dict(sale).void(reason="double scan", approver_id="S-001",
                                                                 at=NOW).to_dict())
    t = shifts.x_report().currency("CNY")
    assert (t.sales_count, t.voids_count, t.voids, t.cash_voided) == (0, 1, cny("15.00"), cny("15.00"))
    assert t.expected_cash == cny("50.00")


def test_z_numbers_are_sequential_and_survive_a_restart_with_the_same_report(till):
    shifts = shifts_of(till)
    shifts.open(till.operator, {"CNY": cny("100.00")})
    cash_sale(till, "10.00", "10.00")
    z1 = shifts.close(till.operator, {"CNY": cny("110.00")}, approver_id="M-001", approver_pin="9999")
    shift2 = shifts.open(till.operator, {"CNY": cny("110.00")})
    with pytest.raises(ShiftError, match="Z2 is still open"):
        shifts.open(till.operator, {"CNY": cny("1.00")})
    card_sale(till, "25.00")
    cash_sale(till, "5.00", "3.20")
    before = shifts.x_report()

    path, keystore = till.journal.path, till.keystore  # restart: the key store stays (its secret is the rig's)
    till.close()
    journal = Journal.open(path, keystore)
    operators = OperatorStore.open(operators_path_for(path), pepper_from_keystore(keystore), audit=journal)
    try:
        again = shifts_of(till, journal, operators)
        assert again.current() == shift2 and again.current().cash_float == {"CNY": cny("110.00")}
        after = again.x_report()
        assert after.currencies == before.currencies and after.number == 2
        assert (after.first_seq, after.shift_id) == (before.first_seq, before.shift_id)
        with pytest.raises(ShiftError, match="still open"):
            again.open(till.operator, {"CNY": cny("1.00")})
        manager = operators.login("M-001", "9999")
        z2 = again.close(manager, {"CNY": cny("113.20")})  # a manager closes without an approver
        assert (z2.number, z2.approved_by, z2.currency("CNY").variance) == (2, "M-001", cny("0.00"))
        assert again.z_report(1) == z1 and again.z_report() == z2
        assert shifts_of(till, journal, operators).z_report(2) == z2  # and after yet another restart
        assert again.open(manager, {}).z_number == 3
        with pytest.raises(ShiftError, match="no such Z report"):
            again.z_report(7)
    finally:
        operators.close()
        journal.close()


def test_the_printed_report_decodes_to_its_totals_in_english_and_chinese(till):
    shifts = shifts_of(till)
    shifts.open(till.operator, {"CNY": cny("100.00")})
    cash_sale(till, "50.00", "18.50")
    z = shifts.close(till.operator, {"CNY": cny("131.00")}, approver_id="M-001", approver_pin="9999")
    sent = shifts.print(z)
    lines = decode(sent).lines
    assert "Z REPORT (shift closed)" in lines and "EDGEPOS DEMO STORE" in lines
    for label, value in [("Sales (1)", "18.50"), ("Net sales", "18.50"), ("Expected cash", "118.50"),
                         ("Counted", "131.00"), ("Variance", "+12.50"), ("Z number", "1")]:
        assert any(line.startswith(label) and line.endswith(value) and len(line) == 48 for line in lines), label
    preview = z.lines(header=("EDGEPOS DEMO STORE",))
    assert [s.strip() for s in preview] == [s.strip() for s in lines if s.strip()]  # preview = paper
    assert record_types(till.journal)[-1] == "shift.report_printed"
    chinese = decode(shifts.print(z, "zh_CN")).lines
    assert any(line.startswith("应有现金") and line.endswith("118.50") for line in chinese)
    assert "Z 报表（交班）" in chinese and any("差额" in line for line in z.lines("zh_CN"))
    assert all(display_width(line) <= 32 for line in z.lines("zh_CN", columns=32))  # 58 mm paper
    assert render_png(sent)[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ShiftError, match="language"):
        shifts.print(z, "fr")


def test_paper_out_never_loses_the_report_and_it_reprints_later(tmp_path):
    sim = NetworkPrinterSim().start()
    till = build_till(tmp_path / "till", terminal_id="T-SH-PAPER", printer=EscposPrinter(sim.url, simulated=True))
    try:
        shifts = shifts_of(till)
        shifts.open(till.operator, {"CNY": cny("80.00")})
        sim.paper = False
        z = shifts.close(till.operator, {"CNY": cny("80.00")}, approver_id="M-001", approver_pin="9999")
        with pytest.raises(ReportNotPrinted, match="Load a new paper roll"):
            shifts.print(z)
        assert record_types(till.journal)[-2:] == ["shift.closed", "shift.report_failed"]
        sim.paper = True
        shifts.print(shifts.z_report())
        assert "Z REPORT (shift closed)" in decode(sim.take()).lines
    finally:
        till.close()
        sim.stop()


def test_bad_input_is_refused_with_a_sentence(till):
    shifts = shifts_of(till)
    with pytest.raises(ShiftError, match="No shift is open"):
        shifts.close(till.operator, {})
    with pytest.raises(ShiftError, match="under USD is in CNY"):
        shifts.open(till.operator, {"USD": cny("10.00")})
    with pytest.raises(ShiftError, match="below zero"):
        shifts.open(till.operator, {"CNY": cny("-1.00")})
    technician = till.operators.verify("T-001", "8642")
    with pytest.raises(ShiftError, match="cannot open a shift"):
        shifts.open(technician, {"CNY": cny("1.00")})
    with pytest.raises(TypeError):
        shifts.open(till.operator, {"CNY": 100})
    assert "shift.opened" not in record_types(till.journal) and shifts.current() is None


def test_every_failed_card_attempt_counts_as_declined_and_a_count_is_checked_before_closing(till):
    """A card pulled out too early or a damaged chip is a failed payment on the Z report, like a decline; and
    `cash_check` shows the manager the variance of a count without closing the shift or writing anything."""
    shifts = shifts_of(till)
    shifts.open(till.operator, {"CNY": cny("100.00")})
    basket(till, "10.00")
    for card in ("expired", "pulled", "malformed"):
        till.card_reader.present(card)
        assert till.checkout.pay_card().result in ("declined", "error")
    assert till.checkout.pay_cash(cny("10.00")).result == "completed"
    before = len(list(till.journal.records()))
    (check,) = shifts.cash_check({"CNY": cny("105.00")})
    assert (check.expected_cash, check.counted, check.variance) == (cny("110.00"), cny("105.00"), cny("-5.00"))
    assert len(list(till.journal.records())) == before and shifts.current() is not None
    assert shifts.x_report().declined_tenders == 3


def test_the_checkout_sells_only_in_an_open_shift(till):
    """Issue 10: only the UI checked; a sale started before the float was counted left its cash out of every shift."""
    shifts = shifts_of(till)
    till.checkout.ports.shifts = shifts
    with pytest.raises(NotAllowed, match="Open the shift first"):
        till.checkout.start_sale()
    assert till.checkout.state is State.IDLE
    shifts.open(till.operator, {"CNY": cny("200.00")})
    cash_sale(till, "20.00", "12.50")
    (cny_totals,) = shifts.close(till.operator, {"CNY": cny("212.50")}, approver_id="M-001",
                                 approver_pin="9999").currencies
    assert cny_totals.sales_count == 1 and cny_totals.gross == cny("12.50")  # the sale's cash counts in the shift
    with pytest.raises(NotAllowed):
        till.checkout.start_sale()
