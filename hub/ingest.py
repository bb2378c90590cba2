"""Journal ingest: check a batch continues the terminal's chain, store every record byte for byte, book its money.

Signatures (the expensive part, ~0.3 ms each) are checked before the transaction in a small thread pool
(tongsuopy releases the GIL); the chain walk, the storing and the booking then happen in one transaction under the
terminal's lock, with one bulk insert per table. If another upload of the same terminal got in between, the batch
is verified again (`StaleState`). Processing stops at the first rejected record; all before it commit together.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from hub import risk_loop
from hub.accounts import merchant_refunds, merchant_sales, tender_account
from hub.backend import Tx, chunks, in_clause
from hub.cbdc.settle import Verdict, payment_states, settle_offline
from hub.clock import business_day, iso
from hub.downstream import blacklisted
from hub.errors import NotFound, StaleState
from hub.holds import BLACKLISTED, capture_hold, expire_if_due, online_refund_id
from hub.ledger import HOLD_COLUMNS, Hold, Posting, Transfer, Writes, load_holds
from hub.merchants import business_zone
from hub.payloads import BadPayload, Payload, RefundPayload, SalePayload, VoidPayload, parse_payload
from hub.terminals import Terminal, load_terminal
from sync.chain import record_problem
from sync.protocol import AuthStatus, RecordResult, RecordStatus, TenderKind, UploadResponse, WireRecord

RefundScope = Literal["terminal", "merchant"]
OFFLINE_PREFIX = "CBO"  # sync.cbdc.PaymentMessage.payment_id: an offline hard-wallet payment

_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="edgepos-verify")
_PARALLEL_FROM = 16  # smaller batches are verified inline: the hand-off would cost more than it saves
RECORD_COLUMNS = ("terminal_id", "seq", "time", "type", "payload", "secret", "prev_hash", "hash", "signature",
                  "status", "code", "received_at", "merchant_id")


def _secret(record: WireRecord) -> bytes | None:
    return None if record.secret is None else base64.b64decode(record.secret, validate=True)


def judge(terminal: Terminal, record: WireRecord, expected_prev: bytes) -> str | None:
    """record_problem for one wire record: why it does not belong after `expected_prev`, or None."""
    try:
        secret = _secret(record)
    except (binascii.Error, ValueError):
        return f"record {record.seq} has a malformed secret (altered)"
    return record_problem(record.seq, record.terminal_id.encode(), record.time.encode(), record.type.encode(),
                          record.payload.encode(), secret, bytes.fromhex(record.prev_hash), bytes.fromhex(record.hash),
                          bytes.fromhex(record.signature), terminal.id.encode(), expected_prev, terminal.verifier())


def verify_batch(terminal: Terminal, records: Sequence[WireRecord]) -> list[str | None]:
    """Digest and signature of every record the hub does not hold yet, each judged as if linked correctly (the
    links are checked in order inside the transaction); None for records at or below the hub's last seq."""
    def one(record: WireRecord) -> str | None:
        if record.seq <= terminal.last_seq:
            return None
        return judge(terminal, record, bytes.fromhex(record.prev_hash))

    if len(records) < _PARALLEL_FROM:
        return [one(r) for r in records]
    return list(_POOL.map(one, records, chunksize=64))


@dataclass
class _Batch:
    """State the booking of one batch reads, fetched with one query per kind before the first record is booked."""

    holds: dict[str, Hold] = field(default_factory=dict)
    blocked: set[str] = field(default_factory=set)
    sales: dict[str, list[Transfer]] = field(default_factory=dict)  # sale id -> its posted sale/auth transfers
    reversed_sales: set[str] = field(default_factory=set)
    booked_refunds: set[str] = field(default_factory=set)  # online refund transfer ids already posted
    money: dict[str, SaleMoney] = field(default_factory=dict)  # sale id -> what it took and gave back so far


@dataclass
class SaleMoney:
    """What one booked sale took per (currency, tender kind) and what refunds gave back of it: a refund never
    gives back more of a tender than the sale took minus earlier refunds."""

    terminals: set[str] = field(default_factory=set)  # who booked a sale record under this id (more: ambiguous)
    taken: dict[tuple[str, str], int] = field(default_factory=dict)
    refunded: dict[tuple[str, str], int] = field(default_factory=dict)
    reversed: bool = False

    def add(self, book: dict[tuple[str, str], int], currency: str, kind: str, amount: int) -> None:
        book[(currency, kind)] = book.get((currency, kind), 0) + amount

    def left(self, currency: str, kind: str) -> int:
        return self.taken.get((currency, kind), 0) - self.refunded.get((currency, kind), 0)


def ingest(tx: Tx, terminal_id: str, records: Sequence[WireRecord], problems: Sequence[str | None] | None,
           basis: tuple[int, str], now: datetime, refund_scope: RefundScope = "terminal") -> UploadResponse:
    """Book a batch whose signatures were checked against chain state `basis` (problems None: not checked).

    `refund_scope`: whose sales a refund record may name: the terminal's own ("terminal", the default) or those of
    any terminal of the same merchant ("merchant": returns taken at a service desk)."""
    tx.lock_terminal(terminal_id)
    terminal = load_terminal(tx, terminal_id)
    if terminal is None:
        raise NotFound(f"terminal {terminal_id} is not enrolled", code="unknown_terminal")
    if (terminal.last_seq, terminal.last_hash) != basis:
        raise StaleState
    held, declined = _held(tx, terminal, records)
    results: list[RecordResult] = []
    accepted: list[tuple[WireRecord, Payload | None, int]] = []  # record, booked part, index in results
    seq, head = terminal.last_seq, terminal.chain_head
    for index, record in enumerate(records):
        if record.seq <= seq:
            if held.get(record.seq) == record.hash:
                results.append(_duplicate(record.seq, declined.get(record.seq)))
                continue
            results.append(_rejected(record.seq, "conflict", f"record {record.seq} differs from the record "
                                     f"{record.seq} the hub already holds for this terminal"))
            break
        if record.seq > seq + 1:
            results.append(_rejected(record.seq, "gap", f"record {seq + 1} is missing: got {record.seq} after {seq}"))
            break
        if record.prev_hash != head.hex():
            problem = judge(terminal, record, head)  # stops at the link check: cheap
        else:
            problem = None if problems is None else problems[index]
        if problem:
            results.append(_rejected(record.seq, "broken_chain", problem))
            break
        try:
            if "\x00" in record.payload or "\x00" in record.time:  # signed, but no database text can hold it
                raise BadPayload("a NUL character cannot be stored")
            payload = parse_payload(record.type, record.payload)
            if payload is not None:
                business_day(record.time)
        except BadPayload as exc:
            results.append(_rejected(record.seq, "bad_payload", f"record {record.seq}: {exc}"))
            break
        except ValueError:
            results.append(_rejected(record.seq, "bad_payload", f"record {record.seq}: time {record.time!r} is not "
                                     "an ISO 8601 time with a zone"))
            break
        accepted.append((record, payload, len(results)))
        results.append(RecordResult(seq=record.seq, status=RecordStatus.ACCEPTED))
        held[record.seq] = record.hash
        seq, head = record.seq, bytes.fromhex(record.hash)
    if accepted:
        writes = Writes()
        cbdc = settle_offline(tx, terminal, [record for record, _, _ in accepted], now)  # before the blacklist read
        booker = _Booker(tx, terminal, now, writes, [p for _, p, _ in accepted if p is not None], refund_scope)
        booker.cbdc = cbdc
        received = iso(now)
        rows = []
        for record, payload, position in accepted:
            verdict = None if payload is None else booker.book(record, payload)
            if verdict is not None:
                results[position] = verdict
            result = results[position]
            rows.append((terminal.id, record.seq, record.time, record.type, record.payload, record.secret,
                         record.prev_hash, record.hash, record.signature, str(result.status), result.code, received,
                         terminal.merchant_id))
        tx.insert("records", RECORD_COLUMNS, rows)
        writes.flush(tx)
        learnt = [(r.seq, r.time, r.type, r.payload) for r, _, _ in accepted if r.type in risk_loop.FROM_JOURNAL]
        if learnt:  # the learning loop's sales and step-up labels, once per accepted record
            risk_loop.from_journal(tx, terminal.id, learnt, now)
        tx.run("UPDATE terminals SET last_seq = ?, last_hash = ? WHERE id = ?", (seq, head.hex(), terminal.id))
    return UploadResponse(results=results, last_seq=seq, last_hash=head.hex() if seq else "")


def _rejected(seq: int, code: str, message: str) -> RecordResult:
    return RecordResult(seq=seq, status=RecordStatus.REJECTED, code=code, message=message)


def _declined(seq: int, code: str, message: str) -> RecordResult:
    return RecordResult(seq=seq, status=RecordStatus.DECLINED, code=code, message=message)


def _duplicate(seq: int, declined_code: str | None) -> RecordResult:
    """A record held already. When the hub declined it, the answer says so again (code `declined:<code>`): the
    terminal may have lost the first answer before noting the decline, and must still raise its exception."""
    if declined_code is None:
        return RecordResult(seq=seq, status=RecordStatus.DUPLICATE)
    return RecordResult(seq=seq, status=RecordStatus.DUPLICATE, code=f"declined:{declined_code}",
                        message=f"record {seq} is held already; the hub declined it ({declined_code})")


def _held(tx: Tx, terminal: Terminal, records: Sequence[WireRecord]) -> tuple[dict[int, str], dict[int, str]]:
    """Of the batch's records the hub holds already: each one's hash, and the decline code of those it declined."""
    seqs = sorted({r.seq for r in records if r.seq <= terminal.last_seq})
    if not seqs:
        return {}, {}
    rows = tx.all(f"SELECT seq, hash, status, code FROM records WHERE terminal_id = ? AND seq IN {in_clause(seqs)}",
                  [terminal.id, *seqs])
    return ({int(s): h for s, h, _, _ in rows},
            {int(s): code or "declined" for s, _, status, code in rows if status == RecordStatus.DECLINED})


class _Booker:
    """Turns accepted money records into transfers, seeing the effects of earlier records of the same batch."""

    def __init__(self, tx: Tx, terminal: Terminal, now: datetime, writes: Writes, payloads: list[Payload],
                 refund_scope: RefundScope = "terminal") -> None:
        self.terminal, self.now, self.writes = terminal, now, writes
        self.merchant = terminal.merchant_id
        self.scope = refund_scope
        self.zone = business_zone(tx, self.merchant)
        self.state = _prefetch(tx, terminal, payloads, refund_scope)
        self.tx = tx
        self.cbdc: dict[str, Verdict] = {}  # this batch's offline digital-currency payments, judged

    def book(self, record: WireRecord, payload: Payload) -> RecordResult | None:
        """None: booked as accepted; else the declined result (the record is stored, no money moves)."""
        day = business_day(record.time, self.zone)
        if isinstance(payload, SalePayload):
            return self._sale(record, payload, day)
        if isinstance(payload, RefundPayload):
            return self._refund(record, payload, day)
        return self._void(record, payload, day)

    def _own_hold(self, reference: str | None, kind: TenderKind, scope: RefundScope = "terminal") -> Hold | None:
        """The hold a tender names, when it is this terminal's (scope "merchant": any of its merchant's, for a
        refund at a service desk); None for cash, no reference or someone else's hold."""
        if not reference or kind is TenderKind.CASH:
            return None
        hold = self.state.holds.get(reference)
        owner = hold is not None and (hold.terminal_id == self.terminal.id if scope == "terminal"
                                      else hold.merchant_id == self.merchant)
        if not owner:
            return None
        expire_if_due(hold, self.now, self.writes)
        return hold

    def _sale(self, record: WireRecord, sale: SalePayload, day: str) -> RecordResult | None:
        # a tender on the hub's own online hold was approved here before any later blacklisting: only tenders
        # approved offline are judged by today's blacklist
        holds = [self._own_hold(t.reference, t.kind) for t in sale.tenders]
        refused = self._cbdc_refusal(record, sale)
        if refused is not None:
            return refused
        offline = [t.token for t, hold in zip(sale.tenders, holds, strict=True) if t.token and hold is None]
        if any(token in self.state.blocked for token in offline):
            return _declined(record.seq, "blacklisted", f"record {record.seq}: sale {sale.sale_id}: {BLACKLISTED}; "
                             "no money was booked")
        transfer = Transfer(f"sale:{self.terminal.id}:{record.seq}", "sale", "posted", self.terminal.id,
                            self.merchant, day, iso(self.now), seq=record.seq, sale_id=sale.sale_id)
        taken: dict[str, int] = {}  # auth id -> what this sale's tenders take from that hold, together
        for tender, hold in zip(sale.tenders, holds, strict=True):
            amount = tender.amount.amount
            if hold is None:
                if tender.kind is not TenderKind.CASH:
                    transfer.move(tender_account(tender.kind, self.merchant), merchant_sales(self.merchant),
                                  sale.currency, amount, tender.kind)
                continue
            taken[hold.auth_id] = taken.get(hold.auth_id, 0) + amount
        to_capture: list[tuple[Hold, int]] = []
        for auth_id, amount in taken.items():
            hold = self.state.holds[auth_id]
            problem = _capture_problem(hold, amount, sale.currency, sale.sale_id)
            if problem:
                code, message = problem
                return _declined(record.seq, code, f"record {record.seq}: sale {sale.sale_id}: {message}")
            if hold.status == AuthStatus.APPROVED:
                to_capture.append((hold, amount))
        cash = sum(t.amount.amount for t in sale.tenders if t.kind is TenderKind.CASH) - sale.change.amount
        if cash > 0:
            transfer.move(tender_account(TenderKind.CASH, self.merchant), merchant_sales(self.merchant),
                          sale.currency, cash, TenderKind.CASH)
        for hold, amount in to_capture:
            capture_hold(hold, amount, day, self.writes)
        self.writes.add(transfer)
        self.state.sales.setdefault(sale.sale_id, []).append(transfer)
        money = self.state.money.setdefault(sale.sale_id, SaleMoney())
        money.terminals.add(self.terminal.id)
        for posting in transfer.postings:
            if posting.tender and posting.amount > 0:
                money.add(money.taken, posting.currency, posting.tender, posting.amount)
        for hold, amount in to_capture:
            money.add(money.taken, hold.currency, hold.tender, amount)
        return None

    def _cbdc_refusal(self, record: WireRecord, sale: SalePayload) -> RecordResult | None:
        """An offline digital-currency tender books only when its payment settled (hub.cbdc.settle): a double spend
        or a payment that does not verify declines the sale, so the till raises one exception for the manager."""
        offline = [t.reference for t in sale.tenders if t.kind is TenderKind.CBDC_WALLET and t.reference
                   and t.reference.startswith(OFFLINE_PREFIX)]
        if not offline:
            return None
        known = payment_states(self.tx, [ref for ref in offline if ref not in self.cbdc])
        for ref in offline:
            verdict = self.cbdc.get(ref)
            status = verdict.status if verdict is not None else known.get(ref, "missing")
            if status != "settled":
                code = verdict.code if verdict is not None and verdict.code else (
                    "cbdc_double_spend" if status == "reversed" else "cbdc_payment_invalid")
                why = verdict.message if verdict is not None and verdict.message else f"payment {ref} is {status}"
                return _declined(record.seq, code, f"record {record.seq}: sale {sale.sale_id}: {why}; no money "
                                 "was booked")
        return None

    def _refund(self, record: WireRecord, refund: RefundPayload, day: str) -> RecordResult | None:
        """Book a refund of a sale the hub booked (in scope), never more of a tender than it took minus earlier
        refunds; anything else is declined (stored, no money moves, the till raises its exception record)."""
        def declined(code: str, message: str) -> RecordResult:
            return _declined(record.seq, code, f"record {record.seq}: refund {refund.refund_id}: {message}")

        money = self.state.money.get(refund.sale_id)
        if money is None or not money.terminals:
            return declined("unknown_sale", f"sale {refund.sale_id} is not booked at the hub for this "
                            f"{'merchant' if self.scope == 'merchant' else 'terminal'}")
        if len(money.terminals) > 1:
            return declined("ambiguous_sale", f"sale id {refund.sale_id} names sales of several terminals")
        if money.reversed:
            return declined("sale_voided", f"sale {refund.sale_id} was voided")
        transfer = Transfer(f"refund:{self.terminal.id}:{record.seq}", "refund", "posted", self.terminal.id,
                            self.merchant, day, iso(self.now), seq=record.seq, sale_id=refund.sale_id,
                            ref=refund.refund_id)
        against: dict[str, int] = {}
        by_kind: dict[tuple[str, str], int] = {}
        for tender in refund.tenders:
            amount = tender.amount.amount
            hold = self._own_hold(tender.reference, tender.kind, self.scope)
            if hold is not None:
                if hold.sale_id != refund.sale_id:
                    return declined("wrong_sale", f"authorisation {hold.auth_id} belongs to another sale")
                if online_refund_id(self.terminal.id, refund.refund_id, hold.auth_id) in self.state.booked_refunds:
                    continue  # refunded online already (by this terminal, under this refund id): documented only
                if hold.status != AuthStatus.CAPTURED:
                    return declined("not_captured", f"authorisation {hold.auth_id} is {hold.status}, nothing was "
                                    "captured")
                against[hold.auth_id] = against.get(hold.auth_id, 0) + amount
                if hold.refunded + against[hold.auth_id] > hold.captured:
                    return declined("refund_exceeds_capture", f"it exceeds what is left of authorisation "
                                    f"{hold.auth_id} ({hold.captured - hold.refunded})")
            elif tender.reference and tender.kind is not TenderKind.CASH and tender.reference in self.state.holds:
                return declined("unknown_auth", f"no authorisation {tender.reference} from this terminal")
            key = (refund.currency, str(tender.kind))
            by_kind[key] = by_kind.get(key, 0) + amount
            if by_kind[key] > money.left(*key):
                return declined("refund_exceeds_sale", f"{by_kind[key]} {refund.currency} back to {tender.kind} "
                                f"exceeds what sale {refund.sale_id} took that way minus earlier refunds "
                                f"({max(money.left(*key), 0)})")
            transfer.move(merchant_refunds(self.merchant), tender_account(tender.kind, self.merchant),
                          refund.currency, amount, tender.kind, tender_on_debit=False)
        for auth_id, amount in against.items():
            hold = self.state.holds[auth_id]
            hold.refunded += amount
            self.writes.hold_changed(hold)
        for (currency, kind), amount in by_kind.items():
            money.add(money.refunded, currency, kind, amount)
        self.writes.add(transfer)
        return None

    def _void(self, record: WireRecord, void: VoidPayload, day: str) -> RecordResult | None:
        """Reverse the booked sale and drop or reverse its holds; a second void of the same sale moves nothing."""
        if void.sale_id in self.state.reversed_sales:
            return None
        money = self.state.money.get(void.sale_id)
        if money is not None and any(money.refunded.values()):
            return _declined(record.seq, "has_refunds", f"record {record.seq}: void {void.void_id}: sale "
                             f"{void.sale_id} has refunds; refund the rest instead")
        reversal = Transfer(f"void:{self.terminal.id}:{record.seq}", "reversal", "posted", self.terminal.id,
                            self.merchant, day, iso(self.now), seq=record.seq, sale_id=void.sale_id,
                            ref=void.void_id)
        for booked in self.state.sales.get(void.sale_id, []):
            if booked.kind == "sale":
                reversal.postings += [Posting(p.account, p.currency, -p.amount, p.tender) for p in booked.postings]
        for hold in [h for h in self.state.holds.values() if h.sale_id == void.sale_id
                     and h.terminal_id == self.terminal.id]:
            expire_if_due(hold, self.now, self.writes)
            if hold.status == AuthStatus.APPROVED:
                assert hold.transfer_id is not None
                self.writes.void_pending(hold.transfer_id)
            elif hold.status == AuthStatus.CAPTURED:
                left = hold.captured - hold.refunded
                if left:
                    kind = TenderKind(hold.tender)
                    reversal.move(merchant_sales(self.merchant), tender_account(kind, self.merchant), hold.currency,
                                  left, kind, tender_on_debit=False)
            else:
                continue
            hold.status = AuthStatus.VOIDED
            self.writes.hold_changed(hold)
        self.writes.add(reversal)
        self.state.reversed_sales.add(void.sale_id)
        if money is not None:
            money.reversed = True
        return None


def _capture_problem(hold: Hold, amount: int, currency: str, sale_id: str) -> tuple[str, str] | None:
    """Why a sale's tender cannot take its money from this hold (None: capture it, or it was captured already).
    A hold backs the one sale it was asked for: another sale naming it (a copy, a replay) takes nothing."""
    if hold.sale_id != sale_id:
        return "hold_of_another_sale", f"authorisation {hold.auth_id} was given for another sale"
    if currency != hold.currency:
        return "currency_mismatch", f"authorisation {hold.auth_id} is in {hold.currency}"
    if hold.status == AuthStatus.CAPTURED:
        if hold.captured != amount:
            return "capture_mismatch", f"authorisation {hold.auth_id} was captured for {hold.captured}, not {amount}"
        return None
    if hold.status != AuthStatus.APPROVED:
        return f"auth_{hold.status}", f"authorisation {hold.auth_id} is {hold.status}"
    if amount > hold.amount:
        return "exceeds_hold", f"{amount} exceeds the hold of {hold.amount} (authorisation {hold.auth_id})"
    return None


def _prefetch(tx: Tx, terminal: Terminal, payloads: list[Payload], refund_scope: RefundScope = "terminal") -> _Batch:
    batch = _Batch()
    named = sorted({p.sale_id for p in payloads if isinstance(p, RefundPayload | VoidPayload)})
    if refund_scope == "merchant" and named:
        _lock_owners(tx, terminal, named, payloads)
    references = sorted({t.reference for p in payloads if isinstance(p, SalePayload | RefundPayload)
                         for t in p.tenders if t.reference and t.kind is not TenderKind.CASH})
    for chunk in chunks(references):
        batch.holds.update(load_holds(tx, list(chunk)))
    tokens = [t.token for p in payloads if isinstance(p, SalePayload) for t in p.tenders if t.token]
    for chunk in chunks(sorted(set(tokens))):
        batch.blocked |= blacklisted(tx, list(chunk))
    voided = sorted({p.sale_id for p in payloads if isinstance(p, VoidPayload)})
    for chunk in chunks(voided):
        _prefetch_sales(tx, terminal, list(chunk), batch)
    for chunk in chunks(named):
        _prefetch_money(tx, terminal, list(chunk), refund_scope, batch)
    candidates = sorted({online_refund_id(terminal.id, p.refund_id, t.reference) for p in payloads
                         if isinstance(p, RefundPayload) for t in p.tenders if t.reference})
    for chunk in chunks(candidates):
        rows = tx.all(f"SELECT id FROM transfers WHERE id IN {in_clause(chunk)}", list(chunk))
        batch.booked_refunds |= {row[0] for row in rows}
    return batch


def _prefetch_sales(tx: Tx, terminal: Terminal, sale_ids: list[str], batch: _Batch) -> None:
    params = [terminal.id, *sale_ids]
    rows = tx.all("SELECT id, kind, status, sale_id FROM transfers WHERE terminal_id = ? AND sale_id IN "
                  f"{in_clause(sale_ids)} AND kind IN ('sale', 'reversal')", params)
    sale_transfers: dict[str, Transfer] = {}
    for transfer_id, kind, status, sale_id in rows:
        if kind == "reversal":
            batch.reversed_sales.add(sale_id)
        elif status == "posted":
            sale_transfers[transfer_id] = Transfer(transfer_id, kind, status, terminal.id, terminal.merchant_id, "",
                                                   "", sale_id=sale_id)
            batch.sales.setdefault(sale_id, []).append(sale_transfers[transfer_id])
    if sale_transfers:
        ids = list(sale_transfers)
        for transfer_id, account, currency, amount, tender in tx.all(
                "SELECT transfer_id, account, currency, amount, tender FROM postings WHERE transfer_id IN "
                f"{in_clause(ids)} ORDER BY transfer_id, line", ids):
            sale_transfers[transfer_id].postings.append(Posting(account, currency, amount, tender))
    for row in tx.all(f"SELECT {', '.join(HOLD_COLUMNS)} FROM holds WHERE terminal_id = ? AND sale_id IN "
                      f"{in_clause(sale_ids)}", params):
        batch.holds.setdefault(row[0], Hold(*row))


def _lock_owners(tx: Tx, terminal: Terminal, sale_ids: list[str], payloads: list[Payload]) -> None:
    """Merchant-wide refunds change other terminals' sales and holds: take those terminals' locks too (after our
    own, in id order), so their own uploads and online calls cannot book against the same money at once."""
    owners: set[str] = set()
    for chunk in chunks(sale_ids):
        owners |= {row[0] for row in tx.all(
            f"SELECT DISTINCT terminal_id FROM transfers WHERE merchant_id = ? AND sale_id IN {in_clause(chunk)}",
            [terminal.merchant_id, *chunk])}
    references = sorted({t.reference for p in payloads if isinstance(p, RefundPayload) for t in p.tenders
                         if t.reference and t.kind is not TenderKind.CASH})
    for chunk in chunks(references):
        owners |= {row[0] for row in tx.all(
            f"SELECT terminal_id FROM holds WHERE merchant_id = ? AND auth_id IN {in_clause(chunk)}",
            [terminal.merchant_id, *chunk])}
    for owner in sorted(owners - {terminal.id}):
        tx.lock_terminal(owner)


def _prefetch_money(tx: Tx, terminal: Terminal, sale_ids: list[str], scope: RefundScope, batch: _Batch) -> None:
    """What each named sale took and gave back so far, from the ledger (sale and captured-hold postings debit a
    tender's account, refund postings credit it)."""
    where = "t.terminal_id = ?" if scope == "terminal" else "t.merchant_id = ?"
    rows = tx.all("SELECT t.sale_id, t.terminal_id, t.kind, p.currency, p.tender, p.amount FROM transfers t "
                  "LEFT JOIN postings p ON p.transfer_id = t.id "
                  f"WHERE {where} AND t.sale_id IN {in_clause(sale_ids)} AND t.status = 'posted' "
                  "AND t.kind IN ('sale', 'auth', 'refund', 'reversal')",
                  [terminal.id if scope == "terminal" else terminal.merchant_id, *sale_ids])
    for sale_id, owner, kind, currency, tender, amount in rows:
        money = batch.money.setdefault(sale_id, SaleMoney())
        if kind == "sale":
            money.terminals.add(owner)
        if kind == "reversal":
            money.reversed = True
        elif tender is not None and amount is not None:
            if kind in ("sale", "auth") and amount > 0:
                money.add(money.taken, currency, tender, int(amount))
            elif kind == "refund" and amount < 0:
                money.add(money.refunded, currency, tender, -int(amount))
