"""Settlement of offline hard-wallet payments when a till syncs, with double-spend detection.

A till journals every offline payment as a `cbdc.offline_payment` record (the wallet's signed payment message and
its device certificate) before it approves. When the record reaches the hub (hub.ingest, inside the upload's one
transaction) each payment is verified again - issuer signature on the certificate, the device known to the operator
with that key, the wallet's signature, the message bound to this till - and settled per device in counter order:
debit the hard wallet's loaded value, credit the merchant wallet. The first spend of a counter settles; a counter
used again (a cloned card), value beyond what was loaded, or a device already revoked is a double spend: nothing is
credited, the payment is recorded as reversed, one exception record (kind cbdc_double_spend) is kept for the back
office, the device goes on the revocation list every till pulls, and the sale record that took the payment is
declined so the till raises one exception for the manager. The same record uploaded again (a retry, a hub restart
mid-upload) changes nothing: payments are keyed by the message's own hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, ValidationError

from hub.backend import Tx, in_clause
from hub.cbdc import ledger as L
from hub.cbdc.operator import issuer_public_key, revoke
from hub.clock import business_day, iso
from hub.terminals import Terminal
from sync.cbdc import CbdcFormatError, DeviceCert, PaymentMessage, terminal_binding
from sync.crypto import CryptoError, Sm2PublicKey
from sync.protocol import WireRecord

RECORD_TYPE = "cbdc.offline_payment"


class _OfflineRecord(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    payment: str
    cert: str
    sale_id: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    payment_id: str
    status: str  # settled, reversed, invalid
    code: str | None = None
    message: str | None = None


def settle_offline(tx: Tx, terminal: Terminal, records: Sequence[WireRecord], now: datetime) -> dict[str, Verdict]:
    """Settle the batch's offline CBDC payments; returns the verdict per payment id (sale records naming a reversed
    or invalid one are declined by the caller)."""
    found = []
    for record in records:
        if record.type != RECORD_TYPE:
            continue
        try:
            body = _OfflineRecord.model_validate_json(record.payload)
            payment = PaymentMessage.decode(bytes.fromhex(body.payment))
            cert = DeviceCert.decode(bytes.fromhex(body.cert))
        except (ValidationError, ValueError, CbdcFormatError):
            continue  # not a payment this hub can read: its sale finds no settled payment and is declined
        found.append((payment, cert, body.sale_id, record.seq))
    if not found:
        return {}
    issuer_raw = issuer_public_key(tx)
    issuer = Sm2PublicKey(issuer_raw) if issuer_raw else None
    verdicts: dict[str, Verdict] = {}
    found.sort(key=lambda item: (item[0].device_id, item[0].counter))  # per device, in counter order
    for payment, cert, sale_id, seq in found:
        tx.lock_name(f"cbdc-device:{payment.device_id.hex()}")
        verdicts[payment.payment_id] = _settle_one(tx, terminal, payment, cert, sale_id, seq, issuer, now)
    return verdicts


def payment_states(tx: Tx, payment_ids: list[str]) -> dict[str, str]:
    """Status of recorded offline payments (settled / reversed) by id."""
    if not payment_ids:
        return {}
    rows = tx.all(f"SELECT id, status FROM cbdc_payments WHERE id IN {in_clause(payment_ids)}", payment_ids)
    return {row[0]: row[1] for row in rows}


def _settle_one(tx: Tx, terminal: Terminal, payment: PaymentMessage, cert: DeviceCert, sale_id: str | None,
                seq: int, issuer: Sm2PublicKey | None, now: datetime) -> Verdict:
    pid, device = payment.payment_id, payment.device_id.hex()
    known = tx.one("SELECT status FROM cbdc_payments WHERE id = ?", (pid,))
    if known is not None:  # this exact message was judged before (a retry, another upload of it): once only
        return Verdict(pid, known[0])
    try:
        genuine = (issuer is not None and cert.verify(issuer) and cert.device_id == payment.device_id
                   and payment.verify(Sm2PublicKey(cert.device_public_key)))
    except CryptoError:
        genuine = False
    if not genuine:
        return Verdict(pid, "invalid", "cbdc_payment_invalid", "the offline payment's signatures do not verify")
    if payment.terminal != terminal_binding(terminal.id):
        return Verdict(pid, "invalid", "cbdc_payment_invalid", "the offline payment was made at another till")
    row = tx.one("SELECT public_key, loaded, settled, revoked_at, wallet_no FROM cbdc_devices WHERE device_id = ?",
                 (device,))
    if row is None or row[0] != cert.device_public_key.hex():
        return Verdict(pid, "invalid", "cbdc_payment_invalid", "the hard wallet is not one the operator issued")
    _, loaded, settled, revoked_at, wallet_no = row
    reason = None
    reused = tx.one("SELECT id FROM cbdc_payments WHERE device_id = ? AND counter = ? AND status = 'settled'",
                    (device, payment.counter))
    if reused is not None:
        reason = f"counter {payment.counter} was spent already (payment {reused[0]}): a cloned hard wallet"
    elif revoked_at is not None:
        reason = "the hard wallet was revoked before this payment reached the operator"
    elif int(settled) + payment.amount > int(loaded):
        reason = f"it spends more than was loaded ({int(loaded) - int(settled)} left of {int(loaded)})"
    merchant = terminal.merchant_id
    if reason is not None:
        tx.run("INSERT INTO cbdc_payments (id, kind, status, wallet_no, device_id, counter, amount, currency, "
               "merchant_id, terminal_id, sale_id, ref, detail, business_day, created_at) "
               "VALUES (?, 'offline', 'reversed', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               (pid, wallet_no, device, payment.counter, payment.amount, payment.currency, merchant, terminal.id,
                sale_id, str(seq), reason, business_day(now), iso(now)))
        L.record_exception(tx, L.EXCEPTION_DOUBLE_SPEND, merchant, terminal.id, pid,
                           {"device_id": device, "wallet_last4": wallet_no[-4:], "counter": payment.counter,
                            "amount": payment.amount, "currency": payment.currency, "sale_id": sale_id,
                            "seq": seq, "reason": reason}, now)
        revoke(tx, device, f"double spend: {reason}", now)
        return Verdict(pid, "reversed", "cbdc_double_spend", f"digital-currency double spend reversed: {reason}")
    L.ensure_accounts(tx, [L.merchant_wallet(merchant)], merchant, now)
    L.book(tx, L.movement("cbdc_offline", f"cbdc:{pid}", debit=L.device_account(device),
                          credit=L.merchant_wallet(merchant), amount=payment.amount, currency=payment.currency,
                          now=now, terminal_id=terminal.id, merchant_id=merchant, sale_id=sale_id, ref=str(seq)))
    tx.run("UPDATE cbdc_devices SET settled = settled + ? WHERE device_id = ?", (payment.amount, device))
    L.sweep(tx, merchant, L.default_config().sweep_cap, payment.currency, now)
    tx.run("INSERT INTO cbdc_payments (id, kind, status, wallet_no, device_id, counter, amount, currency, "
           "merchant_id, terminal_id, sale_id, ref, business_day, created_at) "
           "VALUES (?, 'offline', 'settled', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
           (pid, wallet_no, device, payment.counter, payment.amount, payment.currency, merchant, terminal.id,
            sale_id, str(seq), business_day(now), iso(now)))
    return Verdict(pid, "settled")
