"""`edgepos demo --screenshot DIR`: the installed command walks the main screens offscreen and writes them as PNG."""

from __future__ import annotations

import os
from pathlib import Path

from edgepos_cli import edgepos
from PIL import Image

SCREENS = ("01-login", "02-step-up", "03-sale-in-progress", "04-tender-choice", "05-card-wait",
           "06-receipt-preview", "07-refund", "08-z-report")


def test_demo_renders_every_main_screen(tmp_path: Path) -> None:
    root = os.environ.get("EDGEPOS_ARTIFACTS")
    out = Path(root) / "demo-screens" if root else tmp_path / "screens"
    result = edgepos("demo", "--devices", "inprocess", "--screenshot", str(out))  # offscreen by itself
    assert result.returncode == 0, result.stdout + result.stderr
    assert [Path(line).stem for line in result.stdout.splitlines() if line.endswith(".png")] == list(SCREENS)
    for name in SCREENS:
        with Image.open(out / f"{name}.png") as image:
            assert image.size[0] >= 1000 and len(image.getcolors(1 << 16) or range(1 << 16)) > 20  # not blank
