"""Hub fixtures: every test module runs against SQLite (temporary file) and PostgreSQL (a fresh schema)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hubkit import ADMIN_TOKEN, BACKENDS, CHROMIUM, Clock, Terminal, pg_available, pg_schema

from hub.store import Store


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Where a hub keeps its data: {"db": path} or {"dsn": dsn}."""
    if request.param == "sqlite":
        yield {"db": str(tmp_path_factory.mktemp("hub") / "hub.db")}
        return
    if not pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432 (CI runs both backends)")
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    with pg_schema() as dsn:
        yield {"dsn": dsn}


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(autouse=True)
def _real_time(clock: Clock) -> None:
    """Each test starts at real time, whatever an earlier test of the module did to the hub's clock."""
    clock.offset = timedelta(0)


@pytest.fixture(scope="module")
def store(backend: dict[str, str], clock: Clock) -> Iterator[Store]:
    store = Store.open(path=backend.get("db"), dsn=backend.get("dsn"), clock=clock)
    yield store
    store.close()


@pytest.fixture(scope="module")
def client(store: Store, clock: Clock):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette prefers httpx2 for its TestClient; httpx works
        from fastapi.testclient import TestClient

    from hub.app import create_app

    with TestClient(create_app(store, ADMIN_TOKEN, clock, sweep_every_s=None),
                    raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def terminal(tmp_path: Path, store: Store) -> Terminal:
    """A terminal enrolled with the store (new ids each test: tests share a module's store)."""
    return Terminal.create(tmp_path).enrol(store)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Debian's Chromium driven by Playwright (never `playwright install`), one per browser test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield browser
        browser.close()
