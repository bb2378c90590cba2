"""Rules: each one raises its reason with a sentence; the score combines per profile; strictest outcome wins."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from models.decision import (
    APPROVE,
    DECLINE,
    PIN,
    PROFILES,
    REASONS,
    SUPERVISOR,
    Offline,
    Thresholds,
    combine,
    rules,
    to_base,
)

T = 1_767_600_000


class Blocked:
    def is_blacklisted(self, token: str) -> bool:
        return token == "tk_bad"


def _rules(**kw) -> list[str]:
    args = {"t": T, "amount_minor": 2500, "currency": "CNY", "card_token": "tk_ok", "entry_mode": "chip",
            "profile": "retail", "card_sales_1h": 0, "card_sales_1d": 0, "blacklists": (Blocked(),)}
    args.update(kw)
    return rules(**args)


@pytest.mark.parametrize(("kw", "code"), [
    ({"card_token": "tk_bad"}, "blacklisted"),
    ({"currency": "USD"}, "currency_not_accepted"),
    ({"profile": "cross_border", "currency": "USD", "rates": {"CNY": Decimal(1)}}, "no_fx_rate"),
    ({"amount_minor": 20_000_000}, "over_sale_limit"),
    ({"amount_minor": 2_500_000}, "amount_supervisor"),
    ({"amount_minor": 400_000}, "amount_pin"),
    ({"profile": "cross_border", "currency": "HKD", "amount_minor": 6_000_000}, "aml_limit"),
    ({"offline": Offline(T - 3600), "amount_minor": 60_000}, "offline_sale_limit"),
    ({"offline": Offline(T - 3600, approved_total=499_000)}, "offline_total_limit"),
    ({"offline": Offline(T - 4 * 86400)}, "offline_too_long"),
    ({"card_sales_1h": 10}, "velocity_hour"),
    ({"card_sales_1d": 30}, "velocity_day"),
    ({"entry_mode": "manual"}, "key_entered"),
])
def test_each_rule_gives_its_reason(kw: dict, code: str) -> None:
    assert code in _rules(**kw)
    decision = combine(0.0, _rules(**kw), None, kw.get("profile", "retail"), 2500)
    assert decision.decision == REASONS[code][0]
    assert decision.explain()[0]["text"].endswith(".")


def test_plain_sale_passes_and_every_reason_reads_as_a_sentence() -> None:
    assert _rules() == []
    for decision, text in REASONS.values():
        assert decision in (APPROVE, PIN, SUPERVISOR, DECLINE)
        assert 10 < len(text) <= 100 and text[0].isupper() and text.endswith(".")


def test_fx_uses_decimal_and_rounds_half_even() -> None:
    assert to_base(108, "HKD", {"HKD": Decimal("1.08")}) == 100
    assert to_base(5, "X", {"X": Decimal(2)}) == 2  # 2.5 -> 2
    assert to_base(100, "JPY", {}) is None


TH = Thresholds(pin=0.2, supervisor=0.5, decline=0.9)


def test_score_thresholds_per_profile() -> None:
    assert combine(0.1, [], TH, "retail", 50_000).decision == APPROVE
    assert combine(0.3, [], TH, "retail", 50_000).reasons == ["risk_pin"]
    assert combine(0.6, [], TH, "retail", 50_000).decision == SUPERVISOR
    assert combine(0.95, [], TH, "retail", 50_000).decision == DECLINE
    # retail is lenient on small amounts: only a decline-level score stops a coffee
    assert combine(0.6, [], TH, "retail", 500).decision == APPROVE
    assert combine(0.95, [], TH, "retail", 500).decision == DECLINE
    # B2B is strict: the same score asks for more
    assert combine(0.15, [], TH, "b2b", 500).decision == PIN
    assert combine(0.6, [], TH, "b2b", 500).decision == DECLINE


def test_strictest_outcome_wins_and_reasons_are_ordered() -> None:
    d = combine(0.3, ["key_entered", "blacklisted"], TH, "retail", 50_000)
    assert d.decision == DECLINE
    assert d.reasons[0] == "blacklisted" and set(d.reasons) == {"blacklisted", "key_entered", "risk_pin"}


@pytest.mark.parametrize(("amount", "currency", "rate", "cny_minor"), [
    (10_000, "USD", Decimal("0.14"), 71_429),  # 100.00 USD -> 714.29 CNY (two decimals each side)
    (10_000, "JPY", Decimal("20.5"), 48_780),  # 10,000 yen (no minor unit) -> 487.80 CNY, not 4.88
    (1_000, "KWD", Decimal("0.043"), 2_326),  # 1.000 KWD (three decimals) -> 23.26 CNY, not 232.56
    (5, "CNY", Decimal("1"), 5),
])
def test_to_base_keeps_each_currencys_exponent(amount, currency, rate, cny_minor) -> None:
    assert to_base(amount, currency, {currency: rate}) == cny_minor


def test_a_yen_sale_meets_the_same_limits_as_its_value_in_yuan(monkeypatch) -> None:
    monkeypatch.setitem(PROFILES, "cross_border_jpy",
                        dataclasses.replace(PROFILES["retail"], currencies=frozenset({"CNY", "JPY"})))
    rates = {"CNY": Decimal(1), "JPY": Decimal("20.5")}  # the retail PIN limit, 3,000.00 CNY, is 61,500 yen
    under = rules(t=T, amount_minor=61_000, currency="JPY", card_token="tk_1", entry_mode="chip",
                  profile="cross_border_jpy", card_sales_1h=0, card_sales_1d=0, rates=rates)
    over = rules(t=T, amount_minor=62_000, currency="JPY", card_token="tk_1", entry_mode="chip",
                 profile="cross_border_jpy", card_sales_1h=0, card_sales_1d=0, rates=rates)
    assert "amount_pin" not in under and "amount_pin" in over
