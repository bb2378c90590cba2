"""Attendant badges: the NFC badge's UID mapped to an operator (terminal.operators). Only a keyed hash of the UID is
stored (HMAC-SM3 with the till's token key), so a copy of the database does not list badge numbers."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sync.crypto import hmac_sm3
from sync.sqlite_tx import create_private, transaction
from terminal.operators.store import Operator, UnknownOperator


class BadgeStore:
    def __init__(self, path: Path | str, key: bytes) -> None:
        if str(path) != ":memory:":
            create_private(path)
        self._key = key
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        with transaction(self._conn):
            self._conn.execute("CREATE TABLE IF NOT EXISTS badges (uid_mac TEXT PRIMARY KEY, operator TEXT NOT NULL)")

    def _mac(self, uid: bytes) -> str:
        return hmac_sm3(self._key, b"badge:" + uid).hex()

    def enrol(self, uid: bytes, operator_id: str) -> None:
        with transaction(self._conn):
            self._conn.execute("INSERT OR REPLACE INTO badges VALUES (?, ?)", (self._mac(uid), operator_id))

    def operator(self, uid: bytes, operators: Any) -> Operator:
        row = self._conn.execute("SELECT operator FROM badges WHERE uid_mac = ?", (self._mac(uid),)).fetchone()
        if row is None:
            raise UnknownOperator("This badge is not known here.", code="kiosk_badge_unknown")
        return operators.get(row[0])  # a disabled operator's badge is refused like an unknown one

    def close(self) -> None:
        self._conn.close()
