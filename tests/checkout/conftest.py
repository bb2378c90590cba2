"""Tills built from real parts (journal, key store, risk engine with the shipped model, operators, EMV kernel over
the card emulator, ESC/POS printer) and one real hub process shared by the module's tests."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from checkout_support import ADMIN_TOKEN

from hub.process import HubProcess
from terminal.demo.rig import build_till


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory):
    where = tmp_path_factory.mktemp("hub")
    with HubProcess(db=where / "hub.db", admin_token=ADMIN_TOKEN,
                    log=where / "hub.log") as process:
        yield process


def _terminal_id() -> str:
    return f"T-CO-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def till(tmp_path: Path, hub: HubProcess):
    """Online till: enrolled at the shared hub."""
    made = build_till(tmp_path / "till", terminal_id=_terminal_id(), hub_url=hub.url,
                      enrol_code=hub.enrol_code("M-DEMO").encode())
    yield made
    made.close()


@pytest.fixture
def offline_till(tmp_path: Path):
    """A till whose hub address answers nothing (a closed port): every authorisation is `unavailable`."""
    made = build_till(tmp_path / "till", terminal_id=_terminal_id(), hub_url="http://127.0.0.1:9")
    yield made
    made.close()
