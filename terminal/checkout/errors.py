"""Checkout errors: each message is one short sentence that tells the cashier what to do."""

from __future__ import annotations


class CheckoutError(Exception):
    """Base of everything the checkout refuses."""


class InvalidTransition(CheckoutError):
    """The action does not fit the current step (e.g. pay before the basket is closed)."""

    def __init__(self, action: str, state: str, message: str | None = None) -> None:
        super().__init__(message or f"You cannot {action} now (step: {state.replace('_', ' ')}).")
        self.action, self.state = action, state


class NotAllowed(CheckoutError):
    """The operator's role does not allow this (and no one with the role approved it)."""
