"""Moved to terminal/demo/rig.py (the demo's and the tests' till: emulated readers, sample staff). Kept so the
imports of other branches keep working until they move; new code imports terminal.demo.rig."""

from terminal.demo.rig import SAMPLE_OPERATORS, LocalBlacklist, Till, build_till

__all__ = ["SAMPLE_OPERATORS", "LocalBlacklist", "Till", "build_till"]
