"""One real hub process shared by the digital-currency tests of a session."""

from __future__ import annotations

import pytest
from cbdckit import ADMIN_TOKEN

from hub.process import HubProcess


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory):
    where = tmp_path_factory.mktemp("hub12")
    with HubProcess(db=where / "hub.db", admin_token=ADMIN_TOKEN, log=where / "hub.log") as process:
        yield process


CONTACT_READER = "Virtual PCD 00 01"  # vpcd's second reader (port 35964): the hard-wallet slot in these tests


@pytest.fixture(scope="session")
def pcscd():
    """The real pcscd, as tests/drivers starts it: reused when one runs already (only one per machine)."""
    import shutil

    from drivers.errors import ServiceUnavailable
    from drivers.pcscd import PcscdService

    if shutil.which("pcscd") is None:
        pytest.fail("pcscd is not installed (Debian: pcscd vsmartcard-vpcd)")
    service = PcscdService(CONTACT_READER)
    try:
        service.__enter__()
    except ServiceUnavailable as exc:
        pytest.fail(f"{exc}. {exc.advice}")
    yield CONTACT_READER
    service.__exit__()
