"""The demo's card panel does what its labels say, in the window as in the headless script: the store itself sets
up the blocked card (it was approved and captured when presented from the window)."""

from __future__ import annotations

from terminal.demo import open_demo_store


def _pay_with(store, card: str):
    co = store.till.checkout
    co.start_sale()
    product = store.catalogue.products[0]
    co.add_item(product.sku, product.name, product.price, product.tax_rate, 1)
    co.checkout()
    store.cards.present(card)
    return co.pay_card()


def test_blocked_card_is_declined_and_a_good_card_approved(tmp_path):
    with open_demo_store(tmp_path / "store", devices="inprocess", sales_hub=False) as store:
        assert "declined" in store.cards.label("blacklisted").lower()
        blocked = _pay_with(store, "blacklisted")
        assert blocked.result == "declined", blocked
        store.till.checkout.cancel("test: customer leaves")
        assert _pay_with(store, "visa").result == "completed"
