"""Signed provisioning codes: what a technician scans to set a terminal up, checked offline against a pinned root.

A code is the text `EPP1.<payload>.<signature>` (both base64url, no padding), small enough for one QR code. The
payload is canonical JSON of `ProvisioningPayload`: the hub's address and the SM3 pin of the hub's identity key, the
merchant, location and profile, the digest of the config (and product list) the terminal will pull, a one-time
nonce (a hub enrolment code: spent once, by the hub's enrolment machinery) and an expiry. The signature is SM2 by the
provisioning root; the terminal holds only the root's public key (shipped with the package), so it refuses a code
that is altered by one byte, signed by another root, or expired, before it writes anything or talks to any hub.

The hub proves its identity key by signing a fresh challenge (`identity_message`); the terminal compares the key's
SM3 with the pin in the code, so a hub in the middle (another key) is refused. Used by the hub (minting) and the
terminal (checking); imports only the crypto.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from sync.crypto import CryptoError, Sm2PrivateKey, Sm2PublicKey, sm3

PREFIX = "EPP1"
DIAG_PREFIX = "EPD1"
_CODE_CONTEXT = b"edgepos-provisioning-v1\n"
_DIAG_CONTEXT = b"edgepos-diagnostics-v1\n"
Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")]


class CodeRefused(Exception):
    """A provisioning code (or diagnostics code) that must not be used; `code` names why (worded by the UI)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ProvisioningPayload(BaseModel):
    """What the provisioning root signs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1] = 1
    root: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]  # which root signed (its key id)
    hub: Annotated[str, StringConstraints(pattern=r"^https?://\S{1,200}$")]
    hub_pin: Hex64  # SM3 of the hub identity key (65-byte SM2 point)
    merchant: Name
    location: Annotated[str, StringConstraints(min_length=1, max_length=48)]
    profile: Literal["retail", "cross_border", "b2b"]
    config_digest: Hex64
    nonce: Annotated[str, StringConstraints(min_length=16, max_length=64)]
    expires: datetime


def key_id(public_key: bytes) -> str:
    """A root's short id: the first 16 hex digits of SM3 of its public key."""
    return sm3(public_key).hex()[:16]


def hub_pin(public_key: bytes) -> str:
    return sm3(b"edgepos-hub-identity-pin\n" + public_key).hex()


def identity_message(challenge: bytes) -> bytes:
    """What the hub signs to prove it holds the pinned identity key (a fresh random challenge each time)."""
    return b"edgepos-hub-identity-v1\n" + challenge


def config_digest(values: dict[str, Any], catalogue_digest: str) -> str:
    """The digest a code carries of the config values and product list the terminal will pull."""
    text = json.dumps({"values": values, "catalogue": catalogue_digest}, sort_keys=True, separators=(",", ":"))
    return sm3(b"edgepos-provisioning-config\n" + text.encode()).hex()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _canonical(model: BaseModel) -> bytes:
    return json.dumps(model.model_dump(mode="json"), sort_keys=True, separators=(",", ":")).encode()


def sign_code(root: Sm2PrivateKey, payload: ProvisioningPayload) -> str:
    body = _canonical(payload)
    signature = root.sign(_CODE_CONTEXT + body)
    return f"{PREFIX}.{_b64(body)}.{_b64(signature)}"


def read_code(text: str, root_public: bytes, now: datetime) -> ProvisioningPayload:
    """The payload of a code signed by `root_public` and not expired; CodeRefused otherwise."""
    parts = text.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise CodeRefused("provision_code_malformed", "this is not an edgepos provisioning code; scan the code the "
                                                      "hub printed (edgepos hub provision-code)")
    try:
        body, signature = _unb64(parts[1]), _unb64(parts[2])
        claimed = json.loads(body).get("root") if body.startswith(b"{") else None
    except (binascii.Error, ValueError, UnicodeDecodeError):
        claimed, body, signature = None, b"", b""
    if claimed is not None and claimed != key_id(root_public):
        raise CodeRefused("provision_other_root", "this provisioning code was signed by another provisioning root, "
                                                  "not the one this terminal trusts; nothing was changed")
    if not body or not Sm2PublicKey(root_public).verify(signature, _CODE_CONTEXT + body):
        raise CodeRefused("provision_code_altered", "this provisioning code is damaged or was altered (its signature "
                                                    "does not match); print a new one; nothing was changed")
    try:
        payload = ProvisioningPayload.model_validate_json(body)
    except ValidationError:
        raise CodeRefused("provision_code_malformed", "this provisioning code is signed but not readable by this "
                                                      "version of edgepos; nothing was changed") from None
    if payload.expires <= now:
        raise CodeRefused("provision_code_expired", f"this provisioning code expired at "
                                                    f"{payload.expires.astimezone(UTC).isoformat(timespec='seconds')}; "
                                                    "print a new one; nothing was changed")
    return payload


# --- signed diagnostics (terminal -> hub, offline, by a photo of the technician screen) ---------------------------


def sign_diagnostics(key: Sm2PrivateKey, terminal_id: str, report: dict[str, Any]) -> str:
    body = json.dumps({"terminal": terminal_id, **report}, sort_keys=True, separators=(",", ":")).encode()
    signature = key.sign(_DIAG_CONTEXT + body)
    return f"{DIAG_PREFIX}.{_b64(body)}.{_b64(signature)}"


def read_diagnostics(text: str, public_key_of: Any) -> dict[str, Any]:
    """The report in a diagnostics code; `public_key_of(terminal_id)` gives the enrolled key (or None)."""
    parts = text.strip().split(".")
    if len(parts) != 3 or parts[0] != DIAG_PREFIX:
        raise CodeRefused("diagnostics_malformed", "this is not an edgepos diagnostics code")
    try:
        body, signature = _unb64(parts[1]), _unb64(parts[2])
        report = json.loads(body)
        terminal_id = str(report["terminal"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise CodeRefused("diagnostics_malformed", "this diagnostics code cannot be read") from None
    public = public_key_of(terminal_id)
    if public is None:
        raise CodeRefused("diagnostics_unknown_terminal", f"terminal {terminal_id} is not enrolled at this hub")
    if not Sm2PublicKey(public).verify(signature, _DIAG_CONTEXT + body):
        raise CodeRefused("diagnostics_altered", "this diagnostics code was altered or not signed by the terminal")
    return report


# --- QR images -----------------------------------------------------------------------------------------------------


def qr_png(text: str) -> bytes:
    """`text` as a QR code PNG (error correction M: survives a crease or a smudge on a printed slip)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=6, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    out = io.BytesIO()
    qr.make_image().save(out, format="PNG")
    return out.getvalue()


def text_from(source: str) -> str:
    """The code in `source`: the code itself, a text file holding it, or an image (PNG/JPEG photo) of its QR."""
    if source.startswith((PREFIX + ".", DIAG_PREFIX + ".")):
        return source.strip()
    path = Path(source)
    if not path.is_file():
        raise CodeRefused("provision_code_malformed", f"{source!r} is neither a code nor a readable file")
    raw = path.read_bytes()
    if raw[:8] == b"\x89PNG\r\n\x1a\n" or raw[:3] == b"\xff\xd8\xff":
        return _decode_image(path)
    return raw.decode("utf-8", "replace").strip()


def _decode_image(path: Path) -> str:
    import zxingcpp
    from PIL import Image

    with Image.open(path) as image:
        found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    texts = [b.text for b in found if b.text.startswith((PREFIX + ".", DIAG_PREFIX + "."))]
    if not texts:
        raise CodeRefused("provision_code_malformed", f"no edgepos code found in the picture {path.name}")
    return texts[0]


def load_public(path: str | Path) -> bytes:
    """A public key file (hex of the 65-byte SM2 point, one line)."""
    try:
        raw = bytes.fromhex(Path(path).read_text(encoding="ascii").strip())
        Sm2PublicKey(raw)
    except (OSError, ValueError, CryptoError) as exc:
        raise CodeRefused("provision_no_root", f"the provisioning root {path} cannot be read ({exc})") from None
    return raw


def load_private(path: str | Path) -> Sm2PrivateKey:
    """A private key file (hex of 32 bytes, one line, mode 0600)."""
    return Sm2PrivateKey(bytes.fromhex(Path(path).read_text(encoding="ascii").strip()))


def write_private(path: Path, key: Sm2PrivateKey) -> None:
    """Write a new private key 0600; never overwrites one."""
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key.private_bytes().hex() + "\n")
        out.flush()
        os.fsync(out.fileno())

