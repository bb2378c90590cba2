"""Back-office test data: a merchant with real sales (lines and taxes as the till journals them), a refund and a
declined offline sale, booked through the hub's own ingest."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hubkit import ADMIN_TOKEN, Clock, Terminal, new_token, refund, sale, tender, unique

from hub.app import create_app
from hub.backoffice.users import add_user
from hub.downstream import BlacklistChange
from hub.store import Store

PASSWORD = "correct horse battery staple"
TAX_ID = "91110000600037341L"  # a valid unified social credit code (check digit L)


def line(no: int, name: str, quantity: int, gross: int, rate: str = "0.13") -> dict[str, Any]:
    money = lambda amount: {"amount": amount, "currency": "CNY"}  # noqa: E731
    net = round(gross / (1 + float(rate)))
    return {"line_no": no, "sku": f"69{no:011d}", "name": name, "quantity": quantity,
            "unit_price": money(gross // quantity), "tax_rate": {"code": "VAT", "rate": rate, "inclusive": True,
                                                                 "rounding": "HALF_UP"},
            "line_discount": money(0), "cart_discount": money(0), "net": money(net), "tax": money(gross - net),
            "gross": money(gross)}


def sale_with_lines(tenders: list[dict[str, Any]], lines: list[dict[str, Any]]) -> dict[str, Any]:
    payload = sale(tenders)
    payload["lines"] = lines
    return payload


@dataclass
class Shop:
    merchant_id: str
    terminal: Terminal
    split_sale: dict[str, Any]
    qr_sale: dict[str, Any]
    refunded_sale: dict[str, Any]
    users: dict[str, str]  # role -> user name


def open_shop(store: Store, directory: Path) -> Shop:
    merchant = unique("M")
    terminal = Terminal.create(directory, merchant_id=merchant).enrol(store)
    split = sale_with_lines([tender("cash", 2000), tender("card_contactless", 1390)],
                            [line(1, "绿茶 Green tea", 2, 1130), line(2, "面包 Bread", 1, 2260)])
    qr = sale_with_lines([tender("qr_customer", 880)], [line(1, "Coffee 咖啡", 1, 880, "0.06")])
    refunded = sale_with_lines([tender("cash", 1130)], [line(1, "绿茶 Green tea", 2, 1130)])
    back = refund(refunded["sale_id"], [tender("cash", 565)])
    back["lines"] = [line(1, "绿茶 Green tea", 1, 565)]
    blocked = new_token()
    store.change_blacklist(BlacklistChange(add=(blocked,)))
    declined = sale([tender("card_contactless", 4200, token=blocked)])
    records = [terminal.append("sale.completed", split), terminal.append("sale.completed", qr),
               terminal.append("sale.completed", refunded), terminal.append("refund.completed", back),
               terminal.append("sale.completed", declined)]
    results = store.ingest_records(terminal.id, records).results
    assert [r.status for r in results] == ["accepted"] * 4 + ["declined"], results
    users = {}
    for role in ("manager", "finance", "auditor", "admin"):
        users[role] = unique(role)
        add_user(store, users[role], PASSWORD, role, merchant)
    return Shop(merchant, terminal, split, qr, refunded, users)


def csrf(html: str) -> str:
    """The CSRF token a back-office form carries."""
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def office_fixtures() -> tuple[Callable[..., object], ...]:
    """The fixtures `shop`, `app` (one each per module) and `web` (a fresh HTTP client) for a back-office test
    module: `shop, app, web = office_fixtures()`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    @pytest.fixture(scope="module")
    def shop(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Shop:
        return open_shop(store, tmp_path_factory.mktemp("shop"))

    @pytest.fixture(scope="module")
    def app(store: Store, clock: Clock):
        return create_app(store, ADMIN_TOKEN, clock, sweep_every_s=None)

    @pytest.fixture
    def web(app) -> Iterator[TestClient]:
        with TestClient(app, raise_server_exceptions=False, follow_redirects=True) as client:
            yield client

    return shop, app, web
