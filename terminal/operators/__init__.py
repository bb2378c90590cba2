"""Operators and roles: who may sell, who may approve, and an audit record for every privileged action."""

from terminal.operators.roles import PERMISSIONS, Permission, Role, allowed
from terminal.operators.store import (
    AuditJournal,
    LockedOut,
    NotPermitted,
    Operator,
    OperatorError,
    OperatorStore,
    UnknownOperator,
    WrongPin,
    operators_path_for,
    pepper_from_keystore,
)

__all__ = [
    "PERMISSIONS",
    "AuditJournal",
    "LockedOut",
    "NotPermitted",
    "Operator",
    "OperatorError",
    "OperatorStore",
    "Permission",
    "Role",
    "UnknownOperator",
    "WrongPin",
    "allowed",
    "operators_path_for",
    "pepper_from_keystore",
]
