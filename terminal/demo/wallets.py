"""The demo store's digital-currency customers: wallets and a hard wallet at the demo hub's reference operator,
through the wallet simulator (terminal.cbdc.simulator). Made on first use (the hub may start behind the window)."""

from __future__ import annotations

from typing import Any

from drivers.card.hardwallet_applet import HardWalletApplet
from sync.cbdc import DeviceCert
from terminal.cbdc.simulator import WalletSimulator


class DemoWallets:
    """A funded online wallet (codes, paying the shop QR) and hard wallets with offline value."""

    def __init__(self, hub: Any) -> None:
        self.hub = hub
        self._sim: WalletSimulator | None = None
        self._wallet = ""

    def _ready(self) -> WalletSimulator:
        if self._sim is None:
            self._sim = WalletSimulator(self.hub.url, self.hub.admin_token)
            self._wallet = self._sim.create_wallet("verified", fund=2_000_000).wallet_no
        return self._sim

    def new_customer(self, fund: int = 2_000_000) -> str:
        """Another customer's funded online wallet (its number), for `code` and `pay_qr`: a scripted run of many
        customers is not one wallet paying again and again."""
        return self._ready().create_wallet("verified", fund=fund).wallet_no

    def code(self, wallet_no: str = "") -> str:
        """The customer's one-time payment code (what the scanner reads off the phone)."""
        sim = self._ready()
        return sim.payment_code(wallet_no or self._wallet)

    def pay_qr(self, qr: str, wallet_no: str = "") -> Any:
        """The customer's wallet pays the shop QR on screen."""
        sim = self._ready()
        return sim.pay_qr(wallet_no or self._wallet, qr)

    def new_card(self, load: int = 50_000) -> HardWalletApplet:
        """A fresh customer with a hard wallet holding `load` of offline value."""
        sim = self._ready()
        wallet = sim.create_wallet("anonymous", fund=load + 10_000)
        card = sim.issue_card(wallet.wallet_no)
        return sim.load_card(DeviceCert.decode(card.cert).device_hex, load)

    def present_card(self, ports: Any, contactless: bool = False) -> HardWalletApplet:
        """Put a fresh customer's hard wallet on the till's reader (the emulated slot)."""
        card = self.new_card()
        slot = ports.contactless_wallet if contactless else ports.hard_wallet
        slot.present(card)
        return card

    def close(self) -> None:
        if self._sim is not None:
            self._sim.close()
