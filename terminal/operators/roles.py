"""Roles and what each may do. One table, so a reviewer sees every privilege at a glance."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CASHIER = "cashier"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    TECHNICIAN = "technician"


class Permission(StrEnum):
    SELL = "sell"
    REFUND = "refund"
    VOID = "void"
    PRICE_OVERRIDE = "price_override"
    NO_SALE = "no_sale"  # open the drawer without a sale
    SHIFT_CLOSE = "shift_close"
    STEP_UP = "step_up"  # confirm a risky payment (supervisor step-up)
    RESET_LOCKOUT = "reset_lockout"
    MANAGE_OPERATORS = "manage_operators"
    SERVICE = "service"  # diagnostics, provisioning


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASHIER: frozenset({Permission.SELL}),
    Role.SUPERVISOR: frozenset({Permission.SELL, Permission.REFUND, Permission.VOID, Permission.PRICE_OVERRIDE,
                                Permission.NO_SALE, Permission.STEP_UP}),
    Role.MANAGER: frozenset({Permission.SELL, Permission.REFUND, Permission.VOID, Permission.PRICE_OVERRIDE,
                             Permission.NO_SALE, Permission.STEP_UP, Permission.SHIFT_CLOSE,
                             Permission.RESET_LOCKOUT, Permission.MANAGE_OPERATORS}),
    Role.TECHNICIAN: frozenset({Permission.SERVICE}),  # a technician services the terminal; never touches money
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[Role(role)]
