"""Offline hard-wallet payments at the till: the profile's caps and the checks the till makes itself, with no hub.

Before any value moves the till checks the wallet's certificate chain (issuer signature), the revocation list it
pulled with the blacklist, and its caps: per payment, payments per wallet waiting to settle (e-CNY: 10 before the
wallet must go online), the cumulative offline value waiting here, and the age of the oldest. After the wallet pays
it checks the wallet's signature, its own challenge, the amount, the terminal binding and that the wallet's counter
moved forward. Offline payments waiting to settle are those whose journal record the hub has not acknowledged yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drivers.card.hardwallet import WalletStatus
from sync.cbdc import CbdcFormatError, DeviceCert, PaymentMessage, PaymentRequest, terminal_binding
from sync.crypto import CryptoError, Sm2PublicKey

RECORD_TYPE = "cbdc.offline_payment"


@dataclass(frozen=True, slots=True)
class OfflineCaps:
    per_payment: int  # minor units
    per_wallet: int  # offline payments of one hard wallet waiting to settle at this till
    cumulative: int  # all offline CBDC value waiting to settle at this till
    max_age_s: int  # the oldest waiting payment


CAPS: dict[str, OfflineCaps] = {  # per terminal profile (e-CNY offline tap: 500 CNY and 10 payments)
    "retail": OfflineCaps(50_000, 10, 1_000_000, 3 * 86400),
    "b2b": OfflineCaps(20_000, 5, 200_000, 86400),
    "cross_border": OfflineCaps(30_000, 10, 300_000, 2 * 86400),
}


class OfflineRefused(Exception):
    """The till refuses an offline payment: a stable code (worded by the UI) and the English sentence."""

    def __init__(self, code: str, sentence: str, **params: Any) -> None:
        super().__init__(sentence)
        self.code, self.sentence, self.params = code, sentence, params


def device_token(device_hex: str) -> str:
    """The hard wallet as the blacklist (revocation list) names it."""
    return f"tk_{device_hex}"


@dataclass(frozen=True, slots=True)
class Waiting:
    seq: int
    device: str
    counter: int
    amount: int
    at: int  # epoch s


class OfflineWallets:
    """The till's view of offline hard-wallet payments: caps, checks, and what waits to settle.

    `journal` is the till's Journal (records of type cbdc.offline_payment are the waiting payments until the hub
    acknowledges them); `revoked(token)` is the pulled blacklist; `issuer_key()` the operator's issuer key (None:
    not known yet, offline payments are refused)."""

    def __init__(self, journal: Any, revoked: Callable[[str], bool], issuer_key: Callable[[], bytes | None],
                 caps: dict[str, OfflineCaps] | None = None) -> None:
        self.journal, self.revoked, self._issuer_key = journal, revoked, issuer_key
        self.caps = caps or CAPS
        self._waiting: list[Waiting] = []
        self._last_counter: dict[str, int] = {}
        for record in journal.outbox(limit=1_000_000):
            if record.type == RECORD_TYPE:
                self._note(record.seq, record.payload, int(record.time.timestamp()))

    def _note(self, seq: int, payload: dict[str, Any], at: int) -> None:
        item = Waiting(seq, payload["device"], int(payload["counter"]), int(payload["amount"]["amount"]), at)
        self._waiting.append(item)
        self._last_counter[item.device] = max(self._last_counter.get(item.device, 0), item.counter)

    def waiting(self) -> list[Waiting]:
        """Offline payments the hub has not acknowledged yet (uploads go in order: older seqs are acknowledged)."""
        if self._waiting:
            oldest = self.journal.outbox(limit=1)
            first = oldest[0].seq if oldest else None
            self._waiting = [w for w in self._waiting if first is not None and w.seq >= first]
        return list(self._waiting)

    def precheck(self, cert_raw: bytes, status: WalletStatus, amount: int, currency: str, profile: str,
                 now: int) -> DeviceCert:
        """Everything the till can check before value moves; returns the verified certificate."""
        caps = self.caps.get(profile, CAPS["retail"])
        issuer = self._issuer_key()
        if issuer is None:
            raise OfflineRefused("cbdc_no_issuer_key", "This till cannot check hard wallets yet: it needs to reach "
                                 "the hub once. Ask for another way to pay.")
        try:
            cert = DeviceCert.decode(cert_raw)
            genuine = cert.verify(Sm2PublicKey(issuer))
        except (CbdcFormatError, CryptoError):
            genuine = False
        if not genuine:
            raise OfflineRefused("cbdc_wallet_not_genuine", "This hard wallet was not issued by the digital-currency "
                                 "operator. Do not accept it; ask for another way to pay.")
        if status.device_id != cert.device_id:
            raise OfflineRefused("cbdc_wallet_not_genuine", "This hard wallet was not issued by the digital-currency "
                                 "operator. Do not accept it; ask for another way to pay.")
        if self.revoked(device_token(cert.device_hex)):
            raise OfflineRefused("cbdc_wallet_revoked", "This hard wallet is blocked (revoked by the operator). "
                                 "Ask for another way to pay.")
        if currency != cert.currency:
            raise OfflineRefused("cbdc_wrong_currency", f"This hard wallet holds {cert.currency}, not {currency}.",
                                 currency=cert.currency)
        if amount > caps.per_payment:
            raise OfflineRefused("cbdc_offline_over_payment_cap", "This is more than one offline digital-currency "
                                 "payment may be. Ask for a smaller amount, the online wallet or another way to pay.",
                                 limit=caps.per_payment)
        waiting = self.waiting()
        mine = [w for w in waiting if w.device == cert.device_hex]
        if len(mine) >= caps.per_wallet:
            raise OfflineRefused("cbdc_offline_wallet_count", "This hard wallet has made as many offline payments "
                                 "as allowed; it must go online first. Ask for another way to pay.",
                                 count=caps.per_wallet)
        if sum(w.amount for w in waiting) + amount > caps.cumulative:
            raise OfflineRefused("cbdc_offline_total_cap", "This till holds as much offline digital currency as "
                                 "allowed until it syncs. Ask for another way to pay.", limit=caps.cumulative)
        if waiting and now - min(w.at for w in waiting) > caps.max_age_s:
            raise OfflineRefused("cbdc_offline_too_old", "This till has been offline too long to take hard "
                                 "wallets. Ask for another way to pay until the network is back.")
        if status.counter <= self._last_counter.get(cert.device_hex, 0):
            raise OfflineRefused("cbdc_wallet_counter_replayed", "This hard wallet repeated a payment counter "
                                 "(a copied card?). Do not accept it; ask for another way to pay.")
        if status.balance < amount:
            raise OfflineRefused("cbdc_wallet_balance_low", "The hard wallet holds too little offline value. Ask "
                                 "for another way to pay.")
        return cert

    def verify(self, cert: DeviceCert, raw: bytes, request: PaymentRequest, status: WalletStatus) -> PaymentMessage:
        """The wallet's payment message: its signature, our challenge, amount, terminal and a fresh counter."""
        try:
            payment = PaymentMessage.decode(raw)
            signed = payment.verify(Sm2PublicKey(cert.device_public_key))
        except (CbdcFormatError, CryptoError):
            signed = False
        if not signed or payment.device_id != cert.device_id:
            raise OfflineRefused("cbdc_payment_invalid", "The hard wallet's answer does not verify. Nothing was "
                                 "taken; ask for another way to pay.")
        if payment.challenge != request.challenge:
            raise OfflineRefused("cbdc_challenge_mismatch", "The hard wallet answered an old or another till's "
                                 "request. Nothing was taken; ask for another way to pay.")
        if (payment.amount, payment.currency) != (request.amount, request.currency) or \
                payment.terminal != terminal_binding(request.terminal_id):
            raise OfflineRefused("cbdc_payment_invalid", "The hard wallet's answer does not verify. Nothing was "
                                 "taken; ask for another way to pay.")
        if payment.counter < status.counter or payment.counter <= self._last_counter.get(cert.device_hex, 0):
            raise OfflineRefused("cbdc_wallet_counter_replayed", "This hard wallet repeated a payment counter "
                                 "(a copied card?). Do not accept it; ask for another way to pay.")
        return payment

    def noted(self, seq: int, payload: dict[str, Any], at: int) -> None:
        """The payment is journalled: it waits to settle from now."""
        self._note(seq, payload, at)
