"""Device fixtures on the real stacks: one pcscd (with the vpcd virtual reader) for the whole session."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

READER = "Virtual PCD 00 00"


def _readers() -> list[str]:
    from drivers.card.pcsc import list_readers

    try:
        return list_readers()
    except Exception:
        return []


@pytest.fixture(scope="session")
def pcscd():
    """The real pcscd: reused when one runs already (only one per machine), else started here and stopped after."""
    if shutil.which("pcscd") is None:
        pytest.fail("pcscd is not installed (Debian: pcscd vsmartcard-vpcd)")
    running = subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True).returncode == 0
    proc = None if running else subprocess.Popen(["pcscd", "-f"], stdout=subprocess.DEVNULL,
                                                   stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while READER not in _readers():
        if time.monotonic() > deadline:
            if proc:
                proc.terminate()
            pytest.fail("pcscd started but the vpcd reader never appeared")
        time.sleep(0.01)
    yield READER
    if proc is not None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
