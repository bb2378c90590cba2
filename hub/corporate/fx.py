"""Foreign-currency amounts at the hub's published rates (the `rates` table tills pull, hub.downstream), refusing a
stale rate: a payment made at a rate older than `fx.max_age_s` (treasury.toml) is refused with a reason, never paid
at yesterday's price. The rate used, its version and its as-of time are kept per payment (`corp_fx`).

Rates are units of each currency per one unit of the base (the base itself is 1). Converted amounts are rounded half
up to the target currency's minor unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hub.backend import Tx, in_clause
from hub.backoffice.money import exponent, to_major
from hub.clock import iso
from hub.downstream import latest_rates
from hub.errors import HubError, NotFound


class FxRefused(HubError):
    """No usable rate: `fx_no_rates`, `fx_no_rate` (currency not published) or `fx_rate_stale`."""

    status = 409


@dataclass(frozen=True, slots=True)
class Quote:
    from_currency: str
    to_currency: str
    rate: Decimal  # units of to_currency per unit of from_currency
    version: int
    as_of: datetime
    amount_from: int  # minor units
    amount_to: int  # minor units

    def record(self, tx: Tx, ref: str, now: datetime) -> None:
        """Keep the rate a payment used with the payment (same transaction; a retry keeps the first)."""
        tx.run("INSERT INTO corp_fx (ref, from_currency, to_currency, rate, rates_version, rates_as_of, amount_from, "
               "amount_to, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ref) DO NOTHING",
               (ref, self.from_currency, self.to_currency, str(self.rate), self.version, iso(self.as_of),
                self.amount_from, self.amount_to, iso(now)))


def quote(tx: Tx, amount: int, from_currency: str, to_currency: str, now: datetime, max_age: timedelta) -> Quote:
    """`amount` (minor units of from_currency) in to_currency at the hub's latest rates, or FxRefused."""
    try:
        rates = latest_rates(tx)
    except NotFound:
        raise FxRefused(f"no FX rates are published on the hub, so a {from_currency} payment cannot be converted to "
                        f"{to_currency}; publish rates (PUT /v1/admin/rates) and retry", code="fx_no_rates") from None
    if from_currency == to_currency:
        return Quote(from_currency, to_currency, Decimal(1), rates.version, rates.as_of, amount, amount)
    age = now - rates.as_of
    if age > max_age:
        raise FxRefused(f"the hub's FX rates are from {iso(rates.as_of)[:19]}Z, {_hours(age)} old (at most "
                        f"{_hours(max_age)} allowed): refused rather than paid at a stale rate; publish fresh rates "
                        "and retry", code="fx_rate_stale")
    if rates.as_of - now > timedelta(minutes=5):
        raise FxRefused(f"the hub's FX rates claim a time in the future ({iso(rates.as_of)[:19]}Z); check the "
                        "publisher's clock", code="fx_rate_stale")

    def per_base(currency: str) -> Decimal:
        if currency == rates.base:
            return Decimal(1)
        if currency not in rates.rates or Decimal(rates.rates[currency]) <= 0:
            raise FxRefused(f"the hub publishes no {currency} rate (base {rates.base}); add it to the rates and "
                            "retry", code="fx_no_rate")
        return Decimal(rates.rates[currency])

    rate = per_base(to_currency) / per_base(from_currency)
    major = Decimal(amount).scaleb(-exponent(from_currency)) * rate
    converted = int(major.scaleb(exponent(to_currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return Quote(from_currency, to_currency, rate, rates.version, rates.as_of, amount, converted)


def _hours(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    return f"{seconds // 3600} h {seconds % 3600 // 60} min" if seconds >= 3600 else f"{seconds // 60} min"


def funding(tx: Tx, ref: str, amount: int, currency: str) -> tuple[int, str]:
    """What a payment `ref` costs the merchant's account: the converted amount when the FX screen (hub.corporate.
    screens) quoted it in this transaction, else the amount as it is."""
    row = tx.one("SELECT amount_to, to_currency FROM corp_fx WHERE ref = ?", (ref,))
    return (int(row[0]), row[1]) if row else (amount, currency)


def used(tx: Tx, refs: list[str]) -> dict[str, str]:
    """How each payment of `refs` was converted, as people read it: '700.00 USD = 5000.00 CNY at 7.14 (rates v3 of
    2026-11-25T10:00:00Z)'; payments in the home currency are absent."""
    if not refs:
        return {}
    rows = tx.all(f"SELECT ref, from_currency, to_currency, rate, rates_version, rates_as_of, amount_from, amount_to "
                  f"FROM corp_fx WHERE ref IN {in_clause(refs)}", refs)
    return {ref: f"{to_major(int(a), src)} {src} = {to_major(int(b), dst)} {dst} at {Decimal(rate):.6f} (rates v{v} "
                 f"of {as_of[:19]}Z)" for ref, src, dst, rate, v, as_of, a, b in rows}
