"""Supplier-batch limits (limits.toml): the largest single row, the total above which two approvers are needed, and
the date windows. Read once, checked: a bad file is one clear ValueError."""

from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_FILE = Path(__file__).with_name("limits.toml")
LIMITS_ENV = "EDGEPOS_BATCH_LIMITS"


@dataclass(frozen=True, slots=True)
class Limits:
    row_max: dict[str, int]
    row_max_default: int
    two_approvers_at: dict[str, int]
    two_approvers_default: int
    pay_on_max_days: int = 30
    duplicate_days: int = 30

    def row_limit(self, currency: str) -> int:
        return self.row_max.get(currency, self.row_max_default)

    def approvers_needed(self, totals: dict[str, int]) -> int:
        """Two when any currency's total reaches its threshold, else one."""
        big = any(total >= self.two_approvers_at.get(currency, self.two_approvers_default)
                  for currency, total in totals.items())
        return 2 if big else 1

    @classmethod
    def load(cls, path: Path | None = None) -> Limits:
        where = path or Path(os.environ.get(LIMITS_ENV) or DEFAULT_FILE)
        try:
            data = tomllib.loads(where.read_text(encoding="utf-8"))
            dates = data.get("dates", {})
            limits = cls({k: int(v) for k, v in data.get("row_max", {}).items()}, int(data["row_max_default"]),
                         {k: int(v) for k, v in data.get("two_approvers_at", {}).items()},
                         int(data["two_approvers_default"]), int(dates.get("pay_on_max_days", 30)),
                         int(dates.get("duplicate_days", 30)))
        except (OSError, KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"{where}: not a valid batch limits file ({exc})") from None
        if min([limits.row_max_default, limits.two_approvers_default, *limits.row_max.values(),
                *limits.two_approvers_at.values()]) <= 0:
            raise ValueError(f"{where}: limits are positive amounts")
        return limits


@functools.cache
def default_limits() -> Limits:
    return Limits.load()
