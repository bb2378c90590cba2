"""Digital-currency risk rules beside the model (additive: the shipped model and its feature layout are unchanged).

CBDC payments go through the risk engine like cards - the wallet's token as the card, the hard wallet's device,
entry mode wallet_online / wallet_offline, which the model already knows - and through these rules, which use
signals only a hard wallet gives:
- the wallet device is on the revocation list (also caught by the blacklist rule);
- offline burst: the wallet's counter moved by several payments since this till last saw it, within minutes, so it
  is spending at several tills at once (the simulator's wallet_offline_burst scenario; a cloned card looks alike);
- the same hard wallet many times at this till within a short window.
Pure: no I/O; `CbdcRiskState` keeps the few last sightings per device in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# reason code -> what the cashier reads (all decline: an offline payment cannot be called back)
CBDC_REASONS: dict[str, str] = {
    "cbdc_offline_burst": "This hard wallet is paying at several tills within minutes. Ask for the online wallet "
                          "or another way to pay.",
    "cbdc_device_velocity": "This hard wallet was used here many times in a few minutes. Ask for the online wallet "
                            "or another way to pay.",
}
BURST_WINDOW_S = 600
BURST_COUNTER_GAP = 4  # counter moved by >= this many payments elsewhere within the window
VELOCITY_WINDOW_S = 60
VELOCITY_MAX = 6  # hard-wallet payments of one device at this till within the window


@dataclass
class _Seen:
    at: int
    counter: int
    recent: list[int] = field(default_factory=list)


class CbdcRiskState:
    """The last sighting of each hard wallet at this till (memory only: a restart forgets, the caps still hold)."""

    def __init__(self) -> None:
        self._seen: dict[str, _Seen] = {}

    def check(self, device: str, counter: int, now: int) -> list[str]:
        """Reasons to refuse an offline payment of `device` whose next counter is `counter` (empty: none)."""
        seen = self._seen.get(device)
        reasons = []
        if seen is not None and now - seen.at <= BURST_WINDOW_S and counter - seen.counter > BURST_COUNTER_GAP:
            reasons.append("cbdc_offline_burst")
        if seen is not None and len([t for t in seen.recent if now - t <= VELOCITY_WINDOW_S]) >= VELOCITY_MAX:
            reasons.append("cbdc_device_velocity")
        return reasons

    def paid(self, device: str, counter: int, now: int) -> None:
        seen = self._seen.setdefault(device, _Seen(now, counter))
        seen.at, seen.counter = now, counter
        seen.recent = [t for t in seen.recent if now - t <= VELOCITY_WINDOW_S] + [now]
