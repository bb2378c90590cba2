"""Interventions: what stops a lane until an attendant clears it, with the role each needs and the code the
customer's screen words (terminal.ui.wording: kiosk_*). Each has its own random id, so an approval is bound to one
lane and one intervention and can be used once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from terminal.operators.roles import Permission


class Kind(StrEnum):
    AGE_CHECK = "age_check"  # an age-restricted item was scanned
    WEIGHT_MISMATCH = "weight_mismatch"  # the bagging area does not weigh what was scanned (after one retry)
    UNKNOWN_ITEM = "unknown_item"  # a barcode the shop does not know
    PAYMENT_FAILED = "payment_failed"  # payments declined or failed twice, or a payment step-up
    CANCEL_REQUEST = "cancel_request"  # the customer asked to cancel the basket
    HIGH_VALUE = "high_value"  # the basket is over the store's limit for unattended sales
    HELP = "help"  # the customer pressed "Call for help"


# who may clear each: age and high value need a supervisor's step-up right; a cancel is a void
PERMISSION: dict[Kind, Permission] = {
    Kind.AGE_CHECK: Permission.STEP_UP,
    Kind.WEIGHT_MISMATCH: Permission.SELL,
    Kind.UNKNOWN_ITEM: Permission.SELL,
    Kind.PAYMENT_FAILED: Permission.SELL,
    Kind.CANCEL_REQUEST: Permission.VOID,
    Kind.HIGH_VALUE: Permission.STEP_UP,
    Kind.HELP: Permission.SELL,
}
# leaving the locked-down kiosk (desktop, shell) is a technician's or a manager's job
EXIT_PERMISSIONS = (Permission.SERVICE, Permission.MANAGE_OPERATORS)


@dataclass
class Intervention:
    kind: Kind
    params: dict[str, Any] = field(default_factory=dict)
    intervention_id: str = field(default_factory=lambda: secrets.token_hex(12))
    raised_at: float = 0.0  # monotonic seconds (attendant reaction time)
    remote_ok: bool = True  # False: only at the lane (a payment step-up needs the attendant's PIN there)

    @property
    def code(self) -> str:
        return f"kiosk_call_{self.kind}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": str(self.kind), "id": self.intervention_id, "params": dict(self.params),
                "remote_ok": self.remote_ok}
