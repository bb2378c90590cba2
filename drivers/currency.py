"""The ISO 4217 facts the drivers need (they cannot import terminal.domain: the dependency points the other way).

One table for the EMV kernel (numeric codes in 5F2A), payment QR parsing (numeric code in field 53, amount
exponent) and receipt layout (amount exponent).
"""

from __future__ import annotations

# currencies the card kernel and payment QRs accept, by ISO 4217 numeric code
CURRENCY_NUMERIC = {"CNY": 156, "USD": 840, "EUR": 978, "HKD": 344, "GBP": 826, "JPY": 392, "SGD": 702}

# minor-unit digits of the currencies that do not have 2
_EXPONENT = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3}


def exponent(currency: str | None) -> int:
    """Digits after the decimal point: 2 unless the currency is known to differ (JPY 0, KWD 3)."""
    return _EXPONENT.get(currency or "", 2)
