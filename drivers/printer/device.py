"""The receipt printer and its cash drawer over python-escpos transports (USB, serial, network, file).

`EscposPrinter("tcp:10.0.0.9:9100" | "usb:04b8:0202" | "serial:/dev/ttyUSB0:19200" | "file:/dev/usb/lp0" |
"dummy:")`. Status comes from DLE EOT where the transport can read back; paper out and offline become typed
errors before a receipt is sent, and transport failures during printing become `PrinterOffline`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from pathlib import Path
from typing import Any

from drivers.base import DeviceStatus
from drivers.errors import DeviceAbsent, PaperOut, PrinterOffline
from drivers.printer.document import ReceiptDocument
from drivers.printer.layout import MM80, PaperProfile, encode_receipt
from drivers.printer.report import ReportDocument, encode_report

TRANSPORTS = {"tcp": "network", "usb": "usb", "serial": "serial", "file": "file", "dummy": "dummy"}


def _transport(url: str) -> str:
    kind = url.partition(":")[0]
    if kind not in TRANSPORTS:
        raise ValueError(f"unknown printer address {url!r} (tcp:, usb:, serial:, file:, dummy:)")
    return TRANSPORTS[kind]


def _escpos_cache() -> None:
    """python-escpos parses its ~1 MB capability YAML on import (0.5-1.3 s here) and pickles the result to
    ESCPOS_CAPABILITIES_PICKLE_DIR, which defaults to a new temporary directory every run (so it never hits and
    litters /tmp). A lasting cache directory makes every import after the first ~90 ms."""
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" in os.environ:
        return
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "edgepos" / "escpos"
    with contextlib.suppress(OSError):
        cache.mkdir(parents=True, exist_ok=True)
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(cache)


def _escpos_device(url: str, profile: str) -> tuple[Any, str]:
    _escpos_cache()
    from escpos import printer as ep

    kind, _, rest = url.partition(":")
    if kind == "tcp":
        host, _, port = rest.rpartition(":")
        return ep.Network(host, port=int(port or 9100), timeout=3, profile=profile), "network"
    if kind == "usb":
        vid, _, pid = rest.partition(":")
        return ep.Usb(int(vid, 16), int(pid, 16), profile=profile), "usb"
    if kind == "serial":
        dev, _, baud = rest.partition(":")
        return ep.Serial(dev, baudrate=int(baud or 19200), timeout=1, profile=profile), "serial"
    if kind == "file":
        return ep.File(rest, profile=profile), "file"
    if kind == "dummy":
        return ep.Dummy(profile=profile), "dummy"
    raise ValueError(f"unknown printer address {url!r} (tcp:, usb:, serial:, file:, dummy:)")


class EscposPrinter:
    """A receipt printer on any python-escpos transport; the cash drawer hangs off it."""

    kind = "printer"

    def __init__(self, url: str, paper: PaperProfile = MM80, name: str = "receipt printer",
                 simulated: bool = False) -> None:
        self.url, self.paper, self.name, self.simulated = url, paper, name, simulated
        self.transport = _transport(url)
        self._device: Any = None
        self._open = False

    @property
    def device(self) -> Any:
        """The python-escpos printer, made on first use: importing python-escpos takes ~0.5 s (it parses its
        capability database), which must not hold up the till's window (the app warms it up behind the window)."""
        if self._device is None:
            self._device = _escpos_device(self.url, self.paper.escpos_profile)[0]
        return self._device

    def connect(self) -> None:
        if self._open:
            return
        try:
            self.device.open()
        except Exception as exc:  # escpos raises DeviceNotFoundError, USBNotFoundError, serial errors...
            raise DeviceAbsent(f"{self.name} at {self.url}: {exc}") from None
        if self.transport == "network":  # small writes (drawer pulse, status query) must not wait for Nagle
            with contextlib.suppress(OSError, AttributeError):
                self.device.device.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._open = True

    def check(self) -> None:
        """Raise PaperOut / PrinterOffline / DeviceAbsent when the printer cannot print now."""
        self.connect()
        if self.transport not in ("network", "serial", "usb"):
            return  # file and dummy cannot answer
        try:
            if self.transport == "serial":
                online, paper = self._serial_status()
            else:
                online, paper = self.device.is_online(), self.device.paper_status()
        except Exception as exc:
            self.close()
            raise PrinterOffline(f"{self.name} does not answer: {exc}") from None
        if paper == 0:
            raise PaperOut(f"{self.name}: paper out")
        if not online:
            raise PrinterOffline(f"{self.name} is offline (cover open or error)")

    def _serial_status(self) -> tuple[bool, int]:
        """DLE EOT 1 and 4 reading exactly one byte each: python-escpos reads 16 and so always waits its timeout."""
        answers = []
        for n in (1, 4):
            self.device._raw(b"\x10\x04" + bytes([n]))
            answer = self.device.device.read(1)
            if not answer:
                raise PrinterOffline(f"{self.name} does not answer status requests")
            answers.append(answer[0])
        return not answers[0] & 0x08, 0 if answers[1] & 0x60 == 0x60 else 2

    def print_receipt(self, doc: ReceiptDocument) -> bytes:
        """Print and return the exact bytes sent (for the preview and the journal of what was printed)."""
        data = encode_receipt(doc, self.paper)
        self.check()
        self._send(data)
        return data

    def print_report(self, doc: ReportDocument) -> bytes:
        """Print a shift (X/Z) report; returns the exact bytes sent, like `print_receipt`."""
        data = encode_report(doc, self.paper)
        self.check()
        self._send(data)
        return data

    def kick_drawer(self, pin: int = 2) -> None:
        """Pulse the cash drawer connector (pin 2 or 5): ESC p m t1 t2."""
        from escpos.printer import Dummy

        pulse = Dummy()
        pulse.cashdraw(pin)
        self.connect()
        self._send(pulse.output)

    def _send(self, data: bytes) -> None:
        try:
            self.device._raw(data)  # python-escpos's transport write; it has no public raw-bytes verb
        except Exception as exc:
            self.close()
            raise PrinterOffline(f"{self.name}: sending failed: {exc}") from None

    def status(self) -> DeviceStatus:
        start = time.perf_counter()
        advice, ok, code = "", True, ""
        try:
            self.check()
        except (PaperOut, PrinterOffline, DeviceAbsent) as exc:
            ok, advice, code = False, f"{exc}. {exc.advice}", exc.code
        return DeviceStatus(self.name, "printer", self.transport, self.simulated, "ok" if ok else "error",
                            round((time.perf_counter() - start) * 1000, 2), advice, code)

    def close(self) -> None:
        if self._open:
            with contextlib.suppress(Exception):  # closing a dead socket/port must not mask the real error
                self.device.close()
            self._open = False


class CashDrawer:
    """The drawer hangs off the printer: its one verb is the kick pulse."""

    def __init__(self, printer: EscposPrinter, pin: int = 2) -> None:
        self.printer, self.pin = printer, pin

    def open(self) -> None:
        self.printer.kick_drawer(self.pin)

    def status(self) -> DeviceStatus:
        s = self.printer.status()
        return DeviceStatus("cash drawer", "drawer", s.transport, s.simulated, s.status, s.latency_ms, s.advice,
                            s.advice_code)

    def close(self) -> None:
        pass
