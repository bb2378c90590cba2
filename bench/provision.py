"""`edgepos bench provision`: one terminal from a fresh data directory to its first synced sale, timed.

Set-up (not timed): a hub process with a merchant's product list and config, a provisioning root. Timed, through
the `edgepos` command line in this process, as a technician would type it: `hub provision-code` (the PNG written) ->
`provision --code PNG` (QR read from the picture, offline check, hub pin, keys, enrolment, pulls, device self-test)
-> `run --sell` (the first sale, by the manager) -> `sync`. Target: provision_seconds < 10 (no human waits).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ADMIN_TOKEN = "bench-provision-admin-token-0123456789abcdef"
PIN = "2468"
PRODUCTS = ("sku,barcode,name,name_zh,category,price,vat_percent,unit\n"
            "TEA-1,6901234567892,Green tea 500 ml,绿茶,Drinks,3.50,13,bottle\n")


def register(bench: argparse._SubParsersAction) -> None:
    provision = bench.add_parser("provision", help="provision-code -> provision -> first sale -> sync, timed")
    provision.add_argument("--self-test", action="store_true", help="run the device self-test (this machine's "
                                                                     "devices) as part of provisioning")
    provision.add_argument("--json", action="store_true", help="print one JSON object")
    provision.set_defaults(handler=cmd_bench_provision)


def _cli(*args: str, stdin: str = "") -> tuple[int, str, str]:
    from terminal.cli import main

    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        sys.stdin = old
    return code, out.getvalue(), err.getvalue()


def run(self_test: bool = False) -> dict[str, Any]:
    from hub.process import HubProcess
    from hub.provisioning import new_root

    with tempfile.TemporaryDirectory(prefix="edgepos-bench-provision-") as tmp:
        base = Path(tmp)
        private, public = new_root(base / "root")
        hub = HubProcess(db=base / "hub.db", admin_token=ADMIN_TOKEN, log=base / "hub.log").start()
        saved = {k: os.environ.get(k) for k in ("EDGEPOS_KEY_SECRET", "EDGEPOS_PROVISIONING_ROOT")}
        os.environ.update({"EDGEPOS_KEY_SECRET": "bench-provision-key-secret-0123456789",
                           "EDGEPOS_PROVISIONING_ROOT": str(public)})
        try:
            (base / "products.csv").write_text(PRODUCTS, encoding="utf-8")
            _cli("hub", "catalogue", "--db", str(base / "hub.db"), "--merchant", "M-BENCH", str(base / "products.csv"))
            hub.admin("PUT", "/v1/admin/config", json={"values": {"store.name": "Bench Mart"}})
            till, png = base / "till", base / "code.png"
            phases: dict[str, float] = {}
            start = time.perf_counter()
            code, out, err = _cli("hub", "provision-code", "--db", str(base / "hub.db"), "--merchant", "M-BENCH",
                                  "--location", "Bench 1", "--profile", "retail", "--hub-url", hub.url,
                                  "--root-key", str(private), "--png", str(png), "--json")
            phases["provision_code_s"] = time.perf_counter() - start
            if code:
                return {"ok": False, "error": out + err}
            mark = time.perf_counter()
            code, out, err = _cli("provision", "--code", str(png), "--data-dir", str(till), "--json",
                                  *(() if self_test else ("--no-self-test",)), stdin=f"{PIN}\n{PIN}\n")
            phases["provision_s"] = time.perf_counter() - mark
            if code:
                return {"ok": False, "error": out + err}
            mark = time.perf_counter()
            code, out, err = _cli("run", "--data-dir", str(till), "--sell", "6901234567892", "--operator", "M-001",
                                  "--json", stdin=f"{PIN}\n")
            phases["first_sale_s"] = time.perf_counter() - mark
            sold = json.loads(out) if out.strip() else {}
            mark = time.perf_counter()
            code_sync, out, err = _cli("sync", "--data-dir", str(till), "--json")
            phases["sync_s"] = time.perf_counter() - mark
            total = time.perf_counter() - start
            synced = json.loads(out) if out.strip() else {}
            return {"ok": code == 0 and code_sync == 0 and synced.get("pending") == 0 and bool(sold.get("synced")),
                    "provision_seconds": round(total, 3), "target_seconds": 10.0,
                    **{k: round(v, 3) for k, v in phases.items()}, "self_test": self_test,
                    "first_sale_synced": bool(sold.get("synced")), "queue_after_sync": synced.get("pending")}
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            hub.stop()


def cmd_bench_provision(args: argparse.Namespace) -> int:
    result = run(args.self_test)
    if args.json:
        print(json.dumps(result))
    elif not result["ok"]:
        print(f"bench provision failed: {result.get('error', result)}", file=sys.stderr)
    else:
        print(f"provisioned and sold in {result['provision_seconds']} s (target < 10 s): code "
              f"{result['provision_code_s']} s, provision {result['provision_s']} s, first sale "
              f"{result['first_sale_s']} s, sync {result['sync_s']} s")
    return 0 if result["ok"] else 1
