"""The back office in a real browser: Playwright driving Debian's Chromium (headless, never `playwright install`)
against a hub started by the test (`edgepos hub`, SQLite). Sign in and see today's chart, upload ERP orders and read
the flags, a customer asks for an e-invoice from the receipt QR's link and downloads the PDF, an auditor exports a
signed archive; CSRF, wrong-role and lock-out checks. One browser and one hub for the module; screenshots go to
$EDGEPOS_ARTIFACTS/backoffice (or the test's temp dir)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hubkit import ADMIN_TOKEN, CHROMIUM
from officekit import PASSWORD, TAX_ID, Shop, open_shop

from hub.backoffice.audit import verify_archive
from hub.process import HubProcess
from hub.store import Store

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                                reason="Debian's chromium is not installed (./dev installs it)")


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = os.environ.get("EDGEPOS_ARTIFACTS")
    path = Path(root) / "backoffice" if root else tmp_path_factory.mktemp("screens")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HubProcess, Shop]]:
    directory = tmp_path_factory.mktemp("office-hub")
    store = Store.open(path=directory / "hub.db")
    shop = open_shop(store, directory)
    store.close()
    added = subprocess.run([sys.executable, "-m", "terminal.cli", "hub", "user", "add", "boss", "--role", "manager",
                            "--merchant", shop.merchant_id, "--db", str(directory / "hub.db")],
                           env={**os.environ, "PYTHONPATH": str(ROOT), "EDGEPOS_USER_PASSWORD": PASSWORD},
                           capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    process = HubProcess(admin_token=ADMIN_TOKEN, db=directory / "hub.db", log=directory / "hub.log").start()
    yield process, shop
    process.stop()


@pytest.fixture
def page(browser, hub):
    context = browser.new_context(base_url=hub[0].url, viewport={"width": 1280, "height": 900},
                                  accept_downloads=True, locale="en-US")
    yield context.new_page()
    context.close()


def sign_in(page, name: str, password: str = PASSWORD) -> None:
    page.goto("/office/")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_manager_sees_todays_chart_and_may_not_reconcile(page, hub, shots: Path) -> None:
    sign_in(page, "boss")
    assert page.locator(".net").first.inner_text() == "48.35 CNY"
    assert page.locator("svg rect.bar").count() >= 5
    page.screenshot(path=str(shots / "day.png"), full_page=True)
    answer = page.goto("/office/reconcile")
    assert answer.status == 403 and "may not open" in page.inner_text("main")
    page.goto("/office/exceptions")
    assert page.locator("tr.exception[data-kind=blacklisted]").count() == 1
    page.screenshot(path=str(shots / "exceptions.png"), full_page=True)
    forged = page.request.post(f"{hub[0].url}/office/exceptions/resolve",
                               form={"terminal_id": hub[1].terminal.id, "seq": "5", "note": "no token"})
    assert forged.status == 403
    page.goto("/office/?lang=zh")
    assert "净销售额" in page.inner_text("main")
    page.screenshot(path=str(shots / "day-zh.png"), full_page=True)


def test_finance_uploads_erp_orders_and_reads_the_flags(page, hub, tmp_path: Path, shots: Path) -> None:
    _, shop = hub
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,created_at,amount,currency,terminal_id,payment_ref\n"
                      f"A1,{shop.split_sale['created_at']},33.90,CNY,,{shop.split_sale['sale_id']}\n"
                      f"A2,{shop.qr_sale['created_at']},8.00,CNY,,{shop.qr_sale['sale_id']}\n"
                      f"A3,{shop.refunded_sale['created_at']},11.30,CNY,{shop.terminal.id},\n"
                      f"A4,{shop.refunded_sale['created_at']},99.00,CNY,,\n"
                      "A5,last tuesday,1.00,CNY,,\n")
    sign_in(page, shop.users["finance"])
    page.goto("/office/reconcile")
    page.set_input_files("input[name=orders]", str(orders))
    day = shop.split_sale["created_at"][:10]
    page.fill("input[name=from]", day)
    page.fill("input[name=to]", day)
    page.click("button[name=run]")
    page.wait_for_selector("#report")
    kinds = page.locator("tr.flag").evaluate_all("rows => rows.map(r => r.dataset.kind)")
    assert sorted(kinds) == ["amount_mismatch", "missing_payment"]
    assert page.inner_text("#matched") == "2" and "Line 6" in page.inner_text("tr.unreadable")
    page.screenshot(path=str(shots / "reconcile.png"), full_page=True)


def test_customer_gets_an_e_invoice_from_the_receipt_qr(page, hub, tmp_path: Path, shots: Path) -> None:
    _, shop = hub
    page.goto(f"/invoice?code=EPS1:{shop.terminal.id}:{shop.split_sale['sale_id']}")
    page.fill("input[name=buyer]", "示例科技有限公司")
    page.fill("input[name=tax_id]", TAX_ID)
    page.screenshot(path=str(shots / "invoice-request.png"), full_page=True)
    page.click("main button[type=submit]")
    assert "INV-" in page.inner_text("#invoice-ready")
    with page.expect_download() as download:
        page.click("#invoice-download")
    pdf = tmp_path / "invoice.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF") and len(pdf.read_bytes()) > 5000
    page.screenshot(path=str(shots / "invoice-ready.png"), full_page=True)
    sign_in(page, shop.users["finance"])
    page.goto("/office/invoices")
    assert page.locator("tr.invoice").count() == 1
    page.screenshot(path=str(shots / "invoices.png"), full_page=True)


def test_auditor_exports_an_archive_that_verifies(page, hub, tmp_path: Path, shots: Path) -> None:
    sign_in(page, hub[1].users["auditor"])
    page.goto("/office/audit")
    page.screenshot(path=str(shots / "audit.png"), full_page=True)
    with page.expect_download() as download:
        page.click("form[action='/office/audit'] button")
    archive = tmp_path / "audit.zip"
    download.value.save_as(archive)
    assert verify_archive(archive)["ok"]


def test_admin_sees_the_fleet_and_queues_a_retirement_after_confirming(page, hub, shots: Path) -> None:
    import httpx

    process, shop = hub
    health = {"versions": {"edgepos": "1.4.2"}, "head_seq": 5, "queue_pending": 2, "oldest_pending_age_s": 95.0,
              "skew_ms": 180, "devices": [{"name": "printer", "status": "error", "advice": "paper out"}]}
    body, headers = shop.terminal.signed("POST", "/v1/fleet/checkin", health)
    assert httpx.post(f"{process.url}/v1/fleet/checkin", content=body, headers=headers).status_code == 200
    sign_in(page, shop.users["admin"])
    page.goto("/office/terminals")
    row = page.locator(f"tr.terminal[data-terminal='{shop.terminal.id}']")
    assert "printer: error (paper out)" in row.inner_text() and "2 (95 s)" in row.inner_text()
    page.screenshot(path=str(shots / "terminals.png"), full_page=True)
    row.locator("select[name=action]").select_option("retire")
    row.locator("button[type=submit]").click()
    assert page.locator("input[name=confirm]").count() == 1  # nothing queued yet: the id is asked for
    page.fill("input[name=confirm]", shop.terminal.id)
    page.click("main button[type=submit]")
    assert page.locator(f"tr.terminal[data-terminal='{shop.terminal.id}']").get_attribute("data-state") == "retiring"


def test_lock_out_after_failed_sign_ins(page, hub, shots: Path) -> None:
    """Last in the module: the lock-out holds this address for a while."""
    name = hub[1].users["admin"]
    for _ in range(6):
        sign_in(page, name, "not the password")
        assert "Wrong name or password" in page.inner_text("main")
    sign_in(page, name)  # the right password, too late
    assert "Too many failed sign-ins" in page.inner_text("main")
    page.screenshot(path=str(shots / "locked.png"), full_page=True)
