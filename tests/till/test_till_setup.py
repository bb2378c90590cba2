"""A real till's set-up without a hub: private files, its own staff only, operators by the command line, and
`edgepos run` refusing to start with one sentence when the till is not there or its keys do not open."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from tillkit import KEY_SECRET, MANAGER_PIN, cli, init, shell

from models.features import FeatureState
from terminal.bootstrap import TillUnavailable, open_till
from terminal.operators import OperatorStore, UnknownOperator
from terminal.till.config import ConfigError, load_config

NO_HUB = "http://127.0.0.1:9"  # nothing listens there: these tests never need a hub


@pytest.fixture
def loose_umask():
    """A umask that leaves new files world-readable, as a careless service manager might."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_stores_holding_pins_and_card_velocity_are_created_private(tmp_path: Path, loose_umask) -> None:
    """Were 0644: operators.db (PIN hashes) and risk-state.db (per-card history) next to a 0600 journal."""
    OperatorStore.open(tmp_path / "operators.db", b"p" * 32).close()
    FeatureState(tmp_path / "risk-state.db").close()
    assert _mode(tmp_path / "operators.db") == 0o600
    assert _mode(tmp_path / "risk-state.db") == 0o600


def test_init_makes_a_private_till_with_only_its_first_manager(tmp_path: Path, loose_umask) -> None:
    till_dir = tmp_path / "till"
    init(till_dir, NO_HUB, "M-SHOP", "--manager", "M-100", "--manager-name", "Li Wei", "--receipt-footer", "Bye")
    assert _mode(till_dir) == 0o700
    with open_till(till_dir, secret=KEY_SECRET.encode()) as store:
        files = sorted(p.name for p in till_dir.iterdir())
        assert {"till.toml", "keys.json", "journal.db", "operators.db", "risk-state.db", "catalogue.csv"} <= set(files)
        assert {name: oct(_mode(till_dir / name)) for name in files} == {name: oct(0o600) for name in files}
        till = store.till
        assert [(op.operator_id, op.name, str(op.role)) for op in till.operators.all()] == [
            ("M-100", "Li Wei", "manager")]
        for demo_id, demo_pin in (("C-001", "1357"), ("M-001", "9999")):  # no demo staff, no default PINs
            with pytest.raises(UnknownOperator):
                till.operators.login(demo_id, demo_pin)
        assert till.operator is None and store.cards is None
        assert till.checkout.header[0] == "Lotus Mart" and till.checkout.footer == ("Bye",)
        assert str(till.checkout.receipt_tz) == "Asia/Shanghai"
    config = load_config(till_dir)
    assert (config.hub.url, config.hub.merchant, config.store.currency) == (NO_HUB, "M-SHOP", "CNY")
    again = cli("till", "init", "--data-dir", str(till_dir), "--hub", NO_HUB, "--merchant", "M", "--store-name",
                "X", stdin="1234\n1234\n")
    assert again.code == 1 and "already holds a till" in again.err


def test_init_refuses_bad_values_and_leaves_nothing_behind(tmp_path: Path) -> None:
    bad_zone = cli("till", "init", "--data-dir", str(tmp_path / "a"), "--hub", NO_HUB, "--merchant", "M",
                   "--store-name", "Shop", "--timezone", "Asia/Atlantis", stdin="1234\n1234\n")
    assert bad_zone.code == 1 and "unknown time zone" in bad_zone.err
    short_pin = cli("till", "init", "--data-dir", str(tmp_path / "b"), "--hub", NO_HUB, "--merchant", "M",
                    "--store-name", "Shop", stdin="12\n12\n")
    assert short_pin.code == 1 and "4 to 12 digits" in short_pin.err
    no_secret = cli("till", "init", "--data-dir", str(tmp_path / "c"), "--hub", NO_HUB, "--merchant", "M",
                    "--store-name", "Shop", stdin="1234\n1234\n", env={"EDGEPOS_KEY_SECRET": ""})
    assert no_secret.code == 1 and "EDGEPOS_KEY_SECRET" in no_secret.err
    assert not any((tmp_path / name).exists() for name in "abc")
    pin_in_argv = cli("operators", "add", "--data-dir", str(tmp_path), "--id", "C-1", "--name", "A", "--role",
                      "cashier", "--by", "M-001", "--pin", "1234")
    assert pin_in_argv.code == 2  # there is no way to put a PIN on the command line


def test_operators_are_managed_by_a_manager_with_their_pin(tmp_path: Path) -> None:
    till_dir = tmp_path / "till"
    init(till_dir, NO_HUB)
    base = ("--data-dir", str(till_dir))
    wrong = cli("operators", "add", *base, "--id", "C-002", "--name", "Chen", "--role", "cashier", "--by", "M-001",
                stdin="0000\n2222\n2222\n")
    assert wrong.code == 1 and "Wrong PIN" in wrong.err
    added = cli("operators", "add", *base, "--id", "C-002", "--name", "Chen", "--role", "cashier", "--by", "M-001",
                stdin=f"{MANAGER_PIN}\n2222\n2222\n")
    assert added.code == 0, added.err
    cashier_cannot = cli("operators", "add", *base, "--id", "C-003", "--name", "Xu", "--role", "cashier", "--by",
                         "C-002", stdin="2222\n3333\n3333\n")
    assert cashier_cannot.code == 1 and "manager" in cashier_cannot.err
    reset = cli("operators", "reset-pin", *base, "--id", "C-002", "--by", "M-001", stdin=f"{MANAGER_PIN}\n5555\n5555\n")
    assert reset.code == 0, reset.err
    disabled = cli("operators", "disable", *base, "--id", "C-002", "--by", "M-001", stdin=f"{MANAGER_PIN}\n")
    assert disabled.code == 0, disabled.err
    listed = cli("operators", "list", *base, "--json")
    assert '"id": "C-002", "name": "Chen", "role": "cashier", "disabled": true' in listed.out
    with open_till(till_dir, secret=KEY_SECRET.encode()) as store:
        with pytest.raises(UnknownOperator):
            store.till.operators.login("C-002", "5555")
        assert [op.operator_id for op in store.till.operators.all()] == ["M-001"]
        audit = [r.payload["action"] for r in store.till.journal.records() if r.type == "audit.privileged"]
    assert audit == ["operator_add", "operator_add", "operator_reset_pin", "operator_disable"]


def test_run_refuses_to_start_without_its_config_or_keys(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    refused = shell("run", "--data-dir", str(empty))  # as a shell (or systemd) sees it
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"edgepos: No till is set up in {empty}: run edgepos till init --data-dir {empty} first."]
    till_dir = tmp_path / "till"
    init(till_dir, NO_HUB)
    wrong_secret = cli("run", "--data-dir", str(till_dir), env={"EDGEPOS_KEY_SECRET": "another-secret-of-20-chars"})
    assert wrong_secret.code == 1 and "keys cannot be opened" in wrong_secret.err
    assert len(wrong_secret.err.strip().splitlines()) == 1
    (till_dir / "keys.json").chmod(0o644)
    loose_keys = cli("run", "--data-dir", str(till_dir))
    assert loose_keys.code == 1 and "chmod 600" in loose_keys.err
    (till_dir / "keys.json").chmod(0o600)
    text = (till_dir / "till.toml").read_text().replace('printer = "none"', 'printer = "lpt1"')
    (till_dir / "till.toml").write_text(text)
    with pytest.raises(ConfigError, match=r"devices\.printer"):
        load_config(till_dir)
    with pytest.raises(TillUnavailable, match="printer address 'lpt1'"):
        open_till(till_dir, secret=KEY_SECRET.encode())


def test_doctor_tests_the_devices_the_till_config_names(tmp_path: Path) -> None:
    from drivers.cli import till_devices_env

    till_dir = tmp_path / "till"
    init(till_dir, NO_HUB)
    assert till_devices_env(till_dir) == {"EDGEPOS_SCANNER_SUFFIX": "\r"}  # nothing configured: nothing to test
    text = (till_dir / "till.toml").read_text()
    for key, value in (("printer", "tcp:127.0.0.1:9100"), ("scanner", "serial:/dev/ttyACM0"), ("camera", "camera:0")):
        text = text.replace(f'{key} = "none"', f'{key} = "{value}"')
    (till_dir / "till.toml").write_text(text)
    load_config(till_dir)  # still a valid config
    assert till_devices_env(till_dir) == {"EDGEPOS_PRINTER": "tcp:127.0.0.1:9100", "EDGEPOS_SCANNER": "/dev/ttyACM0",
                                          "EDGEPOS_CAMERA": "0", "EDGEPOS_SCANNER_SUFFIX": "\r"}
