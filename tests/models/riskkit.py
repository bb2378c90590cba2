"""Helpers for the risk tests: small simulated streams, the `edgepos risk` command with stdin. Imported by name."""

from __future__ import annotations

import functools
import json
import subprocess
from typing import Any

from hub.process import edgepos_command
from models.simulate import Config, generate


@functools.cache
def small_stream(seed: int = 11, days: int = 8, mix: tuple[tuple[str, float], ...] = ()) -> tuple[str, ...]:
    lines = generate(Config(seed=seed, days=days, customers=300, terminals=150, mix=dict(mix)))
    return tuple(json.dumps(line) for line in lines)


def risk(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*edgepos_command(), "risk", *args], input=stdin, capture_output=True, text=True,
                          timeout=300)


def sale(tx_id: str, time: str = "2026-01-05T10:00:00Z", **extra: Any) -> dict[str, Any]:
    line = {"id": tx_id, "time": time, "amount_minor": 2500, "currency": "CNY", "card_token": "tk_" + "ab" * 16,
            "terminal_id": "T00001", "entry_mode": "contactless", "tender": "card_contactless", "profile": "retail",
            "lat": 30.5, "lon": 120.5}
    line.update(extra)
    return line
