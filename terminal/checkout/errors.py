"""Checkout errors: a stable `code` and plain `params` for the UI to word in the screen's language, and one short
English sentence (str(exc)) for logs, the CLI and the headless demo.

`params` hold plain values only: amounts are preformatted money text (`Money.format()`, e.g. "¥12.50", the same in
every language), names and numbers as they are. A param whose name ends in `_code` is itself a code (e.g. a device's
`advice_code`): the UI words it and puts it where the sentence says `{advice}`. Every raise in the core gives a code
(tests/ui/test_wording.py checks); an empty code means "not coded" and the UI shows the English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class CheckoutError(Exception):
    """Base of everything the checkout refuses."""

    def __init__(self, message: str, *, code: str = "", params: Mapping[str, Any] | None = None
                 ) -> None:
        super().__init__(message)
        self.code, self.params = code, dict(params or {})


class InvalidTransition(CheckoutError):
    """The action does not fit the current step (e.g. pay before the basket is closed)."""

    def __init__(self, action: str, state: str, message: str | None = None, *, code: str = "invalid_transition",
                 params: Mapping[str, Any] | None = None) -> None:
        step = str(state).replace('_', ' ')
        super().__init__(message or f"You cannot {action} now (step: {step}).", code=code,
                         params={"action": action, "step": step, **(params or {})})
        self.action, self.state = action, state


class NotAllowed(CheckoutError):
    """The operator's role does not allow this (and no one with the role approved it)."""
