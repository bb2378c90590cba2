"""The wallet simulator: what a customer's digital-currency wallet app and hard wallet do, against the hub's
reference operator over real HTTP (for `edgepos cbdc wallet`, the demo, the tests and the benchmark).

It creates wallets (the app's SM2 key stays here; the operator registers its public key and the tier), funds them,
shows one-time payment codes, pays merchant QRs, issues hard wallets (the card's key is generated "inside" the card
and certified by the issuer) and loads offline value into them. Its files (`wallets.json`) hold simulator keys in
clear: a stand-in for a phone's keystore and a secure element, never for production.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from drivers.card.hardwallet_applet import HardWalletApplet
from sync.cbdc import order_from_qr, sign_code, wallet_request_input
from sync.cbdc_api import DeviceInfo, LoadResponse, OrderResponse, WalletInfo
from sync.crypto import Sm2PrivateKey
from sync.protocol import API_PREFIX


class WalletError(Exception):
    """The operator refused (a code and its sentence) or could not be reached."""

    def __init__(self, message: str, code: str = "wallet_error") -> None:
        super().__init__(message)
        self.code = code


@dataclass
class WalletSimulator:
    hub_url: str
    admin_token: str
    path: Path | None = None  # where wallets and cards are kept (None: memory only)
    wallets: dict[str, str] = field(default_factory=dict)  # wallet no -> app key (hex)
    cards: dict[str, HardWalletApplet] = field(default_factory=dict)  # device id -> card
    currency: str = "CNY"

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.hub_url, timeout=10.0)
        if self.path is not None and self.path.exists():
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.wallets = dict(data.get("wallets", {}))
            self.cards = {d: HardWalletApplet.from_dict(c) for d, c in data.get("cards", {}).items()}

    def close(self) -> None:
        self._http.close()

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"wallets": self.wallets, "cards": {d: c.to_dict() for d, c in self.cards.items()}},
                          indent=1)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None, admin: bool = True) -> bytes:
        headers = {"Authorization": f"Bearer {self.admin_token}"} if admin else {}
        try:
            response = self._http.request(method, API_PREFIX + path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise WalletError(f"the operator at {self.hub_url} cannot be reached ({type(exc).__name__})",
                              "unreachable") from None
        if response.status_code >= 300:
            try:
                problem = response.json()
            except ValueError:
                problem = {"code": f"http_{response.status_code}", "message": response.reason_phrase}
            raise WalletError(problem.get("message", "refused"), problem.get("code", "refused"))
        return response.content

    def _money(self, amount: int) -> dict[str, Any]:
        return {"amount": amount, "currency": self.currency}

    # --- wallets ------------------------------------------------------------------------------------------------

    def create_wallet(self, tier: str = "anonymous", fund: int = 0) -> WalletInfo:
        key = Sm2PrivateKey.generate()
        info = WalletInfo.model_validate_json(self._call("POST", "/admin/cbdc/wallets",
                                                    {"tier": tier, "public_key": key.public_key().hex()}))
        self.wallets[info.wallet_no] = key.private_bytes().hex()
        if fund:
            info = self.fund(info.wallet_no, fund)
        self.save()
        return info

    def fund(self, wallet_no: str, amount: int) -> WalletInfo:
        return WalletInfo.model_validate_json(self._call("POST", f"/admin/cbdc/wallets/{wallet_no}/fund",
                                                    {"amount": self._money(amount)}))

    def info(self, wallet_no: str) -> WalletInfo:
        return WalletInfo.model_validate_json(self._call("GET", f"/admin/cbdc/wallets/{wallet_no}"))

    def _key(self, wallet_no: str) -> Sm2PrivateKey:
        try:
            return Sm2PrivateKey(bytes.fromhex(self.wallets[wallet_no]))
        except KeyError:
            raise WalletError(f"no wallet {wallet_no} in this simulator", "unknown_wallet") from None

    def payment_code(self, wallet_no: str, ttl_s: int = 60) -> str:
        """A one-time payment code (what the app shows as a QR / barcode for the till to scan)."""
        return sign_code(self._key(wallet_no), wallet_no, int(time.time()) + ttl_s).encode()

    def pay_qr(self, wallet_no: str, qr: str) -> OrderResponse:
        """Pay the merchant QR the app scanned."""
        order_id = order_from_qr(qr)
        when = datetime.now(UTC)
        signature = self._key(wallet_no).sign(wallet_request_input(wallet_no, "pay-order", order_id.encode(),
                                                                   when.isoformat(timespec="microseconds")))
        return OrderResponse.model_validate_json(self._call("POST", "/cbdc/wallet/pay-order", {
            "wallet_no": wallet_no, "order_id": order_id, "time": when.isoformat(timespec="microseconds"),
            "signature": signature.hex()}, admin=False))

    # --- hard wallets -------------------------------------------------------------------------------------------

    def issue_card(self, wallet_no: str) -> HardWalletApplet:
        """A new hard wallet for `wallet_no`: its key made on the card, its certificate signed by the issuer."""
        key = Sm2PrivateKey.generate()
        device = DeviceInfo.model_validate_json(self._call("POST", "/admin/cbdc/devices", {
            "wallet_no": wallet_no, "public_key": key.public_key().hex()}))
        issuer = json.loads(self._call("GET", "/admin/cbdc/issuer"))["issuer_public_key"]
        card = HardWalletApplet(key, bytes.fromhex(device.cert), bytes.fromhex(issuer))
        self.cards[device.device_id] = card
        self.save()
        return card

    def load_card(self, device_id: str, amount: int) -> HardWalletApplet:
        """Move `amount` from the wallet onto its hard wallet (the issuer's signed load, accepted by the card)."""
        card = self.cards.get(device_id)
        if card is None:
            raise WalletError(f"no hard wallet {device_id} in this simulator", "unknown_device")
        load = LoadResponse.model_validate_json(self._call("POST", f"/admin/cbdc/devices/{device_id}/load",
                                                      {"amount": self._money(amount)}))
        card.selected = True
        answer = card.process(bytes([0x80, 0x30, 0, 0, len(bytes.fromhex(load.load))]) + bytes.fromhex(load.load))
        card.selected = False
        if answer[-2:] != b"\x90\x00":
            raise WalletError(f"the card refused the load ({answer[-2:].hex()})", "card_refused")
        self.save()
        return card

    def device(self, device_id: str) -> DeviceInfo:
        return DeviceInfo.model_validate_json(self._call("GET", f"/admin/cbdc/devices/{device_id}"))

    def revoke(self, device_id: str, reason: str = "reported lost") -> DeviceInfo:
        return DeviceInfo.model_validate_json(self._call("POST", f"/admin/cbdc/devices/{device_id}/revoke",
                                                    {"reason": reason}))
