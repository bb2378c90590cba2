"""`edgepos` commands of the sync package (registered by terminal/cli.py). Heavy imports happen inside handlers."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    """Add this package's commands to the `edgepos` parser."""
