"""packaging/build-deb makes a package that installs and runs: its contents, units that systemd-analyze accepts,
`dpkg -i` on this machine, `edgepos doctor --simulate` from the installed copy, and maintainer scripts that leave an
existing journal, key store and key secret as they were (on reconfigure and on purge).

The package is built once (uncompressed: ~10 s, from this environment's installed distributions; nothing is
downloaded) and removed again at the end, with the user and directories the test made."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ("edgepos-till.service", "edgepos-syncd.service", "edgepos-hub.service", "edgepos-update.service",
         "edgepos-update.path")

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("dpkg-deb"),
                                reason="installing a package needs root and dpkg (Debian)")


def run(*args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=check, timeout=300, **kwargs)


def dpkg(*args: str) -> subprocess.CompletedProcess[str]:
    """dpkg, waiting for its lock if another installation on this machine holds it."""
    for _ in range(60):
        done = run("dpkg", *args, check=False)
        if "lock" not in done.stderr:
            assert done.returncode == 0, done.stderr
            return done
        time.sleep(1)
    raise AssertionError(done.stderr)


@pytest.fixture(scope="module")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict, Path]]:
    out = tmp_path_factory.mktemp("deb")
    root = out / "root"
    made = run(sys.executable, "-m", "terminal.cli", "hub", "provision-root", "--out", str(root),
               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert made.returncode == 0
    built = run(str(ROOT / "packaging/build-deb"), str(out), "--compression", "none",
                "--provisioning-root", str(root / "provisioning-root.pub"),
                env={**os.environ, "PYTHON": sys.executable})
    info = json.loads(built.stdout.strip().splitlines()[-1])
    yield Path(info["deb"]), info, root


@pytest.fixture(scope="module")
def installed(deb: tuple[Path, dict, Path]) -> Iterator[Path]:
    before = {p: Path(p).exists() for p in ("/etc/edgepos", "/var/lib/edgepos")}
    had_user = run("getent", "passwd", "edgepos", check=False).returncode == 0
    dpkg("-i", "--force-unsafe-io", str(deb[0]))  # no fsync per unpacked file: a test machine, not a till
    try:
        yield deb[0]
    finally:
        if run("dpkg-query", "-W", "edgepos", check=False).returncode == 0:
            dpkg("--purge", "edgepos")
        for path, existed in before.items():
            if not existed:
                shutil.rmtree(path, ignore_errors=True)
        if not had_user:
            run("userdel", "edgepos", check=False)
            run("groupdel", "edgepos", check=False)


def test_package_contents(deb: tuple[Path, dict, Path]) -> None:
    path, info, _ = deb
    assert path.name == f"edgepos_{info['version']}_{info['arch']}.deb"
    fields = run("dpkg-deb", "-f", str(path)).stdout
    assert "Package: edgepos" in fields and "Depends: python3 (>= 3.11)" in fields and "Recommends: cage" in fields
    listing = run("dpkg-deb", "-c", str(path)).stdout
    for needed in ("./opt/edgepos/venv/bin/edgepos", "./opt/edgepos/venv/lib/python3.11/site-packages/terminal/cli.py",
                   "site-packages/PySide6/", "site-packages/sdnotify/", "./opt/edgepos/bin/edgepos-kiosk",
                   "./lib/udev/rules.d/60-edgepos.rules", "./etc/edgepos/provisioning-root.pub",
                   *(f"./lib/systemd/system/{unit}" for unit in UNITS)):
        assert needed in listing, needed
    for never in ("site-packages/_pytest/", "site-packages/hypothesis/", "site-packages/lightgbm/",
                  "site-packages/sklearn/", "site-packages/playwright/", "./tests/", ".stage-"):
        assert never not in listing, never
    control = run("dpkg-deb", "-I", str(path), "conffiles").stdout
    assert control.strip() == "/etc/edgepos/provisioning-root.pub"


def test_installs_and_runs_from_the_installed_copy(installed: Path, deb: tuple[Path, dict, Path]) -> None:
    version = run("/usr/bin/edgepos", "--version").stdout
    assert version.strip() == f"edgepos {deb[1]['version']}"
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    doctor = run("/usr/bin/edgepos", "doctor", "--simulate", "--json", env=clean, check=False, cwd="/")
    rows = json.loads(doctor.stdout)["devices"]
    assert doctor.returncode == 0 and rows and all(r["status"] == "ok" for r in rows), doctor.stdout
    where = run("/opt/edgepos/venv/bin/python", "-c", "import terminal, PySide6; print(terminal.__file__)",
                env=clean, cwd="/").stdout
    assert where.startswith("/opt/edgepos/venv/lib/python3.11/site-packages/terminal/")
    if shutil.which("systemd-analyze"):
        verify = run("systemd-analyze", "verify", *(f"/lib/systemd/system/{u}" for u in UNITS), check=False)
        assert verify.returncode == 0 and not verify.stderr.strip(), verify.stderr
    assert Path("/etc/edgepos").stat().st_mode & 0o777 == 0o750
    assert Path("/var/lib/edgepos").stat().st_mode & 0o777 == 0o750
    secret = Path("/etc/edgepos/secret.env")
    assert secret.stat().st_mode & 0o777 == 0o640 and secret.read_text().startswith("EDGEPOS_KEY_SECRET=")
    assert run("id", "-nG", "edgepos").stdout.split() >= ["edgepos"]


def test_maintainer_scripts_never_touch_a_journal_or_key_store(installed: Path) -> None:
    """Runs last: an upgrade's configure, then a real purge; the journal, key store and secret stay as they were."""
    till = Path("/var/lib/edgepos/till")
    till.mkdir(mode=0o700, exist_ok=True)
    files = {till / "journal.db": b"sales that are money", till / "keys.json": b"sealed keys",
             Path("/etc/edgepos/secret.env"): None}
    for path, content in files.items():
        if content is not None:
            path.write_bytes(content)
            path.chmod(0o600)
    before = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mode, p.stat().st_uid) for p in files}
    run("/var/lib/dpkg/info/edgepos.postinst", "configure", "0.0.9")  # an upgrade's configure step
    dpkg("--purge", "edgepos")
    assert not Path("/opt/edgepos/venv").exists()
    after = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mode, p.stat().st_uid) for p in files}
    assert after == before
