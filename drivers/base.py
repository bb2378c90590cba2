"""What every device family shares: a status the doctor and the checkout can show, and the Device protocol."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    name: str
    kind: str  # card, nfc, scanner, camera, printer, drawer
    transport: str  # pcsc, udp, serial, video, usb, network, file...
    simulated: bool
    status: str  # "ok" or "error"
    latency_ms: float | None
    advice: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Device(Protocol):
    """The verbs common to every device: check it (self-test) and let it go."""

    def status(self) -> DeviceStatus: ...
    def close(self) -> None: ...
