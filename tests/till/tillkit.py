"""Helpers for the real-till tests (imported by name): the `edgepos` command line run in-process (fast) or as the
installed console script (exit codes as a shell sees them), a product list, and enrolment at a real hub process."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from hub.process import HubProcess, edgepos_command
from terminal.cli import main

KEY_SECRET = "till-key-secret-for-tests-0123456789"
ADMIN_TOKEN = "admin-token-for-the-till-tests-0123456789"
MANAGER_PIN = "4321"
# one product: the scripted sale's barcode
PRODUCTS = ("sku,barcode,name,name_zh,category,price,vat_percent,unit\n"
            "TEA-1,6901234567892,Green tea 500 ml,绿茶,Drinks,3.50,13,bottle\n"
            "RICE-5,6923000003052,Jasmine rice 5 kg,,Fresh,39.90,9,bag\n")
TEA = "6901234567892"


@dataclass
class Result:
    code: int
    out: str
    err: str


def cli(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> Result:
    """`edgepos ARGS` in this process, stdin and environment as given (the key store secret set by default)."""
    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in ("EDGEPOS_KEY_SECRET", *(env or {}))}
    os.environ.update({"EDGEPOS_KEY_SECRET": KEY_SECRET, **(env or {})})
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse refusing a command line
                code = int(exc.code or 0)
    finally:
        sys.stdin = old_stdin
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return Result(code, out.getvalue(), err.getvalue())


def shell(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `edgepos` as its own process."""
    return subprocess.run([*edgepos_command(), *args], input=stdin, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "EDGEPOS_KEY_SECRET": KEY_SECRET, **(env or {})})


def products(directory: Path) -> Path:
    path = directory / "products.csv"
    path.write_text(PRODUCTS, encoding="utf-8")
    return path


def init(data_dir: Path, hub_url: str, merchant: str = "M-SHOP", *extra: str) -> Result:
    result = cli("till", "init", "--data-dir", str(data_dir), "--hub", hub_url, "--merchant", merchant,
                 "--store-name", "Lotus Mart", "--timezone", "Asia/Shanghai", "--catalogue",
                 str(products(data_dir.parent)), *extra, stdin=f"{MANAGER_PIN}\n{MANAGER_PIN}\n")
    assert result.code == 0, result.err
    return result


def enrol(hub: HubProcess, hub_db: Path, data_dir: Path, merchant: str = "M-SHOP") -> Result:
    code = shell("hub", "enrol-code", "--merchant", merchant, "--db", str(hub_db))
    assert code.returncode == 0, code.stderr
    env = {"EDGEPOS_ENROL_CODE": code.stdout.strip().splitlines()[-1].strip()}
    result = cli("sync", "enrol", "--data-dir", str(data_dir), "--merchant", merchant, env=env)
    assert result.code == 0, result.err
    return result


def start_hub(directory: Path) -> tuple[HubProcess, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    db = directory / "hub.db"
    return HubProcess(db=db, admin_token=ADMIN_TOKEN, log=directory / "hub.log").start(), db
