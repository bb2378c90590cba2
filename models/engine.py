"""The risk engine the checkout calls: features (state updated) + ONNX score + rules -> decision with reasons."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from models.decision import DEFAULT_RATES, BlacklistSource, Decision, Offline, combine, rules, to_base
from models.features import CARD_CNT_1D, CARD_CNT_1H, FeatureState, Tx
from models.scorer import Scorer

shadow_log = logging.getLogger("edgepos.risk.shadow")


class RiskEngine:
    def __init__(self, state: FeatureState, scorer: Scorer | None, blacklists: tuple[BlacklistSource, ...] = (),
                 rates: Mapping[str, Decimal] = DEFAULT_RATES) -> None:
        self.state = state
        self.scorer = scorer
        self.blacklists = (state, *blacklists)  # the state holds tokens confirmed as fraud by feedback lines
        self.rates = rates
        self.shadow_decisions: list[dict[str, Any]] = []  # the last few, for inspection; the log has them all

    def decide(self, tx: Tx, offline: Offline | None = None) -> Decision:
        blocked = any(source.is_blacklisted(tx.card) for source in self.blacklists)
        features = self.state.observe(tx, blocked=blocked)
        cnt_1h, cnt_1d = int(features[CARD_CNT_1H]), int(features[CARD_CNT_1D])
        reasons = rules(t=tx.t, amount_minor=tx.amount_minor, currency=tx.currency, card_token=tx.card,
                        entry_mode=tx.entry_mode, profile=tx.profile, card_sales_1h=cnt_1h, card_sales_1d=cnt_1d,
                        blacklists=self.blacklists, rates=self.rates, offline=offline)
        base = to_base(tx.amount_minor, tx.currency, self.rates)
        model = self.scorer.active if self.scorer else None
        score = model.score(features) if model else 0.0
        decision = combine(score, reasons, model.thresholds if model else None, tx.profile, base)
        decision.features, decision.model = tuple(features), model.version if model else None
        shadow = self.scorer.shadow if self.scorer else None
        if shadow is not None:
            s_score = shadow.score(features)
            s_dec = combine(s_score, reasons, shadow.thresholds, tx.profile, base)
            entry = {"id": tx.id, "model": shadow.version, "score": round(s_score, 6), "decision": s_dec.decision,
                     "reasons": s_dec.reasons, "applied": decision.decision}
            shadow_log.info("shadow %s", entry)
            self.shadow_decisions.append(entry)
            del self.shadow_decisions[:-1000]
        return decision

    def offline_check(self, *, t: int, amount_minor: int, currency: str, profile: str,
                      offline: Offline) -> tuple[list[str], int]:
        """One more approval while the hub is silent: the offline-limit reasons it raises (empty: within the
        profile's limits) and what it adds to the offline total, in base-currency minor units."""
        codes = [c for c in rules(t=t, amount_minor=amount_minor, currency=currency, card_token="", entry_mode="chip",
                                  profile=profile, card_sales_1h=0, card_sales_1d=0, rates=self.rates, offline=offline)
                 if c.startswith("offline_")]
        return codes, to_base(amount_minor, currency, self.rates) or 0

