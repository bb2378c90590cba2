"""Run the installed `edgepos` console script (the one users run) from tests. Imported by name."""

from __future__ import annotations

import subprocess

from hub.process import edgepos_command


def edgepos(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run `edgepos ARGS`, capturing its output."""
    return subprocess.run([*edgepos_command(), *args], capture_output=True, text=True, timeout=300, check=check)
