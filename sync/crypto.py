"""National (SM2/SM3/SM4) and international (AES-GCM) primitives used by the journal and the sync protocol.

Chosen on measurements (../shared/hardware-sim.md and `edgepos bench journal`): `cryptography` for SM3, SM4 and
AES (OpenSSL, fast); tongsuopy (OpenSSL fork, Tongsuo) for SM2 because `cryptography` has no SM2 and the
pure-Python gmssl signs ~10x slower. gmssl stays as an independent cross-check in the tests.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tongsuopy.crypto import exceptions as tongsuo_exceptions
from tongsuopy.crypto import hashes as tongsuo_hashes
from tongsuopy.crypto import serialization as tongsuo_serialization
from tongsuopy.crypto.asymciphers import ec as tongsuo_ec

SM2_ORDER = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
SIGNATURE_SIZE = 64  # r || s, 32 bytes each
PUBLIC_KEY_SIZE = 65  # uncompressed point, 04 || x || y
SM3_SIZE = 32


class CryptoError(Exception):
    """A key, ciphertext or signature is malformed or does not authenticate."""


def sm3(data: bytes) -> bytes:
    """SM3 digest (GB/T 32905)."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    """HMAC-SM3: keyed tokens (card tokens) that cannot be reversed or brute-forced without the key."""
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


# --- SM2 signatures -------------------------------------------------------------------------------------------


class Sm2PrivateKey:
    """An SM2 signing key. Signs with the default user id "1234567812345678" (GB/T 35276) and SM3."""

    __slots__ = ("_key",)

    def __init__(self, private_bytes: bytes) -> None:
        if len(private_bytes) != 32:
            raise CryptoError("an SM2 private key is 32 bytes")
        value = int.from_bytes(private_bytes, "big")
        if not 1 <= value < SM2_ORDER - 1:
            raise CryptoError("SM2 private key out of range")
        self._key = tongsuo_ec.derive_private_key(value, tongsuo_ec.SM2())

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        return cls((secrets.randbelow(SM2_ORDER - 2) + 1).to_bytes(32, "big"))

    def private_bytes(self) -> bytes:
        return self._key.private_numbers().private_value.to_bytes(32, "big")

    def public_key(self) -> bytes:
        """The uncompressed public point, 65 bytes starting 04."""
        return self._key.public_key().public_bytes(
            tongsuo_serialization.Encoding.X962, tongsuo_serialization.PublicFormat.UncompressedPoint
        )

    def sign(self, data: bytes) -> bytes:
        """Signature as fixed-size r || s (64 bytes); OpenSSL draws the nonce from its CSPRNG."""
        der = self._key.sign(data, tongsuo_ec.ECDSA(tongsuo_hashes.SM3()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def __repr__(self) -> str:  # never print key material
        return "Sm2PrivateKey(<hidden>)"


class Sm2PublicKey:
    """An SM2 verification key loaded once and reused (loading costs more than a verify)."""

    __slots__ = ("_key", "raw")

    def __init__(self, public_bytes: bytes) -> None:
        if len(public_bytes) != PUBLIC_KEY_SIZE or public_bytes[0] != 0x04:
            raise CryptoError("an SM2 public key is a 65-byte uncompressed point starting 04")
        try:
            self._key = tongsuo_ec.EllipticCurvePublicKey.from_encoded_point(tongsuo_ec.SM2(), public_bytes)
        except ValueError as exc:
            raise CryptoError(f"not a point on the SM2 curve: {exc}") from None
        self.raw = public_bytes

    def verify(self, signature: bytes, data: bytes) -> bool:
        if len(signature) != SIGNATURE_SIZE:
            return False
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        if not (0 < r < SM2_ORDER and 0 < s < SM2_ORDER):
            return False
        try:
            self._key.verify(encode_dss_signature(r, s), data, tongsuo_ec.ECDSA(tongsuo_hashes.SM3()))
        except tongsuo_exceptions.InvalidSignature:
            return False
        return True


# --- Envelope: SM4-GCM inside AES-256-GCM ------------------------------------------------------------------------

ENVELOPE_VERSION = 1
_NONCE = 12
_TAG = 16


@dataclass(frozen=True, slots=True, repr=False)
class Envelope:
    """Encrypts sensitive fields twice, SM4-GCM then AES-256-GCM, with separate keys.

    Two algorithms from two standards families: the data stays confidential if either one falls, and it meets
    both the national (GM/T) and international requirements a deployment may be audited against. The associated
    data binds a ciphertext to its record, so it cannot be moved to another record unnoticed.
    """

    sm4_key: bytes
    aes_key: bytes

    def __post_init__(self) -> None:
        if len(self.sm4_key) != 16 or len(self.aes_key) != 32:
            raise CryptoError("envelope needs a 16-byte SM4 key and a 32-byte AES key")
        if self.sm4_key == self.aes_key[:16]:
            raise CryptoError("SM4 and AES keys must be independent")

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        inner_nonce = os.urandom(_NONCE)
        encryptor = Cipher(algorithms.SM4(self.sm4_key), modes.GCM(inner_nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        inner = inner_nonce + encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag
        outer_nonce = os.urandom(_NONCE)
        return bytes([ENVELOPE_VERSION]) + outer_nonce + AESGCM(self.aes_key).encrypt(outer_nonce, inner, aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        if len(blob) < 1 + 2 * (_NONCE + _TAG) or blob[0] != ENVELOPE_VERSION:
            raise CryptoError("not an edgepos envelope (wrong version or truncated)")
        try:
            inner = AESGCM(self.aes_key).decrypt(blob[1 : 1 + _NONCE], blob[1 + _NONCE :], aad)
            nonce, body, tag = inner[:_NONCE], inner[_NONCE:-_TAG], inner[-_TAG:]
            decryptor = Cipher(algorithms.SM4(self.sm4_key), modes.GCM(nonce, tag)).decryptor()
            decryptor.authenticate_additional_data(aad)
            return decryptor.update(body) + decryptor.finalize()
        except InvalidTag:
            raise CryptoError("envelope does not authenticate: wrong key, or the data was altered") from None

    def __repr__(self) -> str:
        return "Envelope(<keys hidden>)"
