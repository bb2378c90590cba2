"""`edgepos cbdc wallet ...`: the wallet simulator against a hub's reference CBDC operator (`edgepos bench cbdc`
is registered by bench.cbdc)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

ADMIN_TOKEN_ENV = "EDGEPOS_HUB_ADMIN_TOKEN"
DEFAULT_STORE = Path.home() / ".edgepos" / "cbdc-wallets.json"


def register(commands: argparse._SubParsersAction) -> None:
    cbdc = commands.add_parser("cbdc", help="digital currency: the wallet simulator").add_subparsers(metavar="WHAT")
    wallet = cbdc.add_parser("wallet", help="a customer's digital-currency wallet and hard wallet (simulator)",
                             description=f"Talks to the hub's reference CBDC operator with the admin token in "
                                         f"{ADMIN_TOKEN_ENV}. Keys of simulated wallets and cards are kept in "
                                         "--store (a stand-in for a phone and a secure element).")
    wallet.add_argument("--hub", default=os.environ.get("EDGEPOS_HUB_URL", "http://127.0.0.1:8765"),
                        help="the hub's address (default $EDGEPOS_HUB_URL or http://127.0.0.1:8765)")
    wallet.add_argument("--store", type=Path, default=DEFAULT_STORE, help=f"simulator file (default {DEFAULT_STORE})")
    wallet.add_argument("--json", action="store_true", help="print JSON")
    actions = wallet.add_subparsers(metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create a wallet (and fund it)")
    create.add_argument("--tier", default="anonymous", help="wallet tier (hub/cbdc/tiers.toml): anonymous, verified")
    create.add_argument("--fund", default="0", help="money to put in, e.g. 500.00")
    create.set_defaults(handler=_create)
    show = actions.add_parser("show", help="a wallet's balance, tier and limits")
    show.add_argument("wallet")
    show.set_defaults(handler=_show)
    code = actions.add_parser("code", help="show a one-time payment code for the till to scan")
    code.add_argument("wallet")
    code.add_argument("--ttl", type=int, default=60, help="seconds it is valid (default 60)")
    code.set_defaults(handler=_code)
    pay = actions.add_parser("pay-qr", help="pay a merchant QR shown by the till")
    pay.add_argument("wallet")
    pay.add_argument("qr", help="the QR's text (CBDCPAY....)")
    pay.set_defaults(handler=_pay)
    card = actions.add_parser("issue-card", help="issue a hard wallet for a wallet (issuer-certified key)")
    card.add_argument("wallet")
    card.set_defaults(handler=_issue)
    load = actions.add_parser("load-card", help="load offline value onto a hard wallet")
    load.add_argument("device")
    load.add_argument("amount", help="e.g. 200.00")
    load.set_defaults(handler=_load)
    revoke = actions.add_parser("revoke-card", help="revoke a hard wallet (lost or stolen)")
    revoke.add_argument("device")
    revoke.set_defaults(handler=_revoke)


def _minor(text: str) -> int:
    try:
        value = Decimal(text) * 100
    except InvalidOperation:
        raise SystemExit(f"{text!r} is not an amount (e.g. 500.00)") from None
    if value != value.to_integral_value() or value < 0:
        raise SystemExit(f"{text!r} is not an amount in CNY with at most two decimals")
    return int(value)


def _simulator(args: argparse.Namespace) -> Any:
    from terminal.cbdc.simulator import WalletSimulator

    token = os.environ.get(ADMIN_TOKEN_ENV, "")
    if not token:
        raise SystemExit(f"set {ADMIN_TOKEN_ENV} to the hub's admin token")
    return WalletSimulator(args.hub, token, args.store)


def _say(args: argparse.Namespace, data: Any, text: str) -> int:
    print(json.dumps(data, default=str) if args.json else text)
    return 0


def _run(args: argparse.Namespace, action: Any) -> int:
    from terminal.cbdc.simulator import WalletError

    sim = _simulator(args)
    try:
        return action(sim)
    except WalletError as exc:
        print(f"refused ({exc.code}): {exc}", file=sys.stderr)
        return 1
    finally:
        sim.close()


def _create(args: argparse.Namespace) -> int:
    def act(sim: Any) -> int:
        info = sim.create_wallet(args.tier, _minor(args.fund))
        return _say(args, info.model_dump(mode="json"), f"wallet {info.wallet_no} ({info.tier}), balance "
                    f"{info.balance.amount / 100:.2f} {info.balance.currency}")
    return _run(args, act)


def _show(args: argparse.Namespace) -> int:
    def act(sim: Any) -> int:
        info = sim.info(args.wallet)
        return _say(args, info.model_dump(mode="json"),
                    f"wallet {info.wallet_no} ({info.tier}): balance {info.balance.amount / 100:.2f}, paid today "
                    f"{info.paid_today.amount / 100:.2f}; limits {info.per_payment.amount / 100:.2f} a payment, "
                    f"{info.per_day.amount / 100:.2f} a day, {info.balance_cap.amount / 100:.2f} balance")
    return _run(args, act)


def _code(args: argparse.Namespace) -> int:
    def act(sim: Any) -> int:
        code = sim.payment_code(args.wallet, args.ttl)
        return _say(args, {"code": code}, code)
    return _run(args, act)


def _pay(args: argparse.Namespace) -> int:
    def act(sim: Any) -> int:
        order = sim.pay_qr(args.wallet, args.qr)
        return _say(args, order.model_dump(mode="json"), f"paid {order.amount.amount / 100:.2f} "
                    f"{order.amount.currency} (payment {order.payment_id})")
    return _run(args, act)


def _issue(args: argparse.Namespace) -> int:
    def act(sim: Any) -> int:
        from sync.cbdc import DeviceCert

        card = sim.issue_card(args.wallet)
        device = DeviceCert.decode(card.cert).device_hex
        return _say(args, {"device_id": device}, f"hard wallet {device} issued for wallet {args.wallet}")
    return _run(args, act)


def _load(args: argparse.Namespace) -> int:
    def act(sim: Any) -> int:
        card = sim.load_card(args.device, _minor(args.amount))
        return _say(args, {"device_id": args.device, "balance": card.balance},
                    f"hard wallet {args.device} holds {card.balance / 100:.2f} offline")
    return _run(args, act)


def _revoke(args: argparse.Namespace) -> int:
    def act(sim: Any) -> int:
        info = sim.revoke(args.device)
        return _say(args, info.model_dump(mode="json"), f"hard wallet {args.device} revoked")
    return _run(args, act)
