"""Risk models delivered by the hub to the till: download on sync, check, run in shadow, then promote.

On each sync the till pulls the hub's model pointer (version, sha256). `ModelDelivery.offer(pointer, fetch)` then:
  1. does nothing if that model is already active or in shadow;
  2. downloads the signed files (`fetch(sha256)`, the signed `GET /v1/model/file`), checks that the model bytes
     hash to the published digest, writes them under `DIR/<sha256>/` and verifies the SM2 signature against the
     pinned model-signing key (`models/scorer.py`); an altered or unsigned model is refused, deleted, and the model
     in use stays;
  3. loads it as the shadow: every decision is still made by the champion, the candidate's decision is logged
     beside it (`RiskEngine.shadow_decisions`, logger `edgepos.risk.shadow`);
  4. after the shadow period (`shadow_s`, default 24 h, from the hub's config `risk_shadow_hours` when wired so)
     promotes it: verified again, it becomes the active model, and `DIR/delivery.json` remembers it so a restart
     runs the same model.
A till that was offline when a model was published gets the pointer, and so the model, on its next sync.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from models.scorer import ModelRejected, Scorer

log = logging.getLogger("edgepos.risk.delivery")
DEFAULT_SHADOW_S = 24 * 3600.0
STATE_FILE = "delivery.json"


class Pointer(Protocol):
    version: str
    sha256: str | None


class Files(Protocol):
    version: str
    sha256: str
    onnx: str  # base64
    meta: str
    signature: str


class ModelDelivery:
    """The till's copy of delivered models in `directory` and what runs where (active, shadow)."""

    def __init__(self, scorer: Scorer, directory: Path, *, shadow_s: float | Callable[[], float] = DEFAULT_SHADOW_S,
                 clock: Callable[[], float] = time.time) -> None:
        self.scorer = scorer
        self.directory = Path(directory)
        self.shadow_s = shadow_s
        self.clock = clock  # the directory is made when the first model arrives
        self.state: dict[str, Any] = {"active": None, "candidate": None, "refused": None}
        self._restore()

    # --- state -------------------------------------------------------------------------------------------------

    def _state_path(self) -> Path:
        return self.directory / STATE_FILE

    def _save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self._state_path().with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, indent=1))
        os.replace(tmp, self._state_path())

    def _restore(self) -> None:
        try:
            held = json.loads(self._state_path().read_text())
        except (OSError, ValueError):
            return
        if not isinstance(held, dict):
            return
        self.state.update({k: held.get(k) for k in self.state})
        active = self.state.get("active")
        if active:
            try:
                self.scorer.load(self._path(active["sha256"]))
            except (ModelRejected, KeyError, TypeError) as exc:
                log.error("delivered model %s refused at start (%s); the shipped model decides", active, exc)
                self.state["active"] = None
        candidate = self.state.get("candidate")
        if candidate:
            try:
                self.scorer.load_shadow(self._path(candidate["sha256"]))
            except (ModelRejected, KeyError, TypeError):
                self.state["candidate"] = None

    def _path(self, sha256: str) -> Path:
        return self.directory / sha256 / "risk.onnx"

    @property
    def active_sha256(self) -> str | None:
        return (self.state.get("active") or {}).get("sha256")

    @property
    def candidate_sha256(self) -> str | None:
        return (self.state.get("candidate") or {}).get("sha256")

    # --- the steps -----------------------------------------------------------------------------------------------

    def offer(self, pointer: Pointer, fetch: Callable[[str], Files]) -> str:
        """The hub's current pointer after a sync: download, check and shadow a new model; promote when due.
        Returns what happened: none, current, shadowing, promoted, refused. Network errors of `fetch` propagate
        (the sync round reports them and the next round tries again)."""
        sha = pointer.sha256
        outcome = "none"
        if sha and sha in (self.active_sha256, self.candidate_sha256, self._shipped_sha()):
            outcome = "current"
        elif sha and sha == self.state.get("refused"):
            outcome = "refused"  # the same bytes were refused already; a new publication gets a new digest
        elif sha:
            outcome = self._take(sha, pointer.version, fetch(sha))
        if self.tick():
            outcome = "promoted"
        return outcome

    def _shipped_sha(self) -> str | None:
        active = self.scorer.active
        return active.sha256 if active is not None and self.active_sha256 is None else None

    def _take(self, sha: str, version: str, files: Files) -> str:
        try:
            onnx = base64.b64decode(files.onnx, validate=True)
        except (binascii.Error, ValueError):
            onnx = b""
        if files.sha256 != sha or hashlib.sha256(onnx).hexdigest() != sha:
            return self._refuse(sha, version, "the model bytes do not match the published digest")
        folder = self.directory / sha
        tmp = self.directory / f".{sha}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp.mkdir(mode=0o700)
            (tmp / "risk.onnx").write_bytes(onnx)
            (tmp / "risk.json").write_text(files.meta)
            (tmp / "risk.sig.json").write_text(files.signature)
            shutil.rmtree(folder, ignore_errors=True)
            os.replace(tmp, folder)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            log.error("model %s not stored (%s); the model in use stays", version, exc)
            return "refused"
        try:
            loaded = self.scorer.load_shadow(folder / "risk.onnx")
        except ModelRejected as exc:
            shutil.rmtree(folder, ignore_errors=True)
            return self._refuse(sha, version, str(exc))
        old = self.candidate_sha256
        self.state["candidate"] = {"sha256": sha, "version": loaded.version if loaded else version,
                                   "since": self.clock()}
        self._save()
        if old and old != sha:
            shutil.rmtree(self.directory / old, ignore_errors=True)
        log.info("risk model %s runs in shadow beside %s", version, self._active_version())
        return "shadowing"

    def _refuse(self, sha: str, version: str, why: str) -> str:
        self.state["refused"] = sha
        self._save()
        log.error("risk model %s refused: %s; the model in use stays", version, why)
        return "refused"

    def _active_version(self) -> str:
        active = self.scorer.active
        return active.version if active is not None else "none"

    def tick(self) -> bool:
        """Promote the shadow model once it has run its shadow period; True when it did."""
        candidate = self.state.get("candidate")
        if not candidate:
            return False
        period = self.shadow_s() if callable(self.shadow_s) else self.shadow_s
        if self.clock() - float(candidate["since"]) < period:
            return False
        try:
            self.scorer.load(self._path(candidate["sha256"]))  # verified once more before it decides
        except ModelRejected as exc:
            log.error("risk model %s refused at promotion (%s); the model in use stays", candidate["version"], exc)
            self.scorer.load_shadow(None)
            shutil.rmtree(self.directory / candidate["sha256"], ignore_errors=True)
            self.state["candidate"], self.state["refused"] = None, candidate["sha256"]
            self._save()
            return False
        self.scorer.load_shadow(None)
        previous = self.active_sha256
        self.state["active"] = {"sha256": candidate["sha256"], "version": candidate["version"],
                                "promoted_at": self.clock()}
        self.state["candidate"] = None
        self._save()
        if previous and previous != candidate["sha256"]:
            shutil.rmtree(self.directory / previous, ignore_errors=True)
        log.info("risk model %s promoted after its shadow period", candidate["version"])
        return True
