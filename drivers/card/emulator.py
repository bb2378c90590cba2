"""A virtual EMV card (simulator): answers the APDUs of our kernel like a real card would, for tests and demos.

It is deliberately independent of the kernel (it builds its own TLV answers) so a kernel bug cannot hide behind a
matching emulator bug. Cryptograms are HMAC-SHA256 over the CDOL1 data, truncated: a stand-in for the issuer's
3DES/AES MAC, which the terminal never checks anyway (the issuer does).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from stdnum import luhn

from drivers.card import tlv

PDOL = bytes.fromhex("9F0206" "9F1A02" "5F2A02" "9A03" "9C01" "9F3704")
CDOL1 = bytes.fromhex("9F0206" "9F0306" "9F1A02" "9505" "5F2A02" "9A03" "9C01" "9F3704" "9F3403")
NO_CVM = bytes(8) + bytes.fromhex("1F00")
SIGNATURE_OR_NONE = bytes(8) + bytes.fromhex("5E03" "1F00")
OFFLINE_PIN = bytes(8) + bytes.fromhex("0100")  # plaintext PIN verified by the card, always; fail if unsuccessful
ATR = bytes.fromhex("3B80800101")  # T=1, no historical bytes


def _pan(prefix: str, length: int = 16) -> str:
    body = prefix + "0" * (length - len(prefix) - 1)
    return body + luhn.calc_check_digit(body)


@dataclass(frozen=True)
class CardApp:
    aid: bytes
    label: str
    priority: int = 1  # 0x80 bit: cardholder confirmation required


@dataclass(frozen=True)
class CardProfile:
    """One test card: its data and how it misbehaves."""

    name: str
    pan: str
    expiry: str = "301231"  # YYMMDD
    apps: tuple[CardApp, ...] = (CardApp(bytes.fromhex("A0000000031010"), "VISA CREDIT"),)
    cvm_list: bytes = SIGNATURE_OR_NONE
    pse: bool = True  # has a contact PSE directory (else the terminal walks its AID list)
    pin: str = "1234"
    pin_tries: int = 3
    always_online: bool = False  # answers an ARQC when the terminal asks for a TC
    gpo_61xx: bool = False  # answers GPO with 61xx so the terminal must GET RESPONSE
    record_6cxx: bool = False  # answers READ RECORD with 6Cxx so the terminal must re-send with Le
    ac_format2: bool = False
    malformed: bool = False  # the second record's TLV is truncated
    pull_out_at: str | None = None  # command name at which the card is pulled out (no answer)
    key: bytes = field(default=b"card-master-key-stand-in", repr=False)


TEST_CARDS: dict[str, CardProfile] = {
    p.name: p
    for p in (
        CardProfile("visa", _pan("476173"), gpo_61xx=True),
        CardProfile("unionpay", _pan("625094", 19), pse=False, record_6cxx=True, ac_format2=True,
                    apps=(CardApp(bytes.fromhex("A000000333010101"), "UnionPay Debit"),)),
        CardProfile("expired", _pan("4761731"), expiry="240131"),
        CardProfile("blacklisted", _pan("4000009")),
        CardProfile("pin", _pan("476174"), cvm_list=OFFLINE_PIN),
        CardProfile("online", _pan("476175"), always_online=True),
        CardProfile("malformed", _pan("476176"), malformed=True),
        CardProfile("pulled", _pan("476177"), pull_out_at="READ RECORD"),
    )
}


class PulledOut(Exception):
    """Raised by the card to tell its transport to vanish (close the socket) instead of answering."""


class EmvCardEmulator:
    """The card's state machine: `process(apdu) -> response` (raises PulledOut when the card is yanked)."""

    def __init__(self, profile: CardProfile) -> None:
        self.profile = profile
        self.atc = 0  # the transaction counter and the PIN tries survive a reset, like on a real card
        self.tries = profile.pin_tries
        self.reset()

    def reset(self) -> None:
        self.app: CardApp | None = None
        self.gpo_done = False
        self.pending = b""

    def process(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return b"\x67\x00"
        _cla, ins, p1, p2 = apdu[:4]
        data, le = b"", None
        if len(apdu) == 5:
            le = apdu[4]
        elif len(apdu) > 5:
            lc = apdu[4]
            data = apdu[5 : 5 + lc]
            le = apdu[5 + lc] if len(apdu) == 6 + lc else None
        name = {0xA4: "SELECT", 0xB2: "READ RECORD", 0xA8: "GPO", 0xAE: "GENERATE AC", 0x20: "VERIFY",
                0xC0: "GET RESPONSE", 0xCA: "GET DATA"}.get(ins, "?")
        if name == self.profile.pull_out_at and self.gpo_done == (name != "GPO"):
            raise PulledOut
        handler = getattr(self, "_" + name.lower().replace(" ", "_"), None)
        if handler is None:
            return b"\x6d\x00"
        return handler(p1, p2, data, le)

    # -- commands --
    def _select(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        self.reset()
        p = self.profile
        if data == b"1PAY.SYS.DDF01":
            if not p.pse:
                return b"\x6a\x82"
            return self._ok(tlv.encode(0x6F, [tlv.encode(0x84, data), tlv.encode(0xA5, [tlv.encode(0x88, b"\x01")])]))
        if data == b"2PAY.SYS.DDF01":
            entries = [tlv.encode(0x61, self._entry(a)) for a in p.apps]
            return self._ok(tlv.encode(0x6F, [tlv.encode(0x84, data),
                                               tlv.encode(0xA5, [tlv.encode(0xBF0C, entries)])]))
        for app in p.apps:
            if app.aid.startswith(data) and data:
                self.app = app
                fci = [tlv.encode(0x50, app.label.encode()), tlv.encode(0x87, bytes([app.priority])),
                       tlv.encode(0x9F38, PDOL)]
                return self._ok(tlv.encode(0x6F, [tlv.encode(0x84, app.aid), tlv.encode(0xA5, fci)]))
        return b"\x6a\x82"

    @staticmethod
    def _entry(app: CardApp) -> list[bytes]:
        return [tlv.encode(0x4F, app.aid), tlv.encode(0x50, app.label.encode()),
                tlv.encode(0x87, bytes([app.priority]))]

    def _records(self, sfi: int) -> list[bytes]:
        p = self.profile
        if sfi == 1 and p.pse:
            return [tlv.encode(0x70, [tlv.encode(0x61, self._entry(a))]) for a in p.apps]
        if sfi == 2 and self.gpo_done:
            pan = p.pan + ("F" if len(p.pan) % 2 else "")
            track2 = bytes.fromhex((p.pan + "D" + p.expiry[:4] + "201" + "0" * 5 + "F")[:38].ljust(38, "F"))
            rec2 = [tlv.encode(0x5A, bytes.fromhex(pan)), tlv.encode(0x5F24, bytes.fromhex(p.expiry)),
                    tlv.encode(0x5F25, bytes.fromhex("200101")), tlv.encode(0x5F34, b"\x01"),
                    tlv.encode(0x8C, CDOL1), tlv.encode(0x8E, p.cvm_list), tlv.encode(0x9F07, b"\xff\x00")]
            second = tlv.encode(0x70, rec2)
            if p.malformed:
                second = second[:2] + b"\x5a\x50" + second[2:12]  # a PAN tag claiming 80 bytes it does not have
            return [tlv.encode(0x70, [tlv.encode(0x57, track2), tlv.encode(0x5F20, b"TEST/CARDHOLDER")]), second]
        return []

    def _read_record(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        records = self._records(p2 >> 3)
        if not 1 <= p1 <= len(records):
            return b"\x6a\x83"
        body = records[p1 - 1]
        if self.profile.record_6cxx and le != len(body) % 256:
            return bytes([0x6C, len(body) % 256])
        return self._ok(body)

    def _gpo(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if self.app is None:
            return b"\x69\x85"
        expected = sum(n for _, n in tlv.parse_dol(PDOL))
        if data[:1] != b"\x83" or len(data) != expected + 2:
            return b"\x67\x00"
        self.gpo_done = True
        body = tlv.encode(0x77, [tlv.encode(0x82, b"\x19\x80"), tlv.encode(0x94, bytes.fromhex("10010200"))])
        if self.profile.gpo_61xx:
            self.pending = body
            return bytes([0x61, len(body)])
        return self._ok(body)

    def _get_response(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if not self.pending:
            return b"\x69\x85"
        body, self.pending = self.pending, b""
        return self._ok(body)

    def _get_data(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if (p1, p2) == (0x9F, 0x17):
            return self._ok(tlv.encode(0x9F17, bytes([self.tries])))
        return b"\x6a\x88"

    def _verify(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if self.tries == 0:
            return b"\x69\x83"
        digits = data.hex().upper()
        n = int(digits[1], 16) if len(digits) == 16 else 0
        if digits[2 : 2 + n] == self.profile.pin:
            self.tries = self.profile.pin_tries
            return b"\x90\x00"
        self.tries -= 1
        return bytes([0x63, 0xC0 | self.tries])

    def _generate_ac(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if not self.gpo_done:
            return b"\x69\x85"
        if len(data) != sum(n for _, n in tlv.parse_dol(CDOL1)):
            return b"\x67\x00"
        requested = p1 & 0xC0
        given = 0x80 if requested == 0x40 and self.profile.always_online else requested
        self.atc += 1
        atc = self.atc.to_bytes(2, "big")
        ac = hmac.new(self.profile.key, bytes([given]) + atc + data, hashlib.sha256).digest()[:8]
        iad = bytes.fromhex("06010A03A00000")
        if self.profile.ac_format2:
            return self._ok(tlv.encode(0x77, [tlv.encode(0x9F27, bytes([given])), tlv.encode(0x9F36, atc),
                                               tlv.encode(0x9F26, ac), tlv.encode(0x9F10, iad)]))
        return self._ok(tlv.encode(0x80, bytes([given]) + atc + ac + iad))

    @staticmethod
    def _ok(body: bytes) -> bytes:
        return body + b"\x90\x00"


class EmulatorChannel:
    """In-process `CardChannel` straight into the emulator (no reader): unit tests and the ISO-DEP stand-in."""

    def __init__(self, card: EmvCardEmulator) -> None:
        self.card = card
        self.log: list[bytes] = []

    def transmit(self, apdu: bytes) -> bytes:
        from drivers.errors import CardRemoved

        self.log.append(apdu)
        try:
            return self.card.process(apdu)
        except PulledOut:
            raise CardRemoved("the card was pulled out") from None
