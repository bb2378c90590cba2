"""onnxruntime scorer for signed models: refuses unsigned or altered files, keeps the previous model, hot-swaps,
and runs a candidate in shadow mode.

A model is three files side by side: `NAME.onnx`, `NAME.json` (version, feature list, thresholds) and
`NAME.sig.json` ({"model_sha256", "meta_sha256", "signature"}): an SM2 signature over
`b"edgepos-model-v1\\0" + sha256(onnx) + sha256(json)` by the model-signing key. The terminal pins the public key
(`models/model_signing_key.pub`, hex); the private key is not in the repository.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.decision import Thresholds
from models.features import FEATURES

HERE = Path(__file__).resolve().parent
SHIPPED_MODEL = HERE / "risk.onnx"
PUBLIC_KEY_FILE = HERE / "model_signing_key.pub"
SIGN_DOMAIN = b"edgepos-model-v1\x00"


class ModelRejected(Exception):
    """The model file is missing, unsigned, altered, signed by another key, or not loadable."""


def sidecars(model_path: Path) -> tuple[Path, Path]:
    return model_path.with_suffix(".json"), model_path.with_suffix(".sig.json")


def signed_message(model_bytes: bytes, meta_bytes: bytes) -> bytes:
    return SIGN_DOMAIN + hashlib.sha256(model_bytes).digest() + hashlib.sha256(meta_bytes).digest()


def sign_model(model_path: Path, private_key: Any) -> Path:
    """Write NAME.sig.json for NAME.onnx + NAME.json with an `Sm2PrivateKey`."""
    meta_path, sig_path = sidecars(model_path)
    model_bytes, meta_bytes = model_path.read_bytes(), meta_path.read_bytes()
    sig = {"model_sha256": hashlib.sha256(model_bytes).hexdigest(),
           "meta_sha256": hashlib.sha256(meta_bytes).hexdigest(),
           "public_key": private_key.public_key().hex(),
           "signature": private_key.sign(signed_message(model_bytes, meta_bytes)).hex()}
    sig_path.write_text(json.dumps(sig, indent=1) + "\n")
    return sig_path


def shipped_public_key() -> bytes:
    return bytes.fromhex(PUBLIC_KEY_FILE.read_text().strip())


@dataclass(frozen=True)
class LoadedModel:
    path: Path
    version: str
    sha256: str
    features: tuple[str, ...]
    thresholds: Thresholds
    session: Any
    input_name: str
    prob_name: str

    def score(self, features: list[float]) -> float:
        import numpy as np

        x = np.asarray(features, dtype=np.float32).reshape(1, -1)
        return float(self.session.run([self.prob_name], {self.input_name: x})[0][0, 1])

    def score_batch(self, rows: Any) -> Any:
        import numpy as np

        x = np.asarray(rows, dtype=np.float32)
        return self.session.run([self.prob_name], {self.input_name: x})[0][:, 1]


def load_verified(model_path: str | Path, public_key: bytes) -> LoadedModel:
    """Verify signature and hashes, then open an onnxruntime session (1 thread, sequential, all optimisations)."""
    import onnxruntime as ort

    from sync.crypto import CryptoError, Sm2PublicKey

    model_path = Path(model_path)
    meta_path, sig_path = sidecars(model_path)
    try:
        model_bytes, meta_bytes = model_path.read_bytes(), meta_path.read_bytes()
    except OSError as exc:
        raise ModelRejected(f"{model_path}: cannot read model or its metadata: {exc.strerror}") from None
    try:
        sig = json.loads(sig_path.read_text())
        signature = bytes.fromhex(sig["signature"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ModelRejected(f"{model_path}: unsigned (no valid {sig_path.name})") from None
    if sig.get("model_sha256") != hashlib.sha256(model_bytes).hexdigest():
        raise ModelRejected(f"{model_path}: model file altered (SHA-256 differs from the signed one)")
    if sig.get("meta_sha256") != hashlib.sha256(meta_bytes).hexdigest():
        raise ModelRejected(f"{model_path}: metadata altered (SHA-256 differs from the signed one)")
    try:
        ok = Sm2PublicKey(public_key).verify(signature, signed_message(model_bytes, meta_bytes))
    except CryptoError as exc:
        raise ModelRejected(f"bad model-signing public key: {exc}") from None
    if not ok:
        raise ModelRejected(f"{model_path}: signature does not verify with the pinned model-signing key")
    try:
        meta = json.loads(meta_bytes)
        features = tuple(meta["features"])
        th = meta["thresholds"]
        thresholds = Thresholds(float(th["pin"]), float(th["supervisor"]), float(th["decline"]))
    except (ValueError, KeyError, TypeError):
        raise ModelRejected(f"{model_path}: metadata is not a model description") from None
    if features != FEATURES:
        raise ModelRejected(f"{model_path}: built for other features than this scorer computes")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    try:
        session = ort.InferenceSession(model_bytes, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own hierarchy; all of it means "not loadable"
        raise ModelRejected(f"{model_path}: onnxruntime cannot load it: {exc}") from None
    outputs = [o.name for o in session.get_outputs()]
    prob = "probabilities" if "probabilities" in outputs else outputs[-1]
    return LoadedModel(model_path, str(meta.get("version", "?")), hashlib.sha256(model_bytes).hexdigest(), features,
                       thresholds, session, session.get_inputs()[0].name, prob)


class Scorer:
    """The active model plus an optional shadow candidate; `load` swaps atomically or keeps the previous one."""

    def __init__(self, public_key: bytes | None = None) -> None:
        self.public_key = public_key if public_key is not None else shipped_public_key()
        self.active: LoadedModel | None = None
        self.shadow: LoadedModel | None = None
        self._lock = threading.Lock()

    @classmethod
    def shipped(cls) -> Scorer:
        scorer = cls()
        scorer.load(SHIPPED_MODEL)
        return scorer

    def load(self, model_path: str | Path) -> LoadedModel:
        """Verify and activate; on ModelRejected the previous model stays active."""
        model = load_verified(model_path, self.public_key)
        with self._lock:
            self.active = model
        return model

    def load_shadow(self, model_path: str | Path | None) -> LoadedModel | None:
        model = None if model_path is None else load_verified(model_path, self.public_key)
        with self._lock:
            self.shadow = model
        return model

    def promote_shadow(self) -> None:
        with self._lock:
            if self.shadow is not None:
                self.active, self.shadow = self.shadow, None
