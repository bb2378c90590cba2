"""Abandoned online holds are released once each, even when the sync thread and a "send now" release at once."""

from __future__ import annotations

import threading

from terminal.checkout import release_abandoned_holds
from terminal.demo import open_demo_store


def test_two_threads_releasing_at_once_release_each_hold_once(tmp_path) -> None:
    with open_demo_store(tmp_path / "store", devices="inprocess") as store:
        till, co = store.till, store.till.checkout
        store.hub.kill()  # authorisations go unanswered: each card sale leaves an abandoned hold
        for _ in range(3):
            co.start_sale()
            item = store.catalogue.products[0]
            co.add_item(item.sku, item.name, item.price, item.tax_rate)
            co.checkout()
            till.card_reader.present("visa")
            assert co.pay_card().result == "completed"
        store.hub.start()
        threads = [threading.Thread(target=release_abandoned_holds, args=(till.journal, till.checkout.ports.auth))
                   for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        kinds = [(r.type, r.payload["auth_id"]) for r in till.journal.records()
                 if r.type in ("auth.abandoned", "auth.released")]
    abandoned = sorted(a for t, a in kinds if t == "auth.abandoned")
    released = sorted(a for t, a in kinds if t == "auth.released")
    assert len(abandoned) == 3 and released == abandoned
