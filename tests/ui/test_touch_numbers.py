"""Number fields a finger can fill (issue 19: the split amount, the refund search and a custom discount needed a
keyboard): a tap on the field opens a keypad over the window; its keys fill the field, OK closes it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLineEdit
from test_touch_and_state import records, tap_digits


def fill_by_touch(cashier: Any, field_name: str, keys: str) -> str:
    field = cashier._find(QLineEdit, field_name)
    cashier.qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    popup = cashier._find(QFrame, "touch_keypad")
    inside = cashier.window.rect()
    assert inside.contains(popup.geometry()), (popup.geometry(), inside)  # over the window, never outside it
    for key in keys:
        cashier.tap("touch_" + {".": "dot"}.get(key, key))
    cashier.shot(f"touch-keypad-{field_name}")
    cashier.tap("touchpad_ok")
    assert not [w for w in cashier.window.findChildren(QFrame, "touch_keypad") if w.isVisible()]
    return field.text()


def test_split_amount_and_refund_search_by_touch_alone(cashier: Any, store: Any) -> None:
    cashier.login()
    tap_digits(cashier, "100")
    cashier.tap("shift_open")
    water = store.catalogue.by_sku("DRK-001")
    for _ in range(5):
        cashier.tap(f"product_{water.sku}")
    cashier.tap("pay")
    assert fill_by_touch(cashier, "tender_amount", "4.00") == "4.00"
    cashier.tap("tender_cash")
    cashier.tap("cash_exact")  # 4.00 now, in cash: a split
    assert [r["amount"]["amount"] for r in records(store, "tender.approved")][-1] == 400
    cashier.tap("tender_cash")
    cashier.tap("cash_exact")
    cashier.tap("next_sale")
    cashier.tap("open_refund")
    total = (water.price * 5).major_text()
    assert fill_by_touch(cashier, "refund_search_amount", total) == total
    cashier.tap("refund_search")
    assert cashier.window.pages["refund"].results.count() == 1
    assert fill_by_touch(cashier, "refund_search_last4", "123456") == "1234"  # four digits at most
