"""Kiosk lanes on the demo rig's real parts (journal, operators, risk engine, EMV kernel over emulated cards)."""

from __future__ import annotations

from pathlib import Path

import pytest

from terminal.kiosk.wiring import demo_lane


class FakeClock:
    """Monotonic seconds the idle tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def wired(tmp_path: Path, clock: FakeClock):
    with demo_lane(tmp_path / "lane", secret=b"kiosk-test-secret-0123456789abcd", clock=clock) as lane:
        yield lane
