"""Helpers for the hub tests (imported by name: pytest puts this folder on sys.path): real terminals with real key
stores and journals, signed requests, realistic money payloads, and the two storage backends."""

from __future__ import annotations

import json
import os
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hub.postgres_backend import LOCAL_DSN, reachable, scratch_schema
from sync.hub_client import to_wire
from sync.journal import Journal, Record
from sync.keystore import FileKeyStore
from sync.protocol import WireRecord, enrol_code_id, enrolment_proof, sign_request

ADMIN_TOKEN = "admin-token-for-tests-0123456789abcdef"
CHROMIUM = Path("/usr/bin/chromium")  # Debian's Chromium for the back office's browser tests; ./dev installs it
PG_ADMIN_DSN = os.environ.get("EDGEPOS_TEST_PG_DSN", LOCAL_DSN)
BACKENDS = ("sqlite", "postgresql")


class Clock:
    """The hub's clock: real time plus an offset a test can move (hold expiry, business days)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def pg_available() -> bool:
    return reachable(PG_ADMIN_DSN)


def pg_schema() -> AbstractContextManager[str]:
    """A fresh, uniquely named schema (dropped afterwards); yields a DSN whose search_path is it."""
    return scratch_schema(PG_ADMIN_DSN, "hub_test")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def new_token() -> str:
    """A card / wallet token as the terminal keeps it (never a PAN)."""
    return f"tk_{uuid.uuid4().hex}"


def money(amount: int, currency: str = "CNY") -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def tender(kind: str, amount: int, reference: str = "", token: str | None = None) -> dict[str, Any]:
    data = {"kind": kind, "amount": money(amount), "reference": reference,
            "card_last4": None if kind == "cash" else "4242"}
    if token:
        data["token"] = token
    return data


def sale(tenders: list[dict[str, Any]], total: int | None = None, change: int = 0,
         sale_id: str | None = None) -> dict[str, Any]:
    """A sale.completed payload shaped like terminal.domain.Sale.to_dict() (the fields the hub books)."""
    paid = sum(t["amount"]["amount"] for t in tenders)
    total = paid - change if total is None else total
    now = datetime.now(UTC).isoformat()
    return {"type": "sale", "sale_id": sale_id or unique("sale"), "terminal_id": "-", "created_at": now,
            "completed_at": now, "currency": "CNY", "status": "paid", "lines": [], "tenders": tenders,
            "totals": {"total": money(total)}, "paid": money(paid), "change": money(change), "void": None,
            "refunds": []}


def refund(sale_id: str, tenders: list[dict[str, Any]], refund_id: str | None = None) -> dict[str, Any]:
    total = sum(t["amount"]["amount"] for t in tenders)
    return {"type": "refund", "refund_id": refund_id or unique("refund"), "sale_id": sale_id, "currency": "CNY",
            "tenders": tenders, "total": money(total), "lines": [], "reason": "damaged", "approver_id": "mgr-1"}


def void(sale_id: str) -> dict[str, Any]:
    return {"type": "void", "void_id": unique("void"), "sale_id": sale_id, "reason": "customer changed mind",
            "approver_id": "mgr-1", "voided_at": datetime.now(UTC).isoformat()}


@dataclass
class Terminal:
    """A real terminal: key store + journal on disk, signs its requests like the uplink does."""

    id: str
    merchant_id: str
    keys: FileKeyStore
    journal: Journal
    sent: list[Record] = field(default_factory=list)

    @classmethod
    def create(cls, directory: Path, terminal_id: str | None = None, merchant_id: str | None = None) -> Terminal:
        terminal_id = terminal_id or unique("T")
        directory = directory / terminal_id
        directory.mkdir(parents=True)
        keys = FileKeyStore.create(directory / "keys.json", b"test key secret", terminal_id)
        return cls(terminal_id, merchant_id or unique("M"), keys, Journal.create(directory / "journal.db", keys))

    def enrol_body(self, code: str, public_key: str | None = None) -> dict[str, Any]:
        """An enrolment request proving one-time `code` (minted by the hub for this terminal's merchant)."""
        key = public_key or self.keys.public_key().hex()
        return {"terminal_id": self.id, "merchant_id": self.merchant_id, "public_key": key,
                "code_id": enrol_code_id(code), "proof": enrolment_proof(code, self.id, self.merchant_id, key)}

    def enrol(self, store: Any) -> Terminal:
        """Enrol straight into `store` with a fresh code (what most tests need before they start)."""
        from sync.protocol import EnrolRequest

        store.enrol(EnrolRequest.model_validate(self.enrol_body(store.mint_enrol_code(self.merchant_id).code)))
        return self

    def append(self, record_type: str, payload: dict[str, Any]) -> WireRecord:
        return to_wire(self.journal.append(record_type, payload))

    def headers(self, method: str, path: str, body: bytes = b"", key: str | None = None,
                now: datetime | None = None) -> dict[str, str]:
        return {**sign_request(self.keys.signing_key(), self.id, method, path, key or unique("idem"), body, now),
                "content-type": "application/json"}

    def signed(self, method: str, path: str, payload: Any = None, key: str | None = None,
               now: datetime | None = None) -> tuple[bytes, dict[str, str]]:
        body = b"" if payload is None else (payload if isinstance(payload, bytes) else json.dumps(payload).encode())
        return body, self.headers(method, path, body, key, now)


def upload_body(records: list[WireRecord]) -> bytes:
    return json.dumps({"records": [r.model_dump() for r in records]}).encode()
