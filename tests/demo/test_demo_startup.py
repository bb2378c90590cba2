"""The window's demo store (`open_demo_store(background=True)`): the till logs people in at once, the hub, the
enrolment and the first sync round follow in the background, and closing at any moment leaves no hub behind."""

from __future__ import annotations

import os
import time

from terminal.demo import open_demo_store


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_till_first_hub_behind_it(tmp_path):
    with open_demo_store(tmp_path / "store", devices="inprocess", background=True) as store:
        startup = store.startup
        assert store.till.operators.login("C-001", "1357").operator_id == "C-001"  # before the hub is asked for
        startup.window_up()
        assert startup.ready.wait(30) and startup.error is None and startup.state == "ready"
        status = store.till.uplink.status()
        assert status.enrolled and status.last_error is None
        co = store.till.checkout
        co.start_sale()
        product = store.catalogue.products[0]
        co.add_item(product.sku, product.name, product.price, product.tax_rate, 1)
        co.checkout()
        store.cards.present("online")  # a card that always asks the hub
        out = co.pay_card()
        assert out.result == "completed" and not out.offline, out
        hub_pid = store.hub.process.pid
    assert not _alive(hub_pid)


def test_closing_while_the_hub_starts_leaves_no_hub(tmp_path):
    store = open_demo_store(tmp_path / "store", devices="inprocess", background=True)
    store.startup.window_up()
    time.sleep(0.1)  # the hub child is starting
    store.close()
    assert store.startup.ready.is_set()
    assert store.hub.process is None
    leftovers = [p for p in os.listdir("/proc") if p.isdigit() and _cmdline_has(p, str(tmp_path / "store" / "hub.db"))]
    assert not leftovers


def _cmdline_has(pid: str, text: str) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return text.encode() in f.read() and _alive(int(pid))
    except OSError:
        return False
