"""What each checkout action tells the UI: the state reached and one sentence to show."""

from __future__ import annotations

from dataclasses import dataclass, field

from terminal.checkout.states import State


@dataclass(frozen=True)
class Outcome:
    """`result`: approved (tender taken), completed (sale paid, journalled), declined, step_up, error, cancelled,
    qr_shown. `sentence` is what the cashier reads; `latency_ms` is the software path to the durable record."""

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

    @property
    def ok(self) -> bool:
        return self.result in ("approved", "completed")
