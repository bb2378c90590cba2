"""A POS scale over pyserial speaking the Mettler Toledo "8217" protocol (also called the NCR/8217 weight-only mode).

Why this protocol: it is the one checkout scales and scanner-scales actually ship with as their host protocol
(Mettler Toledo Ariva-S / Viva, Datalogic Magellan and Zebra/Symbol scanner-scales in "8217" or "NCR 8217" mode,
and it is what Odoo's IoT box and most POS software probe first). It is a poll protocol, which suits a kiosk: the
terminal asks when it needs a weight, so a silent cable is noticed at once.

Wire format (9600 baud, 7 data bits, even parity, 1 stop bit; one ASCII letter per command, no terminator):
- ``W``  request weight. Stable weight answers ``STX`` + weight + ``CR``: five digits with the decimal point
  where the unit puts it, e.g. ``\\x02 01.234\\r`` is 1.234 kg (metric scales send kilograms with three decimals;
  we accept 2-6 digit forms with a point). Otherwise the scale answers a status: ``STX ? s CR`` where the status
  byte ``s`` has bit 0 = in motion, bit 1 = over capacity, bit 2 = under zero, bit 3 = outside zero capture range,
  bit 4 = centre of zero, bit 5 = net weight (bit 6 is always set so the byte stays printable; bit 7 is parity).
- ``Z``  zero the scale (answers a status).
- ``S``  request status (answers a status).
- ``C``  clear (answers nothing).

The driver asks, waits up to ``timeout`` for one framed answer, retries while the weight is in motion (up to
``settle_s``), and maps everything else to typed errors the kiosk can word: ScaleMotion, ScaleOverCapacity,
ScaleUnderZero, DeviceTimeout, DeviceAbsent, MalformedResponse. Weights are integer grams (money-style exact
integers; no float reaches the price).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
import tty
from dataclasses import dataclass
from decimal import Decimal

import serial

from drivers.base import DeviceStatus, probe
from drivers.errors import DeviceAbsent, DeviceError, DeviceTimeout, MalformedResponse

STX, CR = b"\x02", b"\r"
WEIGHT = re.compile(rb"\x02\s*(\d{1,3}\.\d{1,3})\s*(?:kg|KG|N)?\r")
STATUS = re.compile(rb"\x02\s*\?(.)\r", re.DOTALL)
MAX_FRAME = 64

MOTION, OVER, UNDER, OUTSIDE_ZERO, CENTRE_ZERO, NET = (1 << n for n in range(6))


class ScaleMotion(DeviceError):
    """The weight did not settle in time (the customer is still putting the item down)."""

    code = "scale_motion"
    advice = "Hold still: put the item on the scale and take your hands off."


class ScaleOverCapacity(DeviceError):
    code = "scale_over_capacity"
    advice = "Too heavy for the scale: take part of it off."


class ScaleUnderZero(DeviceError):
    code = "scale_under_zero"
    advice = "Empty the scale so it can zero itself, then try again."


@dataclass(frozen=True, slots=True)
class Reading:
    """A stable weight in grams (exact), and whether the scale reports a net (tared) weight."""

    grams: int
    net: bool = False


def parse_status(byte: int) -> list[str]:
    """The status bits as words (for logs and the doctor)."""
    names = ("motion", "over_capacity", "under_zero", "outside_zero_capture", "centre_of_zero", "net_weight")
    return [name for bit, name in enumerate(names) if byte & (1 << bit)]


def parse_answer(frame: bytes) -> Reading | int:
    """One framed answer: a Reading, or the status byte (low six bits) when the scale sent a status."""
    match = WEIGHT.fullmatch(frame)
    if match:
        grams = int(Decimal(match.group(1).decode("ascii")) * 1000)
        return Reading(grams)
    match = STATUS.fullmatch(frame)
    if match:
        return match.group(1)[0] & 0x3F
    raise MalformedResponse(f"not an 8217 answer: {frame[:MAX_FRAME]!r}", "Check the scale's protocol setting "
                            "(8217) and cable, then try again.")


class Toledo8217Scale:
    """The driver. `port` is anything pyserial opens: /dev/ttyUSB0, a pty, socket://host:port."""

    kind = "scale"
    transport = "serial"

    def __init__(self, port: str, *, baudrate: int = 9600, name: str = "scale", simulated: bool = False,
                 timeout: float = 0.5, settle_s: float = 2.0) -> None:
        self.port, self.baudrate, self.name, self.simulated = port, baudrate, name, simulated
        self.timeout, self.settle_s = timeout, settle_s
        self.serial: serial.SerialBase | None = None
        self._lock = threading.Lock()  # one command and its answer at a time

    def connect(self) -> None:
        if self.serial is None:
            try:
                self.serial = serial.serial_for_url(self.port, baudrate=self.baudrate, bytesize=serial.SEVENBITS,
                                                    parity=serial.PARITY_EVEN, stopbits=serial.STOPBITS_ONE,
                                                    timeout=0.02)
            except (serial.SerialException, OSError) as exc:
                raise DeviceAbsent(f"{self.name} at {self.port}: {exc}") from None

    def _ask(self, command: bytes) -> bytes:
        self.connect()
        assert self.serial is not None
        try:
            self.serial.reset_input_buffer()  # an answer to an earlier, timed-out command must not be taken for ours
            self.serial.write(command)
            buffer = bytearray()
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline:
                buffer += self.serial.read(max(1, self.serial.in_waiting))
                start = buffer.find(STX)
                if start < 0:
                    buffer.clear()
                    continue
                end = buffer.find(CR, start)
                if end >= 0:
                    return bytes(buffer[start:end + 1])
                if len(buffer) - start > MAX_FRAME:
                    raise MalformedResponse(f"{self.name}: an answer without an end", "Check the scale's cable.")
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise DeviceAbsent(f"{self.name} disconnected: {exc}") from None
        raise DeviceTimeout(f"{self.name} did not answer {command!r} within {self.timeout:g} s",
                            "Check that the scale is on and its cable is in, then try again.")

    def weigh(self) -> Reading:
        """The stable weight now; waits up to `settle_s` while the scale reports motion."""
        with self._lock:
            deadline = time.monotonic() + self.settle_s
            while True:
                answer = parse_answer(self._ask(b"W"))
                if isinstance(answer, Reading):
                    return answer
                if answer & OVER:
                    raise ScaleOverCapacity(f"{self.name}: over capacity")
                if answer & UNDER:
                    raise ScaleUnderZero(f"{self.name}: under zero")
                if answer & MOTION and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                if answer & MOTION:
                    raise ScaleMotion(f"{self.name}: weight not stable within {self.settle_s:g} s")
                raise MalformedResponse(f"{self.name}: status {parse_status(answer)} without a weight",
                                        "Empty the scale and try again.")

    def zero(self) -> list[str]:
        with self._lock:
            answer = parse_answer(self._ask(b"Z"))
        return [] if isinstance(answer, Reading) else parse_status(answer)

    def status(self) -> DeviceStatus:
        def check() -> None:
            with self._lock:
                try:
                    parse_answer(self._ask(b"S"))
                except DeviceError as exc:  # silent or garbled: for the doctor the scale is not there
                    raise DeviceAbsent(str(exc), exc.advice) from None

        return probe(self.name, self.kind, self.transport, self.simulated, check)

    def close(self) -> None:
        if self.serial is not None:
            with contextlib.suppress(Exception):
                self.serial.close()
            self.serial = None


class PtyScaleSim:
    """Simulator: a real pty pair answering the 8217 commands from a thread, like a scale on a USB-serial cable.

    Set `grams` (what lies on the platter), `motion_polls` (answers in motion before it settles), `over`, or
    `silent` (stop answering: a pulled cable)."""

    def __init__(self, grams: int = 0) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        self.grams, self.motion_polls, self.over, self.silent = grams, 0, False, False
        self.commands: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="pty-scale-sim", daemon=True)
        self._thread.start()

    def put(self, grams: int, motion_polls: int = 0) -> None:
        self.grams, self.motion_polls = grams, motion_polls

    def _answer(self, command: bytes) -> bytes | None:
        if command == b"C":
            return None
        status = 0x40
        if self.over:
            status |= OVER
        elif self.grams < 0:
            status |= UNDER
        elif self.motion_polls > 0:
            self.motion_polls -= 1
            status |= MOTION
        if command == b"W" and status == 0x40:
            return b"\x02" + f"{self.grams / 1000:06.3f}".encode() + b"\r"
        if command == b"Z" and status == 0x40:
            self.grams = 0
            status |= CENTRE_ZERO
        return b"\x02?" + bytes([status]) + b"\r"

    def _serve(self) -> None:
        import select

        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self.master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(self.master, 64)
            except OSError:
                return
            for byte in data:
                command = bytes([byte & 0x7F])
                self.commands.append(command)
                answer = None if self.silent else self._answer(command)
                if answer:
                    with contextlib.suppress(OSError):
                        os.write(self.master, answer)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1)
        fds, self.master, self.slave = (self.master, self.slave), -1, -1
        for fd in fds:
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
