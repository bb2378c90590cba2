"""Kiosk lanes on the demo rig's real parts (journal, operators, risk engine, EMV kernel over emulated cards)."""

from __future__ import annotations

import shutil
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


SECRET = b"kiosk-test-secret-0123456789abcd"


@pytest.fixture(scope="session")
def lane_secret() -> bytes:
    return SECRET


@pytest.fixture(scope="session")
def lane_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo lane set up once (keys, journal, sample staff with their PIN hashes); each test gets a copy, so a
    test opens a lane of its own without paying for the set-up again."""
    where = tmp_path_factory.mktemp("kiosk-template") / "lane"
    demo_lane(where, secret=SECRET).close()
    return where


@pytest.fixture
def lane_dir(tmp_path: Path, lane_template: Path) -> Path:
    copy = tmp_path / "lane"
    shutil.copytree(lane_template, copy)
    return copy


@pytest.fixture
def wired(lane_dir: Path, clock: FakeClock):
    with demo_lane(lane_dir, secret=SECRET, clock=clock) as lane:
        yield lane
