"""Payment QR payloads: EMVCo merchant-presented (MPM) TLV with its CRC, and https payment links.

A scanned code is hostile input: size-capped, printable only, every TLV length checked against what is left,
mandatory fields required, the CRC-16/CCITT-FALSE verified (binascii.crc_hqx with 0xFFFF), amounts parsed into
int minor units. Every failure is a `PayloadError` with a cashier-readable advice.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs, urlsplit

from drivers.currency import CURRENCY_NUMERIC, exponent
from drivers.errors import DeviceError

MAX_PAYLOAD = 512
CURRENCY_ALPHA = {f"{number:03d}": code for code, number in CURRENCY_NUMERIC.items()}  # field 53 -> ISO code
_MANDATORY = ("00", "52", "53", "58", "59", "60", "63")
_TAG_LENGTH = re.compile(r"[0-9]{4}")  # ASCII only: str.isdigit() would take "²"
_AMOUNT = re.compile(r"[0-9]{1,10}(\.[0-9]{1,3})?")


class PayloadError(DeviceError):
    """The scanned code is not a payment code we can accept."""

    code = "device_unusable_code"
    advice = "This code cannot be used for payment: ask the customer for another code or payment method."


@dataclass(frozen=True, slots=True)
class PaymentQr:
    kind: str  # "emvco" or "link"
    merchant_name: str
    currency: str | None
    amount: int | None  # minor units; None when the customer enters it (static code)
    dynamic: bool
    country: str = ""
    city: str = ""
    mcc: str = ""
    reference: str = ""
    accounts: dict[str, str] = field(default_factory=dict)  # merchant account templates by tag (26-51)
    url: str = ""


def crc16(data: bytes) -> str:
    return f"{binascii.crc_hqx(data, 0xFFFF):04X}"


def _tlv(text: str) -> list[tuple[str, str]]:
    out, i = [], 0
    while i < len(text):
        if not _TAG_LENGTH.fullmatch(text[i : i + 4]):
            raise PayloadError("damaged EMV QR: bad tag or length")
        tag, length = text[i : i + 2], int(text[i + 2 : i + 4])
        if i + 4 + length > len(text):
            raise PayloadError(f"damaged EMV QR: field {tag} runs past the end")
        out.append((tag, text[i + 4 : i + 4 + length]))
        i += 4 + length
    return out


def _minor(amount: str, currency: str | None) -> int:
    if not _AMOUNT.fullmatch(amount):
        raise PayloadError("the amount in the code is not a number")
    exp = exponent(currency)
    try:
        value = Decimal(amount) * (10**exp)
    except InvalidOperation:
        raise PayloadError("the amount in the code is not a number") from None
    if value != value.to_integral_value() or value <= 0:
        raise PayloadError("the amount in the code has too many decimals or is zero")
    return int(value)


def parse_emvco(text: str) -> PaymentQr:
    fields = _tlv(text)
    tags = [t for t, _ in fields]
    if len(set(tags)) != len(tags):
        raise PayloadError("EMV QR repeats a field")
    if tags[0] != "00" or fields[0][1] != "01":
        raise PayloadError("not an EMV QR (payload format indicator)")
    if tags[-1] != "63" or len(fields[-1][1]) != 4:
        raise PayloadError("EMV QR without its checksum at the end")
    if crc16(text[:-4].encode()) != fields[-1][1].upper():
        raise PayloadError("EMV QR checksum does not match: the code is damaged or altered")
    values = dict(fields)
    missing = [t for t in _MANDATORY if t not in values]
    if missing:
        raise PayloadError(f"EMV QR lacks mandatory fields {missing}")
    accounts = {t: v for t, v in fields if 2 <= int(t) <= 51}
    if not accounts:
        raise PayloadError("EMV QR names no merchant account")
    for tag, value in accounts.items():
        if 26 <= int(tag) <= 51:
            _tlv(value)  # templates must be well formed too
    currency = CURRENCY_ALPHA.get(values["53"])
    if currency is None:
        raise PayloadError(f"currency {values['53']} is not accepted here")
    reference = ""
    if "62" in values:
        extra = dict(_tlv(values["62"]))
        reference = extra.get("05") or extra.get("01", "")
    return PaymentQr(
        kind="emvco", merchant_name=values["59"], currency=currency,
        amount=_minor(values["54"], currency) if "54" in values else None, dynamic=values.get("01") == "12",
        country=values["58"], city=values["60"], mcc=values["52"], reference=reference, accounts=accounts,
    )


def parse_link(text: str, allowed_hosts: frozenset[str] | None = None) -> PaymentQr:
    try:  # both raise ValueError on hostile links: a broken "[" host, more than 20 query fields
        parts = urlsplit(text)
        hostname = parts.hostname
        query = parse_qs(parts.query, max_num_fields=20)
    except ValueError:
        raise PayloadError("damaged payment link") from None
    if parts.scheme != "https" or not hostname or parts.username or parts.password:
        raise PayloadError("payment links must be plain https URLs")
    if allowed_hosts is not None and hostname not in allowed_hosts:
        raise PayloadError(f"payment links from {hostname} are not accepted here")
    currency = (query.get("currency") or query.get("cur") or [None])[0]
    if currency is not None and currency not in CURRENCY_ALPHA.values():
        raise PayloadError(f"currency {currency} is not accepted here")
    amount = (query.get("amount") or [None])[0]
    return PaymentQr(kind="link", merchant_name=(query.get("merchant") or [hostname])[0], currency=currency,
                     amount=_minor(amount, currency) if amount else None, dynamic=amount is not None,
                     reference=(query.get("ref") or [""])[0], url=text)


def parse_payment_qr(text: str, allowed_hosts: frozenset[str] | None = None) -> PaymentQr:
    """An EMVCo merchant QR or an https payment link; anything else raises PayloadError."""
    if not isinstance(text, str) or not text:
        raise PayloadError("empty code")
    if len(text) > MAX_PAYLOAD:
        raise PayloadError(f"code longer than {MAX_PAYLOAD} characters")
    if not text.isprintable():
        raise PayloadError("code contains control characters")
    if text.startswith("000201"):
        return parse_emvco(text)
    if text.lower().startswith("https://"):
        return parse_link(text, allowed_hosts)
    raise PayloadError("not a payment code (neither EMV QR nor https link)")


def build_emvco(merchant: str, city: str, currency_numeric: str = "156", amount: str | None = None,
                account: str = "0014A00000033301010108ABC12345", country: str = "CN", mcc: str = "5411",
                reference: str = "") -> str:
    """Simulator / tests: a valid merchant-presented EMV QR."""

    def f(tag: str, value: str) -> str:
        return f"{tag}{len(value):02d}{value}"

    body = f("00", "01") + f("01", "12" if amount else "11") + f("26", account) + f("52", mcc)
    body += f("53", currency_numeric) + (f("54", amount) if amount else "") + f("58", country)
    body += f("59", merchant) + f("60", city) + (f("62", f("05", reference)) if reference else "") + "6304"
    return body + crc16(body.encode())
