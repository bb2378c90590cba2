"""The README's "Deploy a shop" section, followed command by command from nothing to a synced sale, restored from a
backup and selling again: a hub on PostgreSQL (a scratch schema), a till of its own, only the `edgepos` command line,
`curl` and the shell. Counts the steps.

The README's paths move under a temporary directory, port 8470 becomes a free port, and `EDGEPOS_HUB_DSN` is the
scratch schema (its `export` line is the one step not run as written). Commands that ask for a PIN or the enrolment
code get them on stdin, as a person would type them.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from hub.postgres_backend import LOCAL_DSN, reachable, scratch_schema

ROOT = Path(__file__).resolve().parents[2]
PG_DSN = os.environ.get("EDGEPOS_TEST_PG_DSN", LOCAL_DSN)
MANAGER_PIN, CASHIER_PIN = "8086", "2718"
MAX_STEPS_TO_SALE = 15  # was 10 steps, 5 of them guesswork, and Python from the source for the sale itself
MAX_STEPS = 20  # with backup, restore and a sale after it


def deploy_steps(readme: str) -> list[str]:
    """The shell commands of the section, in order: each line of its ```sh blocks (comments skipped)."""
    section = readme.split("\n## Deploy a shop\n", 1)[1].split("\n## ", 1)[0]
    steps = []
    for block in re.findall(r"^```sh\n(.*?)^```", section, flags=re.S | re.M):
        steps += [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return steps


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stdin(step: str, outputs: list[str]) -> str:
    if step.startswith("edgepos till init"):
        return f"{MANAGER_PIN}\n{MANAGER_PIN}\n"
    if step.startswith("edgepos sync enrol"):
        code_step = next(out for cmd, out in reversed(outputs) if cmd.startswith("edgepos hub enrol-code"))
        return code_step.strip().splitlines()[-1] + "\n"  # the code the hub printed, typed in
    if step.startswith("edgepos operators add"):
        return f"{MANAGER_PIN}\n{CASHIER_PIN}\n{CASHIER_PIN}\n"
    if " edgepos run " in f" {step} ":
        return f"{CASHIER_PIN}\n"
    return ""


@pytest.mark.skipif(not reachable(PG_DSN) and not os.environ.get("CI"), reason="no PostgreSQL server here")
def test_deploy_a_shop_as_the_readme_says(tmp_path: Path) -> None:
    steps = deploy_steps((ROOT / "README.md").read_text(encoding="utf-8"))
    port = str(_free_port())
    places = {"/etc/edgepos": tmp_path / "etc", "/var/lib/edgepos": tmp_path / "lib",
              "/var/backups/edgepos": tmp_path / "backups"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGEPOS_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # this installation's `edgepos`
    env_file = tmp_path / "env"
    background: list[int] = []
    outputs: list[tuple[str, str]] = []
    with scratch_schema(PG_DSN, "deploy") as dsn:
        env["EDGEPOS_HUB_DSN"] = dsn
        try:
            for number, written in enumerate(steps, start=1):
                if written.startswith("export EDGEPOS_HUB_DSN="):
                    continue  # the scratch schema instead of the README's database
                step = written.replace("8470", port)
                for place, there in places.items():
                    step = step.replace(place, str(there))
                shell = subprocess.Popen(["bash", "-c", f"set -eo pipefail\n{step}\nenv -0 > {env_file}"],
                                         env=env, cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True, start_new_session=True)
                if step.rstrip().endswith("&"):
                    background.append(shell.pid)
                out, err = shell.communicate(_stdin(step, outputs), timeout=120)
                assert shell.returncode == 0, f"step {number} failed: {written}\n{out}\n{err}"
                outputs.append((written, out))
                env = dict(item.split("=", 1) for item in env_file.read_text().split("\0") if "=" in item)
        finally:
            for pgid in background:  # the hub, started in the background as the README says
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, signal.SIGTERM)
    ran = [step for step, _ in outputs]
    to_sale = next(i for i, step in enumerate(steps, start=1) if "--sell" in step)
    print(f"deploy a shop: {to_sale} steps from nothing to a synced sale, {len(steps)} with backup, restore and a "
          "sale after it; none guessed")
    assert to_sale <= MAX_STEPS_TO_SALE and len(steps) <= MAX_STEPS
    first_sale = next(out for step, out in outputs if "--sell" in step)
    assert "sent to the hub" in first_sale and "Lotus Mart" in first_sale and " CST" in first_sale
    (settled,) = json.loads(next(out for step, out in outputs if "/v1/admin/settlement" in step))
    assert (settled["sales"], settled["count"], settled["by_tender"]) == (700, 1, {"cash": 700})
    assert "queue: 0 pending" in next(out for step, out in outputs if step.startswith("edgepos sync --data-dir"))
    after_restore = [out for step, out in outputs if "--sell" in step][-1]
    assert ran.index(next(s for s in ran if "edgepos restore" in s)) < len(ran) - 1
    assert "sent to the hub" in after_restore
    till = places["/var/lib/edgepos"] / "till"
    assert oct(till.stat().st_mode & 0o777) == oct(0o700)
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in till.iterdir()} == {
        p.name: oct(0o600) for p in till.iterdir()}
