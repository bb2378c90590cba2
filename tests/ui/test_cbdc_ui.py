"""The digital-currency tender in the cashier window (offscreen, a real demo store and hub): F10 opens it, the three
flows pay, the receipt names digital RMB with the wallet's last digits only, the status bar counts offline payments
waiting to settle."""

from __future__ import annotations

from typing import Any


def _sale(cashier: Any, store: Any) -> None:
    water = store.catalogue.by_sku("DRK-001")
    cashier.tap(f"product_{water.sku}")
    cashier.tap("pay")
    assert cashier.page == "tender"
    cashier.tap("tender_cbdc")
    assert cashier.page == "cbdc", cashier.banner


def test_digital_rmb_three_ways_at_the_till(cashier: Any, store: Any) -> None:
    cashier.login()
    cashier.open_shift("200")

    _sale(cashier, store)
    cashier.tap("cbdc_demo_code")  # the customer's phone shows a code; the scanner reads it
    assert cashier.page == "receipt", cashier.banner
    printed = store.till.checkout.ports.printer.last
    sale = [r.payload for r in store.till.journal.records() if r.type == "sale.completed"][-1]
    tender = sale["tenders"][0]
    wallet = store.wallets._wallet
    assert tender["kind"] == "cbdc_wallet" and tender["reference"].startswith("CBN")
    assert tender["card_last4"] == wallet[-4:]
    assert b"Digital RMB" in printed and wallet[-4:].encode() in printed and wallet.encode() not in printed
    cashier.shot("cbdc-01-code-paid")
    cashier.tap("next_sale")

    _sale(cashier, store)
    cashier.tap("cbdc_show_qr")
    assert cashier.page == "cbdc" and not cashier.window.pages["cbdc"].image.pixmap().isNull()
    cashier.shot("cbdc-02-shop-qr")
    cashier.window.pages["cbdc"]._demo_pay_qr()  # the customer's wallet pays; the till learns it by long-poll
    cashier.qtbot.waitUntil(lambda: cashier.page == "receipt", timeout=15_000)
    cashier.idle()
    cashier.tap("next_sale")

    store.till.uplink.stop()  # the network goes: the offline payment waits at the till
    _sale(cashier, store)
    cashier.tap("cbdc_demo_card")  # an offline hard wallet, inserted
    assert cashier.page == "receipt", cashier.banner
    assert [r for r in store.till.journal.records() if r.type == "cbdc.offline_payment"]
    cashier.window.refresh_status()
    assert "1 digital-currency payments waiting to settle" in cashier.window.link_label.text()
    store.till.uplink.sync_once()
    cashier.window.refresh_status()
    assert "waiting to settle" not in cashier.window.link_label.text()
    cashier.shot("cbdc-03-hard-wallet")
    cashier.tap("next_sale")
