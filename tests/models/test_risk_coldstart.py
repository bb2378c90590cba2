"""Cold start in the simulator: new tills and new shops open during the stream, some cards are first used during
it, and a few busy shops draw most of their neighbours' custom; off by default, so existing streams keep their bytes."""

from __future__ import annotations

import json
from collections import Counter

from models.simulate import Config, generate

COLD = {"opening": 0.1, "joining": 0.1, "busy": 0.05}


def test_terminals_open_and_cards_join_during_the_stream() -> None:
    cfg = Config(seed=3, days=10, customers=300, terminals=150, **COLD)
    lines = [x for x in generate(cfg) if "feedback" not in x]
    first: dict[str, str] = {}
    for line in lines:
        first.setdefault(line["terminal_id"], line["time"][:10])
    assert len([t for t, day in first.items() if day > "2026-01-05"]) >= 5  # about 10 % open on a later day
    plain = [x for x in generate(Config(seed=3, days=10, customers=300, terminals=150)) if "feedback" not in x]
    assert len({x["terminal_id"] for x in plain if x["time"][:10] == "2026-01-05"}) > len(
        {x["terminal_id"] for x in lines if x["time"][:10] == "2026-01-05"})
    busiest = max(Counter(x["terminal_id"] for x in lines).values())
    assert busiest > 1.4 * max(Counter(x["terminal_id"] for x in plain).values())  # busy shops draw the custom
    assert json.dumps(generate(cfg)) == json.dumps(generate(cfg))


def test_without_the_options_a_stream_is_what_it_was() -> None:
    plain = generate(Config(seed=3, days=6, customers=200, terminals=100))
    explicit = generate(Config(seed=3, days=6, customers=200, terminals=100, opening=0.0, joining=0.0, busy=0.0))
    assert plain == explicit
    assert len({x["terminal_id"] for x in plain if "feedback" not in x and x["time"][:10] == "2026-01-05"}) > 50
