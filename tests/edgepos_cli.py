"""Run the installed `edgepos` console script (the one users run) from tests. Imported by name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def edgepos_command() -> list[str]:
    script = Path(sys.executable).parent / "edgepos"
    return [str(script)] if script.exists() else [sys.executable, "-m", "terminal.cli"]


def edgepos(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run `edgepos ARGS`, capturing its output."""
    return subprocess.run([*edgepos_command(), *args], capture_output=True, text=True, timeout=300, check=check)
