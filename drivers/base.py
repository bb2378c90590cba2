"""What every device family shares: a status the doctor and the checkout can show, and the Device protocol."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from drivers.errors import DeviceAbsent


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    name: str
    kind: str  # card, nfc, scanner, camera, printer, drawer
    transport: str  # pcsc, udp, serial, video, usb, network, file...
    simulated: bool
    status: str  # "ok" or "error"
    latency_ms: float | None
    advice: str = ""  # English, for the doctor and logs (with the device's own message)
    advice_code: str = ""  # the device error's code: the cashier screen words the advice by it

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        """The doctor's JSON row (the screen's `advice_code` is not part of it)."""
        out = asdict(self)
        del out["advice_code"]
        return out


def probe(name: str, kind: str, transport: str, simulated: bool, check: Callable[[], object]) -> DeviceStatus:
    """Run a device's self-check and time it: ok, or error with the device's own advice when it is absent."""
    start = time.perf_counter()
    try:
        check()
        ok, advice, code = True, "", ""
    except DeviceAbsent as exc:
        ok, advice, code = False, f"{exc}. {exc.advice}", exc.code
    return DeviceStatus(name, kind, transport, simulated, "ok" if ok else "error",
                        round((time.perf_counter() - start) * 1000, 2), advice, code)


class Device(Protocol):
    """The verbs common to every device: check it (self-test) and let it go."""

    def status(self) -> DeviceStatus: ...
    def close(self) -> None: ...
