"""Run a till action off the UI thread and hand the result back on it, so a slow card or hub never freezes the screen.

The checkout allows one action at a time; while a `Job` runs (`busy` signal) the window ignores taps and keeps the
keys typed meanwhile for after (terminal/ui/input_hold.py), so the checkout is never entered from two threads at
once and a scan typed meanwhile is not lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn, self.signals = fn, _Signals()

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # handed to the UI thread, which shows the sentence
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


class Runner(QObject):
    """`run(fn, on_done, on_error, what)`: `busy(what)` while it runs, `idle()` after (always on the UI thread)."""

    busy = Signal(str)
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._jobs: set[_Job] = set()

    @property
    def running(self) -> bool:
        return bool(self._jobs)

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None], on_error: Callable[[Exception], None],
            what: str) -> None:
        job = _Job(fn)
        job.setAutoDelete(False)
        self._jobs.add(job)

        def finish(handler: Callable[[Any], None], value: Any) -> None:
            self._jobs.discard(job)
            self.idle.emit()
            handler(value)

        job.signals.done.connect(lambda value: finish(on_done, value))
        job.signals.failed.connect(lambda exc: finish(on_error, exc))
        self.busy.emit(what)
        self.pool.start(job)

    def wait(self, ms: int = 30_000) -> bool:
        return self.pool.waitForDone(ms)
