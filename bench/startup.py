"""Cashier app start-up, measured from outside: `edgepos demo` is launched as a real subprocess (a fresh store each
time, as `edgepos demo` without --data-dir makes) and reports through its probe file (terminal/ui/probe.py).

`window_ms`: launch to the login page's first paint (interpreter start, imports, till files, window) - target < 2 s.
`window_cpu_ms`: the CPU time the app spent until then (all its threads; not inflated by other processes on a busy
machine, unlike the wall time). `window_ms_reopened`: the same for the last run's store opened again (no new keys
or staff PIN hashes: what a till does every morning). `ready_ms`: launch to the hub child up, the till enrolled, its
first sync round done, the devices and the printer up. `rss_mb`: the app's resident memory after `sales` scripted
sales through its till (target < 250 MB); `hub_rss_mb` is the hub child's, for the record. Medians over `runs`
launches; the Qt platform is xcb when DISPLAY is set, else offscreen.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from hub.process import edgepos_command
from terminal.ui.probe import PROBE_ENV, SALES_ENV

PLATFORM_ENV = "QT_QPA_PLATFORM"


def launch(data_dir: Path, probe: Path, sales: int, devices: str = "inprocess", timeout: float = 90.0,
           extra_env: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Run `edgepos demo` until it quits after its scripted sales; the probe's events by name (`launched`: ours)."""
    env = {**os.environ, PROBE_ENV: str(probe), SALES_ENV: str(sales), **(extra_env or {})}
    if not env.get("DISPLAY"):
        env[PLATFORM_ENV] = "offscreen"
    launched = time.time()
    process = subprocess.Popen([*edgepos_command(), "demo", "--data-dir", str(data_dir), "--devices", devices],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        raise RuntimeError(f"edgepos demo did not finish {sales} sales within {timeout:g} s: {err[-1500:]}") from None
    events = {"launched": {"t": launched, "platform": env.get(PLATFORM_ENV) or "xcb"}}
    if probe.exists():
        for line in probe.read_text().splitlines():
            event = json.loads(line)
            events.setdefault(event["event"], event)
    missing = [name for name in ("painted", "ready", "sales") if name not in events]
    if process.returncode != 0 or missing:
        raise RuntimeError(f"edgepos demo exited {process.returncode} without {missing}: {err[-1500:]}")
    return events


def run(sales: int = 20, runs: int = 3, devices: str = "inprocess") -> dict[str, Any]:
    window, window_cpu, ready, rss, hub_rss = [], [], [], [], []
    platform = ""
    reopened: dict[str, Any] = {}
    for i in range(runs):
        with tempfile.TemporaryDirectory(prefix="edgepos-bench-startup-") as tmp:
            events = launch(Path(tmp) / "store", Path(tmp) / "probe.jsonl", sales, devices)
            if i == runs - 1:  # the same store once more, as a till opens its own every morning
                reopened = launch(Path(tmp) / "store", Path(tmp) / "probe-reopened.jsonl", 0, devices)
        t0 = events["launched"]["t"]
        platform = events["launched"]["platform"]
        window.append(round((events["painted"]["t"] - t0) * 1000))
        window_cpu.append(round(events["painted"]["cpu_s"] * 1000))
        ready.append(round((events["ready"]["t"] - t0) * 1000))
        rss.append(events["sales"]["rss_mb"])
        hub_rss.append(events["sales"]["hub_rss_mb"])
    return {"window_ms": round(statistics.median(window)), "window_cpu_ms": round(statistics.median(window_cpu)),
            "ready_ms": round(statistics.median(ready)),
            "rss_mb": max(rss), "hub_rss_mb": max(x for x in hub_rss if x is not None) if any(hub_rss) else None,
            "window_ms_reopened": round((reopened["painted"]["t"] - reopened["launched"]["t"]) * 1000),
            "sales": sales, "runs": runs, "window_ms_each": window, "ready_ms_each": ready,
            "platform": platform, "devices": devices}
