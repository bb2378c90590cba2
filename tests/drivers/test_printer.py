"""Receipts: layout at 58/80 mm, CJK, the bytes a real socket printer receives decoded back, status, drawer."""

from __future__ import annotations

import io
import time

import pytest
import zxingcpp
from PIL import Image

from drivers.errors import DeviceAbsent, PaperOut, PrinterOffline
from drivers.printer.device import CashDrawer, EscposPrinter
from drivers.printer.document import AmountRow, ItemRow, ReceiptDocument, TenderRow, format_money
from drivers.printer.layout import MM58, MM80, PaperProfile, display_width, encode_receipt
from drivers.printer.preview import decode, render_png
from drivers.printer.sim import NetworkPrinterSim

LINK = "https://einvoice.example.cn/i/8f3a2c?t=T-0001"
DOC = ReceiptDocument(
    currency="CNY",
    header=("Corner Shop", "12 Nanjing Rd, Shanghai", "Tax ID 91310000MA1FL"),
    meta=("Receipt S-000123", "2026-11-25 12:00 UTC", "Terminal T-0001"),
    items=(ItemRow("Mineral water 550ml", 2, 200, 400), ItemRow("可口可乐 330ml", 1, 350, 350),
           ItemRow("Notebook A5", 1, 1290, 1090, discount=200)),
    totals=(AmountRow("Subtotal", 1840), AmountRow("VAT 13% incl.", 212), AmountRow("TOTAL", 1840, emphasis=True)),
    tenders=(TenderRow("Card", 1000, "**** 4242", "A1B2C3"), TenderRow("Cash", 1000)),
    change=160,
    qr_link=LINK,
    footer=("谢谢惠顾 Thank you!",),
)


@pytest.fixture
def printer_sim():
    sim = NetworkPrinterSim().start()
    yield sim
    sim.stop()


def test_money_formats() -> None:
    assert (format_money(12345, "CNY"), format_money(500, "JPY"), format_money(-5, "USD")) == ("123.45", "500", "-0.05")


@pytest.mark.parametrize("paper", [MM58, MM80])
def test_layout_fits_the_paper_and_says_everything(paper: PaperProfile) -> None:
    decoded = decode(encode_receipt(DOC, paper))
    for el in decoded.of_kind("text"):
        assert display_width(el.text) * el.width <= paper.columns, el.text
    text = decoded.text
    for expected in ("Corner Shop", "SALE", "Mineral water", "可口可乐", "2 x 2.00", "-2.00", "TOTAL",
                     "CNY 18.40", "Card **** 4242", "Cash", "Change", "1.60", "谢谢惠顾"):
        assert expected in text, expected
    assert decoded.of_kind("qr")[0].text == LINK and len(decoded.of_kind("cut")) == 1
    total = next(e for e in decoded.of_kind("text") if "TOTAL" in e.text)
    assert total.bold and total.height == 2
    assert next(e for e in decoded.of_kind("text") if "Corner" in e.text).align == "center"


def test_cjk_goes_out_as_gb18030() -> None:
    data = encode_receipt(DOC, MM80)
    assert "可口可乐".encode("gb18030") in data and b"\x1c\x26" in data
    ascii_only = encode_receipt(DOC, PaperProfile(48, cjk=False))
    assert b"\x1c\x26" not in ascii_only  # no Chinese mode: python-escpos's own code-page magic handles it


def test_unmasked_card_is_refused() -> None:
    with pytest.raises(ValueError, match="last four"):
        TenderRow("Card", 100, "4761730000000003")


def test_network_printer_receives_exactly_the_receipt(printer_sim: NetworkPrinterSim) -> None:
    printer = EscposPrinter(printer_sim.url, MM58, simulated=True)
    sent = printer.print_receipt(DOC)
    printer.close()

    deadline = time.monotonic() + 2
    while len(printer_sim.received) < len(sent) and time.monotonic() < deadline:
        time.sleep(0.01)
    received = printer_sim.take()
    assert received == sent  # status queries (DLE EOT) were answered, not printed
    decoded = decode(received)
    assert "Card **** 4242" in decoded.text and decoded.of_kind("qr")[0].text == LINK


def test_paper_out_offline_and_unplugged_are_typed(printer_sim: NetworkPrinterSim) -> None:
    printer = EscposPrinter(printer_sim.url, simulated=True)
    assert printer.status().ok
    printer_sim.paper = False
    with pytest.raises(PaperOut):
        printer.print_receipt(DOC)
    status = printer.status()
    assert not status.ok and "paper" in status.advice.lower()
    printer_sim.paper, printer_sim.online = True, False
    with pytest.raises(PrinterOffline):
        printer.print_receipt(DOC)
    printer_sim.online = True
    printer.print_receipt(DOC)
    printer_sim.stop()
    with pytest.raises((PrinterOffline, DeviceAbsent)):
        printer.print_receipt(DOC)
    printer.close()
    with pytest.raises(DeviceAbsent):
        EscposPrinter(printer_sim.url).print_receipt(DOC)


def test_drawer_kick_pulse(printer_sim: NetworkPrinterSim) -> None:
    printer = EscposPrinter(printer_sim.url, simulated=True)
    CashDrawer(printer, pin=2).open()
    printer.close()

    time.sleep(0.1)
    data = printer_sim.take()
    assert data.startswith(b"\x1bp\x00") and decode(data).of_kind("drawer")[0].text == "pin 2"


def test_file_transport(tmp_path) -> None:
    out = tmp_path / "lp0"
    printer = EscposPrinter(f"file:{out}")
    sent = printer.print_receipt(DOC)
    printer.close()
    assert out.read_bytes() == sent


def test_preview_png_shows_text_and_a_readable_qr(tmp_path) -> None:
    png = render_png(encode_receipt(DOC, MM80), columns=48, path=tmp_path / "r.png")
    image = Image.open(io.BytesIO(png))
    assert image.width == 48 * 12 + 24 and image.height > 600
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [LINK]
    histogram = image.convert("L").histogram()
    assert sum(histogram[:128]) > 5000  # ink: text was drawn


def test_decoder_survives_garbage() -> None:
    import random

    rng = random.Random(3)
    for _ in range(300):
        decode(bytes(rng.randrange(256) for _ in range(rng.randrange(64))))


def test_serial_printer_over_a_pty() -> None:
    """python-escpos's Serial transport on a real pty; the far end answers DLE EOT like a printer would."""
    import os
    import threading
    import tty

    master, slave = os.openpty()
    tty.setraw(slave)
    got = bytearray()
    done = threading.Event()

    def printer_side() -> None:
        while not done.is_set():
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            got.extend(chunk)
            for _ in range(chunk.count(b"\x10\x04")):
                os.write(master, b"\x12")  # online, paper present

    t = threading.Thread(target=printer_side, daemon=True)
    t.start()
    printer = EscposPrinter(f"serial:{os.ttyname(slave)}:115200", MM58)
    try:
        assert printer.status().ok and printer.transport == "serial"
        sent = printer.print_receipt(DOC)
        deadline = time.monotonic() + 2
        while sent not in bytes(got).replace(b"\x10\x04\x01", b"").replace(b"\x10\x04\x04", b"") and \
                time.monotonic() < deadline:
            time.sleep(0.01)
        assert sent in bytes(got).replace(b"\x10\x04\x01", b"").replace(b"\x10\x04\x04", b"")
    finally:
        printer.close()
        done.set()
        os.close(master)
        os.close(slave)
