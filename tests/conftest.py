"""Shared fixtures: real files in a temporary directory, real keys."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sync.journal import Journal
from sync.keystore import FileKeyStore

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def keystore(tmp_path: Path) -> FileKeyStore:
    return FileKeyStore.create(tmp_path / "keys.json", b"correct horse battery staple", "T-0001")


@pytest.fixture
def journal(tmp_path: Path, keystore: FileKeyStore):
    with Journal.create(tmp_path / "journal.db", keystore) as j:
        yield j
