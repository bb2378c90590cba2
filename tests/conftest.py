"""Shared fixtures: real files in a temporary directory, real keys, the real `edgepos` executable."""

from __future__ import annotations

import os
import subprocess
import sys
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


def edgepos(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the installed `edgepos` console script (the one users run), capturing its output."""
    script = Path(sys.executable).parent / "edgepos"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "terminal.cli"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=300, check=check)
