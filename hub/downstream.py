"""What terminals pull: layered config, the token blacklist as deltas, FX rates and the published risk model."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from hub.backend import Tx, in_clause
from hub.clock import iso
from hub.errors import NotFound
from sync.protocol import (
    BlacklistDelta,
    ConfigResponse,
    CurrencyCode,
    Message,
    ModelResponse,
    RatesResponse,
    TerminalId,
    Token,
)

GLOBAL = "*"
ConfigValue = str | int | bool | None


class ConfigUpdate(Message):
    """Replace one config layer: the hub-wide one (`terminal_id` absent) or one terminal's override."""

    values: dict[Annotated[str, StringConstraints(min_length=1, max_length=100)], ConfigValue]
    terminal_id: TerminalId | None = None


class BlacklistChange(Message):
    add: Annotated[tuple[Token, ...], Field(max_length=100_000)] = ()
    remove: Annotated[tuple[Token, ...], Field(max_length=100_000)] = ()


class RatesUpdate(Message):
    base: CurrencyCode
    as_of: datetime
    rates: dict[CurrencyCode, Annotated[str, StringConstraints(pattern=r"^[0-9]+(\.[0-9]+)?$")]]


class ModelUpdate(Message):
    version: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    url: Annotated[str, StringConstraints(max_length=2000)]


class Version(Message):
    version: int


def bump(tx: Tx, name: str) -> int:
    """The next version of a downstream set; the row update serialises concurrent admins."""
    tx.lock_name(f"version:{name}")
    tx.run("UPDATE versions SET version = version + 1 WHERE name = ?", (name,))
    row = tx.one("SELECT version FROM versions WHERE name = ?", (name,))
    assert row is not None
    return int(row[0])


def current_version(tx: Tx, name: str) -> int:
    row = tx.one("SELECT version FROM versions WHERE name = ?", (name,))
    return int(row[0]) if row else 0


def put_config(tx: Tx, update: ConfigUpdate) -> Version:
    version = bump(tx, "config")
    tx.run("INSERT INTO config_layers (scope, layer_values, version) VALUES (?, ?, ?) "
           "ON CONFLICT (scope) DO UPDATE SET layer_values = excluded.layer_values, version = excluded.version",
           (update.terminal_id or GLOBAL, json.dumps(update.values, sort_keys=True), version))
    return Version(version=version)


def config_for(tx: Tx, terminal_id: str) -> ConfigResponse:
    """Hub-wide values overlaid by the terminal's own (the terminal applies its local defaults beneath)."""
    layers = dict(tx.all("SELECT scope, layer_values FROM config_layers WHERE scope IN (?, ?)", (GLOBAL, terminal_id)))
    values = {**json.loads(layers.get(GLOBAL, "{}")), **json.loads(layers.get(terminal_id, "{}"))}
    return ConfigResponse(version=current_version(tx, "config"), values=values)


def change_blacklist(tx: Tx, change: BlacklistChange) -> Version:
    version = bump(tx, "blacklist")
    if change.add:
        tx.many("INSERT INTO blacklist (token, added_version, removed_version) VALUES (?, ?, NULL) "
                "ON CONFLICT (token) DO UPDATE SET added_version = excluded.added_version, removed_version = NULL "
                "WHERE blacklist.removed_version IS NOT NULL",
                [(token, version) for token in sorted(set(change.add))])
    if change.remove:
        tx.many("UPDATE blacklist SET removed_version = ? WHERE token = ? AND removed_version IS NULL",
                [(version, token) for token in sorted(set(change.remove) - set(change.add))])
    return Version(version=version)


def blacklist_since(tx: Tx, since: int) -> BlacklistDelta:
    """A delta from `since`; the full list when `since` is 0 or not a version this hub ever issued."""
    version = current_version(tx, "blacklist")
    if since <= 0 or since > version:
        added = [r[0] for r in tx.all("SELECT token FROM blacklist WHERE removed_version IS NULL ORDER BY token")]
        return BlacklistDelta(version=version, since=0, full=True, added=added, removed=[])
    added = [r[0] for r in tx.all("SELECT token FROM blacklist WHERE removed_version IS NULL AND added_version > ? "
                                  "ORDER BY token", (since,))]
    removed = [r[0] for r in tx.all("SELECT token FROM blacklist WHERE removed_version > ? AND added_version <= ? "
                                    "ORDER BY token", (since, since))]
    return BlacklistDelta(version=version, since=since, full=False, added=added, removed=removed)


def blacklisted(tx: Tx, tokens: list[str]) -> set[str]:
    if not tokens:
        return set()
    unique = sorted(set(tokens))
    rows = tx.all(f"SELECT token FROM blacklist WHERE removed_version IS NULL AND token IN {in_clause(unique)}",
                  unique)
    return {row[0] for row in rows}


def put_rates(tx: Tx, update: RatesUpdate) -> Version:
    version = bump(tx, "rates")
    tx.run("INSERT INTO rates (version, base, as_of, rates) VALUES (?, ?, ?, ?)",
           (version, update.base, iso(update.as_of), json.dumps(update.rates, sort_keys=True)))
    return Version(version=version)


def latest_rates(tx: Tx) -> RatesResponse:
    row = tx.one("SELECT version, base, as_of, rates FROM rates ORDER BY version DESC LIMIT 1")
    if row is None:
        raise NotFound("no FX rates have been published yet", code="no_rates")
    return RatesResponse(version=row[0], base=row[1], as_of=datetime.fromisoformat(row[2]), rates=json.loads(row[3]))


def put_model(tx: Tx, update: ModelUpdate, now: datetime) -> Version:
    n = bump(tx, "model")
    tx.run("INSERT INTO models (n, version, sha256, url, published_at) VALUES (?, ?, ?, ?, ?)",
           (n, update.version, update.sha256, update.url, iso(now)))
    return Version(version=n)


def latest_model(tx: Tx) -> ModelResponse:
    """The published model; version "" and no url while none is published (the terminal keeps its shipped one)."""
    row = tx.one("SELECT version, sha256, url FROM models ORDER BY n DESC LIMIT 1")
    if row is None:
        return ModelResponse(version="", sha256=None, url=None)
    return ModelResponse(version=row[0], sha256=row[1], url=row[2])
