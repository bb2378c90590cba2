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


@pytest.fixture(scope="session")
def broker_url():
    """The Mosquitto on 127.0.0.1:1883 (CI, these machines), else one started on a free port for the session."""
    from terminal.kiosk.broker import pick_broker

    broker = pick_broker()
    if broker.url is None:
        pytest.fail("no MQTT broker: install mosquitto (./dev does)")
    yield broker.url
    broker.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def wired(tmp_path: Path, clock: FakeClock):
    with demo_lane(tmp_path / "lane", secret=b"kiosk-test-secret-0123456789abcd", clock=clock) as lane:
        yield lane
