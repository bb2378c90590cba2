"""The payee's account number at rest: sealed (SM4-GCM inside AES-GCM, like the journal's secrets), masked for
display, and a keyed SM3 fingerprint for duplicate checks (a plain hash of a card number is guessed by brute force).

The keys come from the hub's sealing secret: $EDGEPOS_CBDC_ISSUER_SECRET, else the admin token
($EDGEPOS_HUB_ADMIN_TOKEN), the same rule as the CBDC issuer key and the enterprise wallet keys.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from hub.cbdc.api import ISSUER_SECRET_ENV as SECRET_ENV
from hub.cbdc.operator import sealing_envelope
from hub.cli import ADMIN_TOKEN_ENV
from sync.crypto import sm3


class NoSecret(RuntimeError):
    """Neither sealing secret is set: account numbers cannot be sealed or compared."""


def secret_from_env() -> bytes:
    secret = os.environ.get(SECRET_ENV) or os.environ.get(ADMIN_TOKEN_ENV)
    if not secret:
        raise NoSecret(f"set {SECRET_ENV} (or {ADMIN_TOKEN_ENV}, as the hub has it): payee accounts are sealed "
                       "and compared with keys derived from it")
    return secret.encode()


class AccountSeal:
    """Seal, open and fingerprint payee accounts with keys derived from one secret."""

    def __init__(self, secret: bytes) -> None:
        self._envelope = sealing_envelope(secret, "corp-account")  # the hub's one key derivation for sealing
        self._mac = sm3(b"edgepos-corp-account-dup\n" + secret)

    def seal(self, account: str, payout_id: str) -> str:
        return self._envelope.seal(account.encode(), payout_id.encode()).hex()

    def open(self, sealed: str, payout_id: str) -> str:
        return self._envelope.open(bytes.fromhex(sealed), payout_id.encode()).decode()

    def dup_key(self, merchant_id: str, payee_name: str, account: str, amount: int, currency: str,
                reference: str) -> str:
        """Same payee, account, amount and reference -> same key (names compared without case and spaces)."""
        text = "\n".join([merchant_id, " ".join(payee_name.split()).casefold(), account, str(amount), currency,
                          reference.strip().casefold()])
        return hmac.new(self._mac, text.encode(), hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "AccountSeal(<keys hidden>)"


def mask(account: str) -> str:
    """What pages, files and logs show: the first four and last four characters."""
    return account[:4] + "*" * max(len(account) - 8, 2) + account[-4:] if len(account) > 8 else "*" * len(account)
