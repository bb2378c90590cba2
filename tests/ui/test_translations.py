"""The Simplified Chinese screens are complete and the shipped .qm is built from the .ts that is reviewed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from terminal.ui.app import I18N

TS = I18N / "edgepos_zh_CN.ts"
TOOLS = Path(sys.executable).parent


def messages(ts: Path) -> dict[tuple[str, str], ET.Element]:
    tree = ET.parse(ts)
    return {(ctx.findtext("name"), msg.findtext("source")): msg.find("translation")
            for ctx in tree.iter("context") for msg in ctx.iter("message")}


def test_every_string_on_screen_is_translated(tmp_path: Path) -> None:
    """lupdate over today's sources finds nothing new: a string added to the UI must be translated too."""
    fresh = tmp_path / TS.name
    shutil.copy(TS, fresh)
    sources = sorted(str(p) for p in (I18N.parent).rglob("*.py"))
    subprocess.run([str(TOOLS / "pyside6-lupdate"), *sources, "-ts", str(fresh), "-no-obsolete", "-silent"],
                   check=True, capture_output=True)
    found = messages(fresh)
    untranslated = [key for key, tr in found.items() if tr.get("type") == "unfinished" or not (tr.text or "")]
    assert not untranslated, f"translate these in {TS.name}: {untranslated}"
    assert set(found) == set(messages(TS)), "run pyside6-lupdate (see terminal/ui/i18n/README) and commit the .ts"


def test_shipped_qm_is_built_from_the_ts(tmp_path: Path) -> None:
    built = tmp_path / "edgepos_zh_CN.qm"
    subprocess.run([str(TOOLS / "pyside6-lrelease"), str(TS), "-qm", str(built), "-silent"], check=True,
                   capture_output=True)
    assert built.read_bytes() == (I18N / "edgepos_zh_CN.qm").read_bytes(), "run pyside6-lrelease and commit the .qm"
