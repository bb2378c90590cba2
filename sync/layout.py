"""Where a real till keeps its files inside its data directory (`edgepos till init --data-dir DIR`).

One place for the names, so `edgepos sync --data-dir`, `edgepos run`, backup and restore agree. The config file is
TOML; the sync commands read only its `[hub] url` (tomllib), the rest belongs to the terminal package.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

CONFIG = "till.toml"
KEYS = "keys.json"
JOURNAL = "journal.db"
OPERATORS = "operators.db"  # terminal.operators.operators_path_for(journal) gives the same name
RISK_STATE = "risk-state.db"
CATALOGUE = "catalogue.csv"
# the SQLite databases a backup copies with SQLite's online backup API (the sync state is `<journal>.state.db`)
DATABASES = (JOURNAL, JOURNAL + ".state.db", OPERATORS, RISK_STATE)
PLAIN_FILES = (CONFIG, KEYS, CATALOGUE)  # copied byte for byte (the key store stays sealed)


def hub_url(data_dir: Path) -> str:
    """The hub URL from the till's config file (`[hub] url`); ValueError with a sentence when it cannot."""
    path = data_dir / CONFIG
    try:
        with path.open("rb") as handle:
            config = tomllib.load(handle)
    except FileNotFoundError:
        raise ValueError(f"{path}: no till config here; set the till up first: edgepos till init") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the till config ({exc})") from None
    url = config.get("hub", {}).get("url", "")
    if not isinstance(url, str) or not url:
        raise ValueError(f"{path}: no [hub] url in the till config")
    return url
