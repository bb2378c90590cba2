"""`edgepos` commands of the models package (registered by terminal/cli.py). Heavy imports happen inside handlers."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Add this package's commands, and its benchmarks under `edgepos bench`, to the `edgepos` parser."""
