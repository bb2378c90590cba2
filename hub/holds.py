"""Online authorisation as two-phase holds: auth places a pending transfer; capture posts it, void or expiry drops it.

Refunds against an authorisation never exceed what was captured minus what was already refunded. The same
helpers serve the online endpoints and the journal ingest (a sale whose tender names a hold captures it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hub.accounts import merchant_refunds, merchant_sales, tender_account
from hub.backend import Tx
from hub.clock import business_day, iso
from hub.downstream import blacklisted
from hub.errors import Conflict, NotFound
from hub.ledger import Hold, Transfer, Writes, load_holds
from hub.merchants import business_zone
from sync.protocol import AuthRequest, AuthResponse, AuthStatus, CaptureRequest, RefundRequest, TenderKind, VoidRequest

DEFAULT_HOLD_TTL = timedelta(days=7)
BLACKLISTED = "the card or wallet is blocked (on the hub's blacklist); ask for another way to pay"


def expire_if_due(hold: Hold, now: datetime, writes: Writes) -> None:
    """Lazy expiry: a pending hold past its time lapses when anyone looks at it."""
    if hold.status == AuthStatus.APPROVED and hold.expires_at and datetime.fromisoformat(hold.expires_at) <= now:
        hold.status = AuthStatus.EXPIRED
        if hold.transfer_id:
            writes.void_pending(hold.transfer_id)
        writes.hold_changed(hold)


def capture_hold(hold: Hold, amount: int, day: str, writes: Writes) -> None:
    hold.status = AuthStatus.CAPTURED
    hold.captured = amount
    assert hold.transfer_id is not None
    writes.post_pending(hold.transfer_id, amount, day)
    writes.hold_changed(hold)


def _own_hold(tx: Tx, terminal_id: str, auth_id: str, now: datetime, writes: Writes) -> Hold:
    tx.lock_terminal(terminal_id)  # read-modify-write of the hold: never two at once (HTTP holds it already)
    hold = load_holds(tx, [auth_id]).get(auth_id)
    if hold is None or hold.terminal_id != terminal_id:
        raise NotFound(f"no authorisation {auth_id} from this terminal", code="unknown_auth")
    expire_if_due(hold, now, writes)
    return hold


def authorise(tx: Tx, terminal_id: str, merchant_id: str, request: AuthRequest, now: datetime,
              ttl: timedelta = DEFAULT_HOLD_TTL) -> AuthResponse:
    writes = Writes()
    tx.lock_terminal(terminal_id)
    tx.lock_name(f"auth:{request.auth_id}")  # ids are global: two terminals sending one id at once queue here
    existing = load_holds(tx, [request.auth_id]).get(request.auth_id)
    if existing is not None:
        same = (existing.terminal_id, existing.sale_id, existing.tender, existing.amount, existing.currency,
                existing.token) == (terminal_id, request.sale_id, str(request.tender), request.amount.amount,
                                    request.amount.currency, request.token)
        if not same:
            raise Conflict(f"authorisation id {request.auth_id} is taken; use a new id", code="auth_id_reused")
        expire_if_due(existing, now, writes)
        writes.flush(tx)
        return existing.response()
    hold = Hold(request.auth_id, terminal_id, merchant_id, request.sale_id, str(request.tender), request.token,
                request.amount.amount, request.amount.currency, AuthStatus.APPROVED, None, 0, 0,
                iso(now + ttl), iso(now), None)
    if request.tender is TenderKind.CASH:
        hold.status, hold.reason, hold.expires_at = AuthStatus.DECLINED, "cash needs no authorisation", None
    elif request.token and blacklisted(tx, [request.token]):
        hold.status, hold.reason, hold.expires_at = AuthStatus.DECLINED, BLACKLISTED, None
    else:
        day = business_day(now, business_zone(tx, merchant_id))
        transfer = Transfer(f"auth:{request.auth_id}", "auth", "pending", terminal_id, merchant_id, day, iso(now),
                            auth_id=request.auth_id, sale_id=request.sale_id)
        transfer.move(tender_account(request.tender, merchant_id), merchant_sales(merchant_id),
                      request.amount.currency, request.amount.amount, request.tender)
        writes.add(transfer)
        hold.transfer_id = transfer.id
    writes.new_holds.append(hold)
    writes.flush(tx)
    return hold.response()


def capture(tx: Tx, terminal_id: str, request: CaptureRequest, now: datetime) -> AuthResponse:
    writes = Writes()
    hold = _own_hold(tx, terminal_id, request.auth_id, now, writes)
    amount = request.amount.amount
    if request.amount.currency != hold.currency:
        raise Conflict(f"authorisation {hold.auth_id} is in {hold.currency}", code="currency_mismatch")
    if hold.status == AuthStatus.CAPTURED:
        if hold.captured != amount:
            raise Conflict(f"authorisation {hold.auth_id} was already captured for {hold.captured}",
                           code="already_captured")
    elif hold.status != AuthStatus.APPROVED:
        raise Conflict(f"authorisation {hold.auth_id} is {hold.status}; it cannot be captured", code="not_pending")
    elif amount > hold.amount:
        raise Conflict(f"capture of {amount} exceeds the hold of {hold.amount}", code="exceeds_hold")
    else:
        capture_hold(hold, amount, business_day(now, business_zone(tx, hold.merchant_id)), writes)
    writes.flush(tx)
    return hold.response()


def void(tx: Tx, terminal_id: str, request: VoidRequest, now: datetime) -> AuthResponse:
    writes = Writes()
    hold = _own_hold(tx, terminal_id, request.auth_id, now, writes)
    if hold.status == AuthStatus.CAPTURED:
        raise Conflict(f"authorisation {hold.auth_id} was captured; refund it instead", code="already_captured")
    if hold.status == AuthStatus.APPROVED:
        hold.status = AuthStatus.VOIDED
        assert hold.transfer_id is not None
        writes.void_pending(hold.transfer_id)
        writes.hold_changed(hold)
    writes.flush(tx)
    return hold.response()


def online_refund_id(terminal_id: str, refund_id: str, auth_id: str) -> str:
    """The transfer of an online refund: the journal's refund.completed with the same ids is not booked twice."""
    return f"refund:{terminal_id}:{refund_id}:{auth_id}"


def refund_transfer(transfer_id: str, hold: Hold, amount: int, day: str, now: datetime, refund_id: str) -> Transfer:
    transfer = Transfer(transfer_id, "refund", "posted", hold.terminal_id, hold.merchant_id, day, iso(now),
                        auth_id=hold.auth_id, sale_id=hold.sale_id, ref=refund_id)
    transfer.move(merchant_refunds(hold.merchant_id), tender_account(TenderKind(hold.tender), hold.merchant_id),
                  hold.currency, amount, TenderKind(hold.tender), tender_on_debit=False)
    return transfer


def refund(tx: Tx, terminal_id: str, request: RefundRequest, now: datetime) -> AuthResponse:
    writes = Writes()
    hold = _own_hold(tx, terminal_id, request.auth_id, now, writes)
    transfer_id = online_refund_id(terminal_id, request.refund_id, request.auth_id)
    if tx.one("SELECT 1 FROM transfers WHERE id = ?", (transfer_id,)) is not None:
        return hold.response()  # this refund was booked already
    amount = request.amount.amount
    if request.amount.currency != hold.currency:
        raise Conflict(f"authorisation {hold.auth_id} is in {hold.currency}", code="currency_mismatch")
    if hold.status != AuthStatus.CAPTURED:
        raise Conflict(f"authorisation {hold.auth_id} is {hold.status}; only captured money can be refunded",
                       code="not_captured")
    if hold.refunded + amount > hold.captured:
        raise Conflict(f"refund of {amount} exceeds what is left to refund ({hold.captured - hold.refunded})",
                       code="refund_exceeds_capture")
    hold.refunded += amount
    writes.hold_changed(hold)
    day = business_day(now, business_zone(tx, hold.merchant_id))
    writes.add(refund_transfer(transfer_id, hold, amount, day, now, request.refund_id))
    writes.flush(tx)
    return hold.response()


def expire_holds(tx: Tx, now: datetime) -> int:
    """Sweep: lapse every pending hold past its time (the lazy check covers holds someone looks at)."""
    cutoff = iso(now)
    tx.run("UPDATE transfers SET status = 'voided' WHERE status = 'pending' AND id IN "
           "(SELECT transfer_id FROM holds WHERE status = 'approved' AND expires_at <= ?)", (cutoff,))
    return tx.run("UPDATE holds SET status = 'expired' WHERE status = 'approved' AND expires_at <= ?", (cutoff,))
