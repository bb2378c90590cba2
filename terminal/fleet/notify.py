"""systemd service notification (sd_notify) for the sync daemon, by the `sdnotify` library: READY=1 once the till
is open, WATCHDOG=1 after every round (the unit's WatchdogSec restarts a daemon that hangs), STOPPING=1 at the end.
Outside systemd (no $NOTIFY_SOCKET) every call does nothing."""

from __future__ import annotations

import os

import sdnotify


class Notifier:
    def __init__(self) -> None:
        self._notifier = sdnotify.SystemdNotifier() if os.environ.get("NOTIFY_SOCKET") else None

    def _send(self, *lines: str) -> None:
        if self._notifier is not None:
            self._notifier.notify("\n".join(lines))

    def ready(self, status: str) -> None:
        self._send("READY=1", f"STATUS={status}")

    def watchdog(self, status: str) -> None:
        self._send("WATCHDOG=1", f"STATUS={status}")

    def stopping(self) -> None:
        self._send("STOPPING=1")
