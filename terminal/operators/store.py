"""The operator store: SQLite next to the journal, PINs hashed (pin_hash.py), lock-out after 5 wrong PINs.

Every privileged action goes through `authorize`, which checks the role (the actor's, or an approver's PIN given on
the spot) and appends an `audit.privileged` journal record naming who did what and who approved it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sync.sqlite_tx import create_private
from terminal.operators.pin_hash import check_pin, hash_pin, new_salt, valid_pin
from terminal.operators.roles import Permission, Role, allowed

log = logging.getLogger("edgepos.operators")
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
_DUMMY_SALT = b"\x00" * 16


class AuditJournal(Protocol):
    def append(self, record_type: str, payload: Mapping[str, Any], sensitive: Mapping[str, Any] | None = None
               ) -> Any: ...


class OperatorError(Exception):
    """Base: a stable `code` and plain `params` the UI words in the screen's language (a param ending in `_role` is
    a Role value), and the same as one English sentence (str(exc)) for logs and the CLI."""

    def __init__(self, message: str, *, code: str = "", params: Mapping[str, Any] | None = None
                 ) -> None:
        super().__init__(message)
        self.code, self.params = code, dict(params or {})


class UnknownOperator(OperatorError):
    pass


class WrongPin(OperatorError):
    def __init__(self, message: str, tries_left: int) -> None:
        super().__init__(message, code="wrong_pin", params={"tries_left": tries_left})
        self.tries_left = tries_left


class LockedOut(OperatorError):
    def __init__(self, message: str, until: datetime | None, *, code: str = "operator_locked") -> None:
        super().__init__(message, code=code, params={"until": f"{until:%H:%M}" if until is not None else ""})
        self.until = until


class NotPermitted(OperatorError):
    pass


@dataclass(frozen=True, slots=True)
class Operator:
    operator_id: str
    name: str
    role: Role

    def can(self, permission: Permission) -> bool:
        return allowed(self.role, permission)


def pepper_from_keystore(keystore: Any) -> bytes:
    """The pepper lives with the terminal keys (never in operators.db): derived from the key store's token key."""
    return hmac.new(keystore.token_key(), b"edgepos-operator-pin-pepper-v1", hashlib.sha256).digest()


def operators_path_for(journal_path: str | Path) -> Path:
    return Path(journal_path).with_name("operators.db")


def _utc_now() -> datetime:
    return datetime.now(UTC)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS operators (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, salt BLOB NOT NULL, hash BLOB NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0, locked_until TEXT, created_at TEXT NOT NULL, disabled_at TEXT
)"""


class OperatorStore:
    def __init__(self, conn: sqlite3.Connection, pepper: bytes, clock: Callable[[], datetime],
                 audit: AuditJournal | None) -> None:
        self._conn, self._pepper, self._clock, self.audit = conn, pepper, clock, audit

    @classmethod
    def open(cls, path: str | Path, pepper: bytes, *, clock: Callable[[], datetime] = _utc_now,
             audit: AuditJournal | None = None) -> OperatorStore:
        if len(pepper) < 16:
            raise ValueError("the PIN pepper must be at least 16 bytes")
        create_private(path)  # PIN hashes: owner only, like the journal and the keys
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute(_SCHEMA)
        columns = {row[1] for row in conn.execute("PRAGMA table_info(operators)")}
        if "disabled_at" not in columns:  # stores made before operators could be disabled
            conn.execute("ALTER TABLE operators ADD COLUMN disabled_at TEXT")
        return cls(conn, pepper, clock, audit)

    def close(self) -> None:
        self._conn.close()

    # --- operators ----------------------------------------------------------------------------------------------

    def add(self, operator_id: str, name: str, role: Role | str, pin: str, *, by: Operator | None = None) -> Operator:
        """Enrol an operator. The very first one (an empty store: set-up) needs no `by`; later ones need a manager."""
        empty = self._conn.execute("SELECT count(*) FROM operators").fetchone()[0] == 0
        if not empty and (by is None or not by.can(Permission.MANAGE_OPERATORS)):
            raise NotPermitted("Only a manager can add operators.", code="only_manager_adds")
        if not valid_pin(pin):
            raise OperatorError("A PIN is 4 to 12 digits.", code="pin_format")
        if not operator_id or not name:
            raise OperatorError("An operator needs an id and a name.", code="operator_needs_id_name")
        salt = new_salt()
        try:
            self._conn.execute("INSERT INTO operators (id, name, role, salt, hash, created_at) VALUES (?,?,?,?,?,?)",
                               (operator_id, name, str(Role(role)), salt, hash_pin(pin, salt, self._pepper),
                                self._clock().isoformat()))
        except sqlite3.IntegrityError:
            raise OperatorError(f"Operator {operator_id} already exists.", code="operator_exists",
                                params={"operator_id": operator_id}) from None
        self._audit("operator_add", by.operator_id if by else "setup", None, {"operator": operator_id,
                                                                               "role": str(Role(role))})
        return Operator(operator_id, name, Role(role))

    def get(self, operator_id: str) -> Operator:
        row = self._conn.execute("SELECT id, name, role FROM operators WHERE id = ?", (operator_id,)).fetchone()
        if row is None:
            raise UnknownOperator("Unknown operator. Check the operator number.", code="unknown_operator")
        return Operator(row[0], row[1], Role(row[2]))

    def all(self, include_disabled: bool = False) -> list[Operator]:
        """Every enrolled operator still allowed in, in the order they were enrolled (the login screen lists
        them); `include_disabled` adds the disabled ones (`edgepos operators list`)."""
        where = "" if include_disabled else "WHERE disabled_at IS NULL "
        rows = self._conn.execute(f"SELECT id, name, role FROM operators {where}ORDER BY created_at, rowid").fetchall()
        return [Operator(ident, name, Role(role)) for ident, name, role in rows]

    def is_disabled(self, operator_id: str) -> bool:
        row = self._conn.execute("SELECT disabled_at FROM operators WHERE id = ?", (operator_id,)).fetchone()
        if row is None:
            raise UnknownOperator("Unknown operator. Check the operator number.", code="unknown_operator")
        return row[0] is not None

    def disable(self, manager: Operator, operator_id: str) -> None:
        """The operator can no longer log in or approve (kept for the audit trail; ids are never reused)."""
        self.get(operator_id)
        if operator_id == manager.operator_id:
            raise NotPermitted("A manager cannot disable themselves; ask another manager.",
                               code="manager_disables_self")
        self.authorize(manager, Permission.MANAGE_OPERATORS, "operator_disable", details={"operator": operator_id})
        self._conn.execute("UPDATE operators SET disabled_at = ? WHERE id = ?", (self._clock().isoformat(),
                                                                                operator_id))

    def set_pin(self, manager: Operator, operator_id: str, pin: str) -> None:
        """A manager sets a new PIN (forgotten PIN); it also lifts a lock-out."""
        self.get(operator_id)
        if not valid_pin(pin):
            raise OperatorError("A PIN is 4 to 12 digits.", code="pin_format")
        self.authorize(manager, Permission.MANAGE_OPERATORS, "operator_reset_pin", details={"operator": operator_id})
        salt = new_salt()
        self._conn.execute("UPDATE operators SET salt = ?, hash = ?, failures = 0, locked_until = NULL WHERE id = ?",
                           (salt, hash_pin(pin, salt, self._pepper), operator_id))

    def login(self, operator_id: str, pin: str) -> Operator:
        """Check the PIN and journal the login; wrong PINs count towards the lock-out."""
        operator = self.verify(operator_id, pin)
        if self.audit is not None:
            self.audit.append("operator.login", {"operator": operator.operator_id, "role": str(operator.role)})
        return operator

    def verify(self, operator_id: str, pin: str) -> Operator:
        """Check an operator's PIN (login or an approval on the spot). Raises WrongPin, LockedOut, UnknownOperator."""
        row = self._conn.execute("SELECT id, name, role, salt, hash, failures, locked_until FROM operators "
                                 "WHERE id = ? AND disabled_at IS NULL", (operator_id,)).fetchone()
        if row is None:  # a disabled operator looks exactly like an unknown one
            hash_pin("0000", _DUMMY_SALT, self._pepper)  # same time as a real check: ids cannot be probed
            raise UnknownOperator("Unknown operator or wrong PIN.", code="unknown_operator_or_pin")
        ident, name, role, salt, expected, failures, locked_until = row
        now = self._clock()
        if locked_until is not None:
            until = datetime.fromisoformat(locked_until)
            if now < until:
                raise LockedOut(f"This operator is locked until {until:%H:%M} UTC. Ask a manager to unlock.", until)
            failures = 0  # the lock-out has run out: a fresh count
            self._conn.execute("UPDATE operators SET failures = 0, locked_until = NULL WHERE id = ?", (ident,))
        if not valid_pin(pin) or not check_pin(pin, salt, self._pepper, expected):
            failures += 1
            if failures >= MAX_FAILURES:
                until = now + LOCKOUT
                self._conn.execute("UPDATE operators SET failures = ?, locked_until = ? WHERE id = ?",
                                   (failures, until.isoformat(), ident))
                log.warning("operator locked out after %d wrong PINs: %s", failures, ident)
                if self.audit is not None:
                    self.audit.append("operator.locked_out", {"operator": ident, "until": until.isoformat()})
                raise LockedOut(f"Too many wrong PINs: locked until {until:%H:%M} UTC. Ask a manager to unlock.",
                                until, code="too_many_wrong_pins")
            self._conn.execute("UPDATE operators SET failures = ? WHERE id = ?", (failures, ident))
            raise WrongPin(f"Wrong PIN. {MAX_FAILURES - failures} tries left.", MAX_FAILURES - failures)
        if failures:
            self._conn.execute("UPDATE operators SET failures = 0 WHERE id = ?", (ident,))
        return Operator(ident, name, Role(role))

    def reset_lockout(self, manager: Operator, operator_id: str) -> None:
        self.get(operator_id)
        self.authorize(manager, Permission.RESET_LOCKOUT, "reset_lockout", details={"operator": operator_id})
        self._conn.execute("UPDATE operators SET failures = 0, locked_until = NULL WHERE id = ?", (operator_id,))

    # --- privileges ---------------------------------------------------------------------------------------------

    def authorize(self, actor: Operator, permission: Permission, action: str, *, approver_id: str | None = None,
                  approver_pin: str | None = None, details: Mapping[str, Any] | None = None) -> Operator:
        """Allow `action` when the actor's role has `permission`, or when an approver with that permission types
        their PIN now. Returns who approved; journals an `audit.privileged` record first."""
        if actor.can(permission) and approver_id is None:
            approver = actor
        elif approver_id is not None and approver_pin is not None:
            approver = self.verify(approver_id, approver_pin)
            if not approver.can(permission):
                raise NotPermitted(f"{approver.name} ({approver.role}) cannot approve this. Call a "
                                   f"{_who_can(permission)}.", code="approver_not_permitted",
                                   params={"name": approver.name, "approver_role": str(approver.role),
                                           "needed_role": _who_can(permission)})
        else:
            raise NotPermitted(f"A {_who_can(permission)} must approve this.", code="approval_needed",
                               params={"needed_role": _who_can(permission)})
        self._audit(action, actor.operator_id, approver.operator_id, dict(details or {}), str(permission))
        return approver

    def _audit(self, action: str, who: str, approved_by: str | None, details: dict[str, Any],
               permission: str | None = None) -> None:
        if self.audit is None:
            return
        self.audit.append("audit.privileged", {"action": action, "permission": permission, "operator": who,
                                               "approved_by": approved_by, "details": details,
                                               "at": self._clock().astimezone(UTC).isoformat()})


def _who_can(permission: Permission) -> str:
    for role in (Role.SUPERVISOR, Role.MANAGER):
        if allowed(role, permission):
            return str(role)
    return "manager"
