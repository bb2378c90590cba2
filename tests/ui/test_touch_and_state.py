"""The till by touch alone, a screen that says what is true, live search, and a Chinese till end to end: the window
on a real demo store, driven by taps (keypad keys, operator buttons) as on a touchscreen with no keyboard."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from drivers.printer.preview import decode
from terminal.demo.rig import SAMPLE_OPERATORS

PINS = {ident: pin for ident, _, _, pin in SAMPLE_OPERATORS}


def tap_digits(cashier: Any, digits: str) -> None:
    for digit in digits:
        cashier.tap(f"key_{digit}")


def records(store: Any, record_type: str) -> list[dict[str, Any]]:
    return [r.payload for r in store.till.journal.records() if r.type == record_type]


def test_shift_and_refund_by_touch_alone_say_what_is_approved(cashier: Any, store: Any) -> None:
    """No keyboard: the float on the keypad, the approver by their button, the PIN on the keypad; the approval page
    names the refund's amount, and the close names the count, the expected cash and the difference."""
    cashier.login()
    tap_digits(cashier, "200")
    cashier.tap("shift_open")
    water = store.catalogue.by_sku("DRK-001")
    cashier.tap(f"product_{water.sku}")
    assert cashier.text("sale_tax").startswith("1 item ·")  # one, not "1 items"
    cashier.tap(f"product_{water.sku}")
    cashier.tap("pay")
    cashier.tap("tender_cash")
    cashier.tap("cash_exact")
    cashier.tap("next_sale")
    cashier.tap("open_refund")
    cashier.tap("refund_search")
    results = cashier.window.pages["refund"].results
    cashier.qtbot.mouseClick(results.viewport(), Qt.MouseButton.LeftButton,
                             pos=results.visualItemRect(results.item(0)).center())
    cashier.idle()
    cashier.tap("refund_all")
    cashier.tap("refund_go")
    assert cashier.page == "approve"
    assert (water.price * 2).format() in cashier.text("approve_details")
    cashier.tap("approve_pick_S-001")
    tap_digits(cashier, PINS["S-001"])
    cashier.tap("keypad_ok")
    assert cashier.page == "receipt", cashier.banner
    assert records(store, "refund.completed")[-1]["total"]["amount"] == water.price.amount * 2
    cashier.tap("next_sale")
    cashier.tap("open_shift")
    tap_digits(cashier, "195")
    cashier.tap("shift_close")
    details = cashier.text("approve_details")
    assert "195.00" in details and "200.00" in details and "5.00 short" in details, details
    assert cashier._find(QPushButton, "approve_pick_M-001")  # the manager's button...
    assert not cashier.window.findChild(QPushButton, "approve_pick_S-001").isVisible()  # ...not a supervisor's
    assert "Manager" in cashier.window.pages["approve"].entry.who.placeholderText()
    cashier.type("approve_id", "S-001")  # a supervisor may not close a shift; the sentence says who they are once
    tap_digits(cashier, PINS["S-001"])
    cashier.tap("keypad_ok")
    assert "Sun (supervisor) cannot approve" in cashier.banner and cashier.page == "approve"
    cashier.tap("approve_pick_M-001")
    tap_digits(cashier, PINS["M-001"])
    cashier.tap("keypad_ok")
    assert cashier.page == "shift" and cashier.window.shop.shifts.current() is None, cashier.banner


def test_enter_in_the_float_field_opens_the_shift(cashier: Any) -> None:
    cashier.login()
    cashier.type("shift_cash", "150", enter=True)
    assert cashier.page == "sale" and cashier.window.shop.shifts.current() is not None, cashier.banner


def test_cancel_sale_asks_first_and_old_sentences_go(cashier: Any, store: Any) -> None:
    cashier.login()
    cashier.open_shift()
    cashier.type("barcode", "99999999", enter=True)
    assert cashier.window.banner.tone == "error"
    cashier.tap("product_DRK-001")  # a success: the old error is gone
    assert not cashier.banner
    cashier.tap("cancel_sale")
    assert store.till.checkout.state == "basket" and "again" in cashier.banner  # nothing lost to one stray tap
    cashier.tap("cancel_sale")
    assert store.till.checkout.state == "idle"
    pay = cashier.window.findChild(QPushButton, "pay")
    assert not pay.isEnabled()  # grey: an empty basket cannot be paid
    cashier.tap("product_DRK-001")
    cashier.tap("pay")
    assert cashier.page == "tender" and not cashier.banner  # the page says the total: no banner over it
    cashier.tap("tender_cancel")
    assert store.till.checkout.state == "tender_selection" and "again" in cashier.banner
    cashier.tap("tender_cancel")
    assert store.till.checkout.state == "idle"


def test_live_search_filters_as_typed_best_first(cashier: Any, store: Any) -> None:
    cashier.login()
    cashier.open_shift()
    entry = cashier.window.pages["sale"].entry
    entry.setFocus()
    cashier.qtbot.keyClicks(entry, "cola")
    tabs = cashier.window.pages["sale"].tabs
    assert tabs.currentIndex() == 0 and tabs.tabText(0).endswith("1")  # "Found: 1": not the milk chocolate
    found = [b.objectName() for b in tabs.currentWidget().findChildren(QPushButton)]
    assert found == ["found_DRK-003"]
    cashier.qtbot.keyClick(entry, Qt.Key.Key_Return)
    cashier.idle()
    assert [line.sku for line in store.till.checkout.cart.lines] == ["DRK-003"]
    assert entry.text() == "" and not tabs.tabText(0).startswith("Found")


def test_pin_card_without_a_pin_asks_for_the_pin(cashier: Any) -> None:
    cashier.login()
    cashier.open_shift()
    cashier.tap("product_DRK-001")
    cashier.tap("pay")
    cashier.tap("tender_card")
    cashier.tap("card_present_pin")  # the customer typed nothing on the PIN pad
    assert cashier.page == "card" and "needs its PIN" in cashier.banner
    cashier.type("card_customer_pin", "1234")
    cashier.tap("card_present_pin")
    assert cashier.page == "receipt", cashier.banner


def test_chinese_till_greets_names_roles_and_prints_in_chinese(cashier_zh: Any, store: Any) -> None:
    cashier = cashier_zh
    cashier.login()
    assert "您好" in cashier.banner
    cashier.open_shift()
    assert "收银员" in cashier.window.operator_label.text()
    cashier.tap("product_DRK-001")
    cashier.tap("pay")
    cashier.tap("tender_cash")
    cashier.tap("cash_exact")
    assert cashier.page == "receipt", cashier.banner
    printed = "\n".join(e.text for e in decode(cashier.window.shop.printer.last).elements if e.kind == "text")
    assert "矿泉水" in printed and "合计" in printed and "现金" in printed, printed
