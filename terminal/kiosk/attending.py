"""The attendant's side of a lane: interventions raised and cleared (at the lane by badge or id + PIN, or from the
station), the lane put out of service and back, and the lock-down exit. A part of `terminal.kiosk.lane.Lane`
(it uses the lane's steps, journal and checkout), kept apart because it is the staff's job, not the customer's."""

from __future__ import annotations

from typing import Any

from terminal.checkout.states import State
from terminal.kiosk.actions import KioskError, action
from terminal.kiosk.interventions import EXIT_PERMISSIONS, PERMISSION, Intervention, Kind
from terminal.kiosk.states import RESUMABLE, WITH_BASKET, Step
from terminal.operators.roles import Permission
from terminal.operators.store import Operator, OperatorError


class Attending:
    """Mixed into Lane: every method here runs under the lane's lock like the customer's actions."""

    step: Step
    resume: Step | None
    intervention: Intervention | None
    checkout: Any
    operators: Any
    badges: Any
    lane_id: str

    # --- interventions ------------------------------------------------------------------------------------------

    def _raise(self, kind: Kind, params: dict[str, Any], *, resume: Step | None = None,
               remote_ok: bool = True) -> None:
        back = resume or (self.step if self.step in RESUMABLE else self.resume)
        self.intervention = Intervention(kind, params, raised_at=self.clock(), remote_ok=remote_ok)
        self.resume = back
        self.step = Step.HELP
        self._say(self.intervention.code, **params)
        self._journal("kiosk.intervention.raised", {"id": self.intervention.intervention_id, "kind": str(kind),
                                                    "params": params})
        self.events.append({"event": "raised", "kind": str(kind), "at": self.intervention.raised_at})

    def identify(self, *, operator_id: str | None = None, pin: str | None = None,
                 badge: bytes | None = None) -> Operator:
        """The attendant at the lane: a badge on the NFC reader, or id + PIN (WrongPin, LockedOut as usual)."""
        if badge is not None:
            if self.badges is None:
                raise KioskError("Badges are not set up on this lane. Type your id and PIN.", code="kiosk_no_badges")
            return self.badges.operator(badge, self.operators)
        if operator_id is None or pin is None:
            raise KioskError("Tap your badge or type your id and PIN.", code="kiosk_attendant_needed")
        return self.operators.verify(operator_id, pin)

    @action("attendant")
    def clear_at_lane(self, approve: bool = True, *, operator_id: str | None = None, pin: str | None = None,
                      badge: bytes | None = None) -> None:
        """The attendant clears the open intervention at the lane (approve or refuse)."""
        self._need("clear the call", Step.HELP)
        intervention = self.intervention
        assert intervention is not None
        if intervention.kind is Kind.PAYMENT_FAILED and intervention.params.get("step_up"):
            if operator_id is None or pin is None:
                raise KioskError("Type your id and PIN to approve this payment.", code="kiosk_attendant_needed")
            attendant = self.identify(operator_id=operator_id, pin=pin)
            # the checkout checks the PIN and the step-up right again and audits the approval
            outcome = self.checkout.supervisor_approve(operator_id, pin) if approve else self.checkout.refuse_step_up()
            self._close(intervention, attendant, approve, "lane")
            self.step, self.resume = Step.PAYING, None
            self._after_payment(outcome)
            return
        attendant = self.identify(operator_id=operator_id, pin=pin, badge=badge)
        self._decide(intervention, attendant, approve, "lane")

    @action("remote")
    def clear_remote(self, intervention_id: str, operator_id: str, approve: bool) -> None:
        """An approval from the attendant station (its signature, lane and freshness are checked by the link)."""
        intervention = self.intervention
        if self.step is not Step.HELP or intervention is None or intervention.intervention_id != intervention_id:
            raise KioskError("That call is no longer open on this lane.", code="kiosk_call_not_open")
        if not intervention.remote_ok:
            raise KioskError("This call must be cleared at the lane.", code="kiosk_clear_at_lane")
        self._decide(intervention, self.operators.get(operator_id), approve, "station")

    def _decide(self, intervention: Intervention, attendant: Operator, approve: bool, where: str) -> None:
        permission = PERMISSION[intervention.kind]
        try:
            self.operators.authorize(attendant, permission, f"kiosk_{intervention.kind}",
                                     details={"lane": self.lane_id, "intervention": intervention.intervention_id,
                                              "approve": approve, "where": where})
        except OperatorError:
            raise
        self._close(intervention, attendant, approve, where)
        kind = intervention.kind
        if kind is Kind.AGE_CHECK:
            if approve:
                self.age_ok = True
            else:
                line = intervention.params.get("line")
                cart = self.checkout.cart
                if cart is not None and line is not None:
                    cart.remove(line)
                self.awaiting_bag = None  # the attendant takes the item away
        elif kind is Kind.WEIGHT_MISMATCH:
            self.awaiting_bag, self.bag_retry = None, False  # the attendant looked: the bag is as it is
        elif kind is Kind.HIGH_VALUE and approve:
            self.high_value_ok = True
        elif kind is Kind.PAYMENT_FAILED:
            self.failed_payments = 0
        elif kind is Kind.CANCEL_REQUEST and approve:
            self._abandon(f"cancel approved by {attendant.operator_id}")
            return
        back = self.resume or Step.SCANNING
        if kind is Kind.HIGH_VALUE and not approve:
            back = Step.BASKET
        self.resume = None
        self.step = back
        if back is Step.PAYING and self.checkout.state is State.BASKET:
            self._enter_payment()
        else:
            self._say("kiosk_scan_next" if back is Step.SCANNING else "kiosk_continue")

    def _close(self, intervention: Intervention, attendant: Operator, approve: bool, where: str) -> None:
        waited = self.clock() - intervention.raised_at
        self._journal("kiosk.intervention.cleared", {"id": intervention.intervention_id,
                                                     "kind": str(intervention.kind), "approved": approve,
                                                     "by": attendant.operator_id, "where": where,
                                                     "waited_ms": round(waited * 1000)})
        self.events.append({"event": "cleared", "kind": str(intervention.kind), "waited_s": waited, "where": where})
        self.intervention = None

    # --- service and lock-down ----------------------------------------------------------------------------------

    @action("out of service")
    def out_of_service(self, operator_id: str, *, where: str = "lane") -> None:
        """An attendant closes the lane: an open basket is cancelled (journalled) first."""
        attendant = self.operators.get(operator_id)
        self.operators.authorize(attendant, Permission.VOID, "kiosk_out_of_service",
                                 details={"lane": self.lane_id, "where": where})
        if self.step in WITH_BASKET or self.checkout.state is not State.IDLE:
            self._abandon(f"out of service by {operator_id}")
        self._reset()
        self.step = Step.OUT_OF_SERVICE
        self._say("kiosk_out_of_service")
        self._journal("kiosk.out_of_service", {"by": operator_id, "where": where})

    @action("in service")
    def back_in_service(self, operator_id: str, *, where: str = "lane") -> None:
        self._need("open the lane", Step.OUT_OF_SERVICE)
        attendant = self.operators.get(operator_id)
        self.operators.authorize(attendant, Permission.VOID, "kiosk_in_service",
                                 details={"lane": self.lane_id, "where": where})
        self._go(Step.ATTRACT, "open the lane")
        self._say("kiosk_touch_to_start")
        self._journal("kiosk.in_service", {"by": operator_id, "where": where})

    def authorize_exit(self, *, operator_id: str | None = None, pin: str | None = None,
                       badge: bytes | None = None) -> Operator:
        """Leaving the locked-down kiosk: a technician or manager only (NotPermitted otherwise), audited."""
        with self._lock:
            who = self.identify(operator_id=operator_id, pin=pin, badge=badge)
            if not any(who.can(p) for p in EXIT_PERMISSIONS):
                raise KioskError("Only a technician or a manager can close the kiosk.", code="kiosk_exit_refused")
            self._journal("kiosk.exit", {"by": who.operator_id})
            return who
