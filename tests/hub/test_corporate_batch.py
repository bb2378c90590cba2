"""Supplier batches (issue 16, sections 1-3): every error code on crafted workbooks (merged cells, a hidden sheet,
formulas with and without a saved result, dates stored as numbers), maker-checker (not the submitter, two different
approvers above the threshold, audited), execution with per-row status and the result file, and a real hub process
SIGKILLed mid-batch that resumes without paying any row twice (both backends)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from corpkit import IBANS, card, csv_file, workbook
from hubkit import ADMIN_TOKEN, unique

from hub.backoffice.users import add_user
from hub.corporate import batches, execute
from hub.corporate.batch_file import FileError, check
from hub.corporate.limits import default_limits
from hub.corporate.sealing import AccountSeal
from hub.errors import Conflict, HubError
from hub.process import HubProcess, edgepos_command
from hub.store import Store

SEAL = AccountSeal(ADMIN_TOKEN.encode())
PASSWORD = "correct horse battery staple"
TODAY = datetime.now(UTC).date()


def excel_serial(day: date) -> int:
    return (day - date(1899, 12, 30)).days


def crafted() -> bytes:
    """Rows 3-18 under a merged title row; a hidden sheet in front; each row one case."""
    ahead = datetime.combine(TODAY + timedelta(days=5), datetime.min.time())
    rows = [
        ["Huadong Steel", card(1), "102100099996", "1,234.50", "CNY", "INV-1", None],       # 3 valid
        ["Müller GmbH", IBANS[0], "COBADEFFXXX", 980.25, "EUR", "RE-77", ahead],            # 4 valid, Excel date
        [None, card(2), "102100099996", "10", "CNY", "INV-2", None],                         # 5 missing
        ["Bad Card Co", card(3)[:-1] + str((int(card(3)[-1]) + 1) % 10), "102", "10", "CNY", "X", None],  # 6
        ["Fen Co", card(4), "102100099996", "12.345", "CNY", "INV-4", None],                 # 7 bad_amount
        ["Renminbi Co", card(5), "102100099996", "10", "RMB", "INV-5", None],                # 8 bad_currency
        ["Late Co", card(6), "102100099996", "10", "CNY", "INV-6", (TODAY + timedelta(days=40)).isoformat()],  # 9
        ["Huadong Steel", card(1), "102100099996", "1234.5", "CNY", "INV-1", None],          # 10 duplicate of 3
        ["Big Co", card(7), "102100099996", "60000000", "CNY", "INV-7", None],               # 11 over_limit
        ["Number Co", float(card(8)), "102100099996", "10", "CNY", "INV-8", None],           # 12 bad_account
        ["Formula Co", card(9), "102100099996", "=2*50.5", "CNY", "INV-9", None],            # 13 cached 101
        ["Uncached Co", card(10), "102100099996", "=2*7", "CNY", "INV-10", None],            # 14 formula
        ["Merged Payee 合并", card(11), "102100099996", "5", "CNY", "INV-11", None],         # 15 merged A15:A16
        [None, card(12), "102100099996", "6", "CNY", "INV-12", None],                        # 16 payee from merge
        ["Serial Co", IBANS[1], "NWBKGB2L", "7", "GBP", "S-1", excel_serial(TODAY + timedelta(days=3))],  # 17
        ["Bad IBAN", "DE89370400440532013001", "COBADEFFXXX", "7", "EUR", "S-2", None],       # 18 bad_account
    ]
    return workbook(rows, title="Supplier payments 供应商付款", hidden_decoy=True, merge=["A15:A16"],
                    cached={"D13": "101"})


def test_each_error_code_on_a_crafted_workbook() -> None:
    result = check(crafted(), "batch.xlsx", TODAY, default_limits())
    codes = {(e.row, e.field): e.code for e in result.errors}
    assert codes == {(5, "payee_name"): "missing", (6, "account"): "bad_account", (7, "amount"): "bad_amount",
                     (8, "currency"): "bad_currency", (9, "pay_on"): "bad_date", (10, "reference"): "duplicate",
                     (11, "amount"): "over_limit", (12, "account"): "bad_account", (14, "amount"): "formula",
                     (18, "account"): "bad_account"}, result.errors
    assert result.rows == 16 and [r.row_no for r in result.valid] == [3, 4, 13, 15, 16, 17]
    valid = {r.row_no: r for r in result.valid}
    assert valid[3].amount == 123450 and valid[13].amount == 10100 and valid[16].payee_name == "Merged Payee 合并"
    assert valid[4].pay_on == (TODAY + timedelta(days=5)).isoformat()
    assert valid[17].pay_on == (TODAY + timedelta(days=3)).isoformat() and valid[4].account == IBANS[0]
    summary = result.summary()
    assert summary["total"] == {"CNY": "1346.50", "EUR": "980.25", "GBP": "7.00"}
    assert "15 digits" in next(e["text"] for e in summary["errors"] if e["row"] == 12)
    assert "never calculated" in next(e["text"] for e in summary["errors"] if e["row"] == 14)


def test_check_command_prints_the_json_shape(tmp_path: Path) -> None:
    path = tmp_path / "batch.xlsx"
    path.write_bytes(crafted())
    done = subprocess.run([*edgepos_command(), "hub", "batch", "check", str(path), "--json"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 3, done.stderr
    answer = json.loads(done.stdout)
    assert set(answer) == {"rows", "valid", "total", "errors"} and answer["valid"] == 6
    assert {"row": 7, "field": "amount", "code": "bad_amount"}.items() <= answer["errors"][2].items()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really")
    done = subprocess.run([*edgepos_command(), "hub", "batch", "check", str(broken)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1 and "not an .xlsx" in done.stderr and "Traceback" not in done.stderr


def test_csv_in_gb18030_with_line_numbers_and_a_file_without_header() -> None:
    data = csv_file([["上海钢铁有限公司", card(20), "102290000001", "88.00", "CNY", "发票-1", ""],
                     ["北京纸业", card(21), "102100099996", "-3", "CNY", "发票-2", ""]], encoding="gb18030")
    result = check(data, "pay.csv", TODAY, default_limits())
    assert result.valid[0].payee_name == "上海钢铁有限公司" and result.valid[0].row_no == 2
    assert [(e.row, e.code) for e in result.errors] == [(3, "bad_amount")]
    with pytest.raises(FileError, match="header"):
        check(b"name,amount\nx,1\n", "x.csv", TODAY, default_limits())


# --- maker-checker and execution (both backends) ------------------------------------------------------------------


@pytest.fixture
def people(store: Store):
    merchant = unique("M")
    names = {}
    for label, role in (("finance", "finance"), ("admin1", "admin"), ("admin2", "admin"), ("manager", "manager")):
        names[label] = add_user(store, unique(label), PASSWORD, role, merchant)
    return names


def small_batch(n: int = 3, amount: str = "100.00", pay_on: str | None = None, start: int = 100) -> bytes:
    return workbook([[f"Supplier {i}", card(start + i), "102100099996", amount, "CNY", f"INV-{start + i}", pay_on]
                     for i in range(n)])


def test_maker_checker_same_person_roles_and_two_approvers(store: Store, people) -> None:
    now = store.clock()
    with pytest.raises(HubError, match="finance user or an admin"):
        batches.submit(store, people["manager"], small_batch(), "b.xlsx", SEAL, now)
    batch, _ = batches.submit(store, people["finance"], small_batch(), "b.xlsx", SEAL, now)
    assert batch.approvals_needed == 1 and batch.status == "submitted"
    with pytest.raises(HubError, match="an admin approves"):
        batches.approve(store, people["finance"], batch.id, now)
    own, _ = batches.submit(store, people["admin1"], small_batch(start=200), "own.xlsx", SEAL, now)
    with pytest.raises(HubError, match="submitted a batch may not approve") as refused:
        batches.approve(store, people["admin1"], own.id, now)
    assert refused.value.code == "same_person"
    assert batches.approve(store, people["admin2"], own.id, now) == "approved"

    big, _ = batches.submit(store, people["finance"], small_batch(2, "3000000.00", start=300), "big.xlsx", SEAL, now)
    assert big.approvals_needed == 2
    assert batches.approve(store, people["admin1"], big.id, now) == "needs_second_approver"
    assert execute.counts(store, big.id) == {"awaiting_approval": 2}
    with pytest.raises(HubError, match="another person"):
        batches.approve(store, people["admin1"], big.id, now)
    assert batches.approve(store, people["admin2"], big.id, now) == "approved"
    assert execute.counts(store, big.id) == {"due": 2}

    assert batches.reject(store, people["admin1"], batch.id, now, "wrong supplier list") == "rejected"
    assert execute.counts(store, batch.id) == {"rejected": 3}
    with pytest.raises(Conflict):
        batches.approve(store, people["admin2"], batch.id, now)
    merchant = people["finance"].merchant_id
    actions = store.view(lambda tx: tx.all("SELECT actor, action, detail, at FROM bo_actions WHERE merchant_id = ? "
                                           "AND action LIKE ? ORDER BY at", (merchant, "corp.batch.%")))
    steps = [(actor, action) for actor, action, _, _ in actions]
    f, a1, a2 = people["finance"].name, people["admin1"].name, people["admin2"].name
    assert steps == [(f, "corp.batch.submit"), (a1, "corp.batch.submit"), (a2, "corp.batch.approve"),
                     (f, "corp.batch.submit"), (a1, "corp.batch.approve"), (a2, "corp.batch.approve"),
                     (a1, "corp.batch.reject")]
    assert all(at for *_, at in actions) and "wrong supplier list" in actions[-1][2]


def test_execution_per_row_status_result_file_and_no_second_payment(store: Store, people, tmp_path: Path) -> None:
    now = store.clock()
    later = (TODAY + timedelta(days=7)).isoformat()
    rows = [[f"Supplier {i}", card(400 + i), "102100099996", "250.00", "CNY", f"INV-{400 + i}", None]
            for i in range(4)]
    rows.append(["Contract Co", card(499), "102100099996", "99.00", "CNY", "C-1", later])
    batch, _ = batches.submit(store, people["finance"], workbook(rows), "run.xlsx", SEAL, now)
    batches.approve(store, people["admin1"], batch.id, now)
    assert execute.run_batch(store, batch.id, store.clock) == {"paid": 4, "scheduled": 1}
    again = execute.run_batch(store, batch.id, store.clock)
    assert again == {"paid": 4, "scheduled": 1}
    first = f"{batch.id}-2"
    assert execute.pay_one(store, first, store.clock()).status == "paid"
    booked = store.view(lambda tx: tx.all("SELECT count(*) FROM transfers WHERE kind = 'corp_payout' AND "
                                          "merchant_id = ?", (people["finance"].merchant_id,)))
    assert booked[0][0] == 4
    assert store.trial_balance().balanced
    # the scheduled row is paid on its day (what the scheduler calls), once
    assert execute.pay_one(store, f"{batch.id}-6", store.clock()).status == "scheduled"
    on_day = datetime.combine(TODAY + timedelta(days=7), datetime.min.time(), UTC) + timedelta(hours=12)
    paid = execute.run_due(store, people["finance"].merchant_id, on_day.date(), lambda: on_day)
    assert [p.status for p in paid] == ["paid"]
    assert execute.counts(store, batch.id) == {"paid": 5}
    assert batches.load(store, batch.id, people["finance"].merchant_id).status == "done"
    result = tmp_path / "result.csv"
    assert execute.write_result(store, batch.id, result) == 5
    text = result.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("row,payee_name,account") and card(400) not in text
    assert card(400)[:4] + "*" in text and text.count(",paid,") == 5
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(execute.export_result(store.view(lambda tx: execute.payouts_of(tx, [batch.id])),
                                                           "xlsx"))).active
    assert sheet.max_row == 6 and sheet["J2"].value == "paid"
    sealed = store.view(lambda tx: tx.one("SELECT account_sealed FROM corp_payouts WHERE id = ?", (first,)))[0]
    assert card(400) not in sealed and SEAL.open(sealed, first) == card(400)
    # the same file again: every row was paid in the last 30 days
    again_check = batches.check_file(store, people["finance"].merchant_id, workbook(rows), "run.xlsx", SEAL,
                                     store.clock())
    assert {e.code for e in again_check.errors} == {"duplicate"} and len(again_check.errors) == 5


def test_cbdc_rail_without_funds_fails_the_row_with_its_reason(store: Store, people) -> None:
    now = store.clock()
    batch, _ = batches.submit(store, people["finance"], small_batch(2, start=600), "cbdc.xlsx", SEAL, now, rail="cbdc")
    batches.approve(store, people["admin1"], batch.id, now)
    assert execute.run_batch(store, batch.id, store.clock) == {"failed": 2}
    payout = store.view(lambda tx: execute.load_payouts(tx, "WHERE batch_id = ?", (batch.id,)))[0]
    assert payout.reason.startswith("insufficient_funds:") and payout.transfer_id is None


# --- a real hub process killed mid-batch ---------------------------------------------------------------------------


def test_hub_killed_mid_batch_resumes_and_pays_each_row_once(backend: dict[str, str], tmp_path: Path) -> None:
    rows = 1500
    store = Store.open(path=backend.get("db"), dsn=backend.get("dsn"))
    merchant = unique("M")
    finance = add_user(store, unique("fin"), PASSWORD, "finance", merchant)
    admin = add_user(store, unique("adm"), PASSWORD, "admin", merchant)
    data = workbook([[f"S{i}", card(10_000 + i), "102100099996", "1.00", "CNY", f"K-{i}", None]
                     for i in range(rows)])
    batch, _ = batches.submit(store, finance, data, "kill.xlsx", SEAL, store.clock())
    batches.approve(store, admin, batch.id, store.clock())

    def paid() -> int:
        return store.view(lambda tx: tx.one("SELECT count(*) FROM corp_payouts WHERE batch_id = ? AND status = "
                                            "'paid'", (batch.id,)))[0]

    where = {"dsn": backend["dsn"]} if "dsn" in backend else {"db": Path(backend["db"])}
    for _ in range(2):
        hub = HubProcess(**where, admin_token=ADMIN_TOKEN, log=tmp_path / "hub.log").start()  # resumes at start
        deadline = time.monotonic() + 20
        before = paid()
        while paid() == before and time.monotonic() < deadline:
            time.sleep(0.01)
        hub.kill()
    assert 0 < paid() < rows, "the kills landed mid-batch"
    with HubProcess(**where, admin_token=ADMIN_TOKEN, log=tmp_path / "hub.log"):
        deadline = time.monotonic() + 60
        while paid() < rows and time.monotonic() < deadline:
            time.sleep(0.1)
    assert paid() == rows
    transfers = store.view(lambda tx: tx.all("SELECT t.id, count(p.line) FROM transfers t JOIN postings p ON "
                                             "p.transfer_id = t.id WHERE t.merchant_id = ? AND t.kind = 'corp_payout' "
                                             "GROUP BY t.id", (merchant,)))
    assert len(transfers) == rows and {n for _, n in transfers} == {2}
    keys = store.view(lambda tx: tx.all("SELECT 'corp:' || idem_key, transfer_id FROM corp_payouts WHERE "
                                        "batch_id = ?", (batch.id,)))
    assert all(a == b for a, b in keys)
    assert store.trial_balance().balanced
    store.close()


def test_two_hubs_on_postgresql_pay_one_batch_once(backend: dict[str, str], tmp_path: Path) -> None:
    """Two hub processes on one PostgreSQL database resume the same approved batch at the same time."""
    if "dsn" not in backend:
        pytest.skip("several hub processes share one database on PostgreSQL only")
    rows = 600
    store = Store.open(dsn=backend["dsn"])
    merchant = unique("M")
    finance = add_user(store, unique("fin"), PASSWORD, "finance", merchant)
    admin = add_user(store, unique("adm"), PASSWORD, "admin", merchant)
    data = workbook([[f"S{i}", card(20_000 + i), "102100099996", "2.00", "CNY", f"P-{i}", None] for i in range(rows)])
    batch, _ = batches.submit(store, finance, data, "two.xlsx", SEAL, store.clock())
    batches.approve(store, admin, batch.id, store.clock())
    hubs = [HubProcess(dsn=backend["dsn"], admin_token=ADMIN_TOKEN, log=tmp_path / f"hub{n}.log") for n in (1, 2)]
    try:
        for hub in hubs:
            hub.start()
        deadline = time.monotonic() + 60
        while execute.counts(store, batch.id).get("paid", 0) < rows and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        for hub in hubs:
            hub.stop()
    assert execute.counts(store, batch.id) == {"paid": rows}
    booked = store.view(lambda tx: tx.one("SELECT count(*), count(DISTINCT id) FROM transfers WHERE merchant_id = ? "
                                          "AND kind = 'corp_payout'", (merchant,)))
    assert tuple(booked) == (rows, rows) and store.trial_balance().balanced
    store.close()


def test_command_line_submit_approve_export(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    store = Store.open(path=db)
    merchant = unique("M")
    finance = add_user(store, unique("fin"), PASSWORD, "finance", merchant)
    admin = add_user(store, unique("adm"), PASSWORD, "admin", merchant)
    store.close()
    path = tmp_path / "pay.xlsx"
    path.write_bytes(small_batch(3, start=900))
    env = {**os.environ, "EDGEPOS_HUB_ADMIN_TOKEN": ADMIN_TOKEN}

    def edgepos(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*edgepos_command(), "hub", "batch", *args, "--db", str(db)], capture_output=True,
                              text=True, timeout=60, env=env)

    submitted = edgepos("submit", str(path), "--as", finance.name, "--json")
    assert submitted.returncode == 0, submitted.stderr
    batch_id = json.loads(submitted.stdout)["batch"]
    approved = edgepos("approve", batch_id, "--as", admin.name)
    assert approved.returncode == 0 and '"paid": 3' in approved.stdout, approved.stderr
    out = tmp_path / "result.xlsx"
    assert edgepos("export", batch_id, "--merchant", merchant, "--out", str(out)).returncode == 0
    from openpyxl import load_workbook

    assert [c.value for c in load_workbook(out).active["J"]][1:] == ["paid"] * 3


def test_pages_check_roles_csrf_and_other_merchants(tmp_path: Path) -> None:
    import warnings

    from officekit import csrf

    from hub.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    store = Store.open(path=tmp_path / "hub.db")
    merchant = unique("M")
    people = {role: add_user(store, unique(role), PASSWORD, role, merchant).name
              for role in ("finance", "admin", "auditor")}
    stranger = add_user(store, unique("admin"), PASSWORD, "admin", unique("M")).name
    app = create_app(store, ADMIN_TOKEN, sweep_every_s=None)

    def client(name: str) -> TestClient:
        web = TestClient(app, raise_server_exceptions=False, follow_redirects=True)
        token = csrf(web.get("/office/signin").text)
        assert web.post("/office/signin", data={"csrf": token, "name": name, "password": PASSWORD}).status_code == 200
        return web

    finance = client(people["finance"])
    page = finance.get("/office/corporate")
    token = csrf(page.text)
    assert 'href="/office/corporate"' in page.text  # the nav link
    files = {"file": ("pay.xlsx", small_batch(2, start=950), "application/octet-stream")}
    assert finance.post("/office/corporate", data={"check": "1"}, files=files).status_code == 403  # no CSRF
    junk = finance.post("/office/corporate", data={"csrf": token, "check": "1"},
                        files={"file": ("pay.xlsx", b"PK\x03\x04junk", "application/octet-stream")})
    assert junk.status_code == 422 and "not an .xlsx" in junk.text
    submitted = finance.post("/office/corporate", data={"csrf": token, "submit": "1", "rail": "bank"}, files=files)
    batch_url = submitted.url.path
    assert submitted.status_code == 200 and 'data-status="submitted"' in submitted.text
    assert finance.post(f"{batch_url}/approve", data={"csrf": token}).status_code == 403
    auditor = client(people["auditor"])
    assert auditor.get(batch_url).status_code == 200 and 'id="upload"' not in auditor.get("/office/corporate").text
    assert client(stranger).get(batch_url).status_code == 404
    admin = client(people["admin"])
    approved = admin.post(f"{batch_url}/approve", data={"csrf": csrf(admin.get(batch_url).text)})
    assert approved.status_code == 200 and len(re.findall(r'<tr class="payout"[^>]*"paid"', approved.text)) == 2
    result = admin.get(f"{batch_url}/result.csv")
    assert result.headers["content-type"].startswith("text/csv") and result.text.count(",paid,") == 2
    assert "批量付款" in admin.get("/office/corporate?lang=zh").text
    store.close()
