"""What the running app tells a test or benchmark about itself, when EDGEPOS_UI_PROBE names a file (else nothing).

One JSON object per line: `painted` (wall time of the login page's first paint, the page's buttons with their screen
centres so a test can click them on a real X display), `ready` (the hub and devices are up, the hub's pid), `page`
(each page change, with its buttons; EDGEPOS_UI_PROBE_SHOTS=DIR saves each as PNG) and, with EDGEPOS_UI_PROBE_SALES=N,
`sales` (N scripted sales through the app's till, then the app's and the hub's resident memory) after which the app
quits (N=0: quits once ready). `edgepos bench startup` and the Xvfb test read it; a till in a shop never sets it.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QPoint, QTimer
from PySide6.QtWidgets import QApplication, QPushButton

PROBE_ENV = "EDGEPOS_UI_PROBE"
SALES_ENV = "EDGEPOS_UI_PROBE_SALES"
SHOTS_ENV = "EDGEPOS_UI_PROBE_SHOTS"  # a directory: each page as first shown, as PNG


def rss_mb(pid: int | str = "self") -> float | None:
    """Resident memory of a process in MB (Linux /proc), None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


class UiProbe(QObject):
    def __init__(self, window: Any, startup: Any, path: Path, sales: int | None) -> None:
        super().__init__(window)
        self.window_, self.startup, self.path, self.sales = window, startup, path, sales
        self.page_name = ""
        self.ready_sent = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._poll)

    @classmethod
    def from_env(cls, window: Any, startup: Any) -> UiProbe | None:
        path = os.environ.get(PROBE_ENV)
        if not path:
            return None
        sales = os.environ.get(SALES_ENV)
        return cls(window, startup, Path(path), int(sales) if sales else None)

    def write(self, event: str, **fields: Any) -> None:
        with self.path.open("a") as out:
            out.write(json.dumps({"event": event, "t": time.time(), "cpu_s": round(time.process_time(), 4),
                                  "pid": os.getpid(), **fields}) + "\n")
        shots = os.environ.get(SHOTS_ENV)
        if shots and "page" in fields:
            Path(shots).mkdir(parents=True, exist_ok=True)
            self.window_.grab().save(str(Path(shots) / f"{time.time():.3f}-{fields['page']}.png"))

    def painted(self) -> None:
        self.page_name = self.window_.page.name
        self.write("painted", page=self.page_name, window=self._geometry(), buttons=self._buttons())
        self.timer.start(50)

    def _poll(self) -> None:
        name = self.window_.page.name
        if name != self.page_name:
            self.page_name = name
            self.write("page", page=name, buttons=self._buttons())
        if not self.ready_sent and (self.startup is None or self.startup.ready.is_set()):
            self.ready_sent = True
            process = getattr(getattr(self.startup, "store", None), "hub", None)
            hub_pid = process.process.pid if process is not None and process.process is not None else None
            self.write("ready", hub_pid=hub_pid, error=getattr(self.startup, "error", None),
                       rss_mb=rss_mb(), hub_rss_mb=rss_mb(hub_pid) if hub_pid else None)
            if self.sales is not None:
                QTimer.singleShot(0, self._run_sales)

    def _run_sales(self) -> None:
        """N scripted sales of mixed tenders through the app's own till (terminal.demo.script), the window kept
        alive between them, then the memory numbers, then quit."""
        from drivers.card.emulator import TEST_CARDS
        from terminal.demo.script import SCRIPT, Tally, scripted_sale
        from terminal.domain import Money

        store, tally, rng = self.startup.store, Tally(), random.Random(7)
        shifts = self.window_.shop.shifts  # the till sells only in an open shift, as the cashier's would
        if shifts.current() is None:
            shifts.open(store.till.operator, {store.till.checkout.currency: Money(0, store.till.checkout.currency)})
        started = time.perf_counter()
        for i in range(self.sales):
            scripted_sale(store, tally, SCRIPT[i % len(SCRIPT)], rng, TEST_CARDS["blacklisted"])
            self.window_.refresh_status()
            QApplication.processEvents()
        hub = store.hub.process
        self.write("sales", sales=self.sales, approved=tally.approved, seconds=round(time.perf_counter() - started, 2),
                   rss_mb=rss_mb(), hub_rss_mb=rss_mb(hub.pid) if hub is not None else None)
        QApplication.quit()

    def _geometry(self) -> list[int]:
        top_left = self.window_.mapToGlobal(QPoint(0, 0))
        return [top_left.x(), top_left.y(), self.window_.width(), self.window_.height()]

    def _buttons(self) -> list[dict[str, Any]]:
        """The current page's visible buttons: object name, text, screen centre (x, y), size."""
        out = []
        for b in self.window_.page.findChildren(QPushButton):
            if not b.isVisible():
                continue
            centre = b.mapToGlobal(b.rect().center())
            out.append({"name": b.objectName(), "text": b.text(), "x": centre.x(), "y": centre.y(),
                        "w": b.width(), "h": b.height()})
        return out
