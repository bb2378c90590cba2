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
