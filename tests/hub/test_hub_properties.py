"""Property: any interleaving of auth / capture / void / refund / expiry keeps the ledger balanced, never refunds
more than was captured, and leaves the merchant's accounts equal to what the holds say."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from hubkit import Terminal, unique
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.errors import HubError
from hub.store import Store
from sync.protocol import AuthRequest, AuthResponse, CaptureRequest, RefundRequest, VoidRequest

amounts = st.integers(min_value=1, max_value=5000)
operations = st.lists(st.one_of(
    st.tuples(st.just("auth"), amounts),
    st.tuples(st.just("capture"), st.integers(0, 5), amounts),
    st.tuples(st.just("void"), st.integers(0, 5)),
    st.tuples(st.just("refund"), st.integers(0, 5), amounts),
    st.tuples(st.just("expire")),
), min_size=1, max_size=14)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_holds_keep_the_ledger_balanced(store: Store, clock, tmp_path: Path, ops) -> None:
    clock.offset = timedelta(0)
    term = Terminal.create(tmp_path / unique("p"))
    term.enrol(store)
    auth_ids: list[str] = []
    cny = lambda amount: {"amount": amount, "currency": "CNY"}  # noqa: E731
    for op in ops:
        pick = (lambda i: auth_ids[i % len(auth_ids)]) if auth_ids else None
        try:
            if op[0] == "auth":
                request = AuthRequest.model_validate_json(json.dumps({"auth_id": unique("a"), "sale_id": unique("s"),
                                                      "tender": "cbdc_wallet", "amount": cny(op[1])}))
                auth_ids.append(store.authorise(term.id, request).model(AuthResponse).auth_id)
            elif op[0] == "expire":
                clock.offset += timedelta(days=8)
                store.expire_holds()
            elif pick is None:
                continue
            elif op[0] == "capture":
                store.capture(term.id, CaptureRequest.model_validate({"auth_id": pick(op[1]),
                                                                      "amount": cny(op[2])})).model(AuthResponse)
            elif op[0] == "void":
                store.void(term.id, VoidRequest(auth_id=pick(op[1]), reason="x")).model(AuthResponse)
            else:
                store.refund(term.id, RefundRequest.model_validate({
                    "refund_id": unique("r"), "auth_id": pick(op[1]), "amount": cny(op[2]), "reason": "x"}))\
                    .model(AuthResponse)
        except HubError as refused:
            assert refused.status == 409, refused
    captured = refunded = 0
    rows = store.read(lambda tx: tx.all("SELECT amount, captured, refunded, status FROM holds WHERE terminal_id = ?",
                                        (term.id,)))
    for amount, got, back, status in rows:
        assert 0 <= back <= got <= amount
        assert got == 0 or status == "captured"
        captured, refunded = captured + got, refunded + back
    balances = store.balances()
    assert -balances.get((f"merchant:{term.merchant_id}:sales", "CNY"), 0) == captured
    assert balances.get((f"merchant:{term.merchant_id}:refunds", "CNY"), 0) == refunded
    assert store.trial_balance().balanced
