"""The bagging-area security check: what each item should add to the bagging scale, learnt from past sales.

Per SKU the lane keeps a running mean and variance of the weight the bagging area gained when that item was bagged
(Welford's update, in grams, SQLite `bagging.db` beside the journal). A new bag reading is accepted when it is
within the tolerance of the expected weight: max(`abs_g`, `rel` x expected, 3 standard deviations). An item seen
fewer than `min_samples` times is accepted and learnt (a new product cannot block a lane). Weighed goods (sold by
the kilogram) are expected to add what the checkout scale weighed. One mismatch asks the customer to re-bag; the
second calls the attendant (terminal.kiosk.lane). The whole check is off per store (`KioskPolicy.bagging_check`).
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sync.sqlite_tx import create_private, transaction


@dataclass(frozen=True, slots=True)
class Expectation:
    sku: str
    expected_g: int | None  # None: not learnt yet (accepted and learnt)
    tolerance_g: int
    samples: int


@dataclass(frozen=True, slots=True)
class BagVerdict:
    ok: bool
    expected_g: int | None
    measured_g: int
    tolerance_g: int


class BaggingCheck:
    def __init__(self, path: Path | str, *, abs_g: int = 15, rel: float = 0.08, min_samples: int = 3) -> None:
        self.abs_g, self.rel, self.min_samples = abs_g, rel, min_samples
        if str(path) != ":memory:":
            create_private(path)
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        with transaction(self._conn):
            self._conn.execute("CREATE TABLE IF NOT EXISTS weights (sku TEXT PRIMARY KEY, n INTEGER NOT NULL, "
                               "mean REAL NOT NULL, m2 REAL NOT NULL)")

    def expectation(self, sku: str, weighed_g: int | None = None) -> Expectation:
        if weighed_g is not None:  # sold by weight: the checkout scale said what goes into the bag
            return Expectation(sku, weighed_g, max(self.abs_g, round(weighed_g * self.rel)), 1)
        row = self._conn.execute("SELECT n, mean, m2 FROM weights WHERE sku = ?", (sku,)).fetchone()
        if row is None or row[0] < self.min_samples:
            return Expectation(sku, None, 0, row[0] if row else 0)
        n, mean, m2 = row
        std = math.sqrt(m2 / (n - 1)) if n > 1 else 0.0
        return Expectation(sku, round(mean), max(self.abs_g, round(mean * self.rel), math.ceil(3 * std)), n)

    def check(self, expectation: Expectation, measured_g: int) -> BagVerdict:
        if expectation.expected_g is None:
            return BagVerdict(True, None, measured_g, 0)
        ok = abs(measured_g - expectation.expected_g) <= expectation.tolerance_g
        return BagVerdict(ok, expectation.expected_g, measured_g, expectation.tolerance_g)

    def learn(self, sku: str, measured_g: int) -> None:
        """Take an accepted bagging into the item's statistics (only accepted ones: a mismatch never teaches)."""
        if measured_g <= 0:
            return
        with transaction(self._conn):
            row = self._conn.execute("SELECT n, mean, m2 FROM weights WHERE sku = ?", (sku,)).fetchone()
            n, mean, m2 = row if row else (0, 0.0, 0.0)
            n += 1
            delta = measured_g - mean
            mean += delta / n
            m2 += delta * (measured_g - mean)
            self._conn.execute("INSERT INTO weights (sku, n, mean, m2) VALUES (?, ?, ?, ?) ON CONFLICT(sku) DO "
                               "UPDATE SET n = excluded.n, mean = excluded.mean, m2 = excluded.m2",
                               (sku, n, mean, m2))

    def close(self) -> None:
        self._conn.close()
