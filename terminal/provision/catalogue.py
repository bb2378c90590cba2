"""The hub's answer to `GET /v1/catalogue` as the terminal reads it (hub.provisioning.Catalogue on the hub side)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from sync.protocol import Message


class Catalogue(Message):
    csv: Annotated[str, StringConstraints(max_length=5_000_000)]
    digest: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
