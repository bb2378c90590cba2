"""Zero-touch provisioning at the hub: its identity key, each merchant's product list, and signed provisioning codes.

- The hub's identity key (SM2, a 0600 file beside the SQLite database or `EDGEPOS_HUB_KEY`) signs a terminal's fresh
  challenge at `GET /v1/identity`; a provisioning code pins its SM3, so a terminal refuses any other hub.
- A merchant's product list (CSV) is kept at the hub (`edgepos hub catalogue`) and pulled by its terminals at
  `GET /v1/catalogue` (signed).
- `mint_code` makes a provisioning code: a one-time nonce that IS a hub enrolment code (hub.enrol_codes: spent once,
  refused when used or expired), the digest of the config and product list the terminal will pull, the hub's pin,
  signed by the provisioning root whose public key the terminal ships with.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel

from hub import enrol_codes
from hub.backend import Tx
from hub.clock import iso
from hub.downstream import GLOBAL
from hub.errors import NotFound
from sync.crypto import Sm2PrivateKey, sm3
from sync.protocol import API_PREFIX, Message
from sync.provisioning import (
    ProvisioningPayload,
    config_digest,
    hub_pin,
    identity_message,
    key_id,
    load_private,
    sign_code,
    write_private,
)

KEY_ENV = "EDGEPOS_HUB_KEY"
ROOT_KEY_ENV = "EDGEPOS_PROVISIONING_ROOT_KEY"
DEFAULT_TTL = timedelta(minutes=15)
MAX_CATALOGUE = 5_000_000


class Identity(Message):
    public_key: str  # hex, 65-byte SM2 point
    signature: str  # hex, SM2 over identity_message(challenge)


class Catalogue(Message):
    csv: str
    digest: str


class MintedCode(BaseModel):
    code: str
    terminal_nonce_id: str
    expires_at: datetime
    merchant: str
    location: str
    profile: str


def identity_path(db: str | None, dsn: str | None) -> Path | None:
    """Where the hub's identity key lives: $EDGEPOS_HUB_KEY, else beside the SQLite database; None for a hub on
    PostgreSQL without $EDGEPOS_HUB_KEY (it then has a key for this run only: no code it printed before works)."""
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV])
    if dsn:
        return None
    return Path(f"{db or 'edgepos-hub.db'}.identity-key")


def load_identity(path: Path | None, create: bool = True) -> Sm2PrivateKey:
    """The hub's identity key; made (0600) on first start."""
    if path is None:
        if not create:
            raise ValueError(f"a hub on PostgreSQL keeps its identity key where {KEY_ENV} says (a 0600 file)")
        return Sm2PrivateKey.generate()
    if not path.exists():
        if not create:
            raise ValueError(f"the hub has no identity key at {path} yet; start the hub once")
        with contextlib.suppress(FileExistsError):  # another process made it first
            write_private(path, Sm2PrivateKey.generate())
    return load_private(path)


# --- catalogue -------------------------------------------------------------------------------------------------------


def put_catalogue(tx: Tx, merchant_id: str, csv_text: str, now: datetime) -> str:
    digest = sm3(csv_text.encode("utf-8")).hex()
    tx.run("INSERT INTO catalogues (merchant_id, csv, digest, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT "
           "(merchant_id) DO UPDATE SET csv = excluded.csv, digest = excluded.digest, updated_at = excluded.updated_at",
           (merchant_id, csv_text, digest, iso(now)))
    return digest


def catalogue_of(tx: Tx, merchant_id: str) -> Catalogue:
    row = tx.one("SELECT csv, digest FROM catalogues WHERE merchant_id = ?", (merchant_id,))
    if row is None:
        raise NotFound(f"no product list is published for merchant {merchant_id} (edgepos hub catalogue)",
                       code="no_catalogue")
    return Catalogue(csv=row[0], digest=row[1])


def _global_config(tx: Tx) -> dict[str, Any]:
    import json

    row = tx.one("SELECT layer_values FROM config_layers WHERE scope = ?", (GLOBAL,))
    return json.loads(row[0]) if row else {}


# --- codes -----------------------------------------------------------------------------------------------------------


def mint_code(tx: Tx, *, root: Sm2PrivateKey, identity: Sm2PrivateKey, hub_url: str, merchant: str, location: str,
              profile: str, ttl: timedelta, now: datetime) -> MintedCode:
    """A signed provisioning code for one terminal of `merchant`; its nonce is a fresh one-time enrolment code."""
    catalogue = catalogue_of(tx, merchant)
    digest = config_digest(_global_config(tx), catalogue.digest)
    nonce = enrol_codes.mint(tx, merchant, ttl, now)
    payload = ProvisioningPayload(root=key_id(root.public_key()), hub=hub_url.rstrip("/"),
                                  hub_pin=hub_pin(identity.public_key()), merchant=merchant, location=location,
                                  profile=profile, config_digest=digest, nonce=nonce.code, expires=nonce.expires_at)
    return MintedCode(code=sign_code(root, payload), terminal_nonce_id=nonce.code_id, expires_at=nonce.expires_at,
                      merchant=merchant, location=location, profile=profile)


def new_root(directory: Path) -> tuple[Path, Path]:
    """A new provisioning root: `root.key` (0600, keep it offline) and `root.pub` (ships with the package)."""
    directory.mkdir(parents=True, exist_ok=True)
    key = Sm2PrivateKey.generate()
    private, public = directory / "provisioning-root.key", directory / "provisioning-root.pub"
    write_private(private, key)
    public.write_text(key.public_key().hex() + "\n", encoding="ascii")
    return private, public


# --- routes ----------------------------------------------------------------------------------------------------------


def router(store: Any, signed: Callable[..., Any], identity: Sm2PrivateKey) -> APIRouter:
    """`GET /v1/identity` (no authentication: the answer proves itself) and `GET /v1/catalogue` (signed)."""
    routes = APIRouter()
    public_hex = identity.public_key().hex()

    @routes.get(f"{API_PREFIX}/identity", response_model=Identity, tags=["terminal"])
    def hub_identity(challenge: str = Query(pattern=r"^[0-9a-f]{32,128}$")) -> Response:
        """The hub's identity key and its signature over a terminal's fresh challenge (hex, 16 to 64 bytes)."""
        signature = identity.sign(identity_message(bytes.fromhex(challenge))).hex()
        return Response(Identity(public_key=public_hex, signature=signature).model_dump_json(),
                        media_type="application/json")

    @routes.get(f"{API_PREFIX}/catalogue", response_model=Catalogue, tags=["terminal"])
    def catalogue(request: Any = Depends(signed)) -> Response:  # noqa: B008 (FastAPI's dependency idiom)
        """The terminal's merchant's product list (CSV) and its SM3 digest."""
        found = store.view(lambda tx: catalogue_of(tx, request.terminal.merchant_id))
        return Response(found.model_dump_json(), media_type="application/json")

    return routes


def fresh_challenge() -> bytes:
    return secrets.token_bytes(32)
