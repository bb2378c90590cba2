"""The treasury settings (treasury.toml): AML thresholds, FX freshness and wallet caps, read once and checked."""

from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sync.protocol import ISO_4217

DEFAULT_FILE = Path(__file__).with_name("treasury.toml")
CONFIG_ENV = "EDGEPOS_TREASURY_CONFIG"


@dataclass(frozen=True, slots=True)
class TreasuryConfig:
    aml_base: str
    large: dict[str, int]
    structuring_threshold: dict[str, int]
    structuring_band: Decimal
    structuring_count: int
    structuring_window: timedelta
    fx_max_age: timedelta
    home_currency: str
    hot_caps: dict[str, int]
    default_hot_cap: int

    def hot_cap(self, currency: str) -> int:
        return self.hot_caps.get(currency, self.default_hot_cap)

    @classmethod
    def load(cls, path: Path | None = None) -> TreasuryConfig:
        """`path`, else $EDGEPOS_TREASURY_CONFIG, else the shipped file; a bad file is one clear ValueError."""
        where = path or Path(os.environ.get(CONFIG_ENV) or DEFAULT_FILE)
        try:
            data = tomllib.loads(where.read_text(encoding="utf-8"))
            aml, fx, wallet = data["aml"], data["fx"], data["wallet"]
            config = cls(
                aml_base=str(aml["base"]), large=_amounts(aml["large"]),
                structuring_threshold=_amounts(aml["structuring_threshold"]),
                structuring_band=Decimal(str(aml["structuring_band"])),
                structuring_count=int(aml["structuring_count"]),
                structuring_window=timedelta(hours=float(aml["structuring_window_h"])),
                fx_max_age=timedelta(seconds=float(fx["max_age_s"])), home_currency=str(fx["home"]),
                hot_caps=_amounts(wallet["hot_cap"]),
                default_hot_cap=int(wallet["default_hot_cap"]))
        except (OSError, KeyError, TypeError, ValueError, InvalidOperation, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"{where}: not a valid treasury settings file ({exc})") from None
        if not Decimal(0) < config.structuring_band < Decimal(1) or config.structuring_count < 2:
            raise ValueError(f"{where}: structuring_band must be between 0 and 1 and structuring_count at least 2")
        for name, code in (("aml.base", config.aml_base), ("fx.home", config.home_currency)):
            if code not in ISO_4217:
                raise ValueError(f"{where}: {name} {code!r} is not an ISO 4217 code")
        return config


def _amounts(table: dict[str, object]) -> dict[str, int]:
    amounts = {}
    for currency, value in table.items():
        if currency not in ISO_4217 or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{currency} = {value!r}: give an ISO 4217 code and a positive amount in minor units")
        amounts[currency] = value
    return amounts


@functools.cache
def default_config() -> TreasuryConfig:
    return TreasuryConfig.load()
