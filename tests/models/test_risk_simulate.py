"""The fraud simulator: reproducible per seed, the scenario mix changes what happens, well-formed stream."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from riskkit import small_stream

from models.features import parse_feedback, parse_tx
from models.simulate import parse_mix


def _scenarios(lines: tuple[str, ...]) -> Counter:
    return Counter(json.loads(x)["label"]["scenario"] for x in lines if '"feedback"' not in x)


def test_same_seed_same_stream_other_seed_other_stream() -> None:
    small_stream.cache_clear()
    first = small_stream(5)
    small_stream.cache_clear()
    assert small_stream(5) == first
    assert small_stream(6) != first


def test_mix_changes_outcomes() -> None:
    base = _scenarios(small_stream(5))
    no_testing = _scenarios(small_stream(5, mix=(("card_testing", 0.0),)))
    lots = _scenarios(small_stream(5, mix=(("card_testing", 5.0), ("compromised_terminal", 0.0))))
    assert base["card_testing"] > 0
    assert no_testing["card_testing"] == 0
    assert lots["card_testing"] > 2 * base["card_testing"]
    assert lots["compromised_terminal"] == 0


def test_stream_is_time_ordered_parseable_and_feedback_follows_fraud() -> None:
    lines = [json.loads(x) for x in small_stream(5)]
    times, frauds, seen = [], set(), set()
    for line in lines:
        if "feedback" in line:
            tx_id, t, fraud = parse_feedback(line)
            assert fraud and tx_id in frauds  # feedback only for earlier fraudulent sales
            times.append(t)
            continue
        tx = parse_tx(line)
        assert isinstance(line["amount_minor"], int) and line["time"].endswith("Z")
        assert tx.id not in seen
        seen.add(tx.id)
        if line["label"]["fraud"]:
            frauds.add(tx.id)
        times.append(tx.t)
    assert times == sorted(times)
    assert any("feedback" in line for line in lines)


@pytest.mark.parametrize("text", ["nonsense=1", "card_testing", "card_testing=-1", "card_testing=inf"])
def test_bad_mix_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_mix(text)


def test_simulate_start_with_an_offset_is_converted_not_overwritten(tmp_path) -> None:
    from argparse import Namespace

    from models.cli import cmd_risk_simulate

    out = tmp_path / "stream.jsonl"
    args = Namespace(mix=None, days=1, customers=200, terminals=50, seed=3, start="2026-01-05T08:00:00+08:00",
                     out=out, drift=False, reissue=False)
    assert cmd_risk_simulate(args) == 0
    times = [json.loads(x).get("time") for x in out.read_text().splitlines()]
    times = [t for t in times if t]
    assert times and all("2026-01-05T00:00:00Z" <= t < "2026-01-06T00:00:00Z" for t in times)
