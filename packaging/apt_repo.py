"""Lay out a signed apt repository for terminals' software updates (run by packaging/apt-repo).

    packaging/apt-repo OUTDIR DEB... --key KEYID [--gnupg-home DIR] [--suite stable]

OUTDIR/pool/main/<p>/<package>/*.deb, OUTDIR/dists/<suite>/main/binary-<arch>/Packages(.gz) (dpkg-scanpackages),
OUTDIR/dists/<suite>/Release with the SHA256 of each index, signed by the archive key as InRelease (clear-signed)
and Release.gpg (detached). Terminals trust only that key (`signed-by=`; terminal.fleet.updater checks InRelease
with gpgv the same way apt does). Versions already in the pool stay: a rollback needs the version before.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path


def deb_field(deb: Path, name: str) -> str:
    return subprocess.run(["dpkg-deb", "-f", str(deb), name], check=True, capture_output=True,
                          text=True).stdout.strip()


def build(out: Path, debs: list[Path], key: str, gnupg_home: Path | None, suite: str = "stable") -> Path:
    component = "main"
    archs: set[str] = set()
    for deb in debs:
        package, arch = deb_field(deb, "Package"), deb_field(deb, "Architecture")
        archs.add(arch)
        target = out / "pool" / component / package[0] / package / deb.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            shutil.copy2(deb, target)
    release_files: list[Path] = []
    for arch in sorted(archs):
        index_dir = out / "dists" / suite / component / f"binary-{arch}"
        index_dir.mkdir(parents=True, exist_ok=True)
        packages = subprocess.run(["dpkg-scanpackages", "--multiversion", "--arch", arch, "pool", "/dev/null"],
                                  cwd=out, check=True, capture_output=True).stdout
        (index_dir / "Packages").write_bytes(packages)
        (index_dir / "Packages.gz").write_bytes(gzip.compress(packages, mtime=0))
        release_files += [index_dir / "Packages", index_dir / "Packages.gz"]
    dist = out / "dists" / suite
    lines = ["Origin: edgepos", "Label: edgepos", f"Suite: {suite}", f"Codename: {suite}",
             f"Date: {datetime.now(UTC).strftime('%a, %d %b %Y %H:%M:%S UTC')}",
             f"Architectures: {' '.join(sorted(archs))}", f"Components: {component}", "SHA256:"]
    for path in release_files:
        data = path.read_bytes()
        lines.append(f" {hashlib.sha256(data).hexdigest()} {len(data):>16} {path.relative_to(dist)}")
    release = dist / "Release"
    release.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, **({"GNUPGHOME": str(gnupg_home)} if gnupg_home else {})}
    for name in ("InRelease", "Release.gpg"):
        (dist / name).unlink(missing_ok=True)
    gpg = ["gpg", "--batch", "--yes", "--local-user", key, "--digest-algo", "SHA256"]
    subprocess.run([*gpg, "--clearsign", "--output", str(dist / "InRelease"), str(release)], check=True, env=env,
                   capture_output=True)
    subprocess.run([*gpg, "--armor", "--detach-sign", "--output", str(dist / "Release.gpg"), str(release)],
                   check=True, env=env, capture_output=True)
    return dist


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="packaging/apt-repo", description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("debs", type=Path, nargs="+", metavar="DEB")
    parser.add_argument("--key", required=True, help="the archive signing key (gpg key id or user id)")
    parser.add_argument("--gnupg-home", type=Path, help="the gpg home holding it (default: gpg's own)")
    parser.add_argument("--suite", default="stable")
    args = parser.parse_args(argv)
    dist = build(args.outdir, args.debs, args.key, args.gnupg_home, args.suite)
    print(f"signed repository in {args.outdir} ({dist / 'InRelease'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
