"""`edgepos doctor`: find every device, self-test it, and say plainly which one is wrong and what to do.

With `simulate`, the simulators run on the real stacks (pcscd + vpcd virtual card, a pty scanner, a video-file
camera, a TCP receipt printer, nfcpy over UDP) and the same self-tests run against them.
Real mode reads where the devices are from the environment: EDGEPOS_PRINTER (tcp:/usb:/serial:/file: address),
EDGEPOS_SCANNER (serial port), EDGEPOS_SCANNER_SUFFIX (default CR), EDGEPOS_CAMERA (index or video file).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from drivers.base import DeviceStatus
from drivers.errors import DeviceError

SIM_READER = "Virtual PCD 00 01"  # reader 1 (port 35964): reader 0 is left to the test suite
SIM_VPCD_PORT = 35964
TEST_CODE = "EDGEPOS-DOCTOR-0001"
TEST_TOKEN_KEY = b"edgepos-doctor-token-key"


def _row(name: str, kind: str, transport: str, simulated: bool, test: Callable[[], None]) -> DeviceStatus:
    start = time.perf_counter()
    try:
        test()
        status, advice = "ok", ""
    except DeviceError as exc:
        status, advice = "error", f"{exc}. {exc.advice}"
    except Exception as exc:  # a self-test must report, never crash the doctor
        status, advice = "error", f"{type(exc).__name__}: {exc}. Run `edgepos doctor` again; report it if it stays."
    latency = round((time.perf_counter() - start) * 1000, 1)
    return DeviceStatus(name, kind, transport, simulated, status, latency, " ".join(advice.split()))


def _page():
    from drivers.printer.document import AmountRow, ReceiptDocument

    return ReceiptDocument(currency="CNY", title="TEST PAGE", header=("edgepos",), meta=("doctor self-test",),
                           totals=(AmountRow("TOTAL", 0, emphasis=True),), qr_link="https://edgepos.example/doctor",
                           footer=("测试页 printer ok",))


def _card_test(reader_name: str, simulated: bool) -> Callable[[], None]:
    def test() -> None:
        from drivers.card.kernel import EmvKernel, TerminalConfig, Transaction
        from drivers.card.pcsc import PcscCardReader

        reader = PcscCardReader(reader_name, EmvKernel(TerminalConfig(token_key=TEST_TOKEN_KEY)), simulated)
        if not simulated and not reader.card_present():
            return  # the reader answers; no test card to read
        reader.transact(Transaction(1, "CNY"), timeout=3)

    return test


def _wait_present(reader_name: str) -> None:
    from drivers.card.kernel import EmvKernel, TerminalConfig
    from drivers.card.pcsc import PcscCardReader

    PcscCardReader(reader_name, EmvKernel(TerminalConfig(token_key=TEST_TOKEN_KEY))).wait_for_card(3)


def _printer_test(printer, check_bytes: Callable[[bytes], None] | None) -> Callable[[], None]:
    def test() -> None:
        from drivers.printer.preview import decode

        data = printer.print_receipt(_page())
        decoded = decode(data)
        if "TEST PAGE" not in decoded.text:
            raise DeviceError("the test page does not decode back to its text")
        if check_bytes:
            check_bytes(data)

    return test


def simulated_checks(unplug: Iterable[str] = ()) -> contextlib.AbstractContextManager[list[DeviceStatus]]:
    """Start every simulator, run the self-tests, stop everything. `unplug` names devices to pull first."""
    return _simulated(frozenset(unplug))


@contextlib.contextmanager
def _simulated(unplug: frozenset[str]):
    from drivers.card.emulator import TEST_CARDS, EmvCardEmulator
    from drivers.card.vpcd import VpcdCard
    from drivers.pcscd import PcscdService
    from drivers.printer.device import CashDrawer, EscposPrinter
    from drivers.printer.sim import NetworkPrinterSim
    from drivers.scanner.camera import CameraScanner, qr_frame, write_video
    from drivers.scanner.serial_scanner import PtyScannerSim, SerialScanner

    rows: list[DeviceStatus] = []
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory(prefix="edgepos-doctor-") as tmp:
        try:
            stack.enter_context(PcscdService(SIM_READER))
            pcsc_ok = True
        except DeviceError as exc:
            pcsc_ok = False
            rows.append(DeviceStatus("card reader", "card", "pcsc", True, "error", None, f"{exc}. {exc.advice}"))
        if pcsc_ok:
            card = VpcdCard(EmvCardEmulator(TEST_CARDS["visa"]), port=SIM_VPCD_PORT)
            if "card" not in unplug:
                stack.enter_context(card)
                with contextlib.suppress(DeviceError):  # pcscd notices a card in ~0.3 s: not the card's latency
                    _wait_present(SIM_READER)
            rows.append(_row(SIM_READER, "card", "pcsc", True, _card_test(SIM_READER, True)))

        pty = PtyScannerSim()
        stack.callback(pty.close)
        scanner = SerialScanner(pty.port, simulated=True)
        stack.callback(scanner.close)
        if "scanner" in unplug:
            pty.unplug()

        def scan() -> None:
            scanner.connect()  # opening a port flushes its input: open first, then scan
            pty.scan(TEST_CODE)
            if scanner.read_code(timeout=2) != TEST_CODE:
                raise DeviceError("the scanner returned another code than the test code")

        rows.append(_row("serial scanner", "scanner", "serial", True, scan))

        video = Path(tmp) / "camera.avi"
        if "camera" not in unplug:
            write_video(video, [qr_frame(TEST_CODE)] * 2)
        camera = CameraScanner(video, simulated=True)
        stack.callback(camera.close)

        def look() -> None:
            if camera.read_code(timeout=3) != TEST_CODE:
                raise DeviceError("the camera decoded another code than the test code")

        rows.append(_row("camera", "camera", "video", True, look))

        sim = NetworkPrinterSim().start()
        stack.callback(sim.stop)
        printer = EscposPrinter(sim.url, simulated=True)
        stack.callback(printer.close)
        if "printer" in unplug:
            sim.stop()
        rows.append(_row("receipt printer", "printer", "network", True, _printer_test(printer, None)))

        def kick() -> None:
            CashDrawer(printer).open()
            deadline = time.monotonic() + 1
            while b"\x1bp" not in sim.received and time.monotonic() < deadline:
                time.sleep(0.005)
            if b"\x1bp" not in sim.received:
                raise DeviceError("the drawer pulse did not reach the printer", "Check the drawer cable (RJ11).")

        rows.append(_row("cash drawer", "drawer", "network", True, kick))
        rows.extend(_nfc_rows(unplug))
        yield rows


def _nfc_rows(unplug: frozenset[str]) -> list[DeviceStatus]:
    try:
        from drivers.nfc.doctor import simulated_nfc_row
    except ImportError:
        return []
    return [simulated_nfc_row("nfc" in unplug)]


def real_checks() -> list[DeviceStatus]:
    from drivers.card.pcsc import list_readers
    from drivers.errors import ServiceUnavailable

    rows: list[DeviceStatus] = []
    try:
        readers = list_readers()
        if not readers:
            rows.append(DeviceStatus("card reader", "card", "pcsc", False, "error", None,
                                     "No smart card reader found. Plug the reader in (USB) and run doctor again."))
        rows += [_row(name, "card", "pcsc", False, _card_test(name, False)) for name in readers]
    except ServiceUnavailable as exc:
        rows.append(DeviceStatus("card reader", "card", "pcsc", False, "error", None, f"{exc}. {exc.advice}"))
    port = os.environ.get("EDGEPOS_SCANNER")
    if port:
        from drivers.scanner.serial_scanner import SerialScanner

        suffix = os.environ.get("EDGEPOS_SCANNER_SUFFIX", "\r").encode()
        scanner = SerialScanner(port, suffix=suffix)
        rows.append(scanner.status())
        scanner.close()  # status() opened the port
    camera = os.environ.get("EDGEPOS_CAMERA")
    if camera:
        from drivers.scanner.camera import CameraScanner

        cam = CameraScanner(int(camera) if camera.isdigit() else camera)
        rows.append(cam.status())
        cam.close()
    url = os.environ.get("EDGEPOS_PRINTER")
    if url:
        from drivers.printer.device import EscposPrinter

        try:
            printer = EscposPrinter(url)
        except ValueError as exc:  # a mistyped address is a finding to show, not a traceback
            rows.append(DeviceStatus("receipt printer", "printer", "-", False, "error", None,
                                     f"EDGEPOS_PRINTER: {exc}"))
        else:
            rows.append(printer.status())
            printer.close()
    if not (port and camera and url):
        missing = [v for v, x in (("EDGEPOS_SCANNER", port), ("EDGEPOS_CAMERA", camera),
                                  ("EDGEPOS_PRINTER", url)) if not x]
        rows.append(DeviceStatus("configuration", "config", "-", False, "ok", None,
                                 f"not configured, skipped: {', '.join(missing)}"))
    return rows


def format_table(rows: list[DeviceStatus], color: bool) -> str:
    header = ("DEVICE", "KIND", "TRANSPORT", "STATUS", "LATENCY", "ADVICE")
    body = [(r.name + (" (sim)" if r.simulated else ""), r.kind, r.transport, "ok" if r.ok else "ERROR",
             "-" if r.latency_ms is None else f"{r.latency_ms:.1f} ms", r.advice) for r in rows]
    widths = [max(len(str(x[i])) for x in [header, *body]) for i in range(5)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header[:5], widths, strict=True)) + "  " + header[5]]
    for row, cells in zip(rows, body, strict=True):
        line = "  ".join(str(c).ljust(w) for c, w in zip(cells[:5], widths, strict=True)) + "  " + cells[5]
        if not row.ok:
            line = f"\033[1;31m{line}\033[0m" if color else line
        elif color:
            line = f"\033[32m{line[:widths[0]]}\033[0m{line[widths[0]:]}"
        lines.append(line)
    bad = sum(not r.ok for r in rows)
    lines.append(f"{len(rows) - bad} ok, {bad} with errors" if bad else f"all {len(rows)} devices ok")
    return "\n".join(lines)
