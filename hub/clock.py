"""Time as the hub stores it: UTC, one fixed ISO 8601 text form (so text order is time order in both databases)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    if moment.utcoffset() is None:
        raise ValueError("the hub keeps only time-zone-aware times")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def business_day(moment: datetime | str, zone: tzinfo = UTC) -> str:
    """The settlement day a movement belongs to: its calendar date in the merchant's business time zone
    (hub.merchants; UTC when none is set)."""
    parsed = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if parsed.utcoffset() is None:
        raise ValueError("the hub keeps only time-zone-aware times")
    return parsed.astimezone(zone).date().isoformat()
