"""The published protocol document: `edgepos hub --openapi` prints it; hub/openapi.json is its committed copy."""

from __future__ import annotations

import json
from pathlib import Path

COMMITTED = Path(__file__).with_name("openapi.json")


def openapi_json() -> str:
    """Generated from the app itself (no database touched: the schema does not depend on the store)."""
    from hub.app import create_app

    app = create_app(store=None, admin_token="-", sweep_every_s=None)  # type: ignore[arg-type]
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    COMMITTED.write_text(openapi_json())
