"""Ledger logic through the store, on both backends: holds, journal ingest, voids, settlement, trial balance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hubkit import Terminal, new_token, refund, sale, tender, unique, void

from hub.errors import HubError
from hub.ledger import Transfer, UnbalancedTransfer, Writes
from hub.store import Store
from sync.chain import genesis_hash, record_digest
from sync.protocol import (
    AuthRequest,
    AuthResponse,
    CaptureRequest,
    RefundRequest,
    TenderKind,
    UploadResponse,
    VoidRequest,
    WireRecord,
)


def auth(store: Store, term: Terminal, amount: int, token: str | None = None,
         kind: TenderKind = TenderKind.CARD_CONTACTLESS, sale_id: str | None = None) -> AuthResponse:
    request = AuthRequest.model_validate({"auth_id": unique("auth"), "sale_id": sale_id or unique("sale"),
                                          "tender": kind, "amount": {"amount": amount, "currency": "CNY"},
                                          "token": token})
    return store.authorise(term.id, request).model(AuthResponse)


def capture(store: Store, term: Terminal, auth_id: str, amount: int) -> AuthResponse:
    request = CaptureRequest.model_validate({"auth_id": auth_id, "amount": {"amount": amount, "currency": "CNY"}})
    return store.capture(term.id, request).model(AuthResponse)


def give_back(store: Store, term: Terminal, auth_id: str, amount: int, refund_id: str | None = None) -> AuthResponse:
    request = RefundRequest.model_validate({"refund_id": refund_id or unique("refund"), "auth_id": auth_id,
                                            "amount": {"amount": amount, "currency": "CNY"}, "reason": "returned"})
    return store.refund(term.id, request).model(AuthResponse)


def assert_balanced(store: Store) -> None:
    balance = store.trial_balance()
    assert balance.balanced, balance
    assert all(total == 0 for total in balance.totals.values())
    assert balance.unbalanced_transfers == 0


def today() -> str:
    return datetime.now(UTC).date().isoformat()


# --- holds --------------------------------------------------------------------------------------------------------


def test_partial_capture_posts_captured_amount_and_releases_rest(store: Store, terminal: Terminal) -> None:
    hold = auth(store, terminal, 5000)
    assert hold.status == "approved" and hold.expires_at is not None
    before = store.balances().get((f"merchant:{terminal.merchant_id}:sales", "CNY"), 0)
    assert before == 0, "a pending hold moves no posted money"
    done = capture(store, terminal, hold.auth_id, 3200)
    assert (done.status, done.captured.amount) == ("captured", 3200)
    assert store.balances()[(f"merchant:{terminal.merchant_id}:sales", "CNY")] == -3200
    assert capture(store, terminal, hold.auth_id, 3200).captured.amount == 3200  # same capture again: no-op
    with pytest.raises(HubError) as second:
        capture(store, terminal, hold.auth_id, 100)
    assert second.value.code == "already_captured"
    assert_balanced(store)


def test_capture_above_hold_is_refused(store: Store, terminal: Terminal) -> None:
    hold = auth(store, terminal, 1000)
    with pytest.raises(HubError) as error:
        capture(store, terminal, hold.auth_id, 1001)
    assert (error.value.code, error.value.status) == ("exceeds_hold", 409)


def test_void_drops_pending_hold_and_refuses_capture(store: Store, terminal: Terminal) -> None:
    hold = auth(store, terminal, 1000)
    voided = store.void(terminal.id, VoidRequest(auth_id=hold.auth_id, reason="customer left")).model(AuthResponse)
    assert voided.status == "voided"
    with pytest.raises(HubError) as error:
        capture(store, terminal, hold.auth_id, 1000)
    assert error.value.code == "not_pending"
    assert_balanced(store)


def test_hold_expires_lazily_and_by_sweep(store: Store, terminal: Terminal, clock) -> None:
    lazy, swept = auth(store, terminal, 700), auth(store, terminal, 800)
    clock.offset = timedelta(days=7, seconds=1)
    assert store.expire_holds() >= 1
    with pytest.raises(HubError) as error:
        capture(store, terminal, lazy.auth_id, 700)
    assert error.value.code == "not_pending"
    for auth_id in (lazy.auth_id, swept.auth_id):
        response = store.void(terminal.id, VoidRequest(auth_id=auth_id, reason="x")).model(AuthResponse)
        assert response.status == "expired"


def test_refunds_never_exceed_captured(store: Store, terminal: Terminal) -> None:
    hold = auth(store, terminal, 3000)
    with pytest.raises(HubError) as early:
        give_back(store, terminal, hold.auth_id, 100)
    assert early.value.code == "not_captured"
    capture(store, terminal, hold.auth_id, 2000)
    assert give_back(store, terminal, hold.auth_id, 1500).refunded.amount == 1500
    with pytest.raises(HubError) as error:
        give_back(store, terminal, hold.auth_id, 501)
    assert error.value.code == "refund_exceeds_capture"
    assert give_back(store, terminal, hold.auth_id, 500).refunded.amount == 2000
    assert store.balances()[(f"merchant:{terminal.merchant_id}:refunds", "CNY")] == 2000
    assert_balanced(store)


def test_concurrent_refunds_of_one_hold_never_exceed_the_capture(store: Store, terminal: Terminal) -> None:
    """Store callers without an idempotency key (benchmarks, back office) still serialise on the terminal: refunds
    racing on one hold cannot all read "nothing refunded yet" and give back more than was captured."""
    import threading

    hold = auth(store, terminal, 1000)
    capture(store, terminal, hold.auth_id, 1000)
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def one() -> None:
        start.wait()
        try:
            give_back(store, terminal, hold.auth_id, 300)
            outcomes.append("refunded")
        except HubError as refused:
            outcomes.append(refused.code)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refund_exceeds_capture"] * 5 + ["refunded"] * 3
    assert store.balances()[(f"merchant:{terminal.merchant_id}:refunds", "CNY")] == 900
    assert_balanced(store)


def test_blacklisted_token_is_declined_with_reason(store: Store, terminal: Terminal) -> None:
    from hub.downstream import BlacklistChange

    token = new_token()
    store.change_blacklist(BlacklistChange(add=(token,)))
    declined = auth(store, terminal, 100, token=token)
    assert declined.status == "declined" and "blacklist" in (declined.reason or "")


def test_unbalanced_transfer_cannot_be_written() -> None:
    transfer = Transfer("t", "sale", "posted", "T", "M", "2025-01-01", "2025-01-01T00:00:00+00:00")
    transfer.move("clearing:card", "merchant:M:sales", "CNY", 100, TenderKind.CARD_CONTACT)
    transfer.postings[1].amount = -99
    with pytest.raises(UnbalancedTransfer):
        Writes().add(transfer)


# --- journal ingest -----------------------------------------------------------------------------------------------


def upload(store: Store, term: Terminal, records) -> UploadResponse:
    return store.ingest_records(term.id, records)


def test_upload_books_sales_refunds_and_voids(store: Store, terminal: Terminal) -> None:
    m = terminal.merchant_id
    card_sale_id = unique("sale")
    hold = auth(store, terminal, 2000, sale_id=card_sale_id)
    card_sale = sale([tender("card_contactless", 1800, reference=hold.auth_id)], sale_id=card_sale_id)
    cash_sale = sale([tender("cash", 2000)], total=1832, change=168)
    records = [
        terminal.append("shift.opened", {"operator": "cashier-01"}),
        terminal.append("sale.completed", card_sale),
        terminal.append("sale.completed", cash_sale),
        terminal.append("sale.completed", sale([tender("qr_customer", 500, reference="QR-1")])),
        terminal.append("refund.completed", refund(card_sale["sale_id"],
                                                   [tender("card_contactless", 300, reference=hold.auth_id)])),
        terminal.append("sale.voided", void(cash_sale["sale_id"])),
    ]
    result = upload(store, terminal, records)
    assert [r.status for r in result.results] == ["accepted"] * 6
    assert result.last_seq == 6 and result.last_hash == records[-1].hash
    balances = store.balances()
    assert balances[(f"merchant:{m}:sales", "CNY")] == -(1800 + 500)  # cash sale voided
    assert balances[(f"merchant:{m}:cash", "CNY")] == 0
    assert balances[(f"merchant:{m}:refunds", "CNY")] == 300
    status = store.terminal_status(terminal.id)
    assert status.last_seq == 6 and status.records == {"accepted": 6}
    (total,) = store.settlement(today(), "terminal", terminal.id)
    assert (total.sales, total.refunds, total.net) == (2300, 300, 2000)
    assert total.by_tender == {"card_contactless": 1500, "cash": 0, "qr_customer": 500}
    assert total.count == 3
    (merchant_total,) = store.settlement(today(), "merchant", m)
    assert merchant_total.net == 2000
    assert_balanced(store)


def test_sale_through_hold_after_online_capture_is_not_counted_twice(store: Store, terminal: Terminal) -> None:
    hold = auth(store, terminal, 1000, sale_id=(sale_id := unique("sale")))
    capture(store, terminal, hold.auth_id, 1000)
    result = upload(store, terminal, [terminal.append("sale.completed", sale(
        [tender("card_contact", 1000, reference=hold.auth_id)], sale_id=sale_id))])
    assert result.results[0].status == "accepted"
    assert store.balances()[(f"merchant:{terminal.merchant_id}:sales", "CNY")] == -1000


def test_duplicates_conflicts_and_gaps(store: Store, terminal: Terminal) -> None:
    records = [terminal.append("sale.completed", sale([tender("cash", 100 + i)])) for i in range(4)]
    assert [r.status for r in upload(store, terminal, records[:2]).results] == ["accepted", "accepted"]
    again = upload(store, terminal, records[:3])
    assert [r.status for r in again.results] == ["duplicate", "duplicate", "accepted"]
    forged = records[1].model_copy(update={"hash": "00" * 32})
    conflict = upload(store, terminal, [forged, records[3]])
    assert (conflict.results[0].status, conflict.results[0].code) == ("rejected", "conflict")
    assert len(conflict.results) == 1
    gap = upload(store, terminal, [terminal.append("shift.closed", {}), terminal.append("shift.opened", {})][1:])
    assert (gap.results[0].status, gap.results[0].code) == ("rejected", "gap")
    assert store.terminal_status(terminal.id).last_seq == 3
    assert store.balances()[(f"merchant:{terminal.merchant_id}:cash", "CNY")] >= 100 + 101 + 102


@pytest.mark.parametrize("field", ["payload", "signature", "prev_hash", "time"])
def test_broken_chain_names_the_record_and_keeps_what_came_before(store: Store, terminal: Terminal,
                                                                   field: str) -> None:
    records = [terminal.append("sale.completed", sale([tender("cash", 100)])) for _ in range(3)]
    bad = records[1]
    altered = {"payload": bad.payload.replace("100", "900"), "signature": "11" * 64, "prev_hash": "22" * 32,
               "time": bad.time.replace("+00:00", "+00:01")}[field]
    result = upload(store, terminal, [records[0], bad.model_copy(update={field: altered}), records[2]])
    assert [r.status for r in result.results] == ["accepted", "rejected"]
    assert result.results[1].code == "broken_chain" and f"record {bad.seq}" in (result.results[1].message or "")
    assert result.last_seq == 1
    assert [r.status for r in upload(store, terminal, records).results] == ["duplicate", "accepted", "accepted"]


def test_record_of_another_terminal_is_rejected(store: Store, terminal: Terminal, tmp_path) -> None:
    other = Terminal.create(tmp_path / "other")
    result = upload(store, terminal, [other.append("shift.opened", {})])
    assert result.results[0].code == "broken_chain"


@pytest.mark.parametrize("payload", [
    {"type": "sale", "sale_id": "s"},  # no tenders
    {"type": "sale", "sale_id": "s", "currency": "CNY", "tenders": [{"kind": "cash", "amount": {"amount": "5",
     "currency": "CNY"}}], "totals": {"total": {"amount": 5, "currency": "CNY"}}, "change": {"amount": 0,
                                                                                            "currency": "CNY"}},
    {"type": "sale", "sale_id": "s", "currency": "CNY", "tenders": [{"kind": "cash", "amount": {"amount": 5,
     "currency": "CNY"}}], "totals": {"total": {"amount": 6, "currency": "CNY"}}, "change": {"amount": 0,
                                                                                            "currency": "CNY"}},
])
def test_money_record_that_cannot_be_booked_is_bad_payload(store: Store, terminal: Terminal, payload) -> None:
    result = upload(store, terminal, [terminal.append("sale.completed", payload)])
    assert (result.results[0].status, result.results[0].code) == ("rejected", "bad_payload")
    assert result.last_seq == 0


def test_non_json_payload_is_bad_payload(store: Store, terminal: Terminal) -> None:
    """A validly signed record whose body is not JSON (an old or broken terminal build) can never be booked."""
    time, payload = "2025-01-01T00:00:00.000000+00:00", b"{not json"
    prev = genesis_hash(terminal.id, terminal.keys.public_key())
    digest = record_digest(terminal.id.encode(), 1, time.encode(), b"sale.completed", payload, None, prev)
    signature = terminal.keys.signing_key().sign(digest).hex()
    record = WireRecord(seq=1, terminal_id=terminal.id, time=time, type="sale.completed", payload=payload.decode(),
                        prev_hash=prev.hex(), hash=digest.hex(), signature=signature)
    result = upload(store, terminal, [record])
    assert (result.results[0].status, result.results[0].code) == ("rejected", "bad_payload")


@pytest.mark.parametrize("record_type", ["note.added", "sale.completed"])
def test_signed_record_with_a_nul_character_is_bad_payload_not_a_crash(store: Store, terminal: Terminal,
                                                                       record_type: str) -> None:
    """Hostile input from an enrolled terminal: PostgreSQL text cannot hold NUL, so it would fail the whole upload
    with a 500 on every retry; it is refused like any record that can never be stored."""
    time, payload = "2025-01-01T00:00:00.000000+00:00", b'{"text":"a\x00b"}'
    prev = genesis_hash(terminal.id, terminal.keys.public_key())
    digest = record_digest(terminal.id.encode(), 1, time.encode(), record_type.encode(), payload, None, prev)
    signature = terminal.keys.signing_key().sign(digest).hex()
    record = WireRecord(seq=1, terminal_id=terminal.id, time=time, type=record_type, payload=payload.decode(),
                        prev_hash=prev.hex(), hash=digest.hex(), signature=signature)
    result = upload(store, terminal, [record])
    assert (result.results[0].status, result.results[0].code) == ("rejected", "bad_payload")
    assert result.last_seq == 0


def test_blacklisted_sale_is_stored_but_declined(store: Store, terminal: Terminal) -> None:
    from hub.downstream import BlacklistChange

    token = new_token()
    store.change_blacklist(BlacklistChange(add=(token,)))
    records = [terminal.append("sale.completed", sale([tender("card_contactless", 990, "OFFLINE-1", token)])),
               terminal.append("sale.completed", sale([tender("cash", 10)]))]
    result = upload(store, terminal, records)
    assert [(r.status, r.code) for r in result.results] == [("declined", "blacklisted"), ("accepted", None)]
    assert store.terminal_status(terminal.id).records == {"accepted": 1, "declined": 1}
    assert store.balances()[(f"merchant:{terminal.merchant_id}:sales", "CNY")] == -10
    again = upload(store, terminal, records).results[0]  # a re-send says again that it was declined
    assert (again.status, again.code) == ("duplicate", "declined:blacklisted")
    assert upload(store, terminal, records).results[1].code is None


def test_sale_above_its_hold_is_declined(store: Store, terminal: Terminal) -> None:
    hold = auth(store, terminal, 500, sale_id=(sale_id := unique("sale")))
    paid = sale([tender("card_contact", 501, hold.auth_id)], sale_id=sale_id)
    result = upload(store, terminal, [terminal.append("sale.completed", paid)])
    assert (result.results[0].status, result.results[0].code) == ("declined", "exceeds_hold")
    assert capture(store, terminal, hold.auth_id, 500).status == "captured"  # the hold is untouched


def test_two_tenders_through_one_hold_capture_their_sum(store: Store, terminal: Terminal) -> None:
    """A sale split over two tenders naming the same hold takes both from it: the first is not lost."""
    hold = auth(store, terminal, 1000, sale_id=(sale_id := unique("sale")))
    paid = sale([tender("card_contact", 400, hold.auth_id), tender("card_contact", 600, hold.auth_id)],
                sale_id=sale_id)
    result = upload(store, terminal, [terminal.append("sale.completed", paid)])
    assert result.results[0].status == "accepted"
    assert store.balances()[(f"merchant:{terminal.merchant_id}:sales", "CNY")] == -1000
    assert capture(store, terminal, hold.auth_id, 1000).captured.amount == 1000
    over = auth(store, terminal, 1000, sale_id=(sale_id := unique("sale")))
    result = upload(store, terminal, [terminal.append("sale.completed", sale(
        [tender("card_contact", 600, over.auth_id), tender("card_contact", 600, over.auth_id)], sale_id=sale_id))])
    assert (result.results[0].status, result.results[0].code) == ("declined", "exceeds_hold")
    assert_balanced(store)


def test_void_of_sale_paid_through_hold_reverses_capture(store: Store, terminal: Terminal) -> None:
    sale_id = unique("sale")
    hold = auth(store, terminal, 900, kind=TenderKind.CBDC_WALLET, sale_id=sale_id)  # the hold names its sale
    paid = sale([tender("cbdc_wallet", 900, hold.auth_id)], sale_id=sale_id)
    upload(store, terminal, [terminal.append("sale.completed", paid)])
    assert store.balances()[(f"merchant:{terminal.merchant_id}:sales", "CNY")] == -900
    result = upload(store, terminal, [terminal.append("sale.voided", void(paid["sale_id"])),
                                      terminal.append("sale.voided", void(paid["sale_id"]))])
    assert [r.status for r in result.results] == ["accepted", "accepted"]
    assert store.balances()[(f"merchant:{terminal.merchant_id}:sales", "CNY")] == 0
    assert_balanced(store)


def test_ingest_without_signature_check_still_checks_links(store: Store, terminal: Terminal) -> None:
    records = [terminal.append("shift.opened", {}), terminal.append("shift.closed", {})]
    result = store.ingest_records(terminal.id, [records[1]], verify=False)
    assert result.results[0].code == "gap"
    assert [r.status for r in store.ingest_records(terminal.id, records, verify=False).results] == ["accepted"] * 2


def test_a_card_blacklisted_after_its_online_approval_is_still_captured(store: Store, terminal: Terminal) -> None:
    """Issue 10, defect 6: the sale's tender rides on a hold the hub approved before the token was blacklisted; the
    ingest declined the whole sale and the customer's money stayed held for 7 days. The hold is the hub's own
    approval: it is captured; only tenders approved offline are checked against the blacklist."""
    from hub.downstream import BlacklistChange

    token = new_token()
    paid = sale([tender("card_contactless", 2500, "", token)])
    hold = auth(store, terminal, 2500, token=token, sale_id=paid["sale_id"])
    paid["tenders"][0]["reference"] = hold.auth_id
    assert hold.status == "approved"
    store.change_blacklist(BlacklistChange(add=(token,)))  # reported stolen after the customer paid
    offline = new_token()
    store.change_blacklist(BlacklistChange(add=(offline,)))
    records = [terminal.append("sale.completed", paid),
               terminal.append("sale.completed", sale([tender("card_contactless", 700, "OFFLINE-9", offline)]))]
    result = upload(store, terminal, records)
    assert [(r.status, r.code) for r in result.results] == [("accepted", None), ("declined", "blacklisted")]
    assert store.balances()[(f"merchant:{terminal.merchant_id}:sales", "CNY")] == -2500
    assert_balanced(store)


def test_a_sale_the_hub_declined_cannot_be_refunded(store: Store, terminal: Terminal) -> None:
    """Issue 10, defect 5: a blacklisted card approved offline was declined at ingest (no money booked), yet a refund
    of that sale paid out money never received. A refund must name a sale the hub booked."""
    from hub.downstream import BlacklistChange

    token = new_token()
    store.change_blacklist(BlacklistChange(add=(token,)))
    stolen = sale([tender("card_contactless", 4000, "OFF-STOLEN", token)])
    give = refund(stolen["sale_id"], [tender("card_contactless", 4000, "OFF-STOLEN")])
    result = upload(store, terminal, [terminal.append("sale.completed", stolen),
                                      terminal.append("refund.completed", give)])
    assert [(r.status, r.code) for r in result.results] == [("declined", "blacklisted"), ("declined", "unknown_sale")]
    assert store.balances().get((f"merchant:{terminal.merchant_id}:sales", "CNY"), 0) == 0
    assert_balanced(store)


def test_one_captured_hold_backs_one_sale_only(store: Store, terminal: Terminal) -> None:
    """Issue 10: one captured hold could back two sale records (no hold-to-sale binding)."""
    first = sale([tender("card_contactless", 3000, "")])
    hold = auth(store, terminal, 3000, sale_id=first["sale_id"])
    first["tenders"][0]["reference"] = hold.auth_id
    second = sale([tender("card_contactless", 3000, hold.auth_id)])  # another sale naming the same hold
    result = upload(store, terminal, [terminal.append("sale.completed", first),
                                      terminal.append("sale.completed", second)])
    assert [(r.status, r.code) for r in result.results] == [("accepted", None), ("declined", "hold_of_another_sale")]
    assert store.balances()[(f"merchant:{terminal.merchant_id}:sales", "CNY")] == -3000
    assert_balanced(store)
