"""Build the edgepos Debian package (run by packaging/build-deb): edgepos_<version>_<arch>.deb in OUTDIR.

Debian 12 has no PySide6, so the package carries its own venv under /opt/edgepos/venv. It is filled without a
download: the venv is made by the target's /usr/bin/python3, and every distribution edgepos needs at run time (the
dependencies in pyproject.toml plus the `postgres` extra, followed through their own requirements and markers) is
copied file by file (its RECORD) from the Python environment running this script, hard-linked when on the same
file system. That environment must be the same Python minor version as the target's (3.11 on Debian 12). edgepos's
own packages are copied from this checkout and byte-compiled for their installed path.

The package also ships systemd units (the till in a cage kiosk session, the sync daemon with the watchdog, the
hub), udev rules (PC/SC readers, serial scanners, USB printers), the provisioning root's public key
(`--provisioning-root`, a conffile), and maintainer scripts that make the `edgepos` system user, /etc/edgepos and
/var/lib/edgepos with safe modes, and never touch an existing journal, key store or key secret.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PACKAGES = ("terminal", "drivers", "sync", "models", "hub", "bench")
PREFIX = Path("opt/edgepos")
EXTRAS = ("postgres",)  # the hub in production runs on PostgreSQL
# left out of the venv: what no edgepos process loads at run time (fewer files: dpkg installs and removes faster)
SKIP_DISTRIBUTIONS = {"pip"}  # required by sqlite-utils for its `install` command only
SKIP_PARTS = {"tests", "testing", "include", "typesystems", "glue", "qml"}  # test suites, C headers, Qt Quick/QML
SKIP_SUFFIXES = {".pyi", ".h", ".hpp", ".cmake"}


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in EXTRAS:
        wanted += project.get("optional-dependencies", {}).get(extra, [])
    return [Requirement(text) for text in wanted]


def closure(roots: list[Requirement]) -> dict[str, metadata.Distribution]:
    """Every installed distribution the roots need, with their extras, markers evaluated for this Python."""
    found: dict[str, metadata.Distribution] = {}
    extras_seen: dict[str, set[str]] = {}
    todo = list(roots)
    missing: list[str] = []
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        new_extras = set(requirement.extras) - extras_seen.get(name, set())
        if name in found and not new_extras:
            continue
        try:
            dist = found.get(name) or metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            missing.append(str(requirement))
            continue
        found[name] = dist
        extras_seen.setdefault(name, set()).update(requirement.extras)
        active = extras_seen[name] or {""}
        for text in dist.requires or []:
            needed = Requirement(text)
            if needed.marker is None or any(needed.marker.evaluate({"extra": extra}) for extra in active):
                todo.append(needed)
    if missing:
        raise SystemExit(f"build-deb: not installed in {sys.prefix}: {', '.join(sorted(missing))} "
                         "(run ./dev test once, or set PYTHON to an environment that has them)")
    return found


def _place(source: Path, target: Path) -> None:
    if target.exists():  # two distributions list the same file (a shared __init__ or cache)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another file system, or a file we may not link: copy
        shutil.copy2(source, target)


def copy_distributions(dists: dict[str, metadata.Distribution], site: Path) -> int:
    count = 0
    for name, dist in dists.items():
        if name in SKIP_DISTRIBUTIONS:
            continue
        base = Path(str(dist.locate_file(""))).resolve()
        for file in dist.files or []:
            source = Path(str(dist.locate_file(file)))
            try:
                relative = source.resolve().relative_to(base)
            except ValueError:
                continue  # console scripts and data outside site-packages: not needed, edgepos runs as a module
            if "__pycache__" in relative.parts and source.suffix == ".pyc" and not source.exists():
                continue
            if not source.is_file() or source.suffix in SKIP_SUFFIXES or SKIP_PARTS & set(relative.parts[1:-1]):
                continue
            _place(source, site / relative)
            count += 1
    return count


def project_files() -> list[Path]:
    """edgepos's own files: those git tracks in a checkout (no stray local databases), else every file."""
    try:
        listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--", *PACKAGES], check=True,
                                capture_output=True).stdout.decode().split("\0")
        return [ROOT / name for name in listed if name and (ROOT / name).is_file()]
    except (OSError, subprocess.CalledProcessError):
        return [p for package in PACKAGES for p in (ROOT / package).rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]


def copy_project(site: Path, version: str, stage: Path) -> None:
    for source in project_files():
        target = site / source.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    info = site / f"edgepos-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: edgepos\nVersion: {version}\n", encoding="utf-8")
    (info / "INSTALLER").write_text("edgepos-build-deb\n", encoding="utf-8")
    (info / "top_level.txt").write_text("\n".join(PACKAGES) + "\n", encoding="utf-8")
    for package in PACKAGES:
        compileall.compile_dir(site / package, quiet=1, ddir=f"/{site.relative_to(stage) / package}", workers=0)


def make_venv(stage: Path, target_python: str) -> Path:
    venv = stage / PREFIX / "venv"
    subprocess.run([target_python, "-m", "venv", "--without-pip", str(venv)], check=True)
    for script in venv.glob("bin/activate*"):  # they name the build directory
        script.unlink()
    (venv / "bin" / "Activate.ps1").unlink(missing_ok=True)
    config = venv / "pyvenv.cfg"
    lines = [line for line in config.read_text().splitlines() if not line.startswith("command")]
    config.write_text("\n".join(lines) + f"\ncommand = {target_python} -m venv /{PREFIX}/venv\n")
    launcher = venv / "bin" / "edgepos"
    launcher.write_text(f"#!/{PREFIX}/venv/bin/python\nimport sys\n\nfrom terminal.cli import main\n\n"
                        "sys.exit(main())\n")
    launcher.chmod(0o755)
    return venv


def site_packages(venv: Path) -> Path:
    found = list(venv.glob("lib/python3.*/site-packages"))
    if len(found) != 1:
        raise SystemExit(f"build-deb: no single site-packages in {venv}")
    return found[0]


def install_files(stage: Path, root_key: Path | None, archive_keyring: Path | None = None) -> list[str]:
    """Units, udev rules, the kiosk wrapper, the command on the PATH; returns the conffiles."""
    for unit in sorted((HERE / "systemd").glob("*.*")):
        _copy(unit, stage / "lib/systemd/system" / unit.name, 0o644)
    _copy(HERE / "udev/60-edgepos.rules", stage / "lib/udev/rules.d/60-edgepos.rules", 0o644)
    _copy(HERE / "bin/edgepos-kiosk", stage / PREFIX / "bin/edgepos-kiosk", 0o755)
    _copy(HERE / "nginx-edgepos-hub.conf", stage / "usr/share/doc/edgepos/examples/nginx-edgepos-hub.conf", 0o644)
    _copy(ROOT / "LICENSE", stage / "usr/share/doc/edgepos/copyright", 0o644)
    (stage / "usr/bin").mkdir(parents=True, exist_ok=True)
    os.symlink(f"/{PREFIX}/venv/bin/edgepos", stage / "usr/bin/edgepos")
    conffiles = []
    if archive_keyring is not None:  # the key the update repository is signed with (terminal.fleet.updater)
        _copy(archive_keyring, stage / "usr/share/keyrings/edgepos-archive.gpg", 0o644)
    if root_key is not None:
        _copy(root_key, stage / "etc/edgepos/provisioning-root.pub", 0o644)
        conffiles.append("/etc/edgepos/provisioning-root.pub")
    return conffiles


def _copy(source: Path, target: Path, mode: int) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(mode)


def control(stage: Path, version: str, arch: str, conffiles: list[str]) -> None:
    debian = stage / "DEBIAN"
    debian.mkdir(mode=0o755)
    size_kb = sum(p.lstat().st_size for p in stage.rglob("*") if p.is_file() and not p.is_symlink()) // 1024
    template = (HERE / "debian/control").read_text(encoding="utf-8")
    (debian / "control").write_text(template.format(version=version, arch=arch, size=size_kb), encoding="utf-8")
    if conffiles:
        (debian / "conffiles").write_text("\n".join(conffiles) + "\n", encoding="utf-8")
    for script in ("postinst", "prerm", "postrm"):
        _copy(HERE / "debian" / script, debian / script, 0o755)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="packaging/build-deb", description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path, metavar="OUTDIR")
    parser.add_argument("--provisioning-root", type=Path, metavar="PUB",
                        help="the provisioning root's public key to ship (edgepos hub provision-root)")
    parser.add_argument("--archive-keyring", type=Path, metavar="GPG",
                        help="the update repository's signing key (binary keyring, packaging/apt-repo)")
    parser.add_argument("--compression", choices=["xz", "zstd", "gzip", "none"], default="zstd",
                        help="dpkg-deb compression (default zstd; none is fastest, for CI)")
    parser.add_argument("--target-python", default="/usr/bin/python3", help="the target's Python (default "
                                                                             "/usr/bin/python3)")
    parser.add_argument("--version", help="package version (default: terminal.__version__)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    target_version = subprocess.run([args.target_python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                    check=True, capture_output=True, text=True).stdout.strip()
    here_version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if target_version != here_version:
        raise SystemExit(f"build-deb: this environment is Python {here_version}, the target's {target_version}: "
                         "the venv's compiled modules would not load")
    sys.path.insert(0, str(ROOT))
    from terminal import __version__

    version = args.version or __version__
    arch = subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True, text=True).stdout.strip()
    args.outdir.mkdir(parents=True, exist_ok=True)
    stage = args.outdir / f".stage-edgepos-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    try:
        stage.mkdir(mode=0o755)
        venv = make_venv(stage, args.target_python)
        site = site_packages(venv)
        files = copy_distributions(closure(runtime_requirements()), site)
        copy_project(site, version, stage)
        conffiles = install_files(stage, args.provisioning_root, args.archive_keyring)
        control(stage, version, arch, conffiles)
        deb = args.outdir / f"edgepos_{version}_{arch}.deb"
        level = {"xz": "6", "zstd": "3", "gzip": "1", "none": "0"}[args.compression]
        subprocess.run(["dpkg-deb", f"-Z{args.compression}", f"-z{level}", "--root-owner-group", "--build",
                        str(stage), str(deb)], check=True, capture_output=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    print(json.dumps({"deb": str(deb), "version": version, "arch": arch, "bytes": deb.stat().st_size,
                      "dependency_files": files, "seconds": round(time.perf_counter() - started, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
