"""Rules and the decision: blacklist, per-profile limits, FX/AML, offline limits, velocity caps, combined with the
model score into approve / step_up_pin / step_up_supervisor / decline, each reason with a sentence for the cashier.

Pure: no I/O. Amounts are integer minor units; FX rates are Decimal (units of the currency per one unit of the base
currency, as the hub publishes them); the model score is the only float that takes part.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any, Protocol

from drivers.currency import exponent

if TYPE_CHECKING:
    from models.features import Tx

APPROVE, PIN, SUPERVISOR, DECLINE = "approve", "step_up_pin", "step_up_supervisor", "decline"
SEVERITY = {APPROVE: 0, PIN: 1, SUPERVISOR: 2, DECLINE: 3}

# reason code -> (decision it forces, what the cashier reads)
REASONS: dict[str, tuple[str, str]] = {
    "blacklisted": (DECLINE, "This card or wallet is blocked. Ask for another way to pay."),
    "currency_not_accepted": (DECLINE, "This terminal cannot take that currency. Ask for payment in the local one."),
    "no_fx_rate": (DECLINE, "No exchange rate for this currency yet. Take the local currency or try once online."),
    "over_sale_limit": (DECLINE, "The amount is over this terminal's limit. Split the sale or ask a supervisor."),
    "aml_limit": (SUPERVISOR, "A large foreign-currency sale needs a supervisor to check ID before paying."),
    "offline_sale_limit": (DECLINE, "We are offline and this amount is too high. Ask for cash or a smaller amount."),
    "offline_total_limit": (DECLINE, "We are offline and the offline allowance is used up. Ask for cash."),
    "offline_too_long": (DECLINE, "We have been offline too long for cards. Ask for cash until the network is back."),
    "velocity_hour": (DECLINE, "This card was used too many times in the last hour. Ask for another way to pay."),
    "velocity_day": (SUPERVISOR, "This card was used very often today. Ask a supervisor to confirm."),
    "key_entered": (PIN, "The card was not read by chip or tap. Ask the customer to enter the PIN."),
    "amount_pin": (PIN, "Large amount: ask the customer to enter the PIN."),
    "amount_supervisor": (SUPERVISOR, "Very large amount: a supervisor must confirm this sale."),
    "risk_pin": (PIN, "Unusual for this card. Ask the customer to enter the PIN."),
    "risk_supervisor": (SUPERVISOR, "This payment looks risky. Ask a supervisor to check ID."),
    "risk_decline": (DECLINE, "This payment looks like fraud. Decline it and ask for another way to pay."),
}


class BlacklistSource(Protocol):
    def is_blacklisted(self, token: str) -> bool: ...


@dataclass(frozen=True)
class ProfileRules:
    currencies: frozenset[str]  # accepted currencies (the base currency always)
    small_amount: int  # below this (base minor units) only a decline-level score stops the sale (lenient retail)
    pin_above: int
    supervisor_above: int
    max_sale: int
    aml_above: int | None  # foreign-currency sales at or above this need a supervisor
    threshold_scale: float  # < 1: stricter (the score thresholds are multiplied by it)
    offline_sale_limit: int
    offline_total_limit: int
    offline_max_age_s: int
    velocity_hour: int  # declined when the card already has this many sales in the last hour
    velocity_day: int


PROFILES: dict[str, ProfileRules] = {
    "retail": ProfileRules(frozenset({"CNY"}), 10_000, 300_000, 2_000_000, 10_000_000, None, 1.0,
                           50_000, 500_000, 3 * 86400, 10, 30),
    "b2b": ProfileRules(frozenset({"CNY"}), 0, 200_000, 1_000_000, 100_000_000, None, 0.6,
                        20_000, 200_000, 86400, 8, 20),
    "cross_border": ProfileRules(frozenset({"CNY", "HKD", "USD", "EUR"}), 5_000, 200_000, 1_000_000, 20_000_000,
                                 5_000_000, 0.8, 30_000, 300_000, 2 * 86400, 10, 25),
}
DEFAULT_RATES: dict[str, Decimal] = {"CNY": Decimal(1), "HKD": Decimal("1.08"), "USD": Decimal("0.14"),
                                     "EUR": Decimal("0.13")}


@dataclass(frozen=True)
class Thresholds:
    pin: float
    supervisor: float
    decline: float


@dataclass(frozen=True)
class Offline:
    """The terminal is offline: since when (epoch s) and how much it has approved offline so far (base minor)."""

    since: int
    approved_total: int = 0


@dataclass
class Decision:
    decision: str
    score: float
    reasons: list[str] = field(default_factory=list)
    features: tuple[float, ...] = ()  # what the model read (the engine fills it in; the hub keeps it for review)
    model: str | None = None  # the active model's version, None without one

    def explain(self) -> list[dict[str, str]]:
        return [{"code": code, "text": REASONS[code][1]} for code in self.reasons]


def to_base(amount_minor: int, currency: str, rates: Mapping[str, Decimal], base: str = "CNY") -> int | None:
    """Amount in base-currency minor units (banker's rounding); None without a rate. `rates` are units of the
    currency per one base unit; each side keeps its own ISO 4217 exponent (1,000 JPY is 1,000 minor units, 1.000 KWD
    is 1,000), so limits never scale by 100x for a currency without cents."""
    if currency == base:
        return amount_minor
    rate = rates.get(currency)
    if rate is None or rate <= 0:
        return None
    major = Decimal(amount_minor).scaleb(-exponent(currency)) / rate
    return int(major.scaleb(exponent(base)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def rules(*, t: int, amount_minor: int, currency: str, card_token: str, entry_mode: str, profile: str,
          card_sales_1h: int, card_sales_1d: int, blacklists: tuple[BlacklistSource, ...] = (),
          rates: Mapping[str, Decimal] = DEFAULT_RATES, offline: Offline | None = None) -> list[str]:
    """Reason codes raised by the rules alone (velocity counts are the card's sales before this one)."""
    p = PROFILES[profile]
    out: list[str] = []
    if any(source.is_blacklisted(card_token) for source in blacklists):
        out.append("blacklisted")
    if currency not in p.currencies:
        out.append("currency_not_accepted")
        return out
    base = to_base(amount_minor, currency, rates)
    if base is None:
        out.append("no_fx_rate")
        return out
    if base > p.max_sale:
        out.append("over_sale_limit")
    elif base > p.supervisor_above:
        out.append("amount_supervisor")
    elif base > p.pin_above:
        out.append("amount_pin")
    if p.aml_above is not None and currency != "CNY" and base >= p.aml_above:
        out.append("aml_limit")
    if offline is not None:
        if t - offline.since > p.offline_max_age_s:
            out.append("offline_too_long")
        elif base > p.offline_sale_limit:
            out.append("offline_sale_limit")
        elif offline.approved_total + base > p.offline_total_limit:
            out.append("offline_total_limit")
    if card_sales_1h >= p.velocity_hour:
        out.append("velocity_hour")
    elif card_sales_1d >= p.velocity_day:
        out.append("velocity_day")
    if entry_mode == "manual" or (entry_mode == "magstripe" and base >= p.small_amount):
        out.append("key_entered")
    return out


def score_reason(score: float, thresholds: Thresholds, profile: str, base_amount: int | None) -> str | None:
    p = PROFILES[profile]
    s = p.threshold_scale
    if score >= thresholds.decline * s:
        return "risk_decline"
    if base_amount is not None and base_amount < p.small_amount:
        return None  # lenient on small amounts: a PIN or a supervisor for a coffee costs more than it saves
    if score >= thresholds.supervisor * s:
        return "risk_supervisor"
    if score >= thresholds.pin * s:
        return "risk_pin"
    return None


def combine(score: float, rule_reasons: list[str], thresholds: Thresholds | None, profile: str,
            base_amount: int | None) -> Decision:
    """The strictest outcome wins; reasons are listed strictest first."""
    reasons = list(rule_reasons)
    if thresholds is not None:
        extra = score_reason(score, thresholds, profile, base_amount)
        if extra:
            reasons.append(extra)
    reasons.sort(key=lambda code: -SEVERITY[REASONS[code][0]])
    decision = REASONS[reasons[0]][0] if reasons else APPROVE
    return Decision(decision, score, reasons)


def risk_line(tx: Tx, decision: Decision) -> dict[str, Any]:
    """The sale as the engine saw it and what it decided, for the hub's learning loop (journal record
    `risk.decided`): the `edgepos risk score` line (a card token, never a PAN), the decision, the score in parts per
    million, the reasons, the model's version and the features it read (decimal strings of 6 significant
    digits: the journal holds no floats)."""
    sale: dict[str, Any] = {"id": tx.id, "time": datetime.fromtimestamp(tx.t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "amount_minor": tx.amount_minor, "currency": tx.currency, "card_token": tx.card,
                            "terminal_id": tx.terminal, "entry_mode": tx.entry_mode, "tender": tx.tender,
                            "profile": tx.profile}
    if tx.device is not None:
        sale["device_id"] = tx.device
    if tx.region is not None:
        sale["region"] = tx.region
    return {"sale": sale, "decision": decision.decision, "score_ppm": round(decision.score * 1_000_000),
            "reasons": list(decision.reasons), "model": decision.model,
            "features": [f"{v:.6g}" for v in decision.features]}
