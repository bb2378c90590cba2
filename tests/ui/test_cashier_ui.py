"""The cashier app end to end, offscreen: what the cashier taps and types, what the screen says, and what the
journal and the hub hold afterwards."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from terminal.demo.rig import SAMPLE_OPERATORS


def records(store: Any, record_type: str) -> list[dict[str, Any]]:
    return [r.payload for r in store.till.journal.records() if r.type == record_type]


def test_full_sale_by_touch_with_cash_and_change(cashier: Any, store: Any) -> None:
    cashier.shot("01-login")
    cashier.login()
    cashier.open_shift("200")
    water, tea = store.catalogue.by_sku("DRK-001"), store.catalogue.by_sku("DRK-002")
    cashier.tap(f"product_{water.sku}")
    cashier.tap(f"product_{water.sku}")
    cashier.tap(f"product_{tea.sku}")
    cashier.tap("qty_plus")  # the selected line (tea) becomes 2
    expected = water.price * 2 + tea.price * 2
    assert expected.format() in cashier.text("sale_total")
    cashier.shot("02-sale-in-progress")
    cashier.tap("pay")
    assert cashier.page == "tender"
    cashier.shot("03-tender-choice")
    cashier.tap("tender_cash")
    cashier.tap("cash_exact")
    assert cashier.page == "receipt", cashier.banner
    assert f"Paid {expected.format()}" in cashier.text("receipt_result")
    assert not cashier.window.pages["receipt"].preview.pixmap().isNull()  # the slip as printed
    cashier.shot("04-receipt-preview")
    sale = records(store, "sale.completed")[-1]
    assert sale["totals"]["total"]["amount"] == expected.amount
    assert [(line["sku"], line["quantity"]) for line in sale["lines"]] == [(water.sku, 2), (tea.sku, 2)]
    assert sale["change"]["amount"] == 0
    cashier.tap("next_sale")
    assert cashier.page == "sale"


def test_full_sale_by_keyboard_only(cashier: Any, store: Any) -> None:
    cashier.login()
    cashier.open_shift("100")
    cola = store.catalogue.by_sku("DRK-003")
    cashier.type("barcode", cola.barcode, enter=True)
    cashier.type("barcode", "  " + cola.barcode, enter=True)  # the scanner's stray spaces are fine
    cashier.key(Qt.Key.Key_Plus, "barcode")  # 3 colas
    cashier.type("barcode", "99999999", enter=True)  # not in the catalogue: a sentence, nothing added
    assert cashier.window.banner.tone == "error" and cashier.banner
    cashier.key(Qt.Key.Key_F12, "barcode")
    assert cashier.page == "tender"
    cashier.key(Qt.Key.Key_F5, "tender_amount")
    assert cashier.page == "cash"
    cashier.type("cash_amount", "50", enter=True)
    assert cashier.page == "receipt", cashier.banner
    change = 5000 - cola.price.amount * 3
    sale = records(store, "sale.completed")[-1]
    assert sale["lines"][0]["quantity"] == 3 and sale["change"]["amount"] == change
    cashier.key(Qt.Key.Key_Return)
    assert cashier.page == "sale"


def test_declined_card_keeps_the_sale_open_then_another_card_pays(cashier: Any, store: Any) -> None:
    cashier.login()
    cashier.open_shift()
    cashier.tap("product_" + store.catalogue.products[0].sku)
    cashier.tap("pay")
    cashier.tap("tender_card")
    cashier.tap("card_present_expired")
    assert cashier.page == "tender"
    assert cashier.window.banner.tone == "error"
    assert "expired" in cashier.banner
    cashier.shot("05-declined-card")
    assert records(store, "tender.declined")[-1]["reasons"] == ["card_expired"]
    assert store.till.checkout.sale is not None  # still open: the customer pays another way
    cashier.tap("tender_card")
    cashier.tap("card_present_visa")
    assert cashier.page == "receipt", cashier.banner
    card = records(store, "sale.completed")[-1]["tenders"][0]
    assert card["kind"] == "card_contact" and len(card["card_last4"]) == 4
    assert not [text for text in screen_texts(cashier.window) if re.search(r"\d{13,}", text)]  # no card number


def screen_texts(window: Any) -> list[str]:
    return [w.text() for cls in (QLabel, QPushButton, QLineEdit) for w in window.findChildren(cls)]


def test_offline_sale_is_approved_within_limits_and_synced_when_back(cashier: Any, store: Any) -> None:
    cashier.login()
    cashier.open_shift()
    store.hub.kill()  # the network is gone
    cashier.tap("product_" + store.catalogue.products[1].sku)
    cashier.tap("pay")
    cashier.tap("tender_tap")
    cashier.tap("tap_present_visa")
    assert cashier.page == "receipt", cashier.banner
    assert cashier.window.banner.isHidden() or cashier.window.banner.tone in ("ok", "warn")
    tender = records(store, "tender.approved")[-1]
    assert tender["offline"] is True and tender["reference"].startswith("OFF")
    cashier.window.refresh_status()
    assert "Offline" in cashier.window.link_label.text()
    cashier.shot("06-offline-sale")
    abandoned = records(store, "auth.abandoned")  # the hold asked for may have reached the hub
    assert abandoned
    store.hub.start()
    cashier.tap("next_sale")
    cashier.tap("open_shift")
    cashier.tap("shift_sync")  # the back-office "send now", with a progress banner
    assert cashier.window.banner.tone == "ok" and "Sent" in cashier.banner
    assert store.till.journal.outbox_stats()[0] <= 1  # (the release record itself may still be on its way)
    released = [r["auth_id"] for r in records(store, "auth.released")]
    # no customer money left held at the hub, and each hold released once (sync thread and send-now race)
    assert sorted(released) == sorted(r["auth_id"] for r in abandoned)
    cashier.window.refresh_status()
    assert "Online" in cashier.window.link_label.text()


def test_big_wallet_payment_needs_a_supervisor_and_a_wrong_pin_is_refused(cashier: Any, store: Any) -> None:
    cashier.login()
    cashier.open_shift()
    rice = store.catalogue.by_sku("FRS-005")
    cashier.type("barcode", f"80*{rice.barcode}", enter=True)  # a bulk buy, paid from a phone wallet
    assert (rice.price * 80).format() in cashier.text("sale_total")
    cashier.tap("pay")
    cashier.tap("tender_customer_qr")
    cashier.tap("customer_qr_demo")
    assert cashier.page == "step_up", cashier.banner
    assert store.till.checkout.state == "step_up_supervisor"
    cashier.shot("09-step-up")
    cashier.type("step_up_id", "S-001")
    cashier.type("step_up_pin", "0000", enter=True)  # wrong: the step stays, nothing is paid
    assert cashier.page == "step_up" and cashier.window.banner.tone == "error"
    assert records(store, "tender.approved") == []
    supervisor_pin = next(pin for ident, _, _, pin in SAMPLE_OPERATORS if ident == "S-001")
    cashier.type("step_up_id", "S-001")
    cashier.type("step_up_pin", supervisor_pin, enter=True)
    assert cashier.page == "receipt", cashier.banner
    tender = records(store, "tender.approved")[-1]
    assert tender["stepped_up"] is True and tender["approved_by"] == "S-001"


def test_refund_with_supervisor_approval(cashier: Any, store: Any) -> None:
    cashier.login()
    cashier.open_shift()
    water = store.catalogue.by_sku("DRK-001")
    for _ in range(3):
        cashier.tap(f"product_{water.sku}")
    cashier.tap("pay")
    cashier.tap("tender_cash")
    cashier.tap("cash_exact")
    sale_id = records(store, "sale.completed")[-1]["sale_id"]
    cashier.tap("next_sale")
    cashier.tap("open_refund")
    assert cashier.page == "refund"
    terminal_id = store.till.keystore.terminal_id
    cashier.type("refund_code", f"EPS1:{terminal_id}:{sale_id}", enter=True)
    assert sale_id[:8] in cashier.text("refund_sale_title") or "Sale of" in cashier.text("refund_sale_title")
    cashier.tap("refund_plus")
    cashier.tap("refund_plus")
    assert water.price.scale(2).format() in cashier.text("refund_quote") or (water.price * 2).format() in \
        cashier.text("refund_quote")
    cashier.shot("07-refund")
    cashier.tap("refund_go")
    assert cashier.page == "approve"
    cashier.type("approve_id", "S-001")
    cashier.type("approve_pin", "0000", enter=True)  # wrong PIN: refused, nothing refunded
    assert cashier.page == "approve" and cashier.window.banner.tone == "error"
    assert records(store, "refund.completed") == []
    supervisor_pin = next(pin for ident, _, _, pin in SAMPLE_OPERATORS if ident == "S-001")
    cashier.type("approve_pin", supervisor_pin, enter=True)
    assert cashier.page == "receipt", cashier.banner
    refund = records(store, "refund.completed")[-1]
    assert refund["sale_id"] == sale_id and refund["total"]["amount"] == water.price.amount * 2
    assert [t["kind"] for t in refund["tenders"]] == ["cash"]
    assert any(p.get("action") == "refund" and p.get("approved_by") == "S-001"
               for p in records(store, "audit.privileged"))


def test_x_and_z_report_close_the_shift_with_a_manager(cashier: Any, store: Any) -> None:
    cashier.login()
    cashier.open_shift("200")
    cashier.tap("product_" + store.catalogue.products[0].sku)
    cashier.tap("pay")
    cashier.tap("tender_cash")
    cashier.tap("cash_exact")
    cashier.tap("next_sale")
    cashier.tap("open_shift")
    cashier.tap("shift_x")
    preview = cashier.window.pages["shift"].preview.toPlainText()
    assert "X" in preview and "200.00" in preview
    cashier.type("shift_cash", "201")
    cashier.tap("shift_close")
    assert cashier.page == "approve"
    manager_pin = next(pin for ident, _, _, pin in SAMPLE_OPERATORS if ident == "M-001")
    cashier.type("approve_id", "M-001")
    cashier.type("approve_pin", manager_pin, enter=True)
    assert cashier.page == "shift", cashier.banner
    cashier.shot("08-z-report")
    closed = records(store, "shift.closed")[-1]
    assert closed["kind"] == "Z"
    assert store.till.checkout.state == "idle" and cashier.window.shop.shifts.current() is None


def test_wrong_login_pin_is_refused_with_tries_left(cashier: Any) -> None:
    cashier.tap("login_pick_C-001")
    cashier.type("login_pin", "0000", enter=True)
    assert cashier.page == "login" and cashier.window.banner.tone == "error"
    assert cashier.banner


def test_chinese_screens(qtbot: Any, store: Any) -> None:
    from terminal.ui.app import build_window

    window = build_window(store, "zh_CN")
    qtbot.addWidget(window)
    try:
        pay = window.findChild(QPushButton, "pay")
        assert "付款" in pay.text()
    finally:
        window.timer.stop()
        from terminal.ui.app import application

        application("en")


def test_refund_shift_and_no_sale_wait_for_the_open_sale(cashier: Any, store: Any) -> None:
    cashier.login()
    cashier.open_shift()
    cashier.tap("product_" + store.catalogue.products[0].sku)
    for name in ("open_refund", "open_shift", "no_sale", "logout"):
        assert not cashier._find(QPushButton, name).isEnabled(), name
    cashier.tap("remove_line")  # the last item: the first tap asks, nothing is removed yet
    assert store.till.checkout.state == "basket" and "again" in cashier.banner
    cashier.tap("remove_line")  # the basket is empty again: no sale is open
    assert store.till.checkout.state == "idle"
    assert cashier._find(QPushButton, "open_refund").isEnabled()


def test_no_sale_opens_the_drawer_without_showing_an_old_receipt(cashier: Any, store: Any) -> None:
    cashier.login()
    cashier.open_shift()
    cashier.tap("no_sale")
    assert cashier.page == "approve"
    cashier.type("approve_id", "S-001")
    supervisor_pin = next(pin for ident, _, _, pin in SAMPLE_OPERATORS if ident == "S-001")
    cashier.type("approve_pin", supervisor_pin, enter=True)
    assert cashier.page == "sale" and "Drawer open" in cashier.banner
    assert records(store, "drawer.opened")[-1]["reason"] == "no_sale"


def test_line_discount_needs_a_supervisor_and_lowers_the_total(cashier: Any, store: Any) -> None:
    cashier.login()
    cashier.open_shift()
    oil = store.catalogue.by_sku("HSH-003")  # 39.90
    cashier.type("barcode", f"2*{oil.barcode}", enter=True)
    cashier.tap("discount_line")
    assert cashier.page == "discount"
    cashier.tap("discount_10")
    cashier.type("discount_id", "C-001")  # a cashier cannot approve a discount
    cashier.type("discount_pin", "1357", enter=True)
    assert cashier.page == "discount" and cashier.window.banner.tone == "error"
    supervisor_pin = next(pin for ident, _, _, pin in SAMPLE_OPERATORS if ident == "S-001")
    cashier.type("discount_id", "S-001")
    cashier.type("discount_pin", supervisor_pin, enter=True)
    assert cashier.page == "sale", cashier.banner
    expected = oil.price * 2 - (oil.price * 2).scale(Decimal("0.1"))
    assert expected.format() in cashier.text("sale_total")
    cashier.tap("pay")
    cashier.tap("tender_cash")
    cashier.tap("cash_exact")
    sale = records(store, "sale.completed")[-1]
    assert sale["totals"]["total"]["amount"] == expected.amount
    assert any(p.get("action") == "line_discount" and p.get("approved_by") == "S-001"
               for p in records(store, "audit.privileged"))
