"""No stuck till, no money lost or doubled: random cashier actions with random faults from every port.

Hypothesis drives one real till (journal, risk engine with the shipped model, EMV kernel over emulated cards,
ESC/POS printer, operators) against a real hub process. Faults are injected by thin wrappers around the real
ports (they raise or lose an answer, else pass the call through): journal writes failing by record type, the hub
timing out, declining, refusing or losing its answer after placing a hold, voids failing, a card timing out or
being pulled, the printer out of paper, the drawer jammed, the risk engine crashing.

After every step: the till is not parked in a transient state, a step that waits for someone has its attempt,
every tender the open sale holds is in the journal, no authorisation backs two completed sales, and a cancelled
sale completed nothing and voided (or queued the release of) every hold it had. At the end the journal verifies
and the hub accepts every record.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import uuid
from typing import ClassVar

import pytest
from checkout_support import VAT, cny
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from drivers.card.emulator import TEST_CARDS
from drivers.errors import DeviceTimeout, PaperOut
from models.engine import RiskEngine
from models.features import FeatureState
from sync.hub_client import AuthOutcome
from sync.verify import verify_journal
from terminal.checkout import Checkout, CheckoutError, State
from terminal.checkout.ports import HubRefusal, HubUnreachable
from terminal.checkout.states import CANCELLABLE
from terminal.demo.rig import build_till
from terminal.demo.script import daytime_clock
from terminal.domain import Money
from terminal.operators import OperatorError

EXAMPLES = int(os.environ.get("EDGEPOS_STATEFUL_EXAMPLES", "300"))
TRANSIENT = {State.RISK_DECISION, State.JOURNAL_COMMIT, State.RECEIPT_PRINT, State.DRAWER}
WAITING = {State.STEP_UP_PIN, State.STEP_UP_SUPERVISOR, State.MERCHANT_QR}
RECORD_TYPES = ("sale.started", "tender.approved", "tender.declined", "tender.step_up", "tender.step_up_requested",
                "sale.completed", "receipt.printed", "receipt.failed", "drawer.opened", "sale.cancelled",
                "tender.voided", "auth.abandoned", "tender.failed", "receipt.skipped")
CARDS = sorted(TEST_CARDS)


class InjectedFault(OSError):
    """A fault this test injects (a full disk, a dead cable): the till must word it or survive it."""


class Faults:
    """What goes wrong next; each wrapper reads it. One-shot faults clear themselves when they fire."""

    def __init__(self) -> None:
        self.journal_fails_on: str | None = None
        self.hub = "real"  # real | unavailable | declined | refused | lost_answer
        self.void_fails = False
        self.pin_check_times_out = False
        self.paper_out = False
        self.drawer_jammed = False
        self.risk_crashes = False


@dataclasses.dataclass
class FaultyJournal:
    real: object
    faults: Faults

    def append(self, record_type, payload, sensitive=None):
        if self.faults.journal_fails_on == record_type:
            self.faults.journal_fails_on = None
            raise InjectedFault("disk full")
        return self.real.append(record_type, payload, sensitive)


@dataclasses.dataclass
class FaultyHub:
    real: object
    faults: Faults

    def authorise(self, request, budget_s=2.0):
        mode = self.faults.hub
        if mode == "refused":
            raise HubRefusal("conflict", "refused by the test")
        if mode in ("unavailable", "declined"):  # the hub is silent, or the issuer says no
            return AuthOutcome(mode, request.auth_id, "injected by the test")
        answer = self.real.authorise(request, budget_s)
        if mode == "lost_answer":  # the hold is placed at the hub, the answer never arrives
            return dataclasses.replace(answer, decision="unavailable", reason="answer lost")
        return answer

    def void(self, auth_id, reason):
        if self.faults.void_fails:
            raise HubUnreachable("the hub did not answer the void")
        return self.real.void(auth_id, reason)


@dataclasses.dataclass
class FaultyReader:
    real: object
    faults: Faults

    def transact(self, tx, timeout=30.0):
        return self.real.transact(tx, timeout)

    def verify_pin(self, pin):
        if self.faults.pin_check_times_out:
            raise DeviceTimeout("the card did not answer VERIFY")
        return self.real.verify_pin(pin)


@dataclasses.dataclass
class FaultyPrinter:
    real: object
    faults: Faults

    def print_receipt(self, document):
        if self.faults.paper_out:
            raise PaperOut("paper out")
        return self.real.print_receipt(document)


@dataclasses.dataclass
class FaultyDrawer:
    faults: Faults

    def open(self):
        if self.faults.drawer_jammed:
            raise DeviceTimeout("the drawer did not open")


@dataclasses.dataclass
class FaultyRisk:
    real: object
    faults: Faults

    def decide(self, tx, offline=None):
        if self.faults.risk_crashes:
            raise RuntimeError("model file unreadable")
        return self.real.decide(tx, offline)

    def __getattr__(self, name):
        return getattr(self.real, name)


class TillMachine(RuleBasedStateMachine):
    till = None  # one real till for the whole run, set by the test
    seen: ClassVar[dict] = {"seq": 0, "approved": {}, "backing": set(), "completed": set(), "cancelled": set()}

    def __init__(self) -> None:
        """A fresh checkout on the shared till's journal, hub, devices and model; what would make one example's
        outcome depend on the ones before (card velocity, operator lock-outs, offline budget) starts anew, so
        Hypothesis can replay and shrink a failure."""
        super().__init__()
        till = self.till
        self.faults = Faults()
        till.operators._conn.execute("UPDATE operators SET failures = 0, locked_until = NULL")  # lock-outs
        risk = RiskEngine(FeatureState(None), till.risk.scorer, blacklists=till.risk.blacklists[1:])
        ports = dataclasses.replace(
            till.checkout.ports, journal=FaultyJournal(till.journal, self.faults),
            auth=FaultyHub(till.uplink.client, self.faults), card_reader=FaultyReader(till.card_reader, self.faults),
            printer=FaultyPrinter(till.printer, self.faults), drawer=FaultyDrawer(self.faults),
            risk=FaultyRisk(risk, self.faults))
        self.co = Checkout(ports, terminal_id=till.keystore.terminal_id, operator=till.operator)

    def _settle(self) -> None:
        """Leave the counter clear: holds of an open sale are voided like a cashier's cancel would."""
        co = self.co
        if co.state is State.RECEIPT_FAILED:
            co.skip_receipt()
        elif co.state in CANCELLABLE:
            co.cancel("test reset")

    def _do(self, action, *args, **kwargs):
        """Run one cashier action: a worded refusal is fine, anything else must be one of our injected faults."""
        try:
            return action(*args, **kwargs)
        except (CheckoutError, OperatorError, InjectedFault):
            return None

    # --- faults: one rule, so the cashier's rules are picked as often as the world's -------------------------

    @rule(fault=st.one_of(
        st.tuples(st.just("journal"), st.sampled_from(RECORD_TYPES)),
        st.tuples(st.just("hub"), st.sampled_from(["real", "real", "unavailable", "declined", "refused",
                                                    "lost_answer"])),
        st.tuples(st.sampled_from(["void", "pin", "paper", "drawer", "risk"]), st.booleans())))
    def the_world_changes(self, fault: tuple) -> None:
        what, value = fault
        f = self.faults
        if what == "journal":
            f.journal_fails_on = value
        elif what == "hub":
            f.hub = value
        else:
            attribute = {"void": "void_fails", "pin": "pin_check_times_out", "paper": "paper_out",
                         "drawer": "drawer_jammed", "risk": "risk_crashes"}[what]
            setattr(f, attribute, value)

    # --- cashier and customer ------------------------------------------------------------------------------

    @precondition(lambda self: self.co.state is State.IDLE)
    @rule(prices=st.lists(st.sampled_from(["1.00", "18.50", "120.00", "480.00", "3500.00", "25000.00"]),
                          min_size=0, max_size=3))
    def a_customer_comes(self, prices: list[str]) -> None:
        if self._do(self.co.start_sale) is None:
            return
        for price in prices:
            self._do(self.co.add_item, f"SKU-{price}", f"Item {price}", cny(price), VAT)
        self._do(self.co.checkout)  # an empty basket is refused, with a sentence

    @precondition(lambda self: self.co.sale is not None)
    @rule(how=st.sampled_from(["cash", "cash_half", "cash_over", "card", "card_half", "tap", "customer_qr",
                               "bad_qr", "shop_qr"]),
          card=st.sampled_from(CARDS), pin=st.sampled_from([None, "1234", "0000"]))
    def the_customer_pays(self, how: str, card: str, pin: str | None) -> None:
        co = self.co
        due = co.sale.remaining.amount
        half = Money(max(due // 2, 1), "CNY")
        if how.startswith("cash"):
            amount = {"cash": due, "cash_half": half.amount, "cash_over": due + 5000}[how]
            self._do(co.pay_cash, Money(max(amount, 1), "CNY"))
        elif how in ("card", "card_half", "tap"):
            reader = self.till.contactless_reader if how == "tap" else self.till.card_reader
            reader.present(card, pin=pin)
            self._do(co.pay_card, half if how == "card_half" and due > 1 else None, contactless=how == "tap")
        elif how in ("customer_qr", "bad_qr"):
            self._do(co.pay_customer_qr, "28" + "1" * 16 if how == "customer_qr" else "000201shop")
        else:
            self._do(co.show_merchant_qr)

    @precondition(lambda self: self.co.state in WAITING | {State.RECEIPT_FAILED})
    @rule(answer=st.sampled_from(["yes", "wrong", "no"]))
    def someone_answers(self, answer: str) -> None:
        co = self.co
        if co.state is State.STEP_UP_PIN:
            self._do(co.refuse_step_up) if answer == "no" else self._do(co.enter_pin, "1234" if answer == "yes"
                                                                        else "0000")
        elif co.state is State.STEP_UP_SUPERVISOR:
            if answer == "no":
                self._do(co.refuse_step_up)
            else:
                self._do(co.supervisor_approve, "S-001", "2468" if answer == "yes" else "0000")
        elif co.state is State.MERCHANT_QR:
            self._do(co.merchant_qr_paid, f"wallet-{uuid.uuid4().hex[:8]}") if answer != "no" else self._do(co.back)
        else:
            self._do(co.reprint if answer == "yes" else co.skip_receipt)

    @rule(how=st.sampled_from(["back", "cancel", "save_again"]))
    def the_cashier_steps_back(self, how: str) -> None:
        action = {"back": self.co.back, "cancel": lambda: self.co.cancel("customer left"),
                  "save_again": self.co.retry_commit}[how]
        self._do(action)

    # --- what must always hold -------------------------------------------------------------------------------

    @invariant()
    def never_parked_in_a_transient_state(self) -> None:
        assert self.co.state not in TRANSIENT, f"stuck in {self.co.state}"

    @invariant()
    def a_waiting_step_has_its_attempt(self) -> None:
        if self.co.state in WAITING:
            assert self.co._pending is not None, f"{self.co.state} with nothing pending: only cancel would work"

    @invariant()
    def money_is_accounted_for(self) -> None:
        seen = self.seen
        for record in self.till.journal.records(after=seen["seq"]):  # only what is new since the last step
            seen["seq"] = record.seq
            payload = record.payload
            if record.type == "tender.approved":
                seen["approved"][payload["reference"]] = payload["sale_id"]
            elif record.type == "sale.completed":
                for tender in payload["tenders"]:
                    if tender["reference"]:
                        assert tender["reference"] not in seen["backing"], "one authorisation backs two sales"
                        seen["backing"].add(tender["reference"])
                assert payload["sale_id"] not in seen["cancelled"], "a cancelled sale was completed"
                seen["completed"].add(payload["sale_id"])
            elif record.type == "sale.cancelled" and payload["sale_id"] is not None:
                sale_id = payload["sale_id"]
                assert sale_id not in seen["completed"], "a completed sale was cancelled"
                seen["cancelled"].add(sale_id)
                holds = {ref for ref, sid in seen["approved"].items() if sid == sale_id and ref.startswith("A")}
                assert holds <= set(payload["voided"]) | set(payload["queued"]), "a cancelled sale kept a hold"
        if self.co.sale is not None:
            for tender in self.co.sale.tenders:
                assert seen["approved"].get(tender.reference) == self.co.sale.sale_id, "a tender not journalled"

    def teardown(self) -> None:
        self.faults.__init__()  # no faults while the counter is cleared for the next example
        self._settle()


@pytest.fixture(scope="module")
def stateful_till(tmp_path_factory, hub):
    till = build_till(tmp_path_factory.mktemp("stateful") / "till", terminal_id=f"T-SM-{uuid.uuid4().hex[:8]}",
                      hub_url=hub.url, enrol_code=hub.enrol_code("M-DEMO").encode(), clock=daytime_clock())
    yield till
    till.close()


def test_no_stuck_till_and_no_money_lost_under_random_faults(stateful_till) -> None:
    TillMachine.till = stateful_till
    run_state_machine_as_test(TillMachine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=30, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
    assert verify_journal(stateful_till.journal.path).ok
    kinds = collections.Counter(r.type for r in stateful_till.journal.records())
    print(dict(kinds))
    report = stateful_till.uplink.sync_once()
    assert report.alarm is None and not report.refused, report.errors
