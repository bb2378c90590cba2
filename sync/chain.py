"""The journal's hash chain as rules, apart from any storage: canonical record bytes, the SM3 record digest, the
genesis link and the check of one record at its place. The terminal's journal and verifier and the hub's ingest
judge records by these same functions (the hub imports this module, never the terminal's SQLite journal)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sync.crypto import Sm2PublicKey, sm3

CHAIN_MAGIC = b"edgepos-journal-v1"


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """Deterministic JSON (sorted keys, no spaces, UTF-8). Floats are refused: money is never a float."""
    _refuse_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def record_digest(
    terminal_id: bytes,
    seq: int,
    time: bytes,
    record_type: bytes,
    payload: bytes,
    secret: bytes | None,
    prev_hash: bytes,
) -> bytes:
    """SM3 over the length-prefixed fields of a record: what the chain links and the terminal signs."""
    parts = (terminal_id, seq.to_bytes(8, "big", signed=True), time, record_type, payload, secret or b"", prev_hash)
    return sm3(CHAIN_MAGIC + b"".join(len(p).to_bytes(4, "big") + p for p in parts))


def genesis_hash(terminal_id: str, public_key: bytes) -> bytes:
    """The `prev_hash` of record 1: binds the chain to its terminal and key."""
    return sm3(CHAIN_MAGIC + b"genesis" + len(terminal_id.encode()).to_bytes(4, "big") + terminal_id.encode()
               + public_key)


def record_problem(
    seq: int,
    terminal_id: bytes,
    time: bytes,
    record_type: bytes,
    payload: bytes,
    secret: bytes | None,
    prev_hash: bytes,
    digest: bytes,
    signature: bytes,
    expected_terminal: bytes,
    expected_prev: bytes,
    key: Sm2PublicKey,
) -> str | None:
    """Why one record does not belong at this place of this terminal's chain, or None when it does.

    Shared by the on-device verifier and the hub's ingest, so both judge a record by the same rules.
    """
    if not all(isinstance(v, bytes) for v in (terminal_id, time, record_type, payload, prev_hash, digest, signature)) \
            or (secret is not None and not isinstance(secret, bytes)):
        return f"record {seq} has a field of the wrong type (altered)"
    if terminal_id != expected_terminal:
        return f"record {seq} names another terminal"
    if prev_hash != expected_prev:
        return f"record {seq} does not link to record {seq - 1} (removed, inserted or reordered)"
    if record_digest(terminal_id, seq, time, record_type, payload, secret, prev_hash) != digest:
        return f"record {seq} was altered (its content does not match its hash)"
    if not key.verify(signature, digest):
        return f"record {seq} has an invalid signature"
    return None


def _refuse_floats(value: object) -> None:
    if isinstance(value, float):
        raise TypeError("floats are not allowed in journal records: use integer minor units or decimal strings")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("journal record keys must be strings")
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)
