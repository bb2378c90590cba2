"""`edgepos hub provision-code`, `hub provision-root` and `hub catalogue` (registered by hub/cli.py).

Run on the hub server, straight against the hub's store and identity key file (like `hub enrol-code`):

- `hub provision-root --out DIR` makes a provisioning root: the private key stays with the hub administrator
  (0600, offline if possible), the public key ships with the terminal package (/etc/edgepos/provisioning-root.pub).
- `hub catalogue --merchant M FILE.csv` publishes the merchant's product list that its terminals pull.
- `hub provision-code --merchant M --location L --profile P --hub-url URL` prints a signed provisioning code and
  writes it as a PNG QR code for the technician.
Exit codes: 0 ok, 1 refused or bad input (one sentence on stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

HUB_URL_ENV = "EDGEPOS_HUB_URL"


def register(actions: argparse._SubParsersAction, where: Any, duration: Any) -> None:
    code = actions.add_parser("provision-code", help="print a signed provisioning QR code for one new terminal",
                              description="Mint a signed provisioning code (hub address and key pin, merchant, "
                                          "location, profile, config digest, one-time nonce, expiry) and write it "
                                          "as a PNG QR code. The terminal checks it offline against the "
                                          "provisioning root it ships with: `edgepos provision --code FILE`.")
    where(code, argparse.SUPPRESS)
    code.add_argument("--merchant", required=True, help="merchant id the terminal will belong to")
    code.add_argument("--location", required=True, help="the shop (its name on receipts unless the hub's config "
                                                       "sets store.name)")
    code.add_argument("--profile", required=True, choices=["retail", "cross_border", "b2b"])
    code.add_argument("--expires", default="15m", type=duration, help="how long the code is valid (default 15m)")
    code.add_argument("--hub-url", default=os.environ.get(HUB_URL_ENV),
                      help=f"the hub address terminals reach, e.g. https://hub.example.com (default: ${HUB_URL_ENV})")
    code.add_argument("--root-key", default=os.environ.get("EDGEPOS_PROVISIONING_ROOT_KEY"),
                      help="the provisioning root's private key file (default: $EDGEPOS_PROVISIONING_ROOT_KEY)")
    code.add_argument("--png", type=Path, help="where to write the QR code (default: provisioning-<merchant>.png)")
    code.add_argument("--json", action="store_true", help="print one JSON object")
    code.set_defaults(handler=cmd_provision_code)

    root = actions.add_parser("provision-root", help="make a provisioning root key pair",
                              description="Write provisioning-root.key (0600: keep it offline) and "
                                          "provisioning-root.pub (install it on terminals) into DIR.")
    root.add_argument("--out", type=Path, required=True, help="directory to write the two files into")
    root.set_defaults(handler=cmd_provision_root)

    catalogue = actions.add_parser("catalogue", help="publish a merchant's product list to its terminals")
    where(catalogue, argparse.SUPPRESS)
    catalogue.add_argument("--merchant", required=True)
    catalogue.add_argument("csv", type=Path, metavar="CSV", help="the product list (see the README)")
    catalogue.set_defaults(handler=cmd_catalogue)


def _fail(message: str, as_json: bool = False) -> int:
    if as_json:
        print(json.dumps({"ok": False, "error": message}, ensure_ascii=False))
    else:
        print(f"edgepos hub: {message}", file=sys.stderr)
    return 1


def _open_store(args: argparse.Namespace) -> Any:
    from hub.store import Store

    return Store.open(path=getattr(args, "db", None) or "edgepos-hub.db", dsn=getattr(args, "dsn", None))


def cmd_provision_root(args: argparse.Namespace) -> int:
    from hub.provisioning import new_root

    try:
        private, public = new_root(args.out)
    except FileExistsError:
        return _fail(f"{args.out} already holds a provisioning root; it was left as it is")
    print(f"provisioning root written: {private} (private, 0600: keep it offline) and {public} (install on "
          "terminals as /etc/edgepos/provisioning-root.pub)")
    return 0


def cmd_catalogue(args: argparse.Namespace) -> int:
    from hub.provisioning import MAX_CATALOGUE, put_catalogue

    try:
        text = args.csv.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"cannot read {args.csv}: {exc}")
    if len(text) > MAX_CATALOGUE:
        return _fail(f"{args.csv} is larger than {MAX_CATALOGUE} characters")
    store = _open_store(args)
    try:
        digest = store.read(lambda tx: put_catalogue(tx, args.merchant, text, store.clock()))
    finally:
        store.close()
    print(f"product list for merchant {args.merchant} published (sm3 {digest[:16]}...)")
    return 0


def cmd_provision_code(args: argparse.Namespace) -> int:
    from hub.enrol_codes import MAX_TTL, MIN_TTL
    from hub.errors import HubError
    from hub.provisioning import identity_path, load_identity, mint_code
    from sync.provisioning import load_private, qr_png

    if not args.hub_url or not args.hub_url.startswith(("http://", "https://")):
        return _fail(f"say which hub address terminals reach: --hub-url https://... (or ${HUB_URL_ENV})", args.json)
    if not args.root_key:
        return _fail("say which provisioning root signs: --root-key FILE (or $EDGEPOS_PROVISIONING_ROOT_KEY)",
                     args.json)
    if not MIN_TTL <= args.expires <= MAX_TTL:
        return _fail(f"--expires must be between 1m and {MAX_TTL.days}d", args.json)
    try:
        root = load_private(args.root_key)
        identity = load_identity(identity_path(getattr(args, "db", None), getattr(args, "dsn", None)), create=False)
    except (OSError, ValueError) as exc:
        return _fail(f"cannot load a key: {exc}", args.json)
    store = _open_store(args)
    try:
        minted = store.read(lambda tx: mint_code(tx, root=root, identity=identity, hub_url=args.hub_url,
                                                 merchant=args.merchant, location=args.location,
                                                 profile=args.profile, ttl=args.expires, now=store.clock()))
    except HubError as exc:
        return _fail(exc.message, args.json)
    except ValueError as exc:  # pydantic: a merchant id or location the code cannot carry
        first = str(exc).strip().splitlines()
        return _fail(f"the code cannot carry these values ({first[1] if len(first) > 1 else first[0]})", args.json)
    finally:
        store.close()
    png = args.png or Path(f"provisioning-{args.merchant}.png")
    png.write_bytes(qr_png(minted.code))
    if args.json:
        print(json.dumps({"ok": True, "code": minted.code, "png": str(png), "merchant": minted.merchant,
                          "location": minted.location, "profile": minted.profile,
                          "expires_at": minted.expires_at.isoformat()}, ensure_ascii=False))
    else:
        print(minted.code)
        print(f"provisioning code for one terminal of {minted.merchant} at {minted.location} ({minted.profile}), "
              f"valid until {minted.expires_at.isoformat(timespec='seconds')}; QR code: {png}", file=sys.stderr)
    return 0
