"""`edgepos bench cbdc`: the command line of bench.cbdc (imports nothing heavy until the command runs)."""

from __future__ import annotations

import argparse
import json


def register(bench: argparse._SubParsersAction) -> None:
    """`edgepos bench cbdc` (terminal.cli registers it)."""
    parser = bench.add_parser("cbdc", help="digital currency: online codes, offline hard wallets through pcscd, "
                                           "injected double spends")
    parser.add_argument("--online", type=int, default=200, help="online code payments (default 200)")
    parser.add_argument("--offline", type=int, default=200, help="offline hard-wallet payments (default 200)")
    parser.add_argument("--double-spends", type=int, default=20, help="cloned cards spent twice (default 20)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=_command)


def _command(args: argparse.Namespace) -> int:
    from bench.cbdc import run  # heavy (hub, tills): only when the command runs

    result = run(online=args.online, offline=args.offline, double_spends=args.double_spends)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    ok = result["double_spends_caught"] == result["double_spends_injected"] and result["lost"] == 0
    return 0 if ok else 1
