"""Card numbers: tokenise a PAN at the edge, and refuse any write that would still carry one in clear."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import luhn

from sync.crypto import hmac_sm3

# 14-19 digits, optionally grouped by single spaces or dashes, standing alone (not inside a hex id or a longer
# number). 13-digit PANs are left out on purpose: EAN-13 product barcodes would collide, and such cards are gone.
# 14-19 digits in a row, or written the way cards are printed: groups of four (4-4-4-4, 4-4-4-4-3) or Amex's
# 4-6-5, with one kind of separator. Other groupings are ids, not cards: a uuid4 starting "12345678-1234-4123-"
# must not look like a 16-digit card (with any digit grouping, about 1 uuid in 40,000 would).
_PAN_CANDIDATE = re.compile(
    r"(?<![0-9A-Za-z])"
    r"(?:[0-9]{14,19}"
    r"|[0-9]{4}([ -])[0-9]{4}\1[0-9]{4}\1[0-9]{4}(?:\1[0-9]{3})?"
    r"|[0-9]{4}([ -])[0-9]{6}\2[0-9]{4,5})"
    r"(?![0-9A-Za-z])"
)
# issuer prefixes of the card schemes a terminal meets (Visa, Mastercard, Amex, UnionPay, JCB, Discover, Diners,
# Maestro, Mir); a digit string outside them is not a card number even when its Luhn digit happens to fit
_CARD_PREFIX = re.compile(r"^(2[2-7]|3|4|5[0-8]|6)")


@dataclass(frozen=True, slots=True)
class CardToken:
    """What the terminal keeps of a card: a keyed token (same card -> same token on this terminal) + last four."""

    token: str
    last4: str


def tokenize_pan(pan: str, token_key: bytes) -> CardToken:
    digits = pan.replace(" ", "").replace("-", "")
    if not (digits.isdigit() and 12 <= len(digits) <= 19):
        raise ValueError("a PAN is 12 to 19 digits")
    return CardToken("tk_" + hmac_sm3(token_key, digits.encode()).hex()[:40], digits[-4:])


def find_pan(text: str) -> str | None:
    """The first Luhn-valid card number in a text (e.g. a record's JSON), masked to first two + last four, or None.

    Scanning the serialised record once catches a PAN wherever it hides: a value, a key, a number, a sentence.
    """
    for match in _PAN_CANDIDATE.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if _CARD_PREFIX.match(digits) and luhn.is_valid(digits):
            return f"{digits[:2]}{'*' * (len(digits) - 6)}{digits[-4:]}"
    return None
