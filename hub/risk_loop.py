"""The hub's side of the risk learning loop: the sales the tills' risk engines decided, labels with the time each
became known, retraining runs, the published model files tills download, and the weekly schedule.

Labels (`add_label`, admin API `POST /v1/admin/risk/labels`, `edgepos hub risk-label`): confirmed fraud, chargebacks
and manual-review verdicts, step-up outcomes (PIN verified, supervisor approved) and declines a manager marks as
wrong. Each carries `known_at`, the time the hub learnt it (never in the future); a retraining as of T uses only
labels with `known_at <= T`. A fraud label also blocks the sale's token (the blacklist the tills pull), as the hub's
confirmed-fraud feedback always did.

Retraining (`retrain`, `edgepos hub retrain [--as-of T]`) exports the records as of T, runs `edgepos risk retrain` in
a child process (the model code and its CPU-heavy training stay out of the hub process and package), stores the run's
report and, when the challenger beat the champion, the signed model files, and publishes it (`put_model`: version,
sha256, url). The signed terminal API serves the files (`GET /v1/model/file?sha256=`); the till checks the digest
and the signature before it runs the model in shadow. `RetrainSchedule` runs a retraining every 7 days.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import subprocess
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from hub import downstream
from hub.backend import Tx
from hub.clock import iso, utc_now
from hub.errors import HubError, NotFound
from sync.protocol import CurrencyCode, Message, ModelFile, TerminalId, Token

log = logging.getLogger("edgepos.hub.risk")

MIGRATION: list[str] = [  # appended to hub.schema.MIGRATIONS
    """CREATE TABLE risk_sales (
        id TEXT PRIMARY KEY,
        terminal_id TEXT NOT NULL,
        time TEXT NOT NULL,
        line TEXT NOT NULL,
        received_at TEXT NOT NULL
    )""",
    "CREATE INDEX risk_sales_time ON risk_sales (time)",
    """CREATE TABLE risk_labels (
        n BIGINT PRIMARY KEY,
        sale_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        fraud BOOLEAN NOT NULL,
        known_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        source TEXT NOT NULL,
        note TEXT
    )""",
    "CREATE INDEX risk_labels_known ON risk_labels (known_at)",
    """CREATE TABLE risk_model_files (
        sha256 TEXT PRIMARY KEY,
        version TEXT NOT NULL,
        onnx TEXT NOT NULL,
        meta TEXT NOT NULL,
        signature TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE risk_runs (
        n BIGINT PRIMARY KEY,
        started_at TEXT NOT NULL,
        as_of TEXT NOT NULL,
        version TEXT,
        promoted BOOLEAN NOT NULL,
        reason TEXT NOT NULL,
        report TEXT NOT NULL,
        report_md TEXT NOT NULL
    )""",
]

DECISIONS_MIGRATION: list[str] = [  # what each till's engine decided, from its journal (`risk.decided` records)
    """CREATE TABLE risk_decisions (
        sale_id TEXT PRIMARY KEY,
        terminal_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        decision TEXT NOT NULL,
        score_ppm INTEGER NOT NULL,
        reasons TEXT NOT NULL,
        model TEXT,
        features TEXT NOT NULL,
        decided_at TEXT NOT NULL
    )""",
    "CREATE INDEX risk_decisions_terminal ON risk_decisions (terminal_id, decided_at)",
]

LABEL_FRAUD: dict[str, bool] = {
    "confirmed_fraud": True, "chargeback": True, "review_fraud": True,
    "review_legit": False, "pin_verified": False, "supervisor_approved": False, "false_decline": False,
}
LabelKind = Literal["confirmed_fraud", "chargeback", "review_fraud", "review_legit", "pin_verified",
                    "supervisor_approved", "false_decline"]
SaleId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
MAX_SALES = 10_000


class LabelIn(Message):
    """One label. `known_at`: when the hub learnt it (default now; never later than now)."""

    sale_id: SaleId
    kind: LabelKind
    known_at: datetime | None = None
    source: Text = "admin"
    note: Text | None = None


class LabelBatch(Message):
    """Many labels at once (an issuer's chargeback file, a review queue export), recorded in one transaction."""

    labels: Annotated[list[LabelIn], Field(min_length=1, max_length=MAX_SALES)]


class Label(Message):
    n: int
    sale_id: str
    kind: str
    fraud: bool
    known_at: datetime
    source: str
    note: str | None = None


class RiskSale(Message):
    """A sale as the till's risk engine saw it (the `edgepos risk score` line; models/README.md)."""

    id: SaleId
    time: datetime
    amount_minor: Annotated[int, Field(gt=0, lt=10**15, strict=True)]
    currency: CurrencyCode
    card_token: Token
    terminal_id: TerminalId
    entry_mode: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")]
    tender: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")]
    profile: Literal["retail", "cross_border", "b2b"] | None = None
    device_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    region: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = None


class RiskSales(Message):
    sales: Annotated[list[RiskSale], Field(max_length=MAX_SALES)]


class Count(Message):
    added: int


ReasonCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,64}$")]
FeatureText = Annotated[str, StringConstraints(pattern=r"^(-?[0-9][0-9.]*(e[+-][0-9]+)?|-?inf|nan)$", max_length=24)]


class DecidedRecord(Message):
    """The payload of a till's `risk.decided` journal record (models.decision.risk_line)."""

    sale: RiskSale
    decision: Literal["approve", "step_up_pin", "step_up_supervisor", "decline"]
    score_ppm: Annotated[int, Field(ge=0, le=1_000_000, strict=True)]
    reasons: Annotated[list[ReasonCode], Field(max_length=32)]
    model: Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")] | None = None
    features: Annotated[list[FeatureText], Field(max_length=256)]


class StepUpRecord(BaseModel):
    """The part of a till's `tender.step_up` journal record that makes a label (other fields are the till's)."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    step: Literal["pin", "supervisor"]
    result: Literal["approved", "refused"]
    risk_id: SaleId | None = None


STEP_UP_LABEL: dict[str, LabelKind] = {"pin": "pin_verified", "supervisor": "supervisor_approved"}
FROM_JOURNAL = ("risk.decided", "tender.step_up")


class RunSummary(Message):
    n: int
    started_at: datetime
    as_of: datetime
    version: str | None
    promoted: bool
    reason: str


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise HubError("times must carry a UTC offset", code="naive_time")
    return moment.astimezone(UTC)


def _time_text(moment: datetime) -> str:
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _next(tx: Tx, table: str) -> int:
    tx.lock_name(f"{table}:n")
    row = tx.one(f"SELECT coalesce(max(n), 0) FROM {table}")
    return int(row[0] if row else 0) + 1


# --- sales and labels ------------------------------------------------------------------------------------------------


def add_sales(tx: Tx, sales: RiskSales, now: datetime) -> Count:
    """Record sales (a repeated id is kept once)."""
    added = 0
    for sale in sales.sales:
        line = sale.model_dump(mode="json", exclude_none=True) | {"time": _time_text(sale.time)}
        added += tx.run("INSERT INTO risk_sales (id, terminal_id, time, line, received_at) VALUES (?, ?, ?, ?, ?) "
                        "ON CONFLICT (id) DO NOTHING", (sale.id, sale.terminal_id, line["time"],
                                                        json.dumps(line, separators=(",", ":")), iso(now)))
    return Count(added=added)


def from_journal(tx: Tx, terminal_id: str, records: list[tuple[int, str, str, str]], now: datetime) -> int:
    """What the learning loop takes from journal records the hub has just accepted (each once: a record the hub
    already holds is never handed here again): `risk.decided` -> the sale as the till saw it (stored like one of
    `POST /v1/admin/risk/sales`, always under the uploading terminal) and its decision; an approved `tender.step_up`
    -> a `pin_verified` / `supervisor_approved` label known at the record's time. Records are (seq, time, type,
    payload); a payload the loop cannot use is logged and skipped: the money records around it still book."""
    used = 0
    for seq, time_text, record_type, payload in records:
        try:
            if record_type == "risk.decided":
                decided = DecidedRecord.model_validate_json(payload)
                sale = decided.sale.model_copy(update={"terminal_id": terminal_id})
                add_sales(tx, RiskSales(sales=[sale]), now)
                tx.run("INSERT INTO risk_decisions (sale_id, terminal_id, seq, decision, score_ppm, reasons, model, "
                       "features, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sale_id) DO NOTHING",
                       (sale.id, terminal_id, seq, decided.decision, decided.score_ppm, json.dumps(decided.reasons),
                        decided.model, json.dumps(decided.features), _time_text(sale.time)))
                used += 1
            elif record_type == "tender.step_up":
                step = StepUpRecord.model_validate_json(payload)
                if step.result != "approved" or step.risk_id is None:
                    continue
                known = min(_utc(datetime.fromisoformat(time_text)), now.astimezone(UTC))
                add_label(tx, LabelIn(sale_id=step.risk_id, kind=STEP_UP_LABEL[step.step], known_at=known,
                                      source=f"till {terminal_id}"), now)
                used += 1
        except (ValidationError, ValueError, HubError) as exc:
            log.warning("journal record %s %s of %s not used by the risk loop: %s", seq, record_type, terminal_id,
                        str(exc).splitlines()[0][:200])
    return used


def add_label(tx: Tx, label: LabelIn, now: datetime) -> Label:
    """Record a label at the time it became known; a fraud label blocks the sale's token for the tills."""
    known = _utc(label.known_at) if label.known_at is not None else now.astimezone(UTC)
    if known > now + timedelta(seconds=5):
        raise HubError("known_at is in the future: a label is recorded when it becomes known", code="future_label")
    fraud = LABEL_FRAUD[label.kind]
    n = _next(tx, "risk_labels")
    tx.run("INSERT INTO risk_labels (n, sale_id, kind, fraud, known_at, recorded_at, source, note) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (n, label.sale_id, label.kind, fraud, _time_text(known), iso(now),
                                              label.source, label.note))
    if fraud:
        row = tx.one("SELECT line FROM risk_sales WHERE id = ?", (label.sale_id,))
        if row is not None:
            downstream.change_blacklist(tx, downstream.BlacklistChange(add=(json.loads(row[0])["card_token"],)))
    return Label(n=n, sale_id=label.sale_id, kind=label.kind, fraud=fraud, known_at=known, source=label.source,
                 note=label.note)


def add_labels(tx: Tx, batch: LabelBatch, now: datetime) -> Count:
    for label in batch.labels:
        add_label(tx, label, now)
    return Count(added=len(batch.labels))


def labels(tx: Tx, after: int = 0, limit: int = 1000) -> list[Label]:
    rows = tx.all("SELECT n, sale_id, kind, fraud, known_at, source, note FROM risk_labels WHERE n > ? ORDER BY n "
                  "LIMIT ?", (after, limit))
    return [Label(n=r[0], sale_id=r[1], kind=r[2], fraud=bool(r[3]), known_at=datetime.fromisoformat(r[4]),
                  source=r[5], note=r[6]) for r in rows]


def export(tx: Tx, as_of: datetime) -> tuple[list[str], list[str]]:
    """Sales up to `as_of` and the labels known by then, as `edgepos risk retrain` reads them (JSON lines)."""
    cut = _time_text(as_of)
    sales = [r[0] for r in tx.all("SELECT line FROM risk_sales WHERE time <= ? ORDER BY time, id", (cut,))]
    rows = tx.all("SELECT sale_id, kind, fraud, known_at FROM risk_labels WHERE known_at <= ? ORDER BY known_at, n",
                  (cut,))
    lines = [json.dumps({"label": {"id": r[0], "kind": r[1], "fraud": bool(r[2]), "time": r[3]}},
                        separators=(",", ":")) for r in rows]
    return sales, lines


# --- model files ---------------------------------------------------------------------------------------------------


def store_model_file(tx: Tx, version: str, onnx: bytes, meta: bytes, signature: bytes, now: datetime) -> str:
    sha = hashlib.sha256(onnx).hexdigest()
    tx.run("INSERT INTO risk_model_files (sha256, version, onnx, meta, signature, created_at) VALUES (?, ?, ?, ?, ?, ?)"
           " ON CONFLICT (sha256) DO NOTHING", (sha, version, base64.b64encode(onnx).decode(), meta.decode(),
                                                signature.decode(), iso(now)))
    return sha


def model_file(tx: Tx, sha256: str) -> ModelFile:
    row = tx.one("SELECT version, onnx, meta, signature FROM risk_model_files WHERE sha256 = ?", (sha256,))
    if row is None:
        raise NotFound("no model file with that digest", code="no_model_file")
    return ModelFile(version=row[0], sha256=sha256, onnx=row[1], meta=row[2], signature=row[3])


def publish(tx: Tx, version: str, onnx: bytes, meta: bytes, signature: bytes, now: datetime) -> downstream.Version:
    """Keep the signed files and point the tills at them (they pull the pointer on sync, then the files)."""
    sha = store_model_file(tx, version, onnx, meta, signature, now)
    return downstream.put_model(tx, downstream.ModelUpdate(version=version, sha256=sha,
                                                           url=f"/v1/model/file?sha256={sha}"), now)


def champion_file(tx: Tx) -> ModelFile | None:
    latest = downstream.latest_model(tx)
    if not latest.sha256:
        return None
    try:
        return model_file(tx, latest.sha256)
    except NotFound:
        return None


# --- runs --------------------------------------------------------------------------------------------------------


def record_run(tx: Tx, started: datetime, as_of: datetime, report: dict[str, Any], report_md: str) -> int:
    n = _next(tx, "risk_runs")
    tx.run("INSERT INTO risk_runs (n, started_at, as_of, version, promoted, reason, report, report_md) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (n, iso(started), _time_text(as_of), report.get("version"),
                                               bool(report.get("promoted")), str(report.get("reason", "")),
                                               json.dumps(report), report_md))
    return n


def runs(tx: Tx, limit: int = 100) -> list[RunSummary]:
    rows = tx.all("SELECT n, started_at, as_of, version, promoted, reason FROM risk_runs ORDER BY n DESC LIMIT ?",
                  (limit,))
    return [RunSummary(n=r[0], started_at=datetime.fromisoformat(r[1]), as_of=datetime.fromisoformat(r[2]),
                       version=r[3], promoted=bool(r[4]), reason=r[5]) for r in rows]


def run_report(tx: Tx, n: int) -> tuple[dict[str, Any], str]:
    row = tx.one("SELECT report, report_md FROM risk_runs WHERE n = ?", (n,))
    if row is None:
        raise NotFound(f"no retraining run {n}", code="no_run")
    return json.loads(row[0]), row[1]


def last_run_started(tx: Tx) -> datetime | None:
    row = tx.one("SELECT max(started_at) FROM risk_runs")
    return datetime.fromisoformat(row[0]) if row and row[0] else None


# --- retraining ----------------------------------------------------------------------------------------------------


class RetrainFailed(HubError):
    """The training child process failed (too little labelled history, a bad key, ...)."""


def retrain(store: Any, *, as_of: datetime | None, key_path: Path, public_key_hex: str | None = None,
            trees: int | None = None, no_champion: bool = False, command: list[str] | None = None,
            timeout_s: float = 3600) -> dict[str, Any]:
    """One retraining run as of `as_of` (default now): export, train in a child process, record, publish."""
    from hub.process import edgepos_command

    started = store.clock()
    as_of = _utc(as_of) if as_of is not None else started
    sales, label_lines = store.view(lambda tx: export(tx, as_of))
    champ = store.view(champion_file)
    with tempfile.TemporaryDirectory(prefix="edgepos-retrain-") as tmp:
        work = Path(tmp)
        (work / "sales.jsonl").write_text("".join(line + "\n" for line in sales))
        (work / "labels.jsonl").write_text("".join(line + "\n" for line in label_lines))
        args = [*(command or edgepos_command()), "risk", "retrain", "--sales", str(work / "sales.jsonl"),
                "--labels", str(work / "labels.jsonl"), "--as-of", _time_text(as_of), "--out", str(work / "out"),
                "--key", str(key_path)]
        if champ is not None:
            (work / "champion").mkdir()
            (work / "champion" / "risk.onnx").write_bytes(base64.b64decode(champ.onnx))
            (work / "champion" / "risk.json").write_text(champ.meta)
            (work / "champion" / "risk.sig.json").write_text(champ.signature)
            args += ["--champion", str(work / "champion" / "risk.onnx")]
        if public_key_hex:
            args += ["--public-key", public_key_hex]
        if trees:
            args += ["--trees", str(trees)]
        if no_champion and champ is None:
            args.append("--no-champion")
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout_s)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise RetrainFailed(f"retraining failed: {last[:300]}", code="retrain_failed")
        out = work / "out"
        report = json.loads((out / "report.json").read_text())
        report_md = (out / "report.md").read_text()
        version = None
        if report.get("promoted"):
            onnx, meta, sig = ((out / name).read_bytes() for name in ("risk.onnx", "risk.json", "risk.sig.json"))
            now = store.clock()
            version = report["version"]
            store.read(lambda tx: publish(tx, version, onnx, meta, sig, now))
        n = store.read(lambda tx: record_run(tx, started, as_of, report, report_md))
    log.info("risk retraining %s as of %s: %s (%s)", n, _time_text(as_of),
             "promoted " + str(version) if version else "champion kept", report.get("reason"))
    return {"run": n, "as_of": _time_text(as_of), "promoted": bool(report.get("promoted")), "version": version,
            "reason": report.get("reason"), "metrics": report.get("metrics")}


class RetrainSchedule:
    """Runs `retrain` when the last run is older than `every` (checked every `check_s`), in a daemon thread."""

    def __init__(self, store: Any, key_path: Path, every: timedelta = timedelta(days=7), check_s: float = 3600,
                 clock: Callable[[], datetime] = utc_now, **retrain_args: Any) -> None:
        self.store, self.key_path, self.every, self.check_s, self.clock = store, key_path, every, check_s, clock
        self.retrain_args = retrain_args
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_result: dict[str, Any] | None = None

    def due(self) -> bool:
        last = self.store.view(last_run_started)
        return last is None or self.clock() - last >= self.every

    def tick(self) -> dict[str, Any] | None:
        if not self.due():
            return None
        try:
            self.last_result = retrain(self.store, as_of=None, key_path=self.key_path, **self.retrain_args)
        except (HubError, OSError, subprocess.TimeoutExpired) as exc:
            log.error("scheduled risk retraining failed: %s", exc)
            self.last_result = {"error": str(exc)}
        return self.last_result

    def start(self) -> RetrainSchedule:
        def loop() -> None:
            while not self._stop.wait(0):
                self.tick()
                if self._stop.wait(self.check_s):
                    break

        self._thread = threading.Thread(target=loop, name="risk-retrain", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def schedule_from_env(store: Any, every: timedelta) -> RetrainSchedule | None:
    """Start the schedule with the key named by $EDGEPOS_MODEL_SIGNING_KEY; None (and a message) without one."""
    import os
    import sys

    from hub.risk_cli import MODEL_KEY_ENV

    key = os.environ.get(MODEL_KEY_ENV, "")
    if not key or not Path(key).is_file():
        print(f"edgepos hub: --retrain-every needs ${MODEL_KEY_ENV} naming the model-signing key file",
              file=sys.stderr)
        return None
    return RetrainSchedule(store, Path(key), every=every).start()
