"""The CBDC operator behind an adapter interface: `CbdcOperator` is what the hub's endpoints call, so a real
operator's API (a commercial bank's e-CNY gateway) can replace `ReferenceOperator`, which runs the whole operator on
the hub's own ledger for the demo, the tests and integrators.

Online payments are final at once ("settlement upon payment"): one balanced transfer debits the payer's wallet and
credits the merchant wallet, after the wallet tier's per-payment, per-day and balance limits; a merchant wallet above
its cap sweeps the excess to its linked bank account in the same transaction. Refunds go back to the wallet that
paid. Offline hard-wallet payments settle when the till syncs (hub.cbdc.settle).
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from hub.backend import Tx
from hub.cbdc import ledger as L
from hub.cbdc.ledger import CbdcConfig, Tier
from hub.clock import business_day, iso
from hub.downstream import BlacklistChange, blacklisted, change_blacklist
from hub.errors import Conflict, HubError, NotFound
from sync.cbdc import (
    CbdcFormatError,
    PaymentCode,
    issue_cert,
    order_qr,
    sign_load,
    wallet_request_input,
)
from sync.cbdc_api import (
    CbdcPaymentResponse,
    CbdcRefundRequest,
    CbdcStatus,
    CodePaymentRequest,
    DeviceCreate,
    DeviceInfo,
    ExceptionRecord,
    IssuerResponse,
    LoadResponse,
    MerchantWallet,
    OrderRequest,
    OrderResponse,
    OrderStatus,
    Statement,
    StatementLine,
    WalletCreate,
    WalletInfo,
    WalletPayOrder,
)
from sync.crypto import CryptoError, Envelope, Sm2PrivateKey, Sm2PublicKey, sm3
from sync.protocol import Amount

T = TypeVar("T")
Run = Callable[[Callable[[Tx], T]], T]


class Declined(Exception):
    """A payment the operator says no to: a stable code and a sentence (answered as status declined, not 4xx)."""

    def __init__(self, code: str, message: str, limit: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.limit = code, message, limit


class CbdcOperator(Protocol):
    """What the hub needs of a CBDC operator. Methods taking `tx` run inside the hub's transaction (the endpoint's
    idempotency record commits with them); the others open their own."""

    def issuer(self) -> IssuerResponse: ...
    def pay_code(self, tx: Tx, terminal_id: str, merchant_id: str, request: CodePaymentRequest,
                 now: datetime) -> CbdcPaymentResponse: ...
    def create_order(self, tx: Tx, terminal_id: str, merchant_id: str, request: OrderRequest,
                     now: datetime) -> OrderResponse: ...
    def order(self, terminal_id: str, order_id: str, now: datetime) -> OrderResponse: ...
    def cancel_order(self, tx: Tx, terminal_id: str, order_id: str, now: datetime) -> OrderResponse: ...
    def pay_order(self, request: WalletPayOrder, now: datetime) -> OrderResponse: ...
    def refund(self, tx: Tx, terminal_id: str, merchant_id: str, request: CbdcRefundRequest,
               now: datetime) -> CbdcPaymentResponse: ...
    def create_wallet(self, request: WalletCreate, now: datetime) -> WalletInfo: ...
    def fund_wallet(self, wallet_no: str, amount: int, now: datetime) -> WalletInfo: ...
    def wallet(self, wallet_no: str, now: datetime) -> WalletInfo: ...
    def create_device(self, request: DeviceCreate, now: datetime) -> DeviceInfo: ...
    def load_device(self, device_id: str, amount: int, now: datetime) -> LoadResponse: ...
    def revoke_device(self, device_id: str, reason: str, now: datetime) -> DeviceInfo: ...
    def device(self, device_id: str) -> DeviceInfo: ...
    def set_merchant_wallet(self, merchant_id: str, settings: MerchantWallet) -> MerchantWallet: ...
    def statement(self, merchant_id: str, day: str) -> Statement: ...
    def exceptions(self, merchant_id: str | None) -> list[ExceptionRecord]: ...


def sealing_envelope(secret: bytes, purpose: str = "cbdc-issuer") -> Envelope:
    """The SM4-GCM-inside-AES-GCM envelope (sync.crypto) that seals the hub's keys in its database, with two
    independent keys derived from the hub's secret and what they seal (the CBDC issuer key, the enterprise wallet
    keys of hub.corporate.wallet)."""
    label = purpose.encode()
    return Envelope(sm3(b"edgepos-" + label + b"-sm4\n" + secret)[:16], sm3(b"edgepos-" + label + b"-aes\n" + secret))


def issuer_public_key(tx: Tx) -> bytes | None:
    row = tx.one("SELECT public_key FROM cbdc_issuer WHERE id = 1")
    return bytes.fromhex(row[0]) if row else None


class ReferenceOperator:
    """The reference operator on the hub's ledger (SQLite or PostgreSQL through hub.backend). The issuer's private
    key is kept in the database sealed (SM4-GCM inside AES-GCM) with keys derived from `secret`."""

    def __init__(self, read: Run, view: Run, secret: bytes, config: CbdcConfig | None = None) -> None:
        self._read, self._view = read, view
        self.config = config or CbdcConfig.load()
        self._envelope = sealing_envelope(secret)
        self._issuer_loaded: Sm2PrivateKey | None = None  # loaded on first use: the hub starts with its store down
        self._lock = threading.Lock()

    @property
    def _issuer(self) -> Sm2PrivateKey:
        with self._lock:
            if self._issuer_loaded is None:
                self._issuer_loaded = self._read(self._issuer_key)
            return self._issuer_loaded

    # --- issuer key -------------------------------------------------------------------------------------------------

    def _issuer_key(self, tx: Tx) -> Sm2PrivateKey:
        tx.lock_name("cbdc-issuer")
        row = tx.one("SELECT private_sealed FROM cbdc_issuer WHERE id = 1")
        if row is not None:
            try:
                return Sm2PrivateKey(self._envelope.open(bytes.fromhex(row[0]), b"cbdc-issuer"))
            except CryptoError:
                raise RuntimeError("the CBDC issuer key in the hub database cannot be opened with this hub's "
                                   "secret: set EDGEPOS_CBDC_ISSUER_SECRET (or the admin token) it was sealed "
                                   "with") from None
        key = Sm2PrivateKey.generate()
        tx.run("INSERT INTO cbdc_issuer (id, public_key, private_sealed, created_at) VALUES (1, ?, ?, ?)",
               (key.public_key().hex(), self._envelope.seal(key.private_bytes(), b"cbdc-issuer").hex(),
                iso(datetime.now().astimezone())))
        return key

    def issuer(self) -> IssuerResponse:
        return IssuerResponse(issuer_public_key=self._issuer.public_key().hex(), currency=self.config.currency)

    # --- helpers ----------------------------------------------------------------------------------------------------

    def _money(self, amount: int) -> Amount:
        return Amount(amount=amount, currency=self.config.currency)

    def _tier(self, name: str) -> Tier:
        tier = self.config.tiers.get(name)
        if tier is None:
            raise HubError(f"no wallet tier {name!r}; tiers: {', '.join(sorted(self.config.tiers))}",
                           code="unknown_tier")
        return tier

    def _wallet_row(self, tx: Tx, wallet_no: str) -> tuple[str, str, str]:
        row = tx.one("SELECT tier, currency, public_key FROM cbdc_wallets WHERE wallet_no = ?", (wallet_no,))
        if row is None:
            raise NotFound(f"no wallet {wallet_no}", code="unknown_wallet")
        return row[0], row[1], row[2]

    def _paid_today(self, tx: Tx, wallet_no: str, now: datetime) -> int:
        row = tx.one("SELECT coalesce(sum(amount), 0) FROM cbdc_payments WHERE wallet_no = ? AND business_day = ? "
                     "AND kind = 'online' AND status = 'settled'", (wallet_no, business_day(now)))
        return int(row[0]) if row else 0

    def _wallet_info(self, tx: Tx, wallet_no: str, now: datetime) -> WalletInfo:
        tier_name, _, _ = self._wallet_row(tx, wallet_no)
        tier = self._tier(tier_name)
        return WalletInfo(wallet_no=wallet_no, tier=tier_name,
                          balance=self._money(-L.balance(tx, L.wallet_account(wallet_no))),
                          paid_today=self._money(self._paid_today(tx, wallet_no, now)),
                          per_payment=self._money(tier.per_payment), per_day=self._money(tier.per_day),
                          balance_cap=self._money(tier.balance))

    def _check_limits(self, tx: Tx, wallet_no: str, amount: int, currency: str, now: datetime) -> str:
        """The payer's tier limits and funds; returns the tier name or raises Declined."""
        tier_name, wallet_currency, _ = self._wallet_row(tx, wallet_no)
        tier = self._tier(tier_name)
        if tx.one("SELECT 1 FROM blacklist WHERE token = ? AND removed_version IS NULL",
                  (L.device_token(wallet_no),)):
            raise Declined("cbdc_wallet_blocked", "this wallet is blocked by the operator")
        if currency != wallet_currency:
            raise Declined("cbdc_wrong_currency", f"this wallet holds {wallet_currency}")
        if amount > tier.per_payment:
            raise Declined("cbdc_over_payment_limit", f"over the {tier_name} wallet's limit per payment",
                           tier.per_payment)
        if self._paid_today(tx, wallet_no, now) + amount > tier.per_day:
            raise Declined("cbdc_over_day_limit", f"over the {tier_name} wallet's limit per day", tier.per_day)
        if -L.balance(tx, L.wallet_account(wallet_no)) < amount:
            raise Declined("cbdc_insufficient_funds", "the wallet does not hold enough")
        return tier_name

    def _credit_merchant(self, tx: Tx, merchant_id: str, now: datetime) -> None:
        """Sweep the merchant wallet's excess above its cap to the linked bank account (same transaction)."""
        L.sweep(tx, merchant_id, self.config.sweep_cap, self.config.currency, now)

    def _payment_row(self, tx: Tx, ident: str, kind: str, status: str, wallet_no: str | None, device: str | None,
                     counter: int | None, amount: int, merchant_id: str, terminal_id: str | None,
                     sale_id: str | None, ref: str | None, now: datetime, detail: str | None = None) -> None:
        tx.run("INSERT INTO cbdc_payments (id, kind, status, wallet_no, device_id, counter, amount, currency, "
               "merchant_id, terminal_id, sale_id, ref, detail, business_day, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               (ident, kind, status, wallet_no, device, counter, amount, self.config.currency, merchant_id,
                terminal_id, sale_id, ref, detail, business_day(now), iso(now)))

    def _pay(self, tx: Tx, payment_id: str, wallet_no: str, amount: int, currency: str, merchant_id: str,
             terminal_id: str, sale_id: str, ref: str | None, now: datetime) -> str:
        """One online payment: limits, then one balanced transfer payer -> merchant wallet, then the sweep."""
        tier = self._check_limits(tx, wallet_no, amount, currency, now)
        L.ensure_accounts(tx, [L.merchant_wallet(merchant_id)], merchant_id, now)
        L.book(tx, L.movement("cbdc_payment", f"cbdc:{payment_id}", debit=L.wallet_account(wallet_no),
                              credit=L.merchant_wallet(merchant_id), amount=amount, currency=currency, now=now,
                              terminal_id=terminal_id, merchant_id=merchant_id, sale_id=sale_id, ref=ref))
        self._payment_row(tx, payment_id, "online", "settled", wallet_no, None, None, amount, merchant_id,
                          terminal_id, sale_id, ref, now)
        self._credit_merchant(tx, merchant_id, now)
        return tier

    # --- online: customer-presented code -----------------------------------------------------------------------------

    def pay_code(self, tx: Tx, terminal_id: str, merchant_id: str, request: CodePaymentRequest,
                 now: datetime) -> CbdcPaymentResponse:
        amount = request.amount
        answer = {"payment_id": request.payment_id, "amount": Amount(amount=amount.amount, currency=amount.currency)}
        if tx.one("SELECT 1 FROM cbdc_payments WHERE id = ?", (request.payment_id,)):
            raise Conflict(f"payment id {request.payment_id} is taken; use a new id", code="payment_id_reused")
        try:
            code = PaymentCode.decode(request.code)
        except CbdcFormatError as exc:
            return CbdcPaymentResponse(status=CbdcStatus.DECLINED, code="cbdc_code_invalid", message=str(exc),
                                       **answer)
        last4 = code.wallet_no[-4:]
        try:
            row = tx.one("SELECT public_key FROM cbdc_wallets WHERE wallet_no = ?", (code.wallet_no,))
            if row is None or not code.verify(Sm2PublicKey(bytes.fromhex(row[0]))):
                raise Declined("cbdc_code_invalid", "the payment code is not signed by a known wallet")
            if code.expires < now.timestamp():
                raise Declined("cbdc_code_expired", "the payment code has expired; refresh it in the wallet")
            if code.expires > now.timestamp() + self.config.code_max_ttl_s + 30:
                raise Declined("cbdc_code_invalid", "the payment code claims too long a life")
            tx.lock_name(f"cbdc-code:{code.nonce}")
            if tx.one("SELECT 1 FROM cbdc_codes WHERE nonce = ?", (code.nonce,)):
                raise Declined("cbdc_code_used", "this payment code was used already; show a new one")
            tx.run("INSERT INTO cbdc_codes (nonce, wallet_no, used_at) VALUES (?, ?, ?)",
                   (code.nonce, code.wallet_no, iso(now)))
            tx.lock_name(f"cbdc-wallet:{code.wallet_no}")
            tier = self._pay(tx, request.payment_id, code.wallet_no, amount.amount, amount.currency, merchant_id,
                             terminal_id, request.sale_id, None, now)
        except Declined as no:
            return CbdcPaymentResponse(status=CbdcStatus.DECLINED, code=no.code, message=no.message,
                                       wallet_last4=last4,
                                       limit=None if no.limit is None else self._money(no.limit), **answer)
        return CbdcPaymentResponse(status=CbdcStatus.APPROVED, wallet_last4=last4, tier=tier, **answer)

    # --- online: merchant-presented QR -------------------------------------------------------------------------------

    def _order(self, row: tuple, now: datetime) -> OrderResponse:
        order_id, status, amount, currency, expires, payment_id, wallet_no = row
        if status == OrderStatus.OPEN and expires <= iso(now):
            status = OrderStatus.EXPIRED
        return OrderResponse(order_id=order_id, qr=order_qr(order_id), status=OrderStatus(status),
                             amount=Amount(amount=int(amount), currency=currency),
                             expires_at=datetime.fromisoformat(expires), payment_id=payment_id,
                             wallet_last4=wallet_no[-4:] if wallet_no else None)

    _ORDER = "SELECT order_id, status, amount, currency, expires_at, payment_id, wallet_no FROM cbdc_orders "

    def create_order(self, tx: Tx, terminal_id: str, merchant_id: str, request: OrderRequest,
                     now: datetime) -> OrderResponse:
        if request.amount.currency != self.config.currency:
            raise HubError(f"this operator takes {self.config.currency}", code="cbdc_wrong_currency")
        existing = tx.one(self._ORDER + "WHERE order_id = ?", (request.order_id,))
        if existing is not None:
            raise Conflict(f"order id {request.order_id} is taken; use a new id", code="order_id_reused")
        expires = now + timedelta(seconds=self.config.order_ttl_s)
        tx.run("INSERT INTO cbdc_orders (order_id, merchant_id, terminal_id, sale_id, amount, currency, status, "
               "expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)",
               (request.order_id, merchant_id, terminal_id, request.sale_id, request.amount.amount,
                request.amount.currency, iso(expires), iso(now)))
        row = tx.one(self._ORDER + "WHERE order_id = ?", (request.order_id,))
        assert row is not None
        return self._order(row, now)

    def order(self, terminal_id: str, order_id: str, now: datetime) -> OrderResponse:
        row = self._view(lambda tx: tx.one(self._ORDER + "WHERE order_id = ? AND terminal_id = ?",
                                           (order_id, terminal_id)))
        if row is None:
            raise NotFound(f"no order {order_id} from this terminal", code="unknown_order")
        return self._order(row, now)

    def cancel_order(self, tx: Tx, terminal_id: str, order_id: str, now: datetime) -> OrderResponse:
        tx.lock_name(f"cbdc-order:{order_id}")
        row = tx.one(self._ORDER + "WHERE order_id = ? AND terminal_id = ?", (order_id, terminal_id))
        if row is None:
            raise NotFound(f"no order {order_id} from this terminal", code="unknown_order")
        if row[1] == OrderStatus.OPEN:
            tx.run("UPDATE cbdc_orders SET status = 'cancelled' WHERE order_id = ? AND status = 'open'", (order_id,))
            row = tx.one(self._ORDER + "WHERE order_id = ?", (order_id,))
        assert row is not None
        return self._order(row, now)

    def pay_order(self, request: WalletPayOrder, now: datetime) -> OrderResponse:
        """A wallet pays a merchant order it scanned. Declines raise HubError (the wallet app shows the code)."""
        def run(tx: Tx) -> OrderResponse:
            _, _, public_key = self._wallet_row(tx, request.wallet_no)
            signed = wallet_request_input(request.wallet_no, "pay-order", request.order_id.encode(),
                                          iso(request.time))
            if not Sm2PublicKey(bytes.fromhex(public_key)).verify(bytes.fromhex(request.signature), signed):
                raise HubError("the request is not signed by this wallet's key", code="bad_signature")
            if abs((now - request.time).total_seconds()) > 300:
                raise HubError("the wallet's clock is more than 5 minutes off", code="clock_skew")
            tx.lock_name(f"cbdc-order:{request.order_id}")
            row = tx.one("SELECT merchant_id, terminal_id, sale_id, amount, currency, status, expires_at, "
                         "wallet_no FROM cbdc_orders WHERE order_id = ?", (request.order_id,))
            if row is None:
                raise NotFound("no such order; scan the shop's code again", code="unknown_order")
            merchant_id, terminal_id, sale_id, amount, currency, status, expires, payer = row
            if status == OrderStatus.PAID and payer == request.wallet_no:
                pass  # a retry of the same payment: answer the paid order again
            elif status != OrderStatus.OPEN or expires <= iso(now):
                raise Conflict(f"this order is {'expired' if status == 'open' else status}; ask for a new code",
                               code="order_not_open")
            else:
                payment_id = f"CBN{secrets.token_hex(12).upper()}"
                tx.lock_name(f"cbdc-wallet:{request.wallet_no}")
                try:
                    self._pay(tx, payment_id, request.wallet_no, int(amount), currency, merchant_id, terminal_id,
                              sale_id, request.order_id, now)
                except Declined as no:
                    raise HubError(no.message, code=no.code) from None
                tx.run("UPDATE cbdc_orders SET status = 'paid', payment_id = ?, wallet_no = ? WHERE order_id = ?",
                       (payment_id, request.wallet_no, request.order_id))
            paid = tx.one(self._ORDER + "WHERE order_id = ?", (request.order_id,))
            assert paid is not None
            return self._order(paid, now)

        return self._read(run)

    # --- refunds -------------------------------------------------------------------------------------------------

    def refund(self, tx: Tx, terminal_id: str, merchant_id: str, request: CbdcRefundRequest,
               now: datetime) -> CbdcPaymentResponse:
        """Give money back to the wallet that paid (an offline payment's refund goes to its device's wallet)."""
        tx.lock_name(f"cbdc-payment:{request.payment_id}")
        row = tx.one("SELECT kind, status, wallet_no, amount, refunded, merchant_id, currency FROM cbdc_payments "
                     "WHERE id = ?", (request.payment_id,))
        if row is None or row[5] != merchant_id or row[0] not in ("online", "offline"):
            raise NotFound(f"no digital-currency payment {request.payment_id} of this merchant",
                           code="unknown_payment")
        _, status, wallet_no, amount, refunded, _, currency = row
        refund_id = f"CBR{sm3(f'{terminal_id}:{request.refund_id}:{request.payment_id}'.encode()).hex()[:24]}"
        answer = {"payment_id": refund_id, "amount": Amount(amount=request.amount.amount, currency=currency),
                  "wallet_last4": wallet_no[-4:]}
        if tx.one("SELECT 1 FROM cbdc_payments WHERE id = ?", (refund_id,)):
            return CbdcPaymentResponse(status=CbdcStatus.APPROVED, **answer)
        if status != "settled":
            code = "cbdc_payment_reversed" if status == "reversed" else "cbdc_payment_not_settled"
            return CbdcPaymentResponse(status=CbdcStatus.DECLINED, code=code, message=f"the payment is {status}",
                                       **answer)
        if request.amount.currency != currency or int(refunded) + request.amount.amount > int(amount):
            return CbdcPaymentResponse(status=CbdcStatus.DECLINED, code="cbdc_refund_exceeds_payment",
                                       message=f"only {int(amount) - int(refunded)} is left to refund", **answer)
        L.ensure_accounts(tx, [L.wallet_account(wallet_no), L.merchant_wallet(merchant_id)], merchant_id, now)
        if -L.balance(tx, L.merchant_wallet(merchant_id)) < request.amount.amount:
            # the merchant wallet swept its money to the bank: the refund is drawn back from the bank account
            L.book(tx, L.movement("cbdc_unsweep", f"cbdc:{refund_id}:unsweep", debit=L.bank_account(merchant_id),
                                  credit=L.merchant_wallet(merchant_id), amount=request.amount.amount,
                                  currency=currency, now=now, merchant_id=merchant_id, ref=refund_id))
        L.book(tx, L.movement("cbdc_refund", f"cbdc:{refund_id}", debit=L.merchant_wallet(merchant_id),
                              credit=L.wallet_account(wallet_no), amount=request.amount.amount, currency=currency,
                              now=now, terminal_id=terminal_id, merchant_id=merchant_id, ref=request.payment_id))
        tx.run("UPDATE cbdc_payments SET refunded = refunded + ? WHERE id = ?",
               (request.amount.amount, request.payment_id))
        self._payment_row(tx, refund_id, "refund", "settled", wallet_no, None, None, request.amount.amount,
                          merchant_id, terminal_id, None, request.payment_id, now, request.reason)
        return CbdcPaymentResponse(status=CbdcStatus.APPROVED, **answer)

    # --- wallets and hard wallets (admin) ----------------------------------------------------------------------------

    def create_wallet(self, request: WalletCreate, now: datetime) -> WalletInfo:
        self._tier(request.tier)

        def run(tx: Tx) -> WalletInfo:
            wallet_no = "".join(secrets.choice("0123456789") for _ in range(16))
            tx.run("INSERT INTO cbdc_wallets (wallet_no, tier, currency, public_key, created_at) "
                   "VALUES (?, ?, ?, ?, ?)", (wallet_no, request.tier, self.config.currency, request.public_key,
                                              iso(now)))
            L.ensure_accounts(tx, [L.wallet_account(wallet_no)], None, now)
            return self._wallet_info(tx, wallet_no, now)

        return self._read(run)

    def fund_wallet(self, wallet_no: str, amount: int, now: datetime) -> WalletInfo:
        """Issue money into a wallet (a top-up from its bank), within the tier's balance cap."""
        def run(tx: Tx) -> WalletInfo:
            tier_name, _, _ = self._wallet_row(tx, wallet_no)
            tx.lock_name(f"cbdc-wallet:{wallet_no}")
            if -L.balance(tx, L.wallet_account(wallet_no)) + amount > self._tier(tier_name).balance:
                raise Conflict(f"that would put the wallet over its {tier_name} balance cap",
                               code="cbdc_over_balance_cap")
            L.book(tx, L.movement("cbdc_issue", f"cbdc:F{secrets.token_hex(12)}", debit=L.ISSUANCE,
                                  credit=L.wallet_account(wallet_no), amount=amount,
                                  currency=self.config.currency, now=now))
            return self._wallet_info(tx, wallet_no, now)

        return self._read(run)

    def wallet(self, wallet_no: str, now: datetime) -> WalletInfo:
        return self._view(lambda tx: self._wallet_info(tx, wallet_no, now))

    def _device_info(self, tx: Tx, device_id: str) -> DeviceInfo:
        row = tx.one("SELECT wallet_no, cert, loaded, settled, revoked_at FROM cbdc_devices WHERE device_id = ?",
                     (device_id,))
        if row is None:
            raise NotFound(f"no hard wallet {device_id}", code="unknown_device")
        return DeviceInfo(device_id=device_id, wallet_no=row[0], cert=row[1], loaded=self._money(int(row[2])),
                          settled=self._money(int(row[3])), revoked=row[4] is not None)

    def create_device(self, request: DeviceCreate, now: datetime) -> DeviceInfo:
        """Certify a hard wallet's key for a wallet (the issuer signs it)."""
        issuer = self._issuer  # loaded before the transaction (loading may write it once)

        def run(tx: Tx) -> DeviceInfo:
            _, currency, _ = self._wallet_row(tx, request.wallet_no)
            device = secrets.token_bytes(8)
            cert = issue_cert(issuer, device, request.wallet_no, bytes.fromhex(request.public_key), currency)
            tx.run("INSERT INTO cbdc_devices (device_id, wallet_no, public_key, cert, created_at) "
                   "VALUES (?, ?, ?, ?, ?)", (device.hex(), request.wallet_no, request.public_key,
                                              cert.encode().hex(), iso(now)))
            L.ensure_accounts(tx, [L.device_account(device.hex())], None, now)
            return self._device_info(tx, device.hex())

        return self._read(run)

    def load_device(self, device_id: str, amount: int, now: datetime) -> LoadResponse:
        """Move value from the wallet into its hard wallet: the issuer signs a load token the card accepts once."""
        issuer = self._issuer  # loaded before the transaction (loading may write it once)

        def run(tx: Tx) -> LoadResponse:
            tx.lock_name(f"cbdc-device:{device_id}")
            row = tx.one("SELECT wallet_no, loaded, settled, load_no, revoked_at FROM cbdc_devices "
                         "WHERE device_id = ?", (device_id,))
            if row is None:
                raise NotFound(f"no hard wallet {device_id}", code="unknown_device")
            wallet_no, loaded, settled, load_no, revoked = row
            if revoked is not None:
                raise Conflict("this hard wallet is revoked", code="cbdc_device_revoked")
            if int(loaded) - int(settled) + amount > self.config.max_offline_balance:
                raise Conflict("that would put more offline value on the hard wallet than allowed",
                               code="cbdc_over_offline_cap")
            tx.lock_name(f"cbdc-wallet:{wallet_no}")
            if -L.balance(tx, L.wallet_account(wallet_no)) < amount:
                raise Conflict("the wallet does not hold enough to load", code="cbdc_insufficient_funds")
            L.book(tx, L.movement("cbdc_load", f"cbdc:L{device_id}:{int(load_no) + 1}",
                                  debit=L.wallet_account(wallet_no), credit=L.device_account(device_id),
                                  amount=amount, currency=self.config.currency, now=now))
            tx.run("UPDATE cbdc_devices SET loaded = loaded + ?, load_no = load_no + 1 WHERE device_id = ?",
                   (amount, device_id))
            token = sign_load(issuer, bytes.fromhex(device_id), int(load_no) + 1, amount, self.config.currency)
            return LoadResponse(device_id=device_id, load=token.encode().hex(),
                                loaded=self._money(int(loaded) + amount))

        return self._read(run)

    def revoke_device(self, device_id: str, reason: str, now: datetime) -> DeviceInfo:
        def run(tx: Tx) -> DeviceInfo:
            revoke(tx, device_id, reason, now)
            return self._device_info(tx, device_id)

        return self._read(run)

    def device(self, device_id: str) -> DeviceInfo:
        return self._view(lambda tx: self._device_info(tx, device_id))

    # --- merchants -------------------------------------------------------------------------------------------------

    def set_merchant_wallet(self, merchant_id: str, settings: MerchantWallet) -> MerchantWallet:
        def run(tx: Tx) -> MerchantWallet:
            tx.run("INSERT INTO cbdc_merchants (merchant_id, bank_account, sweep_cap) VALUES (?, ?, ?) "
                   "ON CONFLICT (merchant_id) DO UPDATE SET bank_account = excluded.bank_account, "
                   "sweep_cap = excluded.sweep_cap", (merchant_id, settings.bank_account, settings.sweep_cap))
            return settings

        return self._read(run)

    def statement(self, merchant_id: str, day: str) -> Statement:
        """The merchant's digital-currency day: payments received (online and offline), refunds, reversed double
        spends, sweeps to the bank and the wallet balance now."""
        def run(tx: Tx) -> Statement:
            rows = tx.all("SELECT id, kind, status, amount, currency, wallet_no, terminal_id, sale_id, created_at "
                          "FROM cbdc_payments WHERE merchant_id = ? AND business_day = ? ORDER BY created_at, id",
                          (merchant_id, day))
            lines = [StatementLine(payment_id=r[0], kind=r[1], status=r[2], amount=Amount(amount=int(r[3]),
                                   currency=r[4]), wallet_last4=r[5][-4:] if r[5] else None, terminal_id=r[6],
                                   sale_id=r[7], at=datetime.fromisoformat(r[8])) for r in rows]

            def total(kind: str, status: str = "settled") -> int:
                return sum(line.amount.amount for line in lines if line.kind == kind and line.status == status)

            bank = tx.one("SELECT bank_account FROM cbdc_merchants WHERE merchant_id = ?", (merchant_id,))
            return Statement(merchant_id=merchant_id, day=day, currency=self.config.currency,
                             received=total("online") + total("offline"), refunded=total("refund"),
                             reversed=total("offline", "reversed"), swept=total("sweep"),
                             wallet_balance=-L.balance(tx, L.merchant_wallet(merchant_id)),
                             bank_account=bank[0] if bank else None, lines=lines)

        return self._view(run)

    def exceptions(self, merchant_id: str | None) -> list[ExceptionRecord]:
        def run(tx: Tx) -> list[ExceptionRecord]:
            where, params = ("WHERE merchant_id = ?", (merchant_id,)) if merchant_id else ("", ())
            rows = tx.all("SELECT id, kind, merchant_id, terminal_id, ref, detail, created_at FROM exceptions "
                          f"{where} ORDER BY created_at, id LIMIT 1000", params)
            return [ExceptionRecord(id=r[0], kind=r[1], merchant_id=r[2], terminal_id=r[3], ref=r[4],
                                    detail=json.loads(r[5]), created_at=datetime.fromisoformat(r[6])) for r in rows]

        return self._view(run)


def revoke(tx: Tx, device_id: str, reason: str, now: datetime) -> None:
    """Put a hard wallet on the revocation list: marked at the operator and added to the blacklist every till pulls
    (as token tk_<device id>). Revoking twice changes nothing."""
    row = tx.one("SELECT revoked_at FROM cbdc_devices WHERE device_id = ?", (device_id,))
    if row is None:
        raise NotFound(f"no hard wallet {device_id}", code="unknown_device")
    if row[0] is None:
        tx.run("UPDATE cbdc_devices SET revoked_at = ?, revoked_reason = ? WHERE device_id = ?",
               (iso(now), reason[:200], device_id))
    if not blacklisted(tx, [L.device_token(device_id)]):
        change_blacklist(tx, BlacklistChange(add=(L.device_token(device_id),)))
