"""Headless checkout end to end: N scripted sales of mixed tenders through the same state machine the UI drives.

The script itself lives in `terminal.demo.script` (`edgepos demo --headless` runs the same one): real hub child
process on SQLite, key store, signed journal, shipped risk model, operator store, EMV kernel over emulated cards,
ESC/POS printer simulator, an outage window, then a drain and the hub's own count of what it holds. The benchmark
always uses the in-process card readers, so its latency numbers do not depend on pcscd.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from terminal.demo.script import run_headless


def run(sales: int = 200, data_dir: Path | None = None, seed: int = 7) -> dict[str, Any]:
    return run_headless(data_dir, sales=sales, seed=seed, devices="inprocess")
