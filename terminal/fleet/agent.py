"""The terminal's side of fleet management: report health at every sync and run the hub's remote actions.

`FleetAgent.checkin()` runs after a sync round (the sync daemon calls it every round, `edgepos fleet checkin` by
hand): it sends the health report with the results of actions finished since the last check-in, then runs the
actions the hub answers with, each at most once (their ids are kept in the sync state until the hub has the result).

Retirement never loses a queued sale: first the journal refuses new records (a trigger committed in the journal's
own database, so every process that writes it is stopped, and a sale in progress fails before "approved"), then the
queue is drained, then the terminal tells the hub the last record it holds (the hub ends the retirement only when it
holds that one too), and only then are the keys wiped from the device.
"""

from __future__ import annotations

import logging
import os
import platform
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sync.fleet_protocol import (
    ActionResult,
    CheckinResponse,
    DeviceHealth,
    HealthReport,
    LogsUpload,
    RemoteAction,
    RetiredRequest,
    RotateKeyRequest,
    rotation_message,
)
from sync.hub_client import HubClient, HubRefused, HubUnavailable
from sync.journal import Journal, utc_now
from sync.layout import KEYS
from sync.uplink import RoundReport, Uplink
from terminal import __version__

log = logging.getLogger("edgepos.fleet")
RETIRING, RETIRED = "RETIRING", "RETIRED"  # marker files in the data directory
UPDATE_REQUEST, UPDATE_RESULT = "update-request.json", "update-result.json"  # to and from the root updater
_PENDING_KEY, _DONE_KEY = "fleet_results", "fleet_done_ids"
ROTATING_TRIGGER = "edgepos_rotating"
_RETIRE_TRIGGER = ("CREATE TRIGGER IF NOT EXISTS edgepos_retired BEFORE INSERT ON records BEGIN "
                   "SELECT RAISE(ABORT, 'this terminal is being retired or its key rotated: it records no sale now'); "
                   "END")


@dataclass
class CheckinOutcome:
    reported: bool
    ran: list[tuple[str, str, bool, str]] = field(default_factory=list)  # (id, action, ok, detail)
    retired: bool = False
    error: str | None = None


class FleetAgent:
    """Check-ins and remote actions for the till in `data_dir` (its journal, hub client and uplink, opened by the
    caller)."""

    def __init__(self, data_dir: Path, journal: Journal, client: HubClient, uplink: Uplink, *,
                 devices: Callable[[], list[dict[str, Any]]] | None = None,
                 reload_config: Callable[[dict[str, Any]], str] | None = None,
                 keystore: Any = None, secret: bytes | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.data_dir = data_dir
        self.journal = journal
        self.client = client
        self.uplink = uplink
        self.state = uplink.state
        self._devices = devices or (lambda: [])
        self._reload_config = reload_config
        self._keystore, self._secret = keystore, secret
        self._clock = clock

    # --- health -------------------------------------------------------------------------------------------------

    def health(self, round_report: RoundReport | None = None) -> HealthReport:
        status = self.uplink.status()
        model = self.state.model()
        versions = {"edgepos": __version__, "python": platform.python_version(),
                    "model": model.version if model and model.version else "shipped"}
        devices = [DeviceHealth(name=str(d.get("name", "?"))[:100], status="ok" if d.get("status") == "ok"
                                else "error", advice=str(d.get("advice", ""))[:500]) for d in self._devices()]
        last_error = (round_report.errors[0] if round_report and round_report.errors else status.last_error)
        return HealthReport(versions=versions, head_seq=self.journal.head()[0], queue_pending=status.pending,
                            oldest_pending_age_s=status.oldest_pending_age_s, last_sync_at=status.last_success_at,
                            skew_ms=status.skew_ms, last_error=(last_error or None) and last_error[:500],
                            devices=devices[:32], done=[ActionResult(**r) for r in self._pending_results()])

    # --- check-in -----------------------------------------------------------------------------------------------

    def checkin(self, round_report: RoundReport | None = None) -> CheckinOutcome:
        if (self.data_dir / RETIRED).exists():
            return CheckinOutcome(reported=False, retired=True, error="this terminal is retired")
        report = self.health(round_report)
        try:
            answer: CheckinResponse = self.client.signed_post("/fleet/checkin", report, f"checkin:{uuid.uuid4().hex}",
                                                              CheckinResponse)
        except (HubUnavailable, HubRefused) as exc:
            if (self.data_dir / RETIRING).exists() and isinstance(exc, HubRefused) and exc.code == "unknown_terminal":
                self._wipe_keys()  # the hub ended the retirement but our answer was lost: finish it here
                return CheckinOutcome(reported=False, retired=True)
            return CheckinOutcome(reported=False, error=str(exc))
        self._results_delivered([r.id for r in report.done])
        outcome = CheckinOutcome(reported=True)
        done = set(self.state.get(_DONE_KEY) or [])
        for action in answer.actions:
            if action.id in done:
                continue
            ok, detail = self._run(action)
            if ok is None:  # not finished (a retirement waiting for its queue): try again next check-in
                outcome.ran.append((action.id, action.action, False, detail))
                continue
            outcome.ran.append((action.id, action.action, ok, detail))
            if action.action == "retire" and ok:
                outcome.retired = True
                break
            self._finished(action.id, ok, detail)
        if self._pending_results():  # tell the hub now, not a round later
            report = self.health(round_report)
            try:
                self.client.signed_post("/fleet/checkin", report, f"checkin:{uuid.uuid4().hex}", CheckinResponse)
                self._results_delivered([r.id for r in report.done])
            except (HubUnavailable, HubRefused):
                pass  # they go with the next check-in
        return outcome

    def _run(self, action: RemoteAction) -> tuple[bool | None, str]:
        log.info("running remote action %s (%s)", action.action, action.id)
        try:
            if action.action == "resync":
                report = self.uplink.sync_once(pull=True)
                return report.ok, f"sent {report.sent}, pending {report.pending}" + (
                    f"; {report.errors[0]}" if report.errors else "")
            if action.action == "reload_config":
                config = self.client.config()
                self.state.apply_config(config)
                applied = self._reload_config(config.values) if self._reload_config else "kept in the sync state"
                return True, f"config version {config.version}: {applied}"
            if action.action == "send_logs":
                text = self.logs_text()
                self.client.signed_post("/fleet/logs", LogsUpload(action_id=action.id, text=text[-1_000_000:]),
                                        f"logs:{action.id}", dict_model())
                return True, f"{len(text)} characters sent"
            if action.action == "retire":
                return self._retire(action)
            if action.action == "update":
                return self._update(action)
            if action.action == "rotate_key" and self._keystore is not None and self._secret:
                return self._rotate(action)
            return False, f"this terminal (edgepos {__version__}) does not run {action.action!r} yet"
        except (HubUnavailable, HubRefused) as exc:
            return None, str(exc)
        except Exception as exc:  # an action must report, never kill the sync daemon
            log.exception("remote action %s failed", action.action)
            return False, f"{type(exc).__name__}: {exc}"[:500]

    # --- software update: handed to the root side (edgepos-update.path -> `edgepos update run-request`) ---------

    def _update(self, action: RemoteAction) -> tuple[bool | None, str]:
        import json

        result_path = self.data_dir / UPDATE_RESULT
        if result_path.exists():
            try:
                result = json.loads(result_path.read_text())
            except ValueError:
                result = {}
            if result.get("action_id") == action.id:
                result_path.unlink()
                return bool(result.get("ok")), str(result.get("detail", ""))[:500]
        request = self.data_dir / UPDATE_REQUEST
        if not request.exists():
            _write_marker(request, json.dumps({"action_id": action.id, "version": action.params.get("version")}))
        return None, "update requested; the updater runs as root"

    # --- key rotation -------------------------------------------------------------------------------------------

    def _rotate(self, action: RemoteAction) -> tuple[bool | None, str]:
        """Stop recording (every process), drain the queue, have the hub take the new key (signed by the old one,
        with the new one's proof), then sign every later record with the new key; recording resumes. Sales that
        came during the rotation were refused before "approved"; a till app holding the old key reopens its
        journal (KeyRotated) before it records again."""
        next_path = self.data_dir / (KEYS + ".next")
        stop_recording(self.journal.path, ROTATING_TRIGGER)
        try:
            for _ in range(20):
                report = self.uplink.sync_once(pull=False)
                if report.pending == 0 and report.ok:
                    break
                if report.unreachable or report.alarm:
                    return None, f"queue not drained yet ({report.pending} pending)"
            if self.journal.outbox_stats()[0]:
                return None, "queue not drained yet"
            head = self.journal.head()[0]
            next_path.unlink(missing_ok=True)  # a rotation the hub never took (recover_rotation decided so)
            fresh = self._keystore.with_new_signing_key(next_path, self._secret)
            new_hex, old_hex = fresh.public_key().hex(), self._keystore.public_key().hex()
            proof = fresh.signing_key().sign(rotation_message(self.journal.terminal_id, old_hex, new_hex)).hex()
            self.client.signed_post("/fleet/rotate-key", RotateKeyRequest(
                action_id=action.id, new_public_key=new_hex, proof=proof, last_seq=head),
                f"rotate:{action.id}", dict_model())
            self.journal.switch_key(fresh)
            os.replace(next_path, self.data_dir / KEYS)
            _fsync(self.data_dir)
            self._keystore = fresh
            return True, f"key rotated after record {head}; records from {head + 1} are signed with the new key"
        finally:
            resume_recording(self.journal.path, ROTATING_TRIGGER)

    # --- retirement ---------------------------------------------------------------------------------------------

    def _retire(self, action: RemoteAction) -> tuple[bool | None, str]:
        _write_marker(self.data_dir / RETIRING, action.id)
        stop_recording(self.journal.path)
        for _ in range(20):
            report = self.uplink.sync_once(pull=False)
            if report.pending == 0 and report.ok:
                break
            if report.unreachable or report.alarm:
                return None, f"queue not drained yet ({report.pending} pending): {report.errors[:1]}"
        head = self.journal.head()[0]
        if self.journal.outbox_stats()[0]:
            return None, "queue not drained yet"
        self.client.signed_post("/fleet/retired", RetiredRequest(action_id=action.id, last_seq=head),
                                f"retired:{action.id}", dict_model())
        self._wipe_keys()
        return True, f"retired with {head} records, all held by the hub; keys wiped"

    def _wipe_keys(self) -> None:
        keys = self.data_dir / KEYS
        if keys.exists():
            size = keys.stat().st_size
            with open(keys, "r+b") as handle:
                handle.write(os.urandom(size))
                handle.flush()
                os.fsync(handle.fileno())
            keys.unlink()
        _write_marker(self.data_dir / RETIRED, self._clock().isoformat())
        fd = os.open(self.data_dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    # --- logs ---------------------------------------------------------------------------------------------------

    def logs_text(self) -> str:
        """What `send_logs` sends: the sync status, the device health and the till's log files (no secrets are
        ever logged: see the README)."""
        import json

        parts = [f"edgepos {__version__} terminal {self.journal.terminal_id} at {self._clock().isoformat()}",
                 "status: " + json.dumps(self.uplink.status().to_dict(), sort_keys=True),
                 "devices: " + json.dumps(self._devices(), sort_keys=True, default=str)]
        for path in sorted((self.data_dir / "logs").glob("*.log")) if (self.data_dir / "logs").is_dir() else []:
            parts.append(f"--- {path.name}\n" + path.read_text(encoding="utf-8", errors="replace")[-200_000:])
        return "\n".join(parts)

    # --- bookkeeping ----------------------------------------------------------------------------------------------

    def _pending_results(self) -> list[dict[str, Any]]:
        return list(self.state.get(_PENDING_KEY) or [])[-100:]

    def _finished(self, action_id: str, ok: bool, detail: str) -> None:
        done = [*(self.state.get(_DONE_KEY) or []), action_id][-500:]
        pending = [*self._pending_results(), {"id": action_id, "ok": ok, "detail": detail[:500]}]
        self.state.update(**{_DONE_KEY: done, _PENDING_KEY: pending})

    def _results_delivered(self, ids: list[str]) -> None:
        if ids:
            self.state.update(**{_PENDING_KEY: [r for r in self._pending_results() if r["id"] not in ids] or None})


def stop_recording(journal_path: str | Path, name: str = "edgepos_retired") -> None:
    """From now on the journal refuses new records, in every process (a trigger in its own database)."""
    conn = sqlite3.connect(journal_path, timeout=30, isolation_level=None)
    try:
        conn.execute(_RETIRE_TRIGGER.replace("edgepos_retired", name))
    finally:
        conn.close()


def resume_recording(journal_path: str | Path, name: str) -> None:
    conn = sqlite3.connect(journal_path, timeout=30, isolation_level=None)
    try:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    finally:
        conn.close()


def recover_rotation(data_dir: Path, secret: bytes, hub_url: str) -> str | None:
    """Finish or undo a key rotation a crash interrupted (keys.json.next left behind). The journal's meta says
    whether it switched; if not, the hub is asked with the new key whether it took it. Returns what was done."""
    from sync.hub_client import HubClient
    from sync.keystore import FileKeyStore

    next_path = data_dir / (KEYS + ".next")
    if not next_path.exists():
        return None
    fresh = FileKeyStore.open(next_path, secret)
    conn = sqlite3.connect(data_dir / "journal.db", timeout=30, isolation_level=None)
    try:
        held = conn.execute("SELECT value FROM meta WHERE key = 'public_key'").fetchone()[0]
        conn.execute(f"DROP TRIGGER IF EXISTS {ROTATING_TRIGGER}")
    finally:
        conn.close()
    if held != fresh.public_key().hex():
        try:
            with HubClient(fresh, hub_url) as probe:
                probe.config()
        except HubRefused:
            next_path.unlink()
            return "the hub never took the new key: the rotation was undone"
        except HubUnavailable:
            return None  # cannot tell yet: the next check-in asks again
        old = FileKeyStore.open(data_dir / KEYS, secret)
        with Journal.open(data_dir / "journal.db", old) as journal:
            journal.switch_key(fresh)
    os.replace(next_path, data_dir / KEYS)
    _fsync(data_dir)
    return "an interrupted key rotation was finished"


def _fsync(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_marker(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text + "\n")
        out.flush()
        os.fsync(out.fileno())


def dict_model() -> Any:
    """Answers the agent only needs to be 2xx and well formed (their content is for the hub's records)."""
    from pydantic import BaseModel, ConfigDict

    class _Any(BaseModel):
        model_config = ConfigDict(extra="allow")

    return _Any
