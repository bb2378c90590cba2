"""Errors the hub answers with: each carries the HTTP status and the stable `code` of its Problem body."""

from __future__ import annotations


class HubError(Exception):
    """A request the hub refuses; `message` is a sentence a technician can act on."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: str | None = None, seq: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.seq = seq
        if code is not None:
            self.code = code


class NotFound(HubError):
    status = 404
    code = "not_found"


class Conflict(HubError):
    """The request contradicts what the hub already holds (another key, another body, more than captured...)."""

    status = 409
    code = "conflict"


class Unauthorized(HubError):
    status = 401
    code = "bad_signature"


class StoreUnavailable(HubError):
    """The database cannot be reached or is busy; the terminal retries later with the same idempotency key."""

    status = 503
    code = "store_unavailable"


class StaleState(Exception):
    """The terminal's chain moved between verification and booking (a concurrent upload); verify again."""
