"""The cashier app on a real X display (Xvfb + Qt's xcb platform, as on a shop's screen, not offscreen): `edgepos
demo` starts, a cashier logs in by mouse clicks sent through the X server (xdotool), the sale screen comes up, and
when the app is killed (SIGKILL, SIGTERM) no hub process is left behind.

Coordinates of the staff button and PIN keys come from the app's probe file (terminal/ui/probe.py). Skipped only
outside CI when Xvfb or xdotool is missing (`./dev` installs both); in CI (CI=1) it runs or fails.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.process import edgepos_command
from terminal.demo import open_demo_store
from terminal.domain import Money
from terminal.ui.probe import PROBE_ENV, SHOTS_ENV

MISSING = [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]
pytestmark = pytest.mark.skipif(bool(MISSING) and not os.environ.get("CI"),
                                reason=f"{' and '.join(MISSING)} not installed (./dev installs them)")
STAFF, PIN = "C-001", "1357"


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    """A fresh Xvfb on a display number it picks itself (-displayfd), 1280x1024."""
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        with os.fdopen(read) as numbers:
            number = numbers.readline().strip()
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        xvfb.terminate()
        xvfb.wait(10)


def _events(probe: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in probe.read_text().splitlines()] if probe.exists() else []


def _wait_for(probe: Path, app: subprocess.Popen[str], what: str, timeout: float = 15.0, **match: Any) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in _events(probe):
            if event["event"] == what and all(event.get(k) == v for k, v in match.items()):
                return event
        assert app.poll() is None, f"the app exited ({app.returncode}) before {what} {match}"
        time.sleep(0.05)
    raise AssertionError(f"no {what} {match} within {timeout:g} s; probe: {_events(probe)}")


def _click(display: str, button: dict) -> None:
    subprocess.run(["xdotool", "mousemove", "--sync", str(button["x"]), str(button["y"]), "click", "1"],
                   env={**os.environ, "DISPLAY": display}, check=True, timeout=10)


def _hub_processes(data_dir: Path) -> list[int]:
    """Live processes serving this test's hub database (only ours: the path is this test's temp dir)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"hub" in cmdline and str(data_dir / "hub.db").encode() in cmdline and state != "Z":
            found.append(int(proc.name))
    return found


def _open_shift(data_dir: Path) -> None:
    """The store's shift is open already, so logging in leads to the sale screen (not the float count)."""
    with open_demo_store(data_dir, devices="inprocess", sales_hub=False) as store:
        from terminal.shifts import Shifts

        till = store.till
        currency = store.catalogue.currency
        Shifts(till.journal, till.operators, till.printer, till.checkout.ports.clock, till.keystore.terminal_id
               ).open(till.operator, {currency: Money(20000, currency)})


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_app_on_a_real_x_display_logs_in_by_clicks_and_leaves_no_hub(display: str, tmp_path: Path, shots: Path,
                                                                     sig: int) -> None:
    data_dir, probe = tmp_path / "store", tmp_path / "probe.jsonl"
    _open_shift(data_dir)
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", PROBE_ENV: str(probe),
           SHOTS_ENV: str(shots / f"xvfb-{signal.Signals(sig).name}"), "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("WAYLAND_DISPLAY", None)
    app = subprocess.Popen([*edgepos_command(), "demo", "--data-dir", str(data_dir), "--devices", "inprocess",
                            "--size", "1024x768"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True)
    try:
        painted = _wait_for(probe, app, "painted", 30)
        assert painted["page"] == "login"
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^edgepos$"], capture_output=True,
                               text=True, env={**os.environ, "DISPLAY": display}, timeout=10)
        assert found.stdout.split(), "no visible edgepos window on the X display"
        hub_pid = _wait_for(probe, app, "ready", 30)["hub_pid"]
        assert hub_pid and _hub_processes(data_dir) == [hub_pid]

        buttons = {b["name"] or b["text"]: b for b in painted["buttons"]}
        _click(display, buttons[f"login_pick_{STAFF}"])
        for digit in PIN:
            _click(display, buttons[f"key_{digit}"])
        _click(display, buttons["keypad_ok"])
        sale = _wait_for(probe, app, "page", 15, page="sale")
        assert sale["buttons"], "the sale screen shows no buttons"

        app.send_signal(sig)
        app.wait(20)
        if sig == signal.SIGTERM:
            assert app.returncode == 0, app.stderr.read() if app.stderr else ""
        deadline = time.monotonic() + 15
        while _hub_processes(data_dir) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _hub_processes(data_dir), f"hub left running after the app got {signal.Signals(sig).name}"
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
