"""The risk learning loop end to end on real parts: a real hub process (SQLite) takes sales and labels over its admin
API, `edgepos hub retrain` trains and publishes a signed model, real tills pull it over the signed sync API, run it
in shadow (the champion still decides), then promote it; a worse challenger is not published, an altered model is
refused and the old one kept, and a till that was offline during the publication gets the model on its next sync."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hub_process import ADMIN_TOKEN, KEY_SECRET, MERCHANT, local_hub

from hub import risk_loop
from hub.process import edgepos_command
from hub.store import Store
from models.delivery import ModelDelivery
from models.engine import RiskEngine
from models.features import FeatureState, parse_tx
from models.scorer import Scorer
from models.simulate import DEFAULT_RATES, Config, generate
from sync.crypto import Sm2PrivateKey
from sync.hub_client import HubClient
from sync.journal import Journal
from sync.keystore import FileKeyStore
from sync.state import SyncState, state_path_for
from sync.uplink import Uplink


class Till:
    """A till's sync side and risk engine, with the model delivery wired as the bootstrap wires it."""

    def __init__(self, directory: Path, hub_url: str, public_key: bytes) -> None:
        directory.mkdir()
        self.keystore = FileKeyStore.create(directory / "keys.json", KEY_SECRET, f"T-{uuid.uuid4().hex[:10]}")
        self.journal = Journal.create(directory / "journal.db", self.keystore)
        self.state = SyncState.open(state_path_for(self.journal.path))
        self.client = HubClient(self.keystore, hub_url)
        self.now = 1_000_000.0
        self.scorer = Scorer(public_key)
        self.delivery = ModelDelivery(self.scorer, directory / "risk-models", shadow_s=3600, clock=lambda: self.now)
        self.outcomes: list[str] = []
        self.uplink = Uplink(self.journal, self.client, state=self.state,
                             on_model=lambda p: self.outcomes.append(self.delivery.offer(p, self.client.model_file)))

    def sync(self) -> str:
        report = self.uplink.sync_once(pull=True)
        assert report.ok, report.to_dict()
        return self.outcomes[-1]

    def close(self) -> None:
        self.uplink.close()
        self.client.close()
        self.state.close()
        self.journal.close()


def _labelled_stream() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    quiet = dict.fromkeys(DEFAULT_RATES, 0.15)  # rates are events a day: a small town gets a fraction of them
    lines = generate(Config(seed=43, days=45, customers=300, terminals=150, drift=True, mix=quiet, big_ticket=0.0))
    sales = [{k: v for k, v in line.items() if k != "label"} for line in lines if "feedback" not in line]
    labels = [{"sale_id": fb["feedback"]["id"], "kind": "confirmed_fraud", "known_at": fb["feedback"]["time"],
               "source": "issuer"} for fb in lines if "feedback" in fb]
    return sales, labels


def _retrain(db: Path, key: Path, public: bytes, as_of: str, *extra: str) -> dict[str, Any]:
    done = subprocess.run([*edgepos_command(), "hub", "retrain", "--db", str(db), "--as-of", as_of, "--key", str(key),
                           "--public-key", public.hex(), *extra], capture_output=True, text=True, timeout=300,
                          env={**os.environ})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def hub(tmp_path: Path):
    with local_hub(tmp_path / "hub.db") as running:
        yield running


def test_hub_retrains_publishes_and_tills_shadow_then_promote(hub, tmp_path: Path) -> None:
    key = Sm2PrivateKey.generate()
    key_file = tmp_path / "model.key"
    key_file.write_text(key.private_bytes().hex())
    public = key.public_key()
    sales, labels = _labelled_stream()
    for start in range(0, len(sales), 5000):
        hub.admin("POST", "/v1/admin/risk/sales", json={"sales": sales[start:start + 5000]})
    hub.admin("POST", "/v1/admin/risk/labels/batch", json={"labels": labels})
    # step-up outcomes and a decline a manager marks as wrong are labels too (legitimate), with their time
    wrong = hub.admin("POST", "/v1/admin/risk/labels", json={"sale_id": sales[100]["id"], "kind": "false_decline",
                                                             "known_at": sales[200]["time"], "note": "regular"})
    assert wrong["fraud"] is False and wrong["n"] == len(labels) + 1
    future = httpx_status(hub, {"sale_id": sales[0]["id"], "kind": "pin_verified", "known_at": "2099-01-01T00:00:00Z"})
    assert future == 422 or future == 400
    fraud_token = next(s["card_token"] for s in sales if s["id"] == labels[0]["sale_id"])
    store = Store.open(path=tmp_path / "hub.db")
    try:
        as_of = sales[-1]["time"]
        cut = sales[len(sales) // 2]["time"]
        _, exported = store.view(lambda tx: risk_loop.export(tx, datetime.fromisoformat(cut)))
        assert exported and all(json.loads(x)["label"]["time"] <= cut for x in exported)  # nothing from the future

        offline = Till(tmp_path / "offline", hub.url, public)
        online = Till(tmp_path / "online", hub.url, public)
        for till in (offline, online):
            till.uplink.enrol(MERCHANT, hub.enrol_code(MERCHANT).encode())
        assert offline.sync() == "none"  # nothing published yet; then this till goes offline
        assert offline.state.is_blacklisted(fraud_token)  # a fraud label blocks the card, as feedback always did

        first = _retrain(tmp_path / "hub.db", key_file, public, as_of, "--trees", "30", "--no-champion")
        assert first["promoted"] and first["version"], (first["reason"], first["metrics"])
        pointer = hub_model(online)
        assert pointer.version == first["version"] and pointer.sha256

        assert online.sync() == "shadowing"
        assert online.scorer.shadow is not None and online.scorer.shadow.sha256 == pointer.sha256
        assert online.scorer.active is None  # the champion (here: none, rules only) still decides
        engine = RiskEngine(FeatureState(), online.scorer)
        decided = [engine.decide(parse_tx(s)) for s in sales[-50:]]
        assert len(engine.shadow_decisions) == 50 and all(d["model"] == first["version"]
                                                          for d in engine.shadow_decisions)
        assert all(d.score == 0.0 for d in decided)  # the shadow's score never decides
        assert online.sync() == "current"  # still in its shadow period
        online.now += 3601
        assert online.sync() == "promoted"
        assert online.scorer.active is not None and online.scorer.active.sha256 == pointer.sha256

        worse = _retrain(tmp_path / "hub.db", key_file, public, as_of, "--trees", "1")
        assert not worse["promoted"] and hub_model(online).sha256 == pointer.sha256  # not published

        # an altered model (digest recomputed, signature not) is refused; the promoted one stays
        good = store.view(lambda tx: risk_loop.model_file(tx, pointer.sha256))
        onnx = bytearray(base64.b64decode(good.onnx))
        onnx[len(onnx) // 3] ^= 0x01
        sig = json.loads(good.signature)
        sig["model_sha256"] = hashlib.sha256(bytes(onnx)).hexdigest()
        store.read(lambda tx: risk_loop.publish(tx, "risk-altered", bytes(onnx), good.meta.encode(),
                                                json.dumps(sig).encode(), store.clock()))
        assert online.sync() == "refused"
        assert online.scorer.active.sha256 == pointer.sha256 and online.scorer.shadow is None

        # the till that was offline meanwhile takes the latest good model on its next sync (after a re-publication)
        store.read(lambda tx: risk_loop.publish(tx, good.version, base64.b64decode(good.onnx), good.meta.encode(),
                                                good.signature.encode(), store.clock()))
        assert offline.sync() == "shadowing" and offline.scorer.shadow.sha256 == pointer.sha256

        # the run reports are kept, in markdown, JSON and as an HTML page with inline SVG charts
        runs = hub.admin("GET", "/v1/admin/risk/runs")
        assert [r["promoted"] for r in runs] == [False, True]
        page = httpx_get(hub, f"/v1/admin/risk/runs/{runs[1]['n']}?format=html")
        assert "<svg" in page and first["version"] in page
        # the weekly schedule: not due a day after the last run, due a week after it
        schedule = risk_loop.RetrainSchedule(store, key_file, every=timedelta(days=7),
                                             clock=lambda: datetime.now(UTC) + timedelta(days=1))
        assert not schedule.due()
        schedule.clock = lambda: datetime.now(UTC) + timedelta(days=7, minutes=1)
        assert schedule.due()
        for till in (offline, online):
            till.close()
    finally:
        store.close()


def hub_model(till: Till) -> Any:
    return till.client.model()


def httpx_get(hub: Any, path: str) -> str:
    return httpx.get(f"{hub.url}{path}", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30).text


def httpx_status(hub: Any, body: dict[str, Any]) -> int:
    return httpx.post(f"{hub.url}/v1/admin/risk/labels", json=body, headers={
        "Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30).status_code
