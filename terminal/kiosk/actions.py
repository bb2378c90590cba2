"""What every kiosk action shares: the refusals (a code the screens word) and the `action` wrapper that makes each
customer or attendant action one at a time (the lane's lock), timed (software path, device I/O left out), with the
idle clock reset and the listeners (screen, station link) told."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from terminal.checkout.errors import CheckoutError
from terminal.kiosk.states import Step


class KioskError(CheckoutError):
    """The lane refuses a customer or attendant action; `code` is worded on the screen (kiosk_*)."""


class InvalidStep(KioskError):
    def __init__(self, action: str, step: Step, *, code: str) -> None:
        super().__init__(f"You cannot {action} now (step: {step}).", code=code,
                         params={"action": action, "step": str(step)})


# actions of staff, not customers: outside the customer's software path (an id + PIN check is ~50 ms by design)
ATTENDANT_ACTIONS = frozenset({"attendant", "remote", "out of service", "in service"})


def action(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A customer or attendant action: one at a time, timed, the idle clock reset, listeners told."""

    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            with self._lock:
                start = time.perf_counter()
                self._device_ms = 0.0
                try:
                    return method(self, *args, **kwargs)
                finally:
                    total = (time.perf_counter() - start) * 1000
                    self.timings.append((name, total - self._device_ms))  # the software path: device I/O out
                    if self._device_ms:
                        self.device_timings.append((name, self._device_ms))
                    self.last_action_at = self.clock()
                    self._changed()

        run.action_name = name  # type: ignore[attr-defined]
        return run

    return wrap
