"""The technician's tools on an open till (no Qt: the technician screen and tests call them alike).

Diagnostics (the doctor's self-tests on this till's own devices), a test print, a test card read, the network and
hub check, the queue, versions, a logs export (no keys, no journal) and a signed diagnostics code: queue depth,
oldest record age, versions, last sync and device health, signed with the terminal key, so the hub can check it
offline from a photo of the screen (`edgepos hub read-diagnostics`). Every tool answers with a `ToolResult`: ok,
a code the screen words, and plain params.
"""

from __future__ import annotations

import json
import os
import platform
import tarfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sync.journal import utc_now
from sync.provisioning import sign_diagnostics
from sync.uplink import sync_status
from terminal import __version__

DEVICE_HEALTH = "device-health.json"  # read by the fleet agent for the health report


@dataclass
class ToolResult:
    ok: bool
    code: str  # worded by terminal.ui.wording
    params: dict[str, Any] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)


class TechnicianTools:
    def __init__(self, store: Any, clock: Any = utc_now) -> None:
        self.store = store
        self.till = store.till
        self._clock = clock

    def diagnostics(self) -> ToolResult:
        """Every device of this till, self-tested; the result is kept for the fleet's health report."""
        rows = [asdict(d.status()) for d in (self.till.printer, self.till.card_reader, self.till.contactless_reader)
                if d is not None and hasattr(d, "status")]
        path = self.till.data_dir / DEVICE_HEALTH
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(rows, out)
        bad = [r["name"] for r in rows if r["status"] != "ok"]
        return ToolResult(not bad, "tech_devices_ok" if not bad else "tech_devices_bad",
                          {"count": len(rows), "bad": ", ".join(bad)}, rows)

    def test_print(self) -> ToolResult:
        from drivers.doctor import _page

        try:
            self.till.printer.print_receipt(_page())
        except Exception as exc:  # a device error is a finding for the technician
            return ToolResult(False, "tech_print_failed", {"error": str(exc)})
        return ToolResult(True, "tech_print_ok", {"printer": getattr(self.till.printer, "name", "printer")})

    def test_card(self, timeout_s: float = 5.0) -> ToolResult:
        from drivers.card.kernel import Transaction

        reader = self.till.card_reader
        if reader is None:
            return ToolResult(False, "tech_no_card_reader")
        try:
            result = reader.transact(Transaction(1, self.store.config.store.currency), timeout=timeout_s)
        except Exception as exc:
            return ToolResult(False, "tech_card_failed", {"error": str(exc)})
        return ToolResult(True, "tech_card_ok", {"last4": getattr(result, "last4", "") or "----"})

    def hub_check(self) -> ToolResult:
        from terminal.till.hubcheck import check_hub

        uplink = self.till.uplink
        if uplink is None:
            return ToolResult(False, "tech_no_hub")
        started = time.perf_counter()
        check = check_hub(uplink.client, self.till.journal)
        ms = round((time.perf_counter() - started) * 1000)
        return ToolResult(check.verdict == "ok", "tech_hub_ok" if check.verdict == "ok" else "tech_hub_bad",
                          {"hub": uplink.client.hub_url, "ms": ms, "verdict": check.verdict,
                           "hub_seq": check.hub_seq, "local_seq": check.local_seq})

    def queue(self) -> ToolResult:
        status = sync_status(self.till.journal, self.till.sync_state, self._clock())
        return ToolResult(status.pending == 0, "tech_queue", {
            "pending": status.pending, "oldest_s": round(status.oldest_pending_age_s or 0),
            "last_sync": status.last_success_at or "never", "last_error": status.last_error or "none"})

    def versions(self) -> dict[str, str]:
        from PySide6 import __version__ as qt_version

        model = self.till.sync_state.model()
        return {"edgepos": __version__, "python": platform.python_version(), "qt": qt_version,
                "model": model.version if model and model.version else "shipped", "os": platform.platform()}

    def export_logs(self, out_dir: Path) -> ToolResult:
        """A tar.gz (0600) with the status, versions, device health and the till's logs: no keys, no journal."""
        out_dir.mkdir(parents=True, exist_ok=True)
        stamp = self._clock().strftime("%Y%m%dT%H%M%SZ")
        path = out_dir / f"edgepos-logs-{self.till.keystore.terminal_id}-{stamp}.tar.gz"
        summary = {"versions": self.versions(), "queue": self.queue().params, "at": self._clock().isoformat()}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            _add_text(tar, "summary.json", json.dumps(summary, indent=2))
            for name in (DEVICE_HEALTH, "provisioning-slip.txt", "till.toml"):
                if (self.till.data_dir / name).exists():
                    tar.add(self.till.data_dir / name, arcname=name)
            logs = self.till.data_dir / "logs"
            if logs.is_dir():
                tar.add(logs, arcname="logs")
        return ToolResult(True, "tech_logs_exported", {"path": str(path)})

    def diagnostics_code(self) -> str:
        """The signed diagnostics code the screen shows as a QR (the hub reads it offline)."""
        status = sync_status(self.till.journal, self.till.sync_state, self._clock())
        try:
            devices = json.loads((self.till.data_dir / DEVICE_HEALTH).read_text())
        except (OSError, ValueError):
            devices = []
        report = {"at": self._clock().isoformat(timespec="seconds"), "queue": status.pending,
                  "oldest_s": round(status.oldest_pending_age_s or 0), "last_sync": status.last_success_at,
                  "head": self.till.journal.head()[0],
                  "versions": {k: v for k, v in self.versions().items() if k != "os"},
                  "devices": {d["name"][:24]: d["status"] for d in devices[:8]}}
        return sign_diagnostics(self.till.keystore.signing_key(), self.till.keystore.terminal_id, report)


def _add_text(tar: tarfile.TarFile, name: str, text: str) -> None:
    import io

    data = text.encode()
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now().timestamp())
    tar.addfile(info, io.BytesIO(data))
