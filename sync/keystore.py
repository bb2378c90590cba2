"""Terminal key store: one small interface, a file-backed implementation; an HSM or TPM can plug in later.

The file holds the terminal's keys wrapped (AES-256-GCM) by a key derived from a secret with scrypt, so a copy of
the disk alone reveals nothing. It is created 0600 and refused when group or others can read it.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from sync.crypto import Envelope, Sm2PrivateKey

FORMAT = "edgepos-keystore"
VERSION = 1
SECRET_ENV = "EDGEPOS_KEY_SECRET"
# scrypt cost: ~50 ms on these machines, paid once when the terminal starts
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


class KeyStoreError(Exception):
    """The key store is missing, unreadable, too widely readable, or the secret is wrong."""


class KeyStore(Protocol):
    """What the journal and the uplink need from a key store."""

    @property
    def terminal_id(self) -> str: ...

    def signing_key(self) -> Sm2PrivateKey: ...

    def public_key(self) -> bytes: ...

    def envelope(self) -> Envelope: ...

    def token_key(self) -> bytes: ...


@dataclass(frozen=True, slots=True, repr=False)
class _Keys:
    sm2: bytes
    sm4: bytes
    aes: bytes
    token: bytes

    @classmethod
    def generate(cls) -> _Keys:
        return cls(Sm2PrivateKey.generate().private_bytes(), os.urandom(16), os.urandom(32), os.urandom(32))

    def to_json(self) -> bytes:
        return json.dumps({k: getattr(self, k).hex() for k in ("sm2", "sm4", "aes", "token")}).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> _Keys:
        data = json.loads(raw)
        return cls(**{k: bytes.fromhex(data[k]) for k in ("sm2", "sm4", "aes", "token")})


class MemoryKeyStore:
    """A terminal's keys held in memory only: what FileKeyStore unwraps, and on its own a simulated terminal's
    fresh keys (bench fleet), which must never outlive the process."""

    def __init__(self, terminal_id: str, keys: _Keys | None = None) -> None:
        keys = keys or _Keys.generate()
        self._terminal_id = terminal_id
        self._signing_key = Sm2PrivateKey(keys.sm2)
        self._public_key = self._signing_key.public_key()
        self._envelope = Envelope(keys.sm4, keys.aes)
        self._envelope_keys = (keys.sm4, keys.aes)
        self._token_key = keys.token

    @property
    def terminal_id(self) -> str:
        return self._terminal_id

    def signing_key(self) -> Sm2PrivateKey:
        return self._signing_key

    def public_key(self) -> bytes:
        return self._public_key

    def envelope(self) -> Envelope:
        return self._envelope

    def token_key(self) -> bytes:
        return self._token_key


class FileKeyStore(MemoryKeyStore):
    """Keys in a JSON file, wrapped by scrypt(secret)."""

    def __init__(self, path: Path, terminal_id: str, keys: _Keys) -> None:
        super().__init__(terminal_id, keys)
        self.path = path

    @classmethod
    def create(cls, path: str | os.PathLike[str], secret: bytes, terminal_id: str) -> FileKeyStore:
        """Generate fresh keys for a terminal; refuses to overwrite an existing key store."""
        if not secret:
            raise KeyStoreError("the key store secret must not be empty")
        if not terminal_id or not terminal_id.isprintable():
            raise KeyStoreError("terminal id must be a non-empty printable string")
        return cls._write(Path(path), secret, terminal_id, _Keys.generate())

    def with_new_signing_key(self, path: str | os.PathLike[str], secret: bytes) -> FileKeyStore:
        """A key store at `path` (which must not exist) with a fresh SM2 signing key and this store's other keys
        (sealed data and card tokens stay readable): the next key of a key rotation (terminal.fleet.agent)."""
        keys = _Keys(Sm2PrivateKey.generate().private_bytes(), self._envelope_keys[0], self._envelope_keys[1],
                     self._token_key)
        return self._write(Path(path), secret, self._terminal_id, keys)

    @classmethod
    def _write(cls, path: Path, secret: bytes, terminal_id: str, keys: _Keys) -> FileKeyStore:
        salt = os.urandom(16)
        nonce = os.urandom(12)
        header = {"format": FORMAT, "version": VERSION, "terminal_id": terminal_id}
        wrapped = AESGCM(_derive(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)).encrypt(
            nonce, keys.to_json(), _aad(header)
        )
        document = {
            **header,
            "kdf": {"name": "scrypt", "salt": _b64(salt), "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P},
            "nonce": _b64(nonce),
            "wrapped": _b64(wrapped),
        }
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise KeyStoreError(f"{path}: a key store already exists; refusing to overwrite its keys") from None
        with os.fdopen(fd, "w") as out:
            json.dump(document, out, indent=2)
            out.flush()
            os.fsync(out.fileno())
        return cls(path, terminal_id, keys)

    @classmethod
    def open(cls, path: str | os.PathLike[str], secret: bytes) -> FileKeyStore:
        path = Path(path)
        try:
            mode = path.stat().st_mode
            raw = path.read_bytes()
        except FileNotFoundError:
            raise KeyStoreError(f"{path}: no key store here") from None
        except OSError as exc:
            raise KeyStoreError(f"{path}: cannot read the key store: {exc.strerror}") from None
        if stat.S_IMODE(mode) & 0o077:
            raise KeyStoreError(f"{path}: key store is readable by group or others; run: chmod 600 {path}")
        try:
            document = json.loads(raw)
            if document.get("format") != FORMAT or document.get("version") != VERSION:
                raise ValueError("unknown format or version")
            kdf = document["kdf"]
            if kdf["name"] != "scrypt":
                raise ValueError(f"unknown key derivation {kdf['name']!r}")
            header = {k: document[k] for k in ("format", "version", "terminal_id")}
            kek = _derive(secret, _unb64(kdf["salt"]), int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
            nonce, wrapped = _unb64(document["nonce"]), _unb64(document["wrapped"])
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyStoreError(f"{path}: not an edgepos key store ({exc})") from None
        try:
            keys = _Keys.from_json(AESGCM(kek).decrypt(nonce, wrapped, _aad(header)))
        except InvalidTag:
            raise KeyStoreError(f"{path}: wrong key store secret, or the file was altered") from None
        return cls(path, header["terminal_id"], keys)

    def __repr__(self) -> str:
        return f"FileKeyStore({str(self.path)!r}, terminal_id={self._terminal_id!r})"


def secret_from_env() -> bytes:
    """The key store secret, from the service environment (systemd credential or EnvironmentFile)."""
    value = os.environ.get(SECRET_ENV, "")
    if not value:
        raise KeyStoreError(f"set {SECRET_ENV} to the key store secret")
    return value.encode()


def random_secret() -> bytes:
    return secrets.token_urlsafe(32).encode()


def _derive(secret: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(secret)


def _aad(header: dict[str, object]) -> bytes:
    return json.dumps(header, sort_keys=True).encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)
