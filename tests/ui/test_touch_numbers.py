"""Number fields a finger can fill (issue 19: the split amount, the refund search and a custom discount needed a
keyboard): a tap on the field opens a keypad over the window; its keys fill the field, OK closes it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLineEdit, QPushButton
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


def test_an_unfinished_refund_is_finished_from_the_refund_page(cashier: Any, store: Any) -> None:
    """The bank paid a refund out but the journal failed to save it: the refund page offers only to finish it (the
    same refund under the same keys at the hub), never a new refund of the sale."""
    import pytest

    from terminal.checkout import CheckoutError

    cashier.login()
    tap_digits(cashier, "100")
    cashier.tap("shift_open")
    till, after = store.till, cashier.window.shop.aftersale
    co = till.checkout
    co.start_sale()
    lamp = store.catalogue.by_sku("DRK-001")
    co.add_item(lamp.sku, lamp.name, lamp.price, lamp.tax_rate)
    co.checkout()
    till.card_reader.present("visa")
    sale_id = co.pay_card().sale_id
    real = co.ports.journal

    class FailsOnCompletion:
        def append(self, record_type, payload, sensitive=None):
            if record_type == "refund.completed":
                raise OSError("disk full")
            return real.append(record_type, payload, sensitive)

    co.ports.journal = FailsOnCompletion()
    with pytest.raises(CheckoutError):
        after.refund(sale_id, {1: 1}, approver_id="S-001", approver_pin="2468", reason="broken")
    co.ports.journal = real
    cashier.tap("open_refund")
    page = cashier.window.pages["refund"]
    page._open(sale_id)
    cashier.idle()
    assert cashier._find(QPushButton, "refund_finish").isVisible()
    assert not page.refund_button.isVisible()  # no second refund of this sale before the first is finished
    cashier.tap("refund_finish")
    assert cashier.page == "receipt", cashier.banner
    assert len(records(store, "refund.completed")) == 1
    assert records(store, "refund.completed")[0]["refund_id"] == records(store, "refund.requested")[0]["refund_id"]
