"""Provisioning a terminal from one scanned code: checked offline, then built aside and put in place only whole.

1. The code is checked against the provisioning root this terminal trusts (offline: signature, root, expiry).
2. The hub named in the code signs a fresh challenge; its key must match the code's pin (else: a hub in the middle).
3. A new till is made in a staging directory beside the data directory (terminal.till.setup.init_till: keys,
   journal, operators with the first manager's PIN typed by them, never a default), and enrols with the code's
   one-time nonce (a hub enrolment code: the hub spends it once, in the enrolment's own transaction).
4. Config and product list are pulled and must match the digest the code carries; blacklist, rates and the
   published risk-model pointer are pulled by one sync round (model delivery itself is issue 17's).
5. The device self-test (the doctor) runs; the staging directory becomes the data directory in one rename.
Any refusal before the rename removes the staging directory: the data directory is never touched.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from sync.crypto import Sm2PublicKey, sm3
from sync.provisioning import (
    CodeRefused,
    ProvisioningPayload,
    config_digest,
    hub_pin,
    identity_message,
    read_code,
)

ROOT_ENV = "EDGEPOS_PROVISIONING_ROOT"
ROOT_FILE = Path("/etc/edgepos/provisioning-root.pub")
SLIP = "provisioning-slip.txt"
_STORE_KEYS = {"store.name": "name", "store.address": "address", "store.tax_id": "tax_id",
               "store.timezone": "timezone", "store.currency": "currency"}
_HUB_REFUSALS = {  # the hub's enrolment refusals (hub.enrol_codes) as provisioning refusals
    "code_used": ("provision_code_used", "this provisioning code was used already; each code sets up one terminal "
                                         "once; print a new one"),
    "code_expired": ("provision_code_expired", "this provisioning code has expired at the hub; print a new one"),
    "bad_code": ("provision_code_unknown", "the hub does not know this provisioning code's nonce; print a new one "
                                           "at the hub the code names"),
    "wrong_merchant": ("provision_code_unknown", "the hub minted this nonce for another merchant"),
}


class HubUnreachable(Exception):
    """The hub named in the code did not answer: nothing was changed, try again when the network is up."""


class ProvisionFailed(Exception):
    """The terminal cannot be provisioned here (a till already set up, a bad product list); a sentence."""


@dataclass
class Provisioned:
    terminal_id: str
    data_dir: Path
    merchant: str
    location: str
    profile: str
    hub: str
    pulled: dict[str, Any]
    devices: list[dict[str, Any]]
    timings: dict[str, float] = field(default_factory=dict)

    def slip(self) -> str:
        """The provisioning slip (printed, and kept in the data directory)."""
        lines = ["EDGEPOS PROVISIONING SLIP", f"terminal  {self.terminal_id}", f"merchant  {self.merchant}",
                 f"location  {self.location}", f"profile   {self.profile}", f"hub       {self.hub} (key pinned)"]
        lines += [f"pulled    {name}: {value}" for name, value in self.pulled.items()]
        for row in self.devices:
            lines.append(f"device    {row['name']}: {row['status']}" + (f" - {row['advice']}" if row.get("advice")
                                                                        and row["status"] != "ok" else ""))
        lines.append("ready to sell: log in with the manager's own PIN")
        return "\n".join(lines) + "\n"


def trusted_root() -> bytes:
    """The provisioning root this terminal trusts: $EDGEPOS_PROVISIONING_ROOT, else the package's file."""
    from sync.provisioning import load_public

    path = Path(os.environ.get(ROOT_ENV) or ROOT_FILE)
    if not path.exists():
        raise CodeRefused("provision_no_root", f"no provisioning root is installed ({path}); install the package "
                                               "built with your root, or set " + ROOT_ENV)
    return load_public(path)


def check_hub_identity(hub: str, pin: str, timeout_s: float = 5.0) -> None:
    """The hub at `hub` must prove it holds the key pinned in the code (a fresh challenge, signed)."""
    challenge = secrets.token_bytes(32)
    try:
        response = httpx.get(f"{hub}/v1/identity", params={"challenge": challenge.hex()}, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise HubUnreachable(f"the hub {hub} did not answer ({type(exc).__name__}); nothing was changed; try again "
                             "when the network is up") from None
    mismatch = CodeRefused("provision_hub_key_mismatch", f"the server at {hub} is not the hub this code was made "
                                                         "for (its key does not match the pin): a device in the "
                                                         "middle, or the wrong address; nothing was changed")
    if response.status_code != 200:
        raise mismatch
    try:
        body = response.json()
        public = bytes.fromhex(body["public_key"])
        signature = bytes.fromhex(body["signature"])
        ok = hub_pin(public) == pin and Sm2PublicKey(public).verify(signature, identity_message(challenge))
    except Exception:  # any malformed answer is an impostor's answer
        ok = False
    if not ok:
        raise mismatch


def provision(code_text: str, data_dir: Path, *, secret: bytes, manager: Any, now: datetime,
              root_public: bytes | None = None, self_test: Callable[[], list[dict[str, Any]]] | None = None,
              terminal_id: str | None = None) -> Provisioned:
    """Provision a terminal into `data_dir` (missing or empty) from `code_text`. Raises CodeRefused (a sentence
    with a code), HubUnreachable or ProvisionFailed, and then has written nothing."""
    from terminal.till.config import HubConfig, StoreConfig, TillConfig
    from terminal.till.setup import SetupError, init_till

    timings: dict[str, float] = {}
    start = time.perf_counter()
    payload = read_code(code_text, root_public if root_public is not None else trusted_root(), now)
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise ProvisionFailed(f"{data_dir} already holds a till or other files; it was left as it is")
    check_hub_identity(payload.hub, payload.hub_pin)
    timings["checked_s"] = time.perf_counter() - start
    staging = data_dir.parent / f".{data_dir.name}.provisioning-{secrets.token_hex(4)}"
    config = TillConfig(store=StoreConfig(name=payload.location, profile=payload.profile),
                        hub=HubConfig(url=payload.hub, merchant=payload.merchant))
    try:
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        try:
            terminal = init_till(staging, config, secret=secret, manager=manager, terminal_id=terminal_id)
        except (SetupError, ValueError) as exc:
            raise ProvisionFailed(str(exc)) from None
        timings["till_made_s"] = time.perf_counter() - start
        pulled = _enrol_and_pull(staging, payload, secret)
        timings["enrolled_pulled_s"] = time.perf_counter() - start
        devices = (self_test or _doctor)()
        timings["self_test_s"] = time.perf_counter() - start
        result = Provisioned(terminal, data_dir, payload.merchant, payload.location, payload.profile, payload.hub,
                             pulled, devices, timings)
        _write_private(staging / SLIP, result.slip())
        if data_dir.exists():
            data_dir.rmdir()  # empty (checked above)
        os.replace(staging, data_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    timings["total_s"] = time.perf_counter() - start
    return result


def _enrol_and_pull(staging: Path, payload: ProvisioningPayload, secret: bytes) -> dict[str, Any]:
    from sync.hub_client import HubClient, HubRefused, HubUnavailable
    from sync.journal import Journal
    from sync.keystore import FileKeyStore
    from sync.layout import CATALOGUE, JOURNAL, KEYS
    from sync.state import SyncState, state_path_for
    from sync.uplink import Uplink
    from terminal.bootstrap import TillUnavailable, load_catalogue
    from terminal.provision.catalogue import Catalogue

    with ExitStack() as stack:
        keystore = FileKeyStore.open(staging / KEYS, secret)
        journal = stack.enter_context(Journal.open(staging / JOURNAL, keystore))
        state = stack.enter_context(SyncState.open(state_path_for(journal.path)))
        client = stack.enter_context(HubClient(keystore, payload.hub))
        uplink = stack.enter_context(Uplink(journal, client, state=state))
        try:
            uplink.enrol(payload.merchant, payload.nonce.encode())
            config = client.config()
            catalogue = client.signed_get("/catalogue", Catalogue)
        except HubUnavailable as exc:
            raise HubUnreachable(f"{exc}; nothing was changed; try again when the network is up") from None
        except HubRefused as exc:
            code, message = _HUB_REFUSALS.get(exc.code, ("provision_refused", f"the hub refused: {exc.message}"))
            raise CodeRefused(code, message + "; nothing was changed") from None
        if config_digest(config.values, sm3(catalogue.csv.encode()).hex()) != payload.config_digest:
            raise CodeRefused("provision_config_changed", "the hub's config or product list changed since this "
                                                          "code was printed (or was changed on the way); print a "
                                                          "new code; nothing was changed")
        report = uplink.sync_once(pull=True)  # blacklist, rates, model pointer into the sync state
        if report.unreachable:
            raise HubUnreachable("the hub stopped answering while provisioning; nothing was changed")
    products = staging / CATALOGUE
    _write_private(products, catalogue.csv)
    store_values = {_STORE_KEYS[k]: v for k, v in config.values.items() if k in _STORE_KEYS and v}
    currency = str(store_values.get("currency", "CNY"))
    try:
        count = len(load_catalogue(products, currency))
    except TillUnavailable as exc:
        raise ProvisionFailed(f"the hub's product list cannot be used: {exc}") from None
    if store_values:
        apply_store_values(staging, config.values)
    return {"config": config.version, "products": count, **{k: v for k, v in report.pulled.items()
                                                            if k != "config"}}


def apply_store_values(data_dir: Path, hub_values: dict[str, Any]) -> str:
    """The till config's store section as the hub's config says (store.name, .address, .tax_id, .timezone,
    .currency); the new file replaces the old in one rename. Returns what changed, in words."""
    from terminal.till.config import TillConfig, config_path, load_config, write_config

    values = {_STORE_KEYS[k]: v for k, v in hub_values.items() if k in _STORE_KEYS and v}
    config = load_config(data_dir)
    changed = {k: v for k, v in values.items() if getattr(config.store, k) != v}
    if not changed:
        return "no change to the store"
    updated = TillConfig.model_validate({**config.model_dump(), "store": {**config.store.model_dump(), **changed}})
    tmp_dir = data_dir / ".config-new"
    tmp_dir.mkdir(mode=0o700, exist_ok=True)
    try:
        write_config(tmp_dir, updated)
        os.replace(config_path(tmp_dir), config_path(data_dir))
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return "store " + ", ".join(sorted(changed)) + " changed"


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())


def _doctor() -> list[dict[str, Any]]:
    """The device self-test of `edgepos doctor` (the devices this machine has)."""
    from dataclasses import asdict

    from drivers.doctor import real_checks

    return [asdict(row) for row in real_checks()]
