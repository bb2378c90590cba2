"""PIN hashing: scrypt (n=2^14, r=8, p=2, ~50 ms) over the PIN plus a pepper kept outside the operator database.

A 4-6 digit PIN falls to offline guessing whatever the cost, so the pepper (derived from the terminal key store)
makes a stolen operators.db useless on its own, and the lock-out stops guessing at the counter.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 2
_PIN = re.compile(r"[0-9]{4,12}")


def valid_pin(pin: object) -> bool:
    return isinstance(pin, str) and bool(_PIN.fullmatch(pin))


def new_salt() -> bytes:
    return os.urandom(16)


def hash_pin(pin: str, salt: bytes, pepper: bytes) -> bytes:
    keyed = hmac.new(pepper, pin.encode(), hashlib.sha256).digest()
    return hashlib.scrypt(keyed, salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=64 * 2**20, dklen=32)


def check_pin(pin: str, salt: bytes, pepper: bytes, expected: bytes) -> bool:
    return hmac.compare_digest(hash_pin(pin, salt, pepper), expected)
