"""What each checkout action tells the UI: the state reached, a code with parameters the UI words in the screen's
language, and the same in one English sentence (logs, the CLI, the headless demo)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from terminal.checkout.states import State


@dataclass(frozen=True)
class Outcome:
    """`result`: approved (tender taken), completed (sale paid, journalled), declined, step_up, error, cancelled,
    qr_shown. `code` + `params` are what the cashier reads (see terminal.checkout.errors for the params' rules;
    `params["then"]` is a tuple of (code, params) sentences that follow); `sentence` is the English of it.
    `latency_ms` is the software path to the durable record."""

    result: str
    state: State
    sentence: str
    sale_id: str | None = None
    remaining_minor: int = 0
    change_minor: int = 0
    offline: bool = False
    stepped_up: bool = False
    latency_ms: float | None = None
    receipt_printed: bool | None = None
    qr_payload: str | None = None
    reasons: tuple[str, ...] = field(default_factory=tuple)
    code: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result in ("approved", "completed")
