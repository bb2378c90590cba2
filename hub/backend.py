"""The storage interface the ledger logic runs on. Dialect differences live behind it, nowhere else.

SQL is written once with `?` placeholders and `INSERT ... ON CONFLICT`, which both SQLite and PostgreSQL accept;
a backend translates placeholders, takes its own kind of lock and does bulk inserts its fastest way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from hub.identities import IdentityCache

Row = tuple[Any, ...]


class Tx(Protocol):
    """One open transaction. Leaving the `transaction()` block commits; an exception rolls back."""

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute one statement; returns the number of rows it changed."""
        ...

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """The same statement for many rows, batched (never one round trip per row)."""
        ...

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Bulk insert of new rows (COPY on PostgreSQL)."""
        ...

    def lock_terminal(self, terminal_id: str) -> None:
        """Serialise writers of one terminal until the transaction ends (others go on in parallel)."""
        ...

    def lock_name(self, name: str) -> None:
        """Serialise writers of one named thing (a version counter, the schema) until the transaction ends."""
        ...


class Backend(Protocol):
    dialect: str

    def transaction(self, readonly: bool = False) -> AbstractContextManager[Tx]:
        """`readonly`: the block only reads (SQLite then takes no write lock, so reads never queue behind writers)."""
        ...

    def describe(self) -> str:
        """Where the data is, for logs: no password."""
        ...

    def identity_cache(self) -> IdentityCache:
        """A cache of terminal identities fit for this database's processes (see hub.identities)."""
        ...

    def ping(self, wait_s: float) -> bool:
        """Whether the database answers a query, waiting at most about `wait_s` for a connection."""
        ...

    def close(self) -> None: ...


def in_clause(values: Sequence[Any]) -> str:
    """`(?, ?, ...)` for an IN list of len(values) (callers keep lists to a batch, <= MAX_BATCH)."""
    return "(" + ", ".join("?" * len(values)) + ")"


def chunks(values: Sequence[Any], size: int = 900) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
