"""The one percentile every benchmark reports: nearest rank on the sorted values (p50, p99, max = q 1.0)."""

from __future__ import annotations

from collections.abc import Iterable


def percentile(values: Iterable[float], q: float, digits: int = 3) -> float:
    """The value at rank `int(q * n)` of the sorted values (the largest for q = 1.0), rounded; 0.0 when empty."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], digits)
