"""Operators: scrypt-hashed PINs with a pepper kept outside the database, lock-out after 5 wrong PINs, role checks
on the privileged actions, and an audit record (who, what, approved by) for each."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from checkout_support import VAT, basket, cny, records

from terminal.checkout import InvalidTransition
from terminal.operators import (
    LockedOut,
    NotPermitted,
    OperatorStore,
    Permission,
    Role,
    UnknownOperator,
    WrongPin,
    allowed,
    pepper_from_keystore,
)
from terminal.operators.pin_hash import SCRYPT_N, SCRYPT_P, SCRYPT_R

PEPPER = b"p" * 32


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Audit:
    def __init__(self) -> None:
        self.records: list[tuple[str, dict]] = []

    def append(self, record_type, payload, sensitive=None):
        self.records.append((record_type, dict(payload)))


@pytest.fixture
def store(tmp_path):
    clock, audit = Clock(), Audit()
    s = OperatorStore.open(tmp_path / "operators.db", PEPPER, clock=clock, audit=audit)
    boss = s.add("M-1", "Boss", Role.MANAGER, "9999")
    s.add("S-1", "Sup", Role.SUPERVISOR, "2468", by=boss)
    s.add("C-1", "Cash", Role.CASHIER, "1357", by=boss)
    s.add("T-1", "Tech", Role.TECHNICIAN, "8642", by=boss)
    s.clock, s.records = clock, audit.records
    yield s
    s.close()


def test_pins_are_scrypt_hashed_with_a_pepper_outside_the_database(tmp_path, store, keystore):
    assert (SCRYPT_N, SCRYPT_R, SCRYPT_P) == (2**14, 8, 2)
    raw = (tmp_path / "operators.db").read_bytes() + (tmp_path / "operators.db-wal").read_bytes()
    assert b"1357" not in raw and b"9999" not in raw
    assert store.login("C-1", "1357").role is Role.CASHIER
    other = OperatorStore.open(tmp_path / "operators.db", b"q" * 32)  # the database alone is not enough
    with pytest.raises(WrongPin):
        other.verify("C-1", "1357")
    other.close()
    pepper = pepper_from_keystore(keystore)
    assert len(pepper) == 32 and pepper not in raw
    row = sqlite3.connect(tmp_path / "operators.db").execute("SELECT hash FROM operators WHERE id='C-1'").fetchone()
    assert len(row[0]) == 32


def test_lock_out_after_five_wrong_pins_then_time_or_a_manager_unlocks(store):
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongPin, match=f"{left} tries left"):
            store.login("C-1", "0000")
    with pytest.raises(LockedOut):
        store.login("C-1", "0000")
    with pytest.raises(LockedOut, match="Ask a manager"):
        store.login("C-1", "1357")  # the right PIN does not help while locked
    assert store.records[-1][0] == "operator.locked_out"
    store.clock.now += timedelta(minutes=16)
    assert store.login("C-1", "1357").operator_id == "C-1"  # time-based unlock
    for _ in range(5):
        with pytest.raises((WrongPin, LockedOut)):
            store.login("C-1", "1111")
    with pytest.raises(NotPermitted):
        store.reset_lockout(store.get("S-1"), "C-1")  # a supervisor cannot unlock
    store.reset_lockout(store.login("M-1", "9999"), "C-1")
    assert store.login("C-1", "1357").operator_id == "C-1"
    assert store.records[-2][1]["action"] == "reset_lockout" and store.records[-2][1]["operator"] == "M-1"


def test_all_lists_every_operator_in_enrolment_order(store):
    assert [(o.operator_id, o.role) for o in store.all()] == [
        ("M-1", Role.MANAGER), ("S-1", Role.SUPERVISOR), ("C-1", Role.CASHIER), ("T-1", Role.TECHNICIAN)]


def test_a_good_pin_resets_the_failure_count(store):
    for _ in range(4):
        with pytest.raises(WrongPin):
            store.verify("C-1", "0000")
    store.verify("C-1", "1357")
    with pytest.raises(WrongPin, match="4 tries left"):
        store.verify("C-1", "0000")


def test_unknown_operator_and_malformed_pins(store):
    with pytest.raises(UnknownOperator):
        store.login("X-9", "1234")
    with pytest.raises(WrongPin):
        store.login("C-1", "12")
    with pytest.raises(NotPermitted):
        store.add("C-2", "New", Role.CASHIER, "1234", by=store.get("S-1"))  # only a manager adds operators


@pytest.mark.parametrize(("role", "granted"), [
    (Role.CASHIER, set()),
    (Role.SUPERVISOR, {"refund", "void", "price_override", "no_sale"}),
    (Role.MANAGER, {"refund", "void", "price_override", "no_sale", "shift_close"}),
    (Role.TECHNICIAN, set()),
])
def test_role_checks_for_the_privileged_actions(role, granted):
    privileged = {Permission.REFUND, Permission.VOID, Permission.PRICE_OVERRIDE, Permission.NO_SALE,
                  Permission.SHIFT_CLOSE}
    assert {str(p) for p in privileged if allowed(role, p)} == granted


def test_privileged_action_by_a_cashier_needs_an_approver_and_is_audited(store):
    cashier = store.login("C-1", "1357")
    with pytest.raises(NotPermitted, match="supervisor must approve"):
        store.authorize(cashier, Permission.REFUND, "refund", details={"sale_id": "s1"})
    with pytest.raises(NotPermitted, match="cannot approve"):
        store.authorize(cashier, Permission.SHIFT_CLOSE, "shift_close", approver_id="S-1", approver_pin="2468")
    approver = store.authorize(cashier, Permission.VOID, "void", approver_id="S-1", approver_pin="2468",
                               details={"sale_id": "s1"})
    assert approver.operator_id == "S-1"
    kind, audit = store.records[-1]
    assert kind == "audit.privileged"
    assert (audit["action"], audit["operator"], audit["approved_by"], audit["permission"]) == (
        "void", "C-1", "S-1", "void")
    manager = store.login("M-1", "9999")
    assert store.authorize(manager, Permission.SHIFT_CLOSE, "shift_close").operator_id == "M-1"
    assert store.records[-1][1]["approved_by"] == "M-1"


def test_no_sale_drawer_and_price_override_at_the_till(till):
    co = till.checkout
    with pytest.raises(NotPermitted):
        co.open_drawer_no_sale()
    assert co.open_drawer_no_sale(approver_id="S-001", approver_pin="2468").result == "completed"
    opened = [r.payload for r in records(till) if r.type == "drawer.opened"][-1]
    assert opened["reason"] == "no_sale" and opened["approved_by"] == "S-001"
    co.start_sale()
    line = co.add_item("SKU1", "Tea", cny("10.00"), VAT)
    with pytest.raises(NotPermitted):
        co.override_price(line, cny("8.00"))
    co.override_price(line, cny("8.00"), approver_id="M-001", approver_pin="9999")
    audit = [r.payload for r in records(till) if r.type == "audit.privileged"][-1]
    assert audit["action"] == "price_override" and audit["details"]["to"] == 800 and audit["approved_by"] == "M-001"
    co.checkout()
    assert co.sale.total.amount == 800
    with pytest.raises(InvalidTransition):
        co.open_drawer_no_sale()
    assert co.pay_cash(cny("8.00")).result == "completed"
    basket(till)
    co.cancel()
