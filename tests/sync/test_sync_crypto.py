"""Every primitive against its standard vector, and the fast libraries cross-checked with gmssl."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from gmssl import sm2 as gmssl_sm2
from gmssl import sm3 as gmssl_sm3
from gmssl import sm4 as gmssl_sm4

from sync.crypto import CryptoError, Envelope, Sm2PrivateKey, Sm2PublicKey, hmac_sm3, sm3

# GB/T 32907 (SM4) example 1
SM4_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")
SM4_CIPHERTEXT = bytes.fromhex("681edf34d206965e86b3e94f536e4246")

# GB/T 32918.5-2017 Annex A: SM2 signature on the recommended curve
ANNEX_A_D = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
ANNEX_A_PUBLIC = bytes.fromhex(
    "04"
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
ANNEX_A_MESSAGE = b"message digest"
ANNEX_A_K = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21"
ANNEX_A_SIGNATURE = bytes.fromhex(
    "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
)


def gmssl_signer(key: Sm2PrivateKey) -> gmssl_sm2.CryptSM2:
    # pitfall 1 (hardware-sim.md): gmssl's constructor does `public_key.lstrip("04")`, which also eats leading
    # '0'/'4' hex digits of x; set the bare x || y on the object after construction instead
    signer = gmssl_sm2.CryptSM2(private_key=key.private_bytes().hex(), public_key="")
    signer.public_key = key.public_key()[1:].hex()
    return signer


def gmssl_sign(key: Sm2PrivateKey, message: bytes) -> bytes:
    # pitfall 2: gmssl draws its nonce from `random`; pass one from `secrets`
    nonce = format(secrets.randbelow(2**256 - 1) + 1, "064x")
    return bytes.fromhex(gmssl_signer(key).sign_with_sm3(message, nonce))


def test_sm3_standard_vectors_and_gmssl_agree():
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    for message in (b"", b"abc", secrets.token_bytes(1000)):
        assert sm3(message).hex() == gmssl_sm3.sm3_hash(list(message))


def test_sm4_standard_vector_in_cryptography_and_gmssl():
    encryptor = Cipher(algorithms.SM4(SM4_KEY), modes.ECB()).encryptor()
    assert encryptor.update(SM4_KEY) + encryptor.finalize() == SM4_CIPHERTEXT
    crypt = gmssl_sm4.CryptSM4()
    crypt.set_key(SM4_KEY, gmssl_sm4.SM4_ENCRYPT)
    assert bytes(crypt.crypt_ecb(SM4_KEY))[:16] == SM4_CIPHERTEXT  # gmssl appends a PKCS#7 block


def test_sm2_annex_a_public_key_and_signature():
    key = Sm2PrivateKey(ANNEX_A_D)
    assert key.public_key() == ANNEX_A_PUBLIC
    assert Sm2PublicKey(ANNEX_A_PUBLIC).verify(ANNEX_A_SIGNATURE, ANNEX_A_MESSAGE)
    assert not Sm2PublicKey(ANNEX_A_PUBLIC).verify(ANNEX_A_SIGNATURE, b"message digesT")
    # gmssl with the Annex's nonce reproduces the Annex's signature exactly: the cross-check is itself checked
    assert gmssl_signer(key).sign_with_sm3(ANNEX_A_MESSAGE, ANNEX_A_K).upper() == ANNEX_A_SIGNATURE.hex().upper()


def test_sm2_tongsuo_and_gmssl_verify_each_other():
    for _ in range(16):  # several keys: gmssl's prefix bug hit ~1 key in 8
        key = Sm2PrivateKey.generate()
        message = secrets.token_bytes(64)
        ours = key.sign(message)
        assert len(ours) == 64
        assert gmssl_signer(key).verify_with_sm3(ours.hex(), message)
        assert Sm2PublicKey(key.public_key()).verify(gmssl_sign(key, message), message)


def test_sm2_signatures_are_randomised_and_reject_tampering():
    key = Sm2PrivateKey.generate()
    public = Sm2PublicKey(key.public_key())
    first, second = key.sign(b"sale 1"), key.sign(b"sale 1")
    assert first != second  # fresh nonce each time
    assert public.verify(first, b"sale 1") and public.verify(second, b"sale 1")
    flipped = bytes([first[0] ^ 1]) + first[1:]
    assert not public.verify(flipped, b"sale 1")
    assert not public.verify(first[:63], b"sale 1")
    assert not public.verify(b"\x00" * 64, b"sale 1")
    assert not Sm2PublicKey(Sm2PrivateKey.generate().public_key()).verify(first, b"sale 1")


def test_sm2_rejects_malformed_keys():
    with pytest.raises(CryptoError):
        Sm2PrivateKey(b"\x00" * 32)
    with pytest.raises(CryptoError):
        Sm2PrivateKey(b"\x01" * 31)
    with pytest.raises(CryptoError):
        Sm2PublicKey(b"\x04" + b"\x01" * 64)  # not on the curve
    with pytest.raises(CryptoError):
        Sm2PublicKey(ANNEX_A_PUBLIC[1:])
    assert "hidden" in repr(Sm2PrivateKey(ANNEX_A_D))


@pytest.mark.skipif("sm3" not in hashlib.algorithms_available, reason="this OpenSSL build has no SM3 in hashlib")
def test_hmac_sm3_matches_hashlib():
    key, data = secrets.token_bytes(32), b"6212345678901234"
    assert hmac_sm3(key, data) == hmac.new(key, data, "sm3").digest()


def test_envelope_round_trip_and_failures():
    envelope = Envelope(secrets.token_bytes(16), secrets.token_bytes(32))
    blob = envelope.seal(b'{"card_token":"tk_1"}', b"T1\x007\x00sale")
    assert b"tk_1" not in blob
    assert envelope.open(blob, b"T1\x007\x00sale") == b'{"card_token":"tk_1"}'
    with pytest.raises(CryptoError):
        envelope.open(blob, b"T1\x008\x00sale")  # moved to another record
    with pytest.raises(CryptoError):
        envelope.open(blob[:-1] + bytes([blob[-1] ^ 1]), b"T1\x007\x00sale")
    with pytest.raises(CryptoError):
        envelope.open(blob[:20], b"T1\x007\x00sale")
    with pytest.raises(CryptoError):
        Envelope(secrets.token_bytes(16), secrets.token_bytes(32)).open(blob, b"T1\x007\x00sale")
    same = secrets.token_bytes(32)
    with pytest.raises(CryptoError):
        Envelope(same[:16], same)


def test_envelope_layers_are_sm4_inside_aes():
    sm4_key, aes_key = secrets.token_bytes(16), secrets.token_bytes(32)
    blob = Envelope(sm4_key, aes_key).seal(b"secret", b"aad")
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    inner = AESGCM(aes_key).decrypt(blob[1:13], blob[13:], b"aad")
    nonce, body, tag = inner[:12], inner[12:-16], inner[-16:]
    decryptor = Cipher(algorithms.SM4(sm4_key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(b"aad")
    assert decryptor.update(body) + decryptor.finalize() == b"secret"
