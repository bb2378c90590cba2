"""Supplier batches in a real browser (Playwright + Debian's Chromium) against a real `edgepos hub` process:
finance uploads an Excel file, checks it and submits it; an admin approves; every row shows paid (and a row with a
later pay_on shows scheduled), and the result file downloads. Screenshots go to $EDGEPOS_ARTIFACTS/corporate."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from corpkit import card, workbook
from hubkit import ADMIN_TOKEN, CHROMIUM, unique

from hub.backoffice.users import add_user
from hub.process import HubProcess
from hub.store import Store

PASSWORD = "correct horse battery staple"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                                reason="Debian's chromium is not installed (./dev installs it)")


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HubProcess, dict[str, str]]]:
    directory = tmp_path_factory.mktemp("corp-hub")
    store = Store.open(path=directory / "hub.db")
    merchant = unique("M")
    users = {role: add_user(store, unique(role), PASSWORD, role, merchant).name for role in ("finance", "admin")}
    store.close()
    process = HubProcess(admin_token=ADMIN_TOKEN, db=directory / "hub.db", log=directory / "hub.log").start()
    yield process, users
    process.stop()


def sign_in(page, name: str) -> None:
    page.goto("/office/signin")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_finance_submits_admin_approves_rows_are_paid(browser, hub, tmp_path: Path) -> None:
    process, users = hub
    shots = Path(os.environ["EDGEPOS_ARTIFACTS"]) / "corporate" if os.environ.get("EDGEPOS_ARTIFACTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    later = (datetime.now(UTC).date() + timedelta(days=10)).isoformat()
    rows = [[f"供应商 {i}", card(700 + i), "102100099996", f"{100 + i}.50", "CNY", f"INV-{i}", None] for i in range(4)]
    rows.append(["Contract Co", card(799), "102100099996", "20.00", "CNY", "C-9", later])
    rows.append(["Broken Co", "6222", "102100099996", "1", "CNY", "X", None])
    path = tmp_path / "suppliers.xlsx"
    path.write_bytes(workbook(rows))
    context = browser.new_context(base_url=process.url, viewport={"width": 1280, "height": 900},
                                  accept_downloads=True, locale="en-US")
    page = context.new_page()
    sign_in(page, users["finance"])
    page.goto("/office/corporate")
    page.set_input_files("input[name=file]", str(path))
    page.click("button[name=check]")
    assert page.inner_text("#check-rows") == "6" and page.inner_text("#check-valid") == "5"
    assert page.locator("tr.row-error[data-code=bad_account][data-row='7']").count() == 1
    page.screenshot(path=str(shots / "check.png"), full_page=True)
    page.set_input_files("input[name=file]", str(path))
    page.click("button[name=submit]")
    assert page.get_attribute("#batch-status", "data-status") == "submitted"
    assert page.locator("#approve").count() == 0  # finance does not approve
    batch_url = page.url
    context.clear_cookies()

    sign_in(page, users["admin"])
    page.goto(batch_url)
    page.screenshot(path=str(shots / "to-approve.png"), full_page=True)
    page.click("#approve button")
    assert page.get_attribute("#batch-status", "data-status") == "approved"
    statuses = page.locator("tr.payout").evaluate_all("rows => rows.map(r => r.dataset.status)")
    assert statuses == ["paid"] * 4 + ["scheduled"]
    assert card(700) not in page.inner_text("main") and "供应商 0" in page.inner_text("main")
    page.screenshot(path=str(shots / "paid.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#result-csv")
    result = tmp_path / "result.csv"
    download.value.save_as(result)
    lines = result.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 6 and sum(",paid," in line for line in lines) == 4 and ",scheduled," in lines[-1]
    context.close()
