"""A kiosk lane's and an attendant station's config: `kiosk.toml` / `station.toml` beside the till's `till.toml`.

Read with tomllib, validated by pydantic (unknown keys refused, as in till.toml). Example `kiosk.toml`::

    [lane]
    id = "L1"
    [broker]                      # optional: without it the lane clears calls at the lane only
    url = "mqtt://127.0.0.1:1883"
    prefix = "edgepos/STORE1"
    stations = { "station:S1" = "04ab..." }   # the station public keys this lane takes commands from
    [devices]
    scale = "/dev/ttyUSB1"        # Toledo 8217 checkout scale (pyserial URL), or "none"
    bagging_scale = "none"        # the bagging-area scale, same protocol
    scanner = "/dev/ttyACM0"      # serial barcode scanner (CR suffix), or "none"
    camera = "0"                  # camera scanner (V4L2 index or video file), or "none"
    [policy]
    bagging_check = true
    age_restricted = ["DRK-006", "Tobacco"]   # SKUs or category names
    high_value = "1000.00"        # baskets above this need an attendant before payment
    idle_warning_s = 60

`station.toml`: `[station] id`, `[broker] url, prefix`, and `[lanes]` mapping each lane id to its public key (hex),
as `edgepos kiosk --print-key` shows it on the lane.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from terminal.domain import Money
from terminal.kiosk.lane import KioskPolicy

KIOSK_TOML, STATION_TOML = "kiosk.toml", "station.toml"
Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,24}$")]
KeyHex = Annotated[str, Field(pattern=r"^04[0-9a-fA-F]{128}$")]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LaneSection(_Section):
    id: Id = "L1"


class BrokerSection(_Section):
    url: str = "mqtt://127.0.0.1:1883"
    prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9/_-]{1,80}$")] = "edgepos/store"
    stations: dict[str, KeyHex] = {}


class DevicesSection(_Section):
    scale: str = "none"
    bagging_scale: str = "none"
    scanner: str = "none"
    camera: str = "none"  # a camera reading barcodes and QR codes: a V4L2 index ("0") or a video path


class PolicySection(_Section):
    bagging_check: bool = True
    age_restricted: list[str] = []
    high_value: Annotated[str, Field(pattern=r"^\d{1,9}(\.\d{1,3})?$")] = "1000.00"
    idle_warning_s: Annotated[float, Field(ge=10, le=600)] = 60.0
    idle_reset_s: Annotated[float, Field(ge=10, le=600)] = 45.0

    def policy(self, currency: str) -> KioskPolicy:
        return KioskPolicy(bagging_check=self.bagging_check, age_restricted=frozenset(self.age_restricted),
                           high_value_minor=Money.from_decimal(Decimal(self.high_value), currency).amount,
                           idle_warning_s=self.idle_warning_s, idle_reset_s=self.idle_reset_s)


class KioskConfig(_Section):
    lane: LaneSection = LaneSection()
    broker: BrokerSection | None = None
    devices: DevicesSection = DevicesSection()
    policy: PolicySection = PolicySection()


class StationSection(_Section):
    id: Id = "S1"


class StationConfig(_Section):
    station: StationSection = StationSection()
    broker: BrokerSection = BrokerSection()
    lanes: dict[Id, KeyHex] = {}


class KioskConfigError(Exception):
    """The file is unreadable or invalid; the message says which setting."""


def _load(path: Path, model: type[BaseModel]) -> BaseModel:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        return model.model_validate(data)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise KioskConfigError(f"{path} cannot be read: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise KioskConfigError(f"{path}: {where}: {first['msg']}") from None


def load_kiosk_config(data_dir: Path) -> KioskConfig:
    """`kiosk.toml` in the till's data directory (all defaults when there is none)."""
    config = _load(data_dir / KIOSK_TOML, KioskConfig)
    assert isinstance(config, KioskConfig)
    return config


def load_station_config(data_dir: Path) -> StationConfig:
    config = _load(data_dir / STATION_TOML, StationConfig)
    assert isinstance(config, StationConfig)
    return config
