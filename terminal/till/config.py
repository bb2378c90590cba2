"""The till's config file (`till.toml` in its data directory): the store, its hub and its devices.

Read with tomllib, written with tomli-w, validated by pydantic (unknown keys are refused, so a typo is a sentence,
not a silently ignored setting). Device addresses:

- printer: `tcp:HOST:PORT`, `usb:VID:PID`, `serial:/dev/ttyUSB0:19200`, `file:/dev/usb/lp0`, or `none`
- card_reader: `pcsc:` (the first PC/SC reader) or `pcsc:NAME-PREFIX`, or `none`
- contactless: `nfc:usb` (nfcpy device path, e.g. `nfc:tty:USB0:pn532`), or `none`
- scanner: `serial:/dev/ttyACM0` (suffix CR unless `scanner_suffix` says otherwise), or `none`
- camera: `camera:0` (a V4L2 index) or `camera:/path/to/video`, or `none`
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sync.layout import CONFIG
from sync.protocol import TimeZoneName

PROFILES = ("retail", "cross_border", "b2b")  # models/decision.py PROFILES
_DEVICE_PREFIXES = {
    "printer": ("tcp:", "usb:", "serial:", "file:"),
    "card_reader": ("pcsc:",),
    "contactless": ("nfc:",),
    "scanner": ("serial:",),
    "camera": ("camera:",),
}
HEADER = """\
# edgepos till configuration (written by `edgepos till init`; edit, then restart `edgepos run`).
# Device addresses: printer tcp:HOST:PORT | usb:VID:PID | serial:DEVICE:BAUD | file:PATH | none
#   card_reader pcsc: | pcsc:NAME-PREFIX | none;  contactless nfc:PATH | none
#   scanner serial:DEVICE | none;  camera camera:INDEX | camera:PATH | none
"""


class ConfigError(Exception):
    """The config file is missing, unreadable or invalid; the message says which and what to do."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Text = Annotated[str, Field(max_length=200)]


class StoreConfig(_Section):
    name: Annotated[str, Field(min_length=1, max_length=48)]
    address: Text = ""
    tax_id: Annotated[str, Field(max_length=40)] = ""
    timezone: TimeZoneName = "Asia/Shanghai"
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "CNY"
    profile: Literal["retail", "cross_border", "b2b"] = "retail"
    receipt_header: list[Text] = []
    receipt_footer: list[Text] = []

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class HubConfig(_Section):
    url: Annotated[str, Field(pattern=r"^https?://\S+$")]
    merchant: Annotated[str, Field(min_length=1, max_length=64)]
    # the hub's address as customers' phones reach it: the receipt QR then opens the sale's e-invoice page there
    invoice_url: Annotated[str, Field(pattern=r"^(https?://[^\s?#]+)?$", max_length=200)] = ""


class DevicesConfig(_Section):
    printer: str = "none"
    card_reader: str = "none"
    contactless: str = "none"
    scanner: str = "none"
    scanner_suffix: str = "\r"
    camera: str = "none"

    @field_validator("printer", "card_reader", "contactless", "scanner", "camera")
    @classmethod
    def _address(cls, value: str, info: object) -> str:
        field = getattr(info, "field_name", "")
        if value != "none" and not value.startswith(_DEVICE_PREFIXES[field]):
            allowed = " | ".join(f"{p}..." for p in _DEVICE_PREFIXES[field])
            raise ValueError(f"{field} address {value!r} must be {allowed} or none")
        return value


class TillConfig(_Section):
    store: StoreConfig
    hub: HubConfig
    devices: DevicesConfig = DevicesConfig()


def config_path(data_dir: Path) -> Path:
    return data_dir / CONFIG


def load_config(data_dir: Path) -> TillConfig:
    path = config_path(data_dir)
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"No till is set up in {data_dir}: run edgepos till init --data-dir {data_dir} first.") \
            from None
    except PermissionError:
        raise ConfigError(f"{path} cannot be read by this user: run edgepos as the till's own user.") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} is not a readable till config ({exc}).") from None
    try:
        return TillConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']}.") from None


def write_config(data_dir: Path, config: TillConfig) -> Path:
    """Write the config 0600 (it names the hub and the merchant); refuses to overwrite an existing one."""
    path = config_path(data_dir)
    text = HEADER + tomli_w.dumps(config.model_dump(mode="json"))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(f"{path} already exists: this directory already holds a till.") from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    return path
