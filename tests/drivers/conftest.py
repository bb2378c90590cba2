"""Device fixtures on the real stacks: one pcscd (with the vpcd virtual reader) for the whole session."""

from __future__ import annotations

import shutil

import pytest

READER = "Virtual PCD 00 00"


@pytest.fixture(scope="session")
def pcscd():
    """The real pcscd: reused when one runs already (only one per machine), else started here and stopped after."""
    from drivers.errors import ServiceUnavailable
    from drivers.pcscd import PcscdService

    if shutil.which("pcscd") is None:
        pytest.fail("pcscd is not installed (Debian: pcscd vsmartcard-vpcd)")
    service = PcscdService(READER)
    try:
        service.__enter__()
    except ServiceUnavailable as exc:  # it stopped the pcscd it started before raising
        pytest.fail(f"{exc}. {exc.advice}")
    yield READER
    service.__exit__()
