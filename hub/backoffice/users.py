"""Back-office users, sessions and the operator-action log.

- Users are created on the hub server (`edgepos hub user add NAME --role R --merchant M`); there is no default user
  and no default password. Passwords are hashed with argon2id (argon2-cffi); a password shorter than
  `MIN_PASSWORD` is refused.
- A session is a random cookie value made at sign-in (never one the browser brings: no session fixation); the store
  keeps only its SM3 hash, its user and its CSRF token. Sessions end after `SESSION_TTL`, at sign-out, or when the
  user is disabled.
- Every change made through the back office (sign-in, resolve, invoice, export...) is an operator action: who, when,
  what; the audit export carries them.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hub.backend import Tx
from hub.clock import iso
from hub.store import Store
from sync.crypto import Sm2PrivateKey, sm3

Role = Literal["manager", "finance", "auditor", "admin"]
ROLES: tuple[Role, ...] = ("manager", "finance", "auditor", "admin")
MIN_PASSWORD = 12
SESSION_TTL = timedelta(hours=8)
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-")
_hasher = PasswordHasher()
_DUMMY = _hasher.hash(secrets.token_hex(16))  # unknown names cost the same time as wrong passwords


class UserError(ValueError):
    """A user cannot be added or changed (the message says why)."""


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role
    merchant_id: str
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf: str
    expires_at: str


def _check_name(name: str) -> None:
    if not 1 <= len(name) <= 64 or not set(name) <= _NAME_CHARS:
        raise UserError("a user name is 1 to 64 letters, digits or . _ @ -")


def add_user(store: Store, name: str, password: str, role: str, merchant_id: str) -> User:
    _check_name(name)
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    if not 1 <= len(merchant_id) <= 64 or not set(merchant_id) <= _NAME_CHARS:
        raise UserError("the merchant id is 1 to 64 letters, digits or . _ -")
    hashed = _hasher.hash(password)
    now = store.clock()

    def add(tx: Tx) -> None:
        if tx.one("SELECT 1 FROM bo_users WHERE name = ?", (name,)):
            raise UserError(f"user {name} exists already")
        tx.run("INSERT INTO bo_users (name, password_hash, role, merchant_id, disabled, created_at) "
               "VALUES (?, ?, ?, ?, 0, ?)", (name, hashed, role, merchant_id, iso(now)))
        log_action(tx, now, "cli", merchant_id, "user.add", {"name": name, "role": role})

    store.read(add)
    return User(name, role, merchant_id)  # type: ignore[arg-type]


def list_users(store: Store) -> list[User]:
    rows = store.view(lambda tx: tx.all("SELECT name, role, merchant_id, disabled FROM bo_users ORDER BY name"))
    return [User(name, role, merchant, bool(disabled)) for name, role, merchant, disabled in rows]


def disable_user(store: Store, name: str) -> None:
    now = store.clock()

    def disable(tx: Tx) -> None:
        if not tx.run("UPDATE bo_users SET disabled = 1 WHERE name = ?", (name,)):
            raise UserError(f"no user {name}")
        tx.run("DELETE FROM bo_sessions WHERE user_name = ?", (name,))
        log_action(tx, now, "cli", None, "user.disable", {"name": name})

    store.read(disable)


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user when the password is right and the user active; None otherwise (same time either way)."""
    row = store.view(lambda tx: tx.one(
        "SELECT name, password_hash, role, merchant_id, disabled FROM bo_users WHERE name = ?", (name[:64],)))
    try:
        _hasher.verify(row[1] if row else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row[4]:
        return None
    return User(row[0], row[2], row[3])


def start_session(store: Store, user: User, client: str) -> tuple[str, Session]:
    """A new session for `user`: (cookie value, session). Expired sessions are swept on the way."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = store.clock()
    expires = iso(now + SESSION_TTL)

    def start(tx: Tx) -> None:
        tx.run("DELETE FROM bo_sessions WHERE expires_at < ?", (iso(now),))
        tx.run("INSERT INTO bo_sessions (id_hash, user_name, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
               (_hash(token), user.name, csrf, iso(now), expires))
        log_action(tx, now, user.name, user.merchant_id, "session.start", {"client": client[:64]})

    store.read(start)
    return token, Session(user, csrf, expires)


def load_session(store: Store, token: str) -> Session | None:
    if not token or len(token) > 100:
        return None
    now = iso(store.clock())
    row = store.view(lambda tx: tx.one(
        "SELECT u.name, u.role, u.merchant_id, s.csrf, s.expires_at FROM bo_sessions s JOIN bo_users u "
        "ON u.name = s.user_name WHERE s.id_hash = ? AND s.expires_at > ? AND u.disabled = 0", (_hash(token), now)))
    if row is None:
        return None
    return Session(User(row[0], row[1], row[2]), row[3], row[4])


def end_session(store: Store, token: str) -> None:
    store.read(lambda tx: tx.run("DELETE FROM bo_sessions WHERE id_hash = ?", (_hash(token),)))


def _hash(token: str) -> str:
    return sm3(b"edgepos-bo-session\n" + token.encode()).hex()


def log_action(tx: Tx, now: datetime, actor: str, merchant_id: str | None, action: str, detail: dict[str, Any]) -> None:
    tx.run("INSERT INTO bo_actions (id, at, actor, merchant_id, action, detail) VALUES (?, ?, ?, ?, ?, ?)",
           (uuid.uuid4().hex, iso(now), actor, merchant_id, action, json.dumps(detail, ensure_ascii=False,
                                                                               sort_keys=True)))


def hub_key(store: Store, name: str) -> Sm2PrivateKey:
    """The hub's own SM2 signing key `name` (audit, invoice), made on first use. Kept in the hub's database: protect
    the database as the key (an HSM-backed adapter is the production upgrade)."""
    row = store.view(lambda tx: tx.one("SELECT private_key FROM hub_keys WHERE name = ?", (name,)))
    if row is None:
        key = Sm2PrivateKey.generate()
        now = iso(store.clock())
        store.read(lambda tx: tx.run(
            "INSERT INTO hub_keys (name, private_key, public_key, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name) DO NOTHING", (name, key.private_bytes().hex(), key.public_key().hex(), now)))
        row = store.view(lambda tx: tx.one("SELECT private_key FROM hub_keys WHERE name = ?", (name,)))
        assert row is not None
    return Sm2PrivateKey(bytes.fromhex(row[0]))
