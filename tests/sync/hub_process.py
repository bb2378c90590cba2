"""Shared by the tests that cross the network: a real hub child process (hub.process) with test secrets, and
terminal-side helpers (sales the hub can book). Imported by name (pytest puts this folder on sys.path).
"""

from __future__ import annotations

import socket
import uuid
from pathlib import Path
from typing import Any

from hub.process import HubProcess

ADMIN_TOKEN = "admin-token-for-tests-only-0123456789"
MERCHANT = "M-0001"
KEY_SECRET = b"correct horse battery staple"


def free_port() -> int:
    """A port nothing listens on (for "hub unreachable")."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def local_hub(db: Path, dsn: str | None = None) -> HubProcess:
    """A hub child process with the test secrets, its log next to its database."""
    return HubProcess(db=None if dsn else db, dsn=dsn, admin_token=ADMIN_TOKEN,
                      log=db.with_suffix(".log"))


# --- terminal side -----------------------------------------------------------------------------------------------


def sale_payload(n: int, amount: int = 1000, token: str | None = None, currency: str = "CNY") -> dict[str, Any]:
    """A completed card sale as the domain records it (the fields the hub books), `token` on its tender."""
    tender: dict[str, Any] = {"kind": "card_contactless", "amount": {"amount": amount, "currency": currency},
                              "reference": f"AUTH-{n:06d}", "card_last4": "4242"}
    if token is not None:
        tender["token"] = token
    return {
        "type": "sale",
        "sale_id": f"S-{n:06d}-{uuid.uuid4().hex[:8]}",
        "currency": currency,
        "status": "paid",
        "tenders": [tender],
        "totals": {"total": {"amount": amount, "currency": currency}},
        "change": {"amount": 0, "currency": currency},
    }


def sell(journal: Any, count: int, start: int = 0, token: str | None = None) -> list[Any]:
    """Append `count` sales to the journal (durably, as checkout does)."""
    return [journal.append("sale.completed", sale_payload(start + i, 1000 + start + i, token), {"last4": "4242"})
            for i in range(count)]
