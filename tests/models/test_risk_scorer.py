"""Signed models only: a tampered or unsigned model is refused and the previous one stays; hot swap; shadow mode."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from riskkit import small_stream

from models.engine import RiskEngine
from models.features import FeatureState, parse_feedback, parse_tx
from models.scorer import SHIPPED_MODEL, ModelRejected, Scorer, load_verified, shipped_public_key, sign_model
from sync.crypto import Sm2PrivateKey


def _copy(tmp: Path, name: str = "candidate") -> Path:
    target = tmp / f"{name}.onnx"
    shutil.copy(SHIPPED_MODEL, target)
    shutil.copy(SHIPPED_MODEL.with_suffix(".json"), target.with_suffix(".json"))
    shutil.copy(SHIPPED_MODEL.with_suffix(".sig.json"), target.with_suffix(".sig.json"))
    return target


def test_shipped_model_verifies_with_the_committed_public_key() -> None:
    model = load_verified(SHIPPED_MODEL, shipped_public_key())
    assert model.features and 0 < model.thresholds.decline < 1
    score = model.score([0.0] * len(model.features))
    assert 0.0 <= score <= 1.0


@pytest.mark.parametrize("damage", ["flip_model_byte", "edit_thresholds", "unsigned", "other_key", "bad_sig_file"])
def test_tampered_or_unsigned_model_refused_previous_kept(tmp_path: Path, damage: str) -> None:
    scorer = Scorer.shipped()
    before = scorer.active
    path = _copy(tmp_path)
    if damage == "flip_model_byte":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
    elif damage == "edit_thresholds":
        meta = json.loads(path.with_suffix(".json").read_text())
        meta["thresholds"]["decline"] = 0.99999
        path.with_suffix(".json").write_text(json.dumps(meta))
    elif damage == "unsigned":
        path.with_suffix(".sig.json").unlink()
    elif damage == "other_key":
        sign_model(path, Sm2PrivateKey.generate())  # consistent hashes, but not our key
    else:
        path.with_suffix(".sig.json").write_text("{not json")
    with pytest.raises(ModelRejected):
        scorer.load(path)
    assert scorer.active is before


def test_hot_swap_to_a_model_signed_by_the_pinned_key(tmp_path: Path) -> None:
    key = Sm2PrivateKey.generate()
    path = _copy(tmp_path)
    meta = json.loads(path.with_suffix(".json").read_text())
    meta["version"] = "candidate-2"
    path.with_suffix(".json").write_text(json.dumps(meta))
    sign_model(path, key)
    scorer = Scorer(key.public_key())
    with pytest.raises(ModelRejected):
        scorer.load(SHIPPED_MODEL)  # signed by a key this scorer does not pin
    assert scorer.load(path).version == "candidate-2"
    assert scorer.active is not None and scorer.active.version == "candidate-2"


def test_shadow_model_is_logged_not_applied(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    key = Sm2PrivateKey.generate()
    active, shadow = _copy(tmp_path, "active"), _copy(tmp_path, "shadow")
    meta = json.loads(shadow.with_suffix(".json").read_text())
    meta.update(version="paranoid", thresholds={"pin": 0.0, "supervisor": 0.0, "decline": 0.0})  # declines all
    shadow.with_suffix(".json").write_text(json.dumps(meta))
    sign_model(active, key)
    sign_model(shadow, key)
    lines = [json.loads(x) for x in small_stream(31, days=2)]

    def run(with_shadow: bool) -> tuple[list[str], RiskEngine]:
        scorer = Scorer(key.public_key())
        scorer.load(active)
        if with_shadow:
            scorer.load_shadow(shadow)
        engine = RiskEngine(FeatureState(), scorer)
        out = []
        for line in lines:
            if "feedback" in line:
                engine.state.feedback(*parse_feedback(line))
            else:
                d = engine.decide(parse_tx(line))
                out.append(f"{d.decision}:{d.score}")
        return out, engine

    plain, _ = run(False)
    with caplog.at_level(logging.INFO, logger="edgepos.risk.shadow"):
        shadowed, engine = run(True)
    assert shadowed == plain
    assert engine.shadow_decisions and all(e["decision"] == "decline" for e in engine.shadow_decisions)
    assert any(e["applied"] == "approve" for e in engine.shadow_decisions)
    assert any("paranoid" in r.getMessage() for r in caplog.records)


def test_hub_blacklist_from_sync_state_declines(tmp_path: Path) -> None:
    from riskkit import sale

    from sync.protocol import BlacklistDelta
    from sync.state import SyncState

    token = "tk_" + "9f" * 16
    with SyncState.open(tmp_path / "state.db") as sync_state:
        sync_state.apply_blacklist(BlacklistDelta(version=1, since=0, full=True, added=[token], removed=[]))
        engine = RiskEngine(FeatureState(), Scorer.shipped(), blacklists=(sync_state,))
        assert engine.decide(parse_tx(sale("a", card_token="tk_" + "01" * 16))).decision == "approve"
        d = engine.decide(parse_tx(sale("b", card_token=token)))
    assert d.decision == "decline" and d.reasons == ["blacklisted"]
