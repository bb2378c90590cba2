"""The sales index on a real till (signed SQLite journal, EMV kernel over the card emulator, ESC/POS printer
simulator): search, receipt QR codes, catching up, surviving reopen, damage and a replaced journal."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from checkout_support import VAT, cny

from drivers.printer.device import EscposPrinter
from drivers.printer.preview import decode
from drivers.printer.sim import NetworkPrinterSim
from terminal.checkout import (
    CheckoutError,
    NotAReceiptCode,
    SaleIndex,
    pending_releases,
    receipt_code,
)
from terminal.checkout.sales_index import RECEIPT_QR_CAPTION, index_path_for, parse_receipt_code
from terminal.demo.rig import build_till

T0 = datetime(2025, 11, 25, 9, 0, tzinfo=UTC)


class Clock:
    """The till's clock, moved by the test (the hub is not involved: business days and search windows)."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def sell(till, *prices: str, cash: str | None = None, card: str | None = None) -> str:
    co = till.checkout
    co.start_sale()
    for n, price in enumerate(prices, 1):
        co.add_item(f"SKU{n}", f"Item {n}", cny(price), VAT)
    co.checkout()
    if card is not None:
        till.card_reader.present(card)
        out = co.pay_card(cny(prices[0]) if cash is not None else None)
        assert out.ok, out
    if cash is not None:
        out = co.pay_cash(cny(cash))
    assert out.result == "completed", out
    return out.sale_id


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def local_till(tmp_path, clock):
    """A till with no hub configured (cards approved offline within limits), on a clock the test moves."""
    made = build_till(tmp_path / "till", terminal_id="T-IX-1", clock=clock)
    yield made
    made.close()


def test_search_by_time_amount_and_last4_newest_first(local_till, clock):
    cash_id = sell(local_till, "18.50", cash="20.00")
    clock.now = T0 + timedelta(hours=1)
    visa_id = sell(local_till, "42.00", card="visa")
    clock.now = T0 + timedelta(hours=2)
    split_id = sell(local_till, "30.00", "12.00", card="unionpay", cash="20.00")
    with SaleIndex.open(local_till.journal) as index:
        everything = index.search()
        assert [s.sale_id for s in everything] == [split_id, visa_id, cash_id]
        split = everything[0]
        assert split.total == cny("42.00") and split.status == "paid" and split.refunded == cny("0")
        assert [str(k) for k in split.tender_kinds] == ["card_contact", "cash"]
        visa_last4 = index.find(visa_id).tenders[0].card_last4
        assert [s.sale_id for s in index.search(amount_minor=4200)] == [split_id, visa_id]
        assert [s.sale_id for s in index.search(last4=visa_last4)] == [visa_id]
        assert [s.sale_id for s in index.search(amount_minor=4200, last4=split.last4s[0])] == [split_id]
        window = index.search(since=T0 + timedelta(minutes=30), until=T0 + timedelta(minutes=90))
        assert [s.sale_id for s in window] == [visa_id]
        assert [s.sale_id for s in index.search(limit=1)] == [split_id]
        assert index.search(amount_minor=1) == []
        with pytest.raises(CheckoutError, match="last four digits"):
            index.search(last4="42")
        with pytest.raises(CheckoutError, match="time zone"):
            index.search(since=datetime(2025, 11, 25, 9, 0))
        assert index.find("no-such-sale") is None


def test_the_receipt_qr_names_the_sale_and_scanning_it_finds_the_sale(tmp_path):
    sim = NetworkPrinterSim().start()
    till = build_till(tmp_path / "till", terminal_id="T-IX-QR", printer=EscposPrinter(sim.url, simulated=True))
    try:
        sale_id = sell(till, "9.90", cash="10.00")
        printed = decode(sim.take())
        [qr] = printed.of_kind("qr")
        assert qr.text == receipt_code("T-IX-QR", sale_id) == f"EPS1:T-IX-QR:{sale_id}"
        assert RECEIPT_QR_CAPTION in printed.lines
        with SaleIndex.open(till.journal) as index:
            assert index.sale_id_from_receipt_code(qr.text) == sale_id
            assert index.sale_id_from_receipt_code(f"  {qr.text}\r\n") == sale_id  # scanners add line ends
            assert index.find(index.sale_id_from_receipt_code(qr.text)).total == cny("9.90")
    finally:
        till.close()
        sim.stop()


@pytest.mark.parametrize(("text", "says"), [
    ("hello", "not a receipt code"),
    ("", "not a receipt code"),
    ("00020101021226...", "not a receipt code"),  # a shop's payment QR
    ("https://example.com/einvoice?id=1", "not a receipt code"),
    ("EPS1:T-IX-1:not-a-sale-number", "damaged"),
    ("EPS1:T-IX-1:1b4e28ba-2fa1-11d2-883f-0016d3cca42", "damaged"),  # one digit lost
    ("EPS1:T-OTHER-9:1b4e28ba-2fa1-11d2-883f-0016d3cca427", "from till T-OTHER-9"),
    (None, "not a receipt code"),
])
def test_a_foreign_or_damaged_qr_text_gives_a_clear_error(local_till, text, says):
    with SaleIndex.open(local_till.journal) as index, pytest.raises(NotAReceiptCode) as refused:
        index.sale_id_from_receipt_code(text)
    message = str(refused.value)
    assert says in message and message.endswith(".") and message.count(". ") <= 1


def test_the_receipt_qr_as_the_hubs_e_invoice_link_still_names_the_sale(tmp_path) -> None:
    """With `hub.invoice_url` set the QR opens the hub's e-invoice page on a phone; the till reads it all the same."""
    sim = NetworkPrinterSim().start()
    till = build_till(tmp_path / "till", terminal_id="T-IX-LINK", printer=EscposPrinter(sim.url, simulated=True))
    try:
        till.checkout.receipt_link = "https://shop.example.cn"
        printed_sale = sell(till, "9.90", cash="10.00")
        [qr] = decode(sim.take()).of_kind("qr")
        assert qr.text == f"https://shop.example.cn/invoice?code=EPS1:T-IX-LINK:{printed_sale}"
        with SaleIndex.open(till.journal) as index:
            assert index.sale_id_from_receipt_code(qr.text) == printed_sale
    finally:
        till.close()
        sim.stop()
    sale_id = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    link = receipt_code("T-IX-1", sale_id, "https://shop.example.cn/")
    assert link == f"https://shop.example.cn/invoice?code=EPS1:T-IX-1:{sale_id}"
    assert parse_receipt_code(link) == ("T-IX-1", sale_id)
    for foreign in ("https://example.com/invoice?code=x", f"https://x.cn/invoice?code=EPS1:T:{sale_id}&code=EPS1:U:1",
                    "https://x.cn/invoice"):
        with pytest.raises(NotAReceiptCode):
            parse_receipt_code(foreign)


def test_the_index_survives_reopen_catches_up_and_rebuilds_when_damaged(local_till, clock):
    first = sell(local_till, "5.00", cash="5.00")
    index = SaleIndex.open(local_till.journal)
    assert index.path == index_path_for(local_till.journal.path) and index.path.parent == local_till.data_dir
    seen = index.last_seq
    index.close()
    clock.now = T0 + timedelta(minutes=5)
    second = sell(local_till, "6.00", cash="10.00")
    with SaleIndex.open(local_till.journal) as index:  # reopened: only the new records are read
        assert index.last_seq == local_till.journal.head()[0] > seen
        assert {s.sale_id for s in index.search()} == {first, second}
        assert index.refresh() == 0  # nothing new: one head read
        started = time.perf_counter()
        for _ in range(200):
            index.refresh()
        idle_ms = (time.perf_counter() - started) * 1000 / 200
        assert idle_ms < 5, idle_ms
        third = sell(local_till, "7.00", cash="7.00")
        assert index.refresh() > 0 and index.find(third) is not None
    index_path_for(local_till.journal.path).write_bytes(b"this is not a database" * 100)
    with SaleIndex.open(local_till.journal) as index:  # damaged: rebuilt from the journal
        assert {s.sale_id for s in index.search()} == {first, second, third}
    with SaleIndex.open(local_till.journal) as index:
        index._conn.execute("UPDATE meta SET value = 'ff' WHERE key = 'last_hash'")  # another journal's history
        assert index.refresh() == local_till.journal.head()[0]  # rebuilt in full
        assert len(index.search()) == 3


def test_pending_releases_come_from_the_index(local_till):
    journal = local_till.journal
    journal.append("auth.abandoned", {"auth_id": "A" + "1" * 32, "sale_id": "s1", "reason": "timeout"})
    journal.append("auth.abandoned", {"auth_id": "A" + "2" * 32, "sale_id": "s2", "reason": "timeout"})
    assert [p["auth_id"] for p in pending_releases(journal)] == ["A" + "1" * 32, "A" + "2" * 32]
    journal.append("auth.released", {"auth_id": "A" + "1" * 32, "sale_id": "s1", "status": "voided"})
    with SaleIndex.open(journal) as index:
        assert [p["auth_id"] for p in pending_releases(journal, index)] == ["A" + "2" * 32]
        assert index.pending_releases()[0] == {"auth_id": "A" + "2" * 32, "sale_id": "s2", "reason": "timeout"}
