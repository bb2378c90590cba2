"""The interactive lane: the requests a customer waits on at the till go ahead of bulk sync work.

During a reconnect storm a thousand terminals upload their journals at once; an online card authorisation queued
behind those uploads misses the till's 2 s budget and the sale falls back to offline approval. So the hub keeps a
few places for interactive requests at each point where they could queue: admission slots (hub.http_guard), worker
threads (every admitted request has one, see hub.app) and database connections (hub.postgres_backend). A long-poll
(a QR order's status with `wait`) is not interactive: it would hold a reserved place for seconds.
"""

from __future__ import annotations

import re
from contextvars import ContextVar

from sync.protocol import API_PREFIX

INTERACTIVE = re.compile(
    rf"POST {re.escape(API_PREFIX)}/(auth|capture|void|refund"
    r"|cbdc/(code-payments|orders|orders/[^/]{1,64}/cancel|refunds|wallet/pay-order))"
)
in_interactive_request: ContextVar[bool] = ContextVar("edgepos_interactive", default=False)  # set by the guard;
# worker threads inherit it (anyio copies the context), so the database pool knows whom it serves


def is_interactive(method: str, path: str) -> bool:
    """Whether a customer waits at the till for this request's answer."""
    return INTERACTIVE.fullmatch(f"{method} {path}") is not None
