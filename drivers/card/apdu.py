"""Command/response APDUs (ISO 7816-4) and the status-word retries EMV needs (61xx GET RESPONSE, 6Cxx Le)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from drivers.errors import MalformedResponse


class CardChannel(Protocol):
    """What the EMV kernel needs from a reader: one APDU in, one response (data + SW1 SW2) out."""

    def transmit(self, apdu: bytes) -> bytes: ...


class StatusError(MalformedResponse):
    """The card refused a command (a status word other than 9000)."""

    def __init__(self, sw: int, command: str) -> None:
        super().__init__(f"{command}: card answered {sw:04X} ({describe(sw)})")
        self.sw = sw


SW_OK = 0x9000
SW_FILE_NOT_FOUND = 0x6A82
SW_RECORD_NOT_FOUND = 0x6A83
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_WRONG_PARAMETERS = 0x6A86
SW_INS_NOT_SUPPORTED = 0x6D00

_NAMES = {
    SW_OK: "ok",
    SW_FILE_NOT_FOUND: "file or application not found",
    SW_RECORD_NOT_FOUND: "record not found",
    SW_CONDITIONS_NOT_SATISFIED: "conditions of use not satisfied",
    SW_WRONG_PARAMETERS: "wrong parameters",
    SW_INS_NOT_SUPPORTED: "instruction not supported",
    0x6283: "selected file invalidated (blocked)",
    0x6983: "authentication method blocked",
    0x6984: "referenced data invalidated",
    0x6700: "wrong length",
}


def describe(sw: int) -> str:
    if sw >> 8 == 0x63 and sw & 0xF0 == 0xC0:
        return f"wrong PIN, {sw & 0x0F} tries left"
    return _NAMES.get(sw, "unknown status")


@dataclass(frozen=True, slots=True)
class Response:
    data: bytes
    sw: int

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK


def command(cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = 0) -> bytes:
    """A short APDU: case 1-4 depending on data and Le."""
    apdu = bytes([cla, ins, p1, p2])
    if data:
        if len(data) > 255:
            raise ValueError("short APDUs carry at most 255 bytes")
        apdu += bytes([len(data)]) + data
    if le is not None:
        apdu += bytes([le & 0xFF])
    return apdu


def select(name: bytes) -> bytes:
    return command(0x00, 0xA4, 0x04, 0x00, name)


def read_record(sfi: int, record: int) -> bytes:
    return command(0x00, 0xB2, record, (sfi << 3) | 0x04)


def exchange(channel: CardChannel, apdu: bytes, max_chain: int = 32) -> Response:
    """Send one command; follow 61xx with GET RESPONSE and re-send on 6Cxx with the Le the card asked for."""
    data = b""
    for _ in range(max_chain):
        raw = channel.transmit(apdu)
        if len(raw) < 2:
            raise MalformedResponse(f"response of {len(raw)} bytes has no status word")
        sw1, sw2 = raw[-2], raw[-1]
        body = raw[:-2]
        if sw1 == 0x61:
            data += body
            apdu = command(apdu[0] & 0x03, 0xC0, 0x00, 0x00, le=sw2)  # GET RESPONSE
            continue
        if sw1 == 0x6C:
            apdu = _with_le(apdu, sw2)
            continue
        return Response(data + body, (sw1 << 8) | sw2)
    raise MalformedResponse("the card kept asking for more exchanges")


def _with_le(apdu: bytes, le: int) -> bytes:
    """The same command with Le replaced (case 2, 4) or added (case 1, 3): never cut into the command data."""
    body = apdu[:4] if len(apdu) <= 5 else apdu[: 5 + apdu[4]]
    return body + bytes([le])
