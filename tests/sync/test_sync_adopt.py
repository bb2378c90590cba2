"""A journal restored from an older copy adopts its own later records back (what `edgepos till catch-up` fetches
from the hub) only when each continues its chain and carries its own signature."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from sync.journal import Journal, JournalError
from sync.keystore import FileKeyStore
from sync.verify import verify_journal


def test_older_copy_adopts_its_own_later_records_and_nothing_else(tmp_path: Path, keystore: FileKeyStore) -> None:
    live = Journal.create(tmp_path / "journal.db", keystore)
    for n in range(2):
        live.append("sale.completed", {"n": n})
    live.close()
    shutil.copyfile(tmp_path / "journal.db", tmp_path / "old.db")  # Monday's backup
    live = Journal.open(tmp_path / "journal.db", keystore)
    later = [live.append("sale.completed", {"n": n}) for n in range(2, 5)]
    with Journal.open(tmp_path / "old.db", keystore) as old:
        altered = dataclasses.replace(later[0], payload_raw=b'{"n":99}')
        with pytest.raises(JournalError, match="does not continue"):
            old.adopt([altered, *later[1:]])
        other_keys = FileKeyStore.create(tmp_path / "other.json", b"another secret", keystore.terminal_id)
        forged = Journal.create(tmp_path / "forged.db", other_keys)
        with pytest.raises(JournalError):
            old.adopt([forged.append("sale.completed", {"n": 2})])
        forged.close()
        with pytest.raises(JournalError):
            old.adopt(later[1:])  # a gap
        assert old.head()[0] == 2  # nothing of a refused batch was written
        assert old.adopt(later) == 3
        assert old.head() == live.head() and old.outbox_stats()[0] == 2  # adopted ones count as acknowledged
    live.close()
    assert verify_journal(tmp_path / "old.db", keystore.public_key()).ok
