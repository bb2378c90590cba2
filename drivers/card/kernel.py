"""An EMV kernel that is a real subset of EMV Books 1 and 3, for contact (PSE) and contactless (PPSE) cards.

It selects the application, runs GET PROCESSING OPTIONS with the PDOL filled, reads the records the AFL names,
verifies the cardholder per the CVM list, and asks for a cryptogram with GENERATE AC (TC / ARQC / AAC).
The PAN never leaves this module: the result carries a keyed token and the last four digits only.
Not covered (stated, not hidden): offline data authentication (SDA/DDA/CDA), issuer scripts, second GENERATE AC,
IAC/TAC bit-by-bit action analysis (the terminal decides from floor limit, expiry, blacklist and CVM instead).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from drivers.card import tlv
from drivers.card.apdu import (
    SW_CONDITIONS_NOT_SATISFIED,
    SW_FILE_NOT_FOUND,
    SW_RECORD_NOT_FOUND,
    CardChannel,
    Response,
    StatusError,
    command,
    exchange,
    read_record,
    select,
)
from drivers.currency import CURRENCY_NUMERIC
from drivers.errors import DeviceError, MalformedResponse
from sync.pan import CardToken, find_pan, tokenize_pan

PSE = b"1PAY.SYS.DDF01"
PPSE = b"2PAY.SYS.DDF01"
VISA = bytes.fromhex("A0000000031010")
MASTERCARD = bytes.fromhex("A0000000041010")
UNIONPAY_DEBIT = bytes.fromhex("A000000333010101")
UNIONPAY_CREDIT = bytes.fromhex("A000000333010102")

# TVR bits (Book 3 annex C5) the terminal sets: (byte index, mask)
TVR_EXPIRED = (1, 0x40)
TVR_EXCEPTION_FILE = (0, 0x10)
TVR_CVM_FAILED = (2, 0x80)
TVR_PIN_TRIES_EXCEEDED = (2, 0x20)
TVR_ONLINE_PIN = (2, 0x04)
TVR_FLOOR_LIMIT = (3, 0x80)


class NoApplication(DeviceError):
    """The card has no application this terminal accepts (or the cardholder refused them all)."""

    code = "device_no_application"
    advice = "This card cannot be used here: ask for another card or payment method."


CARD_ASKED_ONLINE = "the card asked to go online"  # an ARQC where the terminal asked for a TC


class Decision(StrEnum):
    APPROVED_OFFLINE = "approved_offline"  # card gave a TC
    GO_ONLINE = "go_online"  # card gave an ARQC: send it to the issuer
    DECLINED = "declined"  # card gave an AAC


@dataclass(frozen=True, slots=True)
class Candidate:
    aid: bytes
    label: str
    priority: int  # 1 highest .. 15, 0 = none (last)
    needs_confirmation: bool


@dataclass(frozen=True, slots=True)
class TerminalConfig:
    token_key: bytes = field(repr=False)  # the PAN-tokenising key: never in a log line or a traceback
    supported_aids: tuple[bytes, ...] = (VISA, MASTERCARD, UNIONPAY_DEBIT, UNIONPAY_CREDIT)
    country_numeric: int = 156
    floor_limit: int = 30_000  # minor units; above it the card is asked for an ARQC
    blacklist: frozenset[str] = frozenset()  # card tokens (from sync)
    terminal_type: int = 0x22  # attended, offline with online capability
    capabilities: bytes = bytes.fromhex("E0F8C8")
    pin_pad: bool = True


@dataclass(frozen=True, slots=True)
class Transaction:
    amount: int  # minor units
    currency: str
    transaction_type: int = 0x00  # goods and services
    day: date = field(default_factory=date.today)
    force_online: bool = False


@dataclass(frozen=True, slots=True)
class CardResult:
    """What the checkout learns from a card: never the PAN."""

    token: str
    last4: str
    expiry: str  # YYMM
    label: str
    aid: str
    pan_sequence: str
    cvm: str  # offline_pin, online_pin, signature, none, failed
    decision: Decision
    reason: str
    cryptogram: str  # application cryptogram (9F26), hex
    cid: int
    atc: int
    tvr: str
    entry_mode: str  # contact or contactless

    @property
    def masked(self) -> str:
        return f"**** {self.last4}"


ChooseApplication = Callable[[Sequence[Candidate]], Candidate | None]
PinEntry = Callable[[int], str | None]  # tries left (or -1 unknown) -> PIN digits, None when cancelled


def _bcd(number: int, length: int) -> bytes:
    return bytes.fromhex(f"{number:0{length * 2}d}")


def _label(value: bytes, aid: bytes) -> str:
    """An application label for the cashier and the receipt; one carrying a card number (a broken or hostile card
    wrote it there) is replaced by the AID, so the PAN cannot leave through it."""
    text = value.decode("ascii", "replace").strip()
    return aid.hex().upper() if find_pan(text) else text


def verify_plaintext_pin(channel: CardChannel, pin: str | None) -> Response | None:
    """Offline plaintext PIN check by the card (VERIFY, ISO 9564 format 2 block); None for a PIN that is no PIN."""
    if not pin or not pin.isdigit() or not 4 <= len(pin) <= 12:
        return None
    block = bytes.fromhex(f"2{len(pin):X}{pin}".ljust(16, "F"))
    return exchange(channel, command(0x00, 0x20, 0x00, 0x80, block, le=None))


class EmvKernel:
    """One transaction at a time on a card channel (PC/SC contact or ISO-DEP contactless)."""

    def __init__(self, config: TerminalConfig, choose: ChooseApplication | None = None,
                 pin_entry: PinEntry | None = None) -> None:
        self.config = config
        self.choose = choose
        self.pin_entry = pin_entry

    # -- application selection (Book 1 12) --
    def candidates(self, channel: CardChannel, contactless: bool = False) -> list[Candidate]:
        found = self._directory(channel, PPSE if contactless else PSE)
        if found is None:  # no directory: try each AID the terminal knows (partial selection)
            found = []
            for aid in self.config.supported_aids:
                resp = exchange(channel, select(aid))
                if resp.ok:
                    fci = tlv.flatten(tlv.parse(resp.data))
                    found.append(self._candidate(fci.get(0x84, aid), fci))
        accepted = [c for c in found if any(c.aid.startswith(a) for a in self.config.supported_aids)]
        return sorted(accepted, key=lambda c: (c.priority or 16, c.aid))

    def _directory(self, channel: CardChannel, name: bytes) -> list[Candidate] | None:
        resp = exchange(channel, select(name))
        if resp.sw == SW_FILE_NOT_FOUND:
            return None
        if not resp.ok:
            raise StatusError(resp.sw, "SELECT directory")
        fci = tlv.parse(resp.data)
        entries = [t for t in tlv.walk(fci) if t.tag == 0x61]
        sfi = tlv.flatten(fci).get(0x88)
        if sfi:  # contact PSE: the directory is in records of that SFI
            if len(sfi) != 1 or not 1 <= sfi[0] <= 30:
                raise MalformedResponse("the directory's short file identifier is out of range")
            for record in range(1, 17):
                rec = exchange(channel, read_record(sfi[0], record))
                if rec.sw == SW_RECORD_NOT_FOUND:
                    break
                if not rec.ok:
                    raise StatusError(rec.sw, "READ RECORD (directory)")
                entries += [t for t in tlv.walk(tlv.parse(rec.data)) if t.tag == 0x61]
        out = []
        for entry in entries:
            values = tlv.flatten(entry.children or ())
            if 0x4F in values:
                out.append(self._candidate(values[0x4F], values))
        return out

    @staticmethod
    def _candidate(aid: bytes, values: dict[int, bytes]) -> Candidate:
        prio = values.get(0x87, b"\x00")[:1] or b"\x00"
        label = _label(values.get(0x9F12) or values.get(0x50) or aid.hex().encode(), aid)
        return Candidate(aid, label, prio[0] & 0x0F, bool(prio[0] & 0x80))

    def _pick(self, candidates: list[Candidate]) -> Candidate | None:
        if self.choose is not None and candidates and (len(candidates) > 1 or candidates[0].needs_confirmation):
            return self.choose(candidates)
        usable = [c for c in candidates if not c.needs_confirmation]  # no way to ask the cardholder: skip those
        return usable[0] if usable else None

    # -- the transaction --
    def run(self, channel: CardChannel, tx: Transaction, contactless: bool = False) -> CardResult:
        if tx.amount < 0 or tx.currency not in CURRENCY_NUMERIC:
            raise ValueError("amount must be >= 0 minor units in a known currency")
        candidates = self.candidates(channel, contactless)
        tvr = bytearray(5)
        while True:
            chosen = self._pick(candidates)
            if chosen is None:
                raise NoApplication("no application on this card is accepted here")
            resp = exchange(channel, select(chosen.aid))
            if not resp.ok:  # blocked or vanished: next candidate (Book 1 12.4)
                candidates.remove(chosen)
                continue
            fci = tlv.flatten(tlv.parse(resp.data))
            terminal = self._terminal_data(tx, tvr)
            pdol = tlv.build_dol(tlv.parse_dol(fci.get(0x9F38, b"")), terminal, limit=252)  # fits 83 81 L in 255
            gpo = exchange(channel, command(0x80, 0xA8, 0x00, 0x00, tlv.encode(0x83, pdol)))
            if gpo.sw == SW_CONDITIONS_NOT_SATISFIED:  # Book 3 10.1: drop this application, select again
                candidates.remove(chosen)
                continue
            if not gpo.ok:
                raise StatusError(gpo.sw, "GET PROCESSING OPTIONS")
            break
        aip, afl = self._gpo_response(gpo.data)
        data = self._read_records(channel, afl)
        label = _label(fci.get(0x9F12) or fci.get(0x50) or data.get(0x50) or chosen.label.encode(), chosen.aid)
        token, expiry = self._identify(data)
        data.pop(0x5A, None)  # the PAN goes no further
        data.pop(0x57, None)
        if expiry < tx.day.strftime("%y%m%d"):
            _set(tvr, TVR_EXPIRED)
        if token.token in self.config.blacklist:
            _set(tvr, TVR_EXCEPTION_FILE)
        cvm, cvm_results = self._verify_cardholder(channel, data.get(0x8E, b""), tx, tvr)
        if _has(tvr, TVR_EXPIRED) or _has(tvr, TVR_EXCEPTION_FILE) or _has(tvr, TVR_CVM_FAILED):
            requested, reason = 0x00, self._decline_reason(tvr)
        elif tx.force_online or tx.amount > self.config.floor_limit or cvm == "online_pin":
            requested, reason = 0x80, "online authorisation required"
            if tx.amount > self.config.floor_limit:
                _set(tvr, TVR_FLOOR_LIMIT)
        else:
            requested, reason = 0x40, "approved offline"
        terminal = self._terminal_data(tx, tvr) | {0x9F34: cvm_results, 0x82: aip}
        cdol1 = tlv.build_dol(tlv.parse_dol(data.get(0x8C, b"")), terminal)
        ac = exchange(channel, command(0x80, 0xAE, requested, 0x00, cdol1))
        if not ac.ok:
            raise StatusError(ac.sw, "GENERATE AC")
        cid, atc, cryptogram = self._ac_response(ac.data)
        given = cid & 0xC0
        if given not in _MAY_ANSWER[requested]:  # a card may only step down: TC > ARQC > AAC
            raise MalformedResponse("the card answered a stronger cryptogram than the terminal asked for")
        decision = {0x40: Decision.APPROVED_OFFLINE, 0x80: Decision.GO_ONLINE}.get(given, Decision.DECLINED)
        if decision is Decision.DECLINED and requested != 0x00:
            reason = "declined by the card"
        elif decision is Decision.GO_ONLINE and requested == 0x40:
            reason = CARD_ASKED_ONLINE
        return CardResult(
            token=token.token, last4=token.last4, expiry=expiry[:4], label=label, aid=chosen.aid.hex().upper(),
            pan_sequence=data.get(0x5F34, b"\x00")[:1].hex(), cvm=cvm, decision=decision, reason=reason,
            cryptogram=cryptogram.hex().upper(), cid=cid, atc=atc, tvr=bytes(tvr).hex().upper(),
            entry_mode="contactless" if contactless else "contact",
        )

    def _terminal_data(self, tx: Transaction, tvr: bytearray) -> dict[int, bytes]:
        c = self.config
        return {
            0x9F02: _bcd(tx.amount, 6), 0x9F03: _bcd(0, 6), 0x9F1A: _bcd(c.country_numeric, 2),
            0x5F2A: _bcd(CURRENCY_NUMERIC[tx.currency], 2), 0x9A: bytes.fromhex(tx.day.strftime("%y%m%d")),
            0x9C: bytes([tx.transaction_type]), 0x9F37: secrets.token_bytes(4), 0x95: bytes(tvr),
            0x9F35: bytes([c.terminal_type]), 0x9F33: c.capabilities, 0x9F66: bytes.fromhex("36004000"),
        }

    @staticmethod
    def _gpo_response(data: bytes) -> tuple[bytes, bytes]:
        objs = tlv.parse(data)
        if len(objs) == 1 and objs[0].tag == 0x80 and len(objs[0].value) >= 2:  # format 1: AIP || AFL
            return objs[0].value[:2], objs[0].value[2:]
        values = tlv.flatten(objs)
        if 0x82 not in values or 0x94 not in values:
            raise MalformedResponse("GET PROCESSING OPTIONS answer lacks AIP or AFL")
        return values[0x82], values[0x94]

    @staticmethod
    def _read_records(channel: CardChannel, afl: bytes) -> dict[int, bytes]:
        if not afl or len(afl) % 4:
            raise MalformedResponse("application file locator is not a list of 4-byte entries")
        data: dict[int, bytes] = {}
        for i in range(0, len(afl), 4):
            sfi, first, last = afl[i] >> 3, afl[i + 1], afl[i + 2]
            if not 1 <= sfi <= 30 or first == 0 or last < first:
                raise MalformedResponse("application file locator entry out of range")
            for record in range(first, last + 1):
                resp = exchange(channel, read_record(sfi, record))
                if not resp.ok:
                    raise StatusError(resp.sw, "READ RECORD")
                objs = tlv.parse(resp.data)
                if len(objs) != 1 or objs[0].tag != 0x70:
                    raise MalformedResponse("a record is not a 70 template")
                for tag, value in tlv.flatten(objs).items():
                    data.setdefault(tag, value)
        return data

    def _identify(self, data: dict[int, bytes]) -> tuple[CardToken, str]:
        track2_pan = data.get(0x57, b"").hex().upper().split("D")[0]  # track 2 equivalent: PAN D expiry ...
        pan = data[0x5A].hex().upper().rstrip("F") if 0x5A in data else track2_pan
        expiry = data.get(0x5F24, b"").hex()
        if not (pan.isdigit() and 12 <= len(pan) <= 19):
            raise MalformedResponse("the card's account number is not 12-19 digits")
        if len(expiry) != 6 or not expiry.isdigit() or 0x8C not in data:
            raise MalformedResponse("the card lacks mandatory data (expiry date or CDOL1)")
        return tokenize_pan(pan, self.config.token_key), expiry

    # -- cardholder verification (Book 3 10.5) --
    def _verify_cardholder(self, channel: CardChannel, cvm_list: bytes, tx: Transaction,
                           tvr: bytearray) -> tuple[str, bytes]:
        if len(cvm_list) < 10 or len(cvm_list) % 2:
            return "none", bytes.fromhex("3F0000")  # no CVM list: CVM not performed
        x, y = int.from_bytes(cvm_list[:4], "big"), int.from_bytes(cvm_list[4:8], "big")
        for i in range(8, len(cvm_list), 2):
            code, condition = cvm_list[i], cvm_list[i + 1]
            if not self._condition_met(condition, code & 0x3F, tx.amount, x, y):
                continue
            method, outcome = self._perform(channel, code & 0x3F, tvr)
            if outcome:
                return method, bytes([code, condition, 0x02 if method != "signature" else 0x00])
            if not code & 0x40:  # "fail cardholder verification if this CVM is unsuccessful"
                break
        _set(tvr, TVR_CVM_FAILED)
        return "failed", bytes([0x3F, 0x00, 0x01])

    def _condition_met(self, condition: int, method: int, amount: int, x: int, y: int) -> bool:
        supported = {0x01: self.config.pin_pad, 0x02: self.config.pin_pad, 0x1E: True, 0x1F: True}
        return {
            0x00: True, 0x02: True, 0x03: supported.get(method, False),
            0x06: amount < x, 0x07: amount > x, 0x08: amount < y, 0x09: amount > y,
        }.get(condition, False)

    def _perform(self, channel: CardChannel, method: int, tvr: bytearray) -> tuple[str, bool]:
        if method == 0x1F:
            return "none", True
        if method == 0x1E:
            return "signature", True
        if method == 0x02:
            if not (self.config.pin_pad and self.pin_entry and self.pin_entry(-1)):
                return "online_pin", False
            _set(tvr, TVR_ONLINE_PIN)  # the PIN block goes online, encrypted by the PIN pad (not here)
            return "online_pin", True
        if method == 0x01 and self.config.pin_pad and self.pin_entry:
            tries = self._pin_tries(channel)
            while tries != 0:
                resp = verify_plaintext_pin(channel, self.pin_entry(tries))
                if resp is None:
                    return "offline_pin", False
                if resp.ok:
                    return "offline_pin", True
                if resp.sw >> 4 != 0x63C:
                    break
                tries = resp.sw & 0x0F
            _set(tvr, TVR_PIN_TRIES_EXCEEDED)
        return "offline_pin", False

    @staticmethod
    def _pin_tries(channel: CardChannel) -> int:
        resp = exchange(channel, command(0x80, 0xCA, 0x9F, 0x17))  # GET DATA PIN try counter
        if resp.ok:
            value = tlv.flatten(tlv.parse(resp.data)).get(0x9F17)
            if value:
                return value[0]
        return -1

    @staticmethod
    def _ac_response(data: bytes) -> tuple[int, int, bytes]:
        objs = tlv.parse(data)
        if len(objs) == 1 and objs[0].tag == 0x80 and len(objs[0].value) >= 11:  # format 1
            v = objs[0].value
            return v[0], int.from_bytes(v[1:3], "big"), v[3:11]
        values = tlv.flatten(objs)
        try:
            return values[0x9F27][0], int.from_bytes(values[0x9F36], "big"), values[0x9F26]
        except (KeyError, IndexError):
            raise MalformedResponse("GENERATE AC answer lacks CID, ATC or cryptogram") from None

    @staticmethod
    def _decline_reason(tvr: bytearray) -> str:
        if _has(tvr, TVR_EXCEPTION_FILE):
            return "card is on the blacklist"
        if _has(tvr, TVR_EXPIRED):
            return "card expired"
        return "cardholder verification failed"


_MAY_ANSWER = {0x40: (0x40, 0x80, 0x00), 0x80: (0x80, 0x00), 0x00: (0x00,)}


def _set(tvr: bytearray, bit: tuple[int, int]) -> None:
    tvr[bit[0]] |= bit[1]


def _has(tvr: bytearray, bit: tuple[int, int]) -> bool:
    return bool(tvr[bit[0]] & bit[1])
