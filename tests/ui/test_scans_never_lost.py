"""A keyboard-wedge scanner types the next barcode while the till is still adding the previous item: the keys are
kept and replayed in order when the action is done, and the barcode field keeps the keyboard."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import Qt


def slow_first_add(store: Any, shop: Any) -> threading.Event:
    """The first add waits for `go` (a slow journal or scanner); the rest run at once. Only the timing is staged."""
    go, real = threading.Event(), shop.add_product
    calls = []

    def add(product: Any, quantity: int = 1) -> int:
        calls.append(product.sku)
        if len(calls) == 1:
            assert go.wait(10), "the test never released the first add"
        return real(product, quantity)

    shop.add_product = add
    return go


def test_scan_typed_while_the_previous_item_is_added_is_kept(cashier: Any, store: Any) -> None:
    cashier.login()
    cashier.open_shift()
    window, qtbot = cashier.window, cashier.qtbot
    water, cola = store.catalogue.by_sku("DRK-001"), store.catalogue.by_sku("DRK-003")
    go = slow_first_add(store, window.shop)
    entry = window.pages["sale"].entry
    qtbot.keyClicks(entry, water.barcode)
    qtbot.keyClick(entry, Qt.Key.Key_Return)
    assert window.runner.running  # the first item is still being added...
    qtbot.keyClicks(window.focusWidget(), cola.barcode)  # ...when the scanner types the next code
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Return)
    qtbot.keyClicks(window.focusWidget(), "+")  # one more cola
    qtbot.keyClicks(window.focusWidget(), f"3*{water.barcode}")
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Return)
    go.set()
    cashier.idle()
    qtbot.waitUntil(lambda: not window.runner.running and not window.input_hold.keys, timeout=10_000)
    cashier.idle()
    lines = {line.sku: line.quantity for line in window.shop.checkout.cart.lines}
    assert lines == {water.sku: 4, cola.sku: 2}
    assert window.focusWidget() is entry and entry.text() == ""
    assert not cashier.banner  # nothing went wrong, nothing to say


def test_next_customers_scan_on_the_receipt_page_starts_their_basket(cashier: Any, store: Any) -> None:
    cashier.login()
    cashier.open_shift()
    water, cola = store.catalogue.by_sku("DRK-001"), store.catalogue.by_sku("DRK-003")
    cashier.type("barcode", water.barcode, enter=True)
    cashier.tap("pay")
    cashier.tap("tender_cash")
    cashier.tap("cash_exact")
    assert cashier.page == "receipt"
    window, qtbot = cashier.window, cashier.qtbot
    target = window.focusWidget() or window
    qtbot.keyClicks(target, cola.barcode)  # the scanner, before anyone tapped "Next customer"
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Return)
    cashier.idle()
    assert cashier.page == "sale"
    assert [(line.sku, line.quantity) for line in window.shop.checkout.cart.lines] == [(cola.sku, 1)]
