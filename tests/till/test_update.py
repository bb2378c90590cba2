"""Software updates end to end with real dpkg, gpg and a real hub: a staged rollout to one group reaches only that
group's terminals at their next sync; the terminal installs the signed package (only upwards), a version whose
health check fails is rolled back to the one before, and an unsigned or altered repository installs nothing.

The packages are small probes (`edgepos-probe14`, a version file and a health check) built here with dpkg-deb, in
a repository laid out and signed by packaging/apt-repo with a throwaway gpg key."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tillkit import KEY_SECRET, cli, enrol, init, start_hub

from sync.keystore import FileKeyStore
from terminal.fleet.updater import Updater, UpdateRefused


def _apt_repo():  # packaging/apt_repo.py is a script beside build-deb, not a package
    spec = importlib.util.spec_from_file_location("apt_repo", Path(__file__).resolve().parents[2] /
                                                  "packaging" / "apt_repo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_repo = _apt_repo().build

PROBE = "edgepos-probe14"
pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("gpg") or not shutil.which("dpkg-deb"),
                                reason="installing packages needs root, dpkg and gpg (Debian)")


def run(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=120, **kwargs)


def probe(out: Path, version: str, healthy: bool, arch: str) -> Path:
    stage = out / f"stage-{version}"
    (stage / "DEBIAN").mkdir(parents=True)
    (stage / "DEBIAN/control").write_text(f"Package: {PROBE}\nVersion: {version}\nArchitecture: {arch}\n"
                                          "Maintainer: edgepos tests <t@example.org>\nDescription: update probe\n")
    home = stage / "opt" / PROBE
    home.mkdir(parents=True)
    (home / "VERSION").write_text(version)
    (home / "check").write_text(f"#!/bin/sh\necho probe {version}\nexit {0 if healthy else 1}\n")
    (home / "check").chmod(0o755)
    deb = out / f"{PROBE}_{version}_{arch}.deb"
    run("dpkg-deb", "--root-owner-group", "-Znone", "--build", str(stage), str(deb))
    return deb


def gpg_key(home: Path, name: str) -> Path:
    home.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    run("gpg", "--batch", "--passphrase", "", "--quick-gen-key", f"{name} <{name}@example.org>", "ed25519", "sign",
        "never", env=env)
    keyring = home / "keyring.gpg"
    keyring.write_bytes(subprocess.run(["gpg", "--export", name], env=env, capture_output=True, check=True).stdout)
    return keyring


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    base = tmp_path_factory.mktemp("updates")
    arch = run("dpkg", "--print-architecture").stdout.strip()
    debs = [probe(base, v, healthy, arch) for v, healthy in (("1.0", True), ("1.1", True), ("1.2", False),
                                                             ("0.9", True))]
    keyring = gpg_key(base / "gnupg", "edgepos-archive")
    other = gpg_key(base / "other-gnupg", "someone-else")
    build_repo(base / "repo", debs, "edgepos-archive", base / "gnupg")
    run("dpkg", "-i", str(debs[0]))  # the terminal runs 1.0
    try:
        yield {"base": base, "repo": base / "repo", "keyring": keyring, "other": other}
    finally:
        subprocess.run(["dpkg", "--purge", PROBE], capture_output=True)
        for home in ("gnupg", "other-gnupg"):  # gpg started an agent per home: stop them, none outlives the test
            subprocess.run(["gpgconf", "--kill", "gpg-agent"], env={**os.environ, "GNUPGHOME": str(base / home)},
                           capture_output=True)


def updater(repo: dict, tmp_path: Path, keyring: Path | None = None, where: Path | None = None) -> Updater:
    return Updater(str(where or repo["repo"]), package=PROBE, keyring=keyring or repo["keyring"],
                   state_dir=tmp_path / "kept", check=(f"/opt/{PROBE}/check",))


def test_signed_update_goes_up_and_a_failing_one_rolls_back(repo: dict, tmp_path: Path) -> None:
    up = updater(repo, tmp_path)
    assert up.installed() == "1.0"
    with pytest.raises(UpdateRefused) as unsigned:  # a repository signed by another key: nothing installed
        updater(repo, tmp_path, keyring=repo["other"]).apply("1.1")
    assert unsigned.value.code == "update_unsigned" and up.installed() == "1.0"
    altered = tmp_path / "altered"
    shutil.copytree(repo["repo"], altered)
    packages = next(altered.glob("dists/stable/main/binary-*/Packages"))
    packages.write_text(packages.read_text().replace("Version: 1.2", "Version: 1.3"))
    with pytest.raises(UpdateRefused) as changed:
        updater(repo, tmp_path, where=altered).apply("1.3")
    assert changed.value.code == "update_altered" and up.installed() == "1.0"

    done = up.apply("1.1")
    assert (done.ok, done.installed) == (True, "1.1") and Path(f"/opt/{PROBE}/VERSION").read_text() == "1.1"
    failed = up.apply("1.2")  # installs, fails its health check, goes back
    assert (failed.ok, failed.code, failed.installed) == (False, "update_rolled_back", "1.1"), failed
    assert Path(f"/opt/{PROBE}/VERSION").read_text() == "1.1" and "1.2 failed" in failed.detail
    for lower in ("0.9", "1.1"):
        with pytest.raises(UpdateRefused) as down:
            up.apply(lower)
        assert down.value.code == "update_not_higher" and up.installed() == "1.1"


def test_staged_rollout_reaches_the_group_at_its_next_sync(repo: dict, tmp_path: Path) -> None:
    hub, db = start_hub(tmp_path / "hub")
    try:
        tills = {}
        for name in ("pilot", "rest"):
            tills[name] = tmp_path / name
            init(tills[name], hub.url)
            enrol(hub, db, tills[name])
            assert cli("fleet", "checkin", "--data-dir", str(tills[name])).code == 0
        ids = {n: FileKeyStore.open(t / "keys.json", KEY_SECRET.encode()).terminal_id for n, t in tills.items()}
        assert cli("hub", "fleet", "group", ids["pilot"], "pilot", "--db", str(db)).code == 0
        rolled = hub.admin("POST", "/v1/admin/fleet/rollout", json={"group": "pilot", "version": "1.2"})
        assert rolled["queued"] == [ids["pilot"]]
        lower = cli("hub", "fleet", "rollout", "--group", "pilot", "--version", "1.1", "--db", str(db))
        assert lower.code == 1 and "versions only go up" in lower.err

        first = json.loads(cli("fleet", "checkin", "--data-dir", str(tills["pilot"]), "--json").out)
        assert [a["action"] for a in first["actions"]] == ["update"]  # handed to the root updater
        request = tills["pilot"] / "update-request.json"
        assert json.loads(request.read_text())["version"] == "1.2"
        assert json.loads(cli("fleet", "checkin", "--data-dir", str(tills["rest"]), "--json").out)["actions"] == []
        applied = cli("update", "run-request", "--data-dir", str(tills["pilot"]), "--repo", str(repo["repo"]),
                      "--package", PROBE, "--keyring", str(repo["keyring"]), "--state-dir", str(tmp_path / "kept"),
                      "--check", f"/opt/{PROBE}/check", "--json")
        assert applied.code == 10 and json.loads(applied.out)["code"] == "update_rolled_back", applied.out
        cli("fleet", "checkin", "--data-dir", str(tills["pilot"]))  # reports the result
        actions = hub.admin("GET", f"/v1/admin/fleet/{ids['pilot']}/actions")
        assert [(a["action"], a["state"]) for a in actions] == [("update", "failed")]
        assert "rolled back" in actions[0]["result"] or "installed again" in actions[0]["result"]
    finally:
        hub.stop()
