"""Software updates on a terminal: a signed package from the fleet's apt repository, installed only upwards, with
a health check after it and a rollback to the version before when the install or the check fails.

The repository (packaging/apt-repo) is trusted the way apt trusts it: InRelease must verify with gpgv against the
archive keyring that ships with the terminal (/usr/share/keyrings/edgepos-archive.gpg), the Packages index must
have the SHA256 that InRelease names, and the .deb the SHA256 the index names. The hub only says which version a
terminal's group should run (`edgepos hub fleet rollout`): it cannot make a terminal install anything the archive
key did not sign, nor a version lower than the installed one. The .deb of every version installed is kept, so a
rollback needs no network. Runs as root (`edgepos update apply`, from the edgepos-update.service oneshot).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

KEYRING = Path("/usr/share/keyrings/edgepos-archive.gpg")
STATE = Path("/var/lib/edgepos/updates")


class UpdateRefused(Exception):
    """An update that must not be installed (unsigned, altered, not higher, unknown); nothing was changed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class UpdateResult:
    ok: bool
    code: str  # update_installed, update_rolled_back
    installed: str  # the version installed afterwards
    detail: str


def compare(a: str, b: str) -> int:
    """Debian version order (dpkg --compare-versions): -1, 0 or 1."""
    if subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0:
        return -1
    return 0 if subprocess.run(["dpkg", "--compare-versions", a, "eq", b]).returncode == 0 else 1


class Updater:
    def __init__(self, repo: str, *, package: str = "edgepos", keyring: Path = KEYRING, state_dir: Path = STATE,
                 suite: str = "stable", arch: str | None = None, installer: Sequence[str] = ("dpkg", "-i"),
                 check: Sequence[str] = ("/usr/bin/edgepos", "--version"), check_timeout_s: float = 120.0) -> None:
        self.repo = repo.rstrip("/")
        self.package, self.keyring, self.state_dir, self.suite = package, keyring, state_dir, suite
        self.arch = arch or subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True,
                                           text=True).stdout.strip()
        self.installer, self.check, self.check_timeout_s = list(installer), list(check), check_timeout_s

    # --- the signed index -----------------------------------------------------------------------------------------

    def _fetch(self, relative: str) -> bytes:
        url = f"{self.repo}/{relative}"
        if "://" not in url:  # a mounted medium (a USB stick the technician brings) or a local mirror
            return Path(url).read_bytes()
        if not url.startswith(("http://", "https://")):
            raise UpdateRefused("update_bad_repo", f"the update repository {self.repo} is not http(s) or a path")
        import httpx

        try:
            response = httpx.get(url, timeout=60, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise UpdateRefused("update_unreachable", f"the update repository did not answer ({exc}); nothing "
                                                      "was installed") from None
        return response.content

    def index(self) -> dict[str, dict[str, str]]:
        """Version -> its Packages stanza, for this package, from an index the archive key signed."""
        inrelease = self._fetch(f"dists/{self.suite}/InRelease")
        verified = subprocess.run(["gpgv", "--keyring", str(self.keyring), "--output", "-"], input=inrelease,
                                  capture_output=True)
        if verified.returncode != 0:
            raise UpdateRefused("update_unsigned", "the update repository's index is not signed by the archive key "
                                                   "this terminal trusts; nothing was installed")
        release = verified.stdout.decode("utf-8", "replace")
        name = f"main/binary-{self.arch}/Packages"
        wanted = next((line.split() for line in release.splitlines() if line.startswith(" ")
                       and line.split()[-1] == name), None)
        if wanted is None:
            raise UpdateRefused("update_unknown", f"the repository has no packages for {self.arch}")
        packages = self._fetch(f"dists/{self.suite}/{name}")
        if hashlib.sha256(packages).hexdigest() != wanted[0]:
            raise UpdateRefused("update_altered", "the repository's package list was altered after it was signed; "
                                                  "nothing was installed")
        found: dict[str, dict[str, str]] = {}
        for block in packages.decode("utf-8", "replace").split("\n\n"):
            fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and line[0] != " ")
            if fields.get("Package") == self.package:
                found[fields["Version"]] = fields
        return found

    # --- install --------------------------------------------------------------------------------------------------

    def installed(self) -> str | None:
        done = subprocess.run(["dpkg-query", "-W", "-f", "${Status} ${Version}", self.package], capture_output=True,
                              text=True)
        parts = done.stdout.split()
        return parts[-1] if done.returncode == 0 and "installed" in parts[:3] else None

    def _download(self, stanza: dict[str, str]) -> Path:
        self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = self.state_dir / Path(stanza["Filename"]).name
        if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == stanza["SHA256"]:
            return target
        data = self._fetch(stanza["Filename"])
        if hashlib.sha256(data).hexdigest() != stanza["SHA256"]:
            raise UpdateRefused("update_altered", f"{stanza['Filename']} is not the package the signed index names; "
                                                  "nothing was installed")
        partial = target.with_suffix(".partial")
        partial.write_bytes(data)
        partial.replace(target)
        return target

    def _healthy(self) -> tuple[bool, str]:
        try:
            done = subprocess.run(self.check, capture_output=True, text=True, timeout=self.check_timeout_s)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"health check did not run: {exc}"
        return done.returncode == 0, (done.stdout + done.stderr).strip()[-300:]

    def apply(self, version: str) -> UpdateResult:
        """Install `version` (higher than the installed one), check it, roll back to the one before on failure."""
        index = self.index()
        stanza = index.get(version)
        if stanza is None:
            raise UpdateRefused("update_unknown", f"version {version} of {self.package} is not in the repository")
        current = self.installed()
        if current is not None and compare(version, current) <= 0:
            raise UpdateRefused("update_not_higher", f"{self.package} {current} is installed; versions only go up, "
                                                     f"so {version} is not installed")
        back: Path | None = None
        if current is not None:
            if current not in index:
                raise UpdateRefused("update_no_way_back", f"{self.package} {current} is not in the repository, so a "
                                                          "failed update could not be rolled back; nothing installed")
            back = self._download(index[current])
        new = self._download(stanza)
        install = subprocess.run([*self.installer, str(new)], capture_output=True, text=True)
        healthy, detail = self._healthy() if install.returncode == 0 else (False, install.stderr.strip()[-300:])
        if healthy and self.installed() == version:
            return UpdateResult(True, "update_installed", version, detail)
        if back is None:
            return UpdateResult(False, "update_failed", self.installed() or "none", detail)
        restored = subprocess.run([*self.installer, str(back)], capture_output=True, text=True)
        if restored.returncode != 0:
            return UpdateResult(False, "update_rollback_failed", self.installed() or "none",
                                f"{detail}; rollback: {restored.stderr.strip()[-300:]}")
        return UpdateResult(False, "update_rolled_back", self.installed() or "none",
                            f"{version} failed ({detail}); {current} is installed again")


def keep(path: Path, state_dir: Path) -> None:
    """Keep a package file for a later rollback."""
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    shutil.copy2(path, state_dir / path.name)
