"""`edgepos cbdc wallet` as a user runs it, against the shared hub: create a funded wallet, show a code the till
takes, load a hard wallet."""

from __future__ import annotations

import json
import os
import subprocess

from cbdckit import ADMIN_TOKEN, basket, new_till

from hub.process import HubProcess, edgepos_command


def _wallet(hub: HubProcess, store, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EDGEPOS_HUB_ADMIN_TOKEN": ADMIN_TOKEN}
    return subprocess.run([*edgepos_command(), "cbdc", "wallet", "--hub", hub.url, "--store", str(store), "--json",
                           *args], capture_output=True, text=True, timeout=120, env=env)


def test_wallet_simulator_command_line(tmp_path, hub: HubProcess) -> None:
    store = tmp_path / "wallets.json"
    made = _wallet(hub, store, "create", "--tier", "anonymous", "--fund", "50.00")
    assert made.returncode == 0, made.stderr
    wallet = json.loads(made.stdout)
    assert wallet["balance"] == {"amount": 5_000, "currency": "CNY"} and oct(store.stat().st_mode)[-3:] == "600"
    code = json.loads(_wallet(hub, store, "code", wallet["wallet_no"]).stdout)["code"]
    till = new_till(tmp_path, hub)
    try:
        basket(till, 1_000)
        assert till.checkout.pay_cbdc_code(code).result == "completed"
    finally:
        till.close()
    card = _wallet(hub, store, "issue-card", wallet["wallet_no"])
    device = json.loads(card.stdout)["device_id"]
    loaded = _wallet(hub, store, "load-card", device, "30.00")
    assert json.loads(loaded.stdout)["balance"] == 3_000
    over = _wallet(hub, store, "load-card", device, "30.00")  # the wallet holds 10.00 now
    assert over.returncode == 1 and "refused (cbdc_insufficient_funds)" in over.stderr
