"""Cold start: new tills and new shops open during the simulated stream, a new till's terminal-level shares start at
the population prior instead of 0 % / 100 %, and the shipped model lets a fresh till's ordinary first sales through."""

from __future__ import annotations

from collections import Counter

from models.decision import DECLINE, DEFAULT_RATES, combine, to_base
from models.features import FEATURES, PRIOR_ENTRY_SHARE, PRIOR_NEW_SHARE, FeatureState, Tx
from models.scorer import Scorer
from models.simulate import Config, generate

T0 = 1_764_100_000
_TERM = ("term_new_share_1d", "term_new_share_7d", "term_entry_share_30d", "term_log_age", "term_log_sales_30d")


def _tx(n: int, t: int, card: str, amount: int = 12_000, entry: str = "chip", tender: str = "card_contact") -> Tx:
    return Tx(f"s{n}", t, amount, "CNY", card, "T-NEW", entry, tender, "retail", None, None, None, None)


def test_terminals_open_and_cards_join_during_the_stream() -> None:
    cfg = Config(seed=3, days=10, customers=300, terminals=150)
    lines = [x for x in generate(cfg) if "feedback" not in x]
    first: dict[str, str] = {}
    for line in lines:
        first.setdefault(line["terminal_id"], line["time"][:10])
    opened_later = [t for t, day in first.items() if day > "2026-01-05"]
    assert len(opened_later) >= 5  # about 10 % of the terminals open on a later day
    closed = [x for x in generate(Config(seed=3, days=10, customers=300, terminals=150, opening=0.0, joining=0.0))
              if "feedback" not in x]
    assert len({x["terminal_id"] for x in closed if x["time"][:10] == "2026-01-05"}) > len(
        {x["terminal_id"] for x in lines if x["time"][:10] == "2026-01-05"})
    per_term = Counter(x["terminal_id"] for x in lines)
    assert max(per_term.values()) > 5 * sorted(per_term.values())[len(per_term) // 2]  # busy shops exist
    assert generate(cfg) == generate(cfg)


def test_a_new_terminal_starts_from_the_population_prior() -> None:
    state = FeatureState()
    f = dict(zip(FEATURES, state.observe(_tx(0, T0, "tk_a")), strict=True))
    assert f["term_new_share_1d"] == PRIOR_NEW_SHARE[1] and f["term_new_share_7d"] == PRIOR_NEW_SHARE[2]
    assert f["term_entry_share_30d"] == PRIOR_ENTRY_SHARE["chip"]
    assert f["term_log_age"] == -1.0 and f["term_log_sales_30d"] == 0.0
    for n in range(1, 400):  # a busy first week: every card new, then regulars
        f = dict(zip(FEATURES, state.observe(_tx(n, T0 + n * 1500, f"tk_{n % 60}")), strict=True))
    assert 0.05 < f["term_new_share_7d"] < 0.2  # the terminal's own share now dominates the prior
    assert f["term_entry_share_30d"] > 0.9 and f["term_log_age"] > 13


def test_a_fresh_till_lets_its_first_ordinary_customers_pay() -> None:
    model = Scorer.shipped().active
    assert model is not None
    state = FeatureState()
    modes = (("chip", "card_contact"), ("contactless", "card_contactless"), ("qr", "qr_customer"))
    decided = []
    for n in range(30):  # thirty different customers, one every few minutes, everyday amounts
        entry, tender = modes[n % 3]
        amount = 1_500 + (n * 3_700) % 30_000
        tx = _tx(n, T0 + n * 240, f"tk_{n}", amount, entry, tender)
        score = model.score(state.observe(tx))
        decided.append(combine(score, [], model.thresholds, "retail", to_base(amount, "CNY", DEFAULT_RATES)).decision)
    assert DECLINE not in decided, decided
