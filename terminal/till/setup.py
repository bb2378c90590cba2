"""`edgepos till init`: a new till in its own data directory, every file private to the till's user.

The directory is made 0700 and every file 0600 (the process umask is 077 while they are created, so SQLite's -wal
and -shm files follow); the key store is created sealed under EDGEPOS_KEY_SECRET; the journal, sync state, risk
state and operator store exist from the start; the first manager is enrolled (their PIN read without echo); the
product list is checked and copied in; the config file is written last, so a directory with a config is a whole till.
The provisioning flow (one scanned code) is meant to call `init_till` too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from models.features import FeatureState
from sync.journal import Journal
from sync.keystore import FileKeyStore
from sync.layout import CATALOGUE, CONFIG, JOURNAL, KEYS, RISK_STATE
from sync.state import SyncState, state_path_for
from terminal.operators import OperatorStore, Role, operators_path_for, pepper_from_keystore
from terminal.till.config import TillConfig, write_config


class SetupError(Exception):
    """The till cannot be set up here; the message says why and what to do."""


@dataclass(frozen=True)
class Manager:
    operator_id: str
    name: str
    pin: str


@contextlib.contextmanager
def private_files() -> Iterator[None]:
    """Files created inside are readable by the owner only (umask 077), whatever the caller's umask was."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def new_terminal_id() -> str:
    return f"T-{uuid.uuid4().hex[:10].upper()}"


def init_till(data_dir: Path, config: TillConfig, *, secret: bytes, manager: Manager, catalogue: Path | None = None,
              terminal_id: str | None = None) -> str:
    """Set a new till up in `data_dir` (missing or empty). Returns its terminal id."""
    from terminal.bootstrap import TillUnavailable, load_catalogue

    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        held = (data_dir / CONFIG).exists() or (data_dir / KEYS).exists()
        raise SetupError(f"{data_dir} already holds a till; it is left as it is." if held else
                         f"{data_dir} is not an empty directory; choose a new one.")
    if catalogue is not None:
        try:
            load_catalogue(catalogue, config.store.currency)
        except TillUnavailable as exc:
            raise SetupError(str(exc)) from None
    terminal_id = terminal_id or new_terminal_id()
    created = not data_dir.exists()
    with private_files():
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(data_dir, 0o700)
        try:
            keystore = FileKeyStore.create(data_dir / KEYS, secret, terminal_id)
            with Journal.create(data_dir / JOURNAL, keystore) as journal:
                SyncState.open(state_path_for(journal.path)).close()
                FeatureState(data_dir / RISK_STATE).close()
                operators = OperatorStore.open(operators_path_for(journal.path), pepper_from_keystore(keystore),
                                               audit=journal)
                try:
                    operators.add(manager.operator_id, manager.name, Role.MANAGER, manager.pin)
                finally:
                    operators.close()
            if catalogue is not None:
                shutil.copyfile(catalogue, data_dir / CATALOGUE)
            write_config(data_dir, config)
        except BaseException:
            _undo(data_dir, created)
            raise
    return terminal_id


def _undo(data_dir: Path, created: bool) -> None:
    """A failed set-up leaves nothing half made behind (the directory was empty or missing before)."""
    if created:
        shutil.rmtree(data_dir, ignore_errors=True)
        return
    for child in data_dir.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
