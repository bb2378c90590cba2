"""Small validators shared by the domain modules: exact types, required text, UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

from terminal.domain.errors import InvalidValue


def require_int(value: object, what: str) -> int:
    """An int and nothing that merely behaves like one: bool, float and Decimal are programming errors here."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    return value


def require_text(value: object, what: str) -> str:
    """A non-blank str (a SKU, a reason, an approver id)."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if not value.strip():
        raise InvalidValue(f"{what[:1].upper()}{what[1:]} is required.",
                           code="value_required", params={"what": what, "What": f"{what[:1].upper()}{what[1:]}"})
    return value


def require_utc(value: object, what: str) -> datetime:
    """A timezone-aware datetime, converted to UTC. A naive one is refused: its moment is unknown."""
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(f"The {what} has no time zone.", code="time_without_zone", params={"what": what})
    return value.astimezone(UTC)


def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC, e.g. 2025-11-25T10:40:00.123456+00:00: what records store."""
    return value.astimezone(UTC).isoformat()


def parse_utc(text: object, what: str) -> datetime:
    if not isinstance(text, str):
        raise TypeError(f"{what} must be an ISO 8601 str, not {type(text).__name__}")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValue(f"The {what} is not a valid time.", code="time_not_valid", params={"what": what}) from None
    return require_utc(parsed, what)
