"""A serial (or USB-CDC) barcode/QR scanner on pyserial: frames end with a configurable suffix.

Scanners send a code then a suffix (CR by default, often CRLF or TAB). Bytes arrive in arbitrary pieces, lines can
carry noise (NULs, line glitches) and a cable can be pulled: we buffer until the suffix, drop control-character
noise, discard frames that are not text or are absurdly long, and map port failures to typed errors.
"""

from __future__ import annotations

import contextlib
import os
import time
import tty

import serial

from drivers.base import DeviceStatus, probe
from drivers.errors import DeviceAbsent, DeviceTimeout

MAX_FRAME = 4096  # a QR holds at most ~3 KB; longer means a lost suffix or a babbling line


class SerialScanner:
    kind = "scanner"
    transport = "serial"

    def __init__(self, port: str, suffix: bytes = b"\r", baudrate: int = 9600, name: str = "serial scanner",
                 simulated: bool = False) -> None:
        if not suffix:
            raise ValueError("a scanner needs a frame suffix")
        self.port, self.suffix, self.baudrate, self.name, self.simulated = port, suffix, baudrate, name, simulated
        self.buffer = bytearray()
        self.dropped = 0  # frames discarded as noise
        self.serial: serial.SerialBase | None = None

    def connect(self) -> None:
        if self.serial is None:
            try:
                self.serial = serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=0.05)
            except (serial.SerialException, OSError) as exc:
                raise DeviceAbsent(f"{self.name} at {self.port}: {exc}") from None

    def read_code(self, timeout: float = 5.0) -> str:
        """The next complete code; DeviceTimeout if none arrives in time."""
        self.connect()
        assert self.serial is not None
        deadline = time.monotonic() + timeout
        while True:
            frame = self._next_frame()
            if frame is not None:
                return frame
            if time.monotonic() > deadline:
                raise DeviceTimeout(f"no scan within {timeout:g} s", "Scan the code again.")
            try:
                chunk = self.serial.read(max(1, self.serial.in_waiting))
            except (serial.SerialException, OSError) as exc:
                self.close()
                raise DeviceAbsent(f"{self.name} disconnected: {exc}") from None
            self.buffer += chunk
            if len(self.buffer) > MAX_FRAME and self.suffix not in self.buffer:
                self.buffer.clear()
                self.dropped += 1

    def _next_frame(self) -> str | None:
        while True:
            end = self.buffer.find(self.suffix)
            if end < 0:
                return None
            raw = bytes(self.buffer[:end])
            del self.buffer[: end + len(self.suffix)]
            cleaned = bytes(b for b in raw if b >= 0x20 and b != 0x7F)
            try:
                text = cleaned.decode("utf-8").strip()
            except UnicodeDecodeError:
                self.dropped += 1
                continue
            if text and len(cleaned) <= MAX_FRAME:
                return text
            if text:
                self.dropped += 1

    def status(self) -> DeviceStatus:
        return probe(self.name, self.kind, self.transport, self.simulated, self.connect)

    def close(self) -> None:
        if self.serial is not None:
            with contextlib.suppress(Exception):
                self.serial.close()
            self.serial = None


class PtyScannerSim:
    """Simulator: a real pty pair; the driver opens the slave tty, `scan()` types into the master like a scanner."""

    def __init__(self, suffix: bytes = b"\r") -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # like a USB-CDC scanner: no CR->NL translation, no line buffering
        self.port = os.ttyname(self.slave)
        self.suffix = suffix

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def scan(self, code: str) -> None:
        self.write(code.encode() + self.suffix)

    def unplug(self) -> None:
        """Close both ends, once: closing a file descriptor number twice could close whatever reuses it meanwhile."""
        fds, self.master, self.slave = (self.master, self.slave), -1, -1  # a scan after this raises OSError
        for fd in fds:
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)

    close = unplug
