"""The back office web over HTTP (FastAPI's TestClient, real store on SQLite and PostgreSQL), attacker-style:
sign-in, roles, CSRF, lock-out, session fixation, hostile uploads, and that none of it opens the terminal API."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from hubkit import ADMIN_TOKEN, Clock
from officekit import PASSWORD, TAX_ID, Shop, csrf, office_fixtures, open_shop

from hub.app import create_app
from hub.backoffice import i18n
from hub.backoffice.web import ACCESS, SESSION_COOKIE
from hub.store import Store
from sync.crypto import Sm2PublicKey

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

shop, app, web = office_fixtures()  # one shop and one back-office app per module


def sign_in(web: TestClient, name: str, password: str = PASSWORD):
    token = csrf(web.get("/office/signin").text)
    return web.post("/office/signin", data={"csrf": token, "name": name, "password": password})


def test_pages_need_sign_in_and_the_day_shows_the_shops_money(web: TestClient, shop: Shop) -> None:
    assert web.get("/office/exceptions").url.path == "/office/signin"
    answer = sign_in(web, shop.users["manager"])
    assert answer.status_code == 200 and answer.url.path == "/office/"
    cookie = answer.history[0].headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/office" in cookie
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    # 33.90 split + 8.80 QR + 11.30 - 5.65 refunded; the declined sale moved no money
    assert re.search(r'class="net">48.35 CNY<', answer.text)
    assert "<svg" in answer.text and "Card (contactless)" in answer.text and shop.terminal.id in answer.text


def test_every_role_sees_only_its_pages(web: TestClient, shop: Shop) -> None:
    pages = {"day": "/office/", "terminals": "/office/terminals", "exceptions": "/office/exceptions",
             "reconcile": "/office/reconcile", "invoices": "/office/invoices", "audit": "/office/audit"}
    for role, name in shop.users.items():
        web.cookies.clear()
        sign_in(web, name)
        for page, path in pages.items():
            status = web.get(path).status_code
            assert status == (200 if role in ACCESS[page] else 403), (role, page, status)


def test_forms_without_the_sessions_csrf_token_are_refused(web: TestClient, shop: Shop, store: Store) -> None:
    assert web.post("/office/signin", data={"name": shop.users["admin"], "password": PASSWORD}).status_code == 403
    sign_in(web, shop.users["manager"])
    target = {"terminal_id": shop.terminal.id, "seq": "5", "note": "x"}
    assert web.post("/office/exceptions/resolve", data=target).status_code == 403
    assert web.post("/office/exceptions/resolve", data={**target, "csrf": "forged"}).status_code == 403
    assert store.view(lambda tx: tx.one("SELECT count(*) FROM bo_resolutions"))[0] == 0


def test_a_manager_resolves_a_declined_offline_sale_and_is_named(web: TestClient, shop: Shop) -> None:
    page = sign_in(web, shop.users["manager"])
    exceptions = web.get("/office/exceptions").text
    assert 'data-kind="blacklisted"' in exceptions and "42.00 CNY" in exceptions
    answer = web.post("/office/exceptions/resolve", data={"csrf": csrf(page.text), "terminal_id": shop.terminal.id,
                                                          "seq": "5", "note": "card retained"})
    assert answer.status_code == 200 and shop.users["manager"] in answer.text and "card retained" in answer.text
    web.cookies.clear()
    auditor = sign_in(web, shop.users["auditor"])  # sees it, may not resolve
    assert shop.users["manager"] in web.get("/office/exceptions").text
    assert web.post("/office/exceptions/resolve", data={"csrf": csrf(auditor.text), "terminal_id": shop.terminal.id,
                                                        "seq": "5", "note": "x"}).status_code == 403


def test_lock_out_after_failed_sign_ins_even_with_the_right_password(store: Store, clock: Clock, shop: Shop) -> None:
    app = create_app(store, ADMIN_TOKEN, clock, sweep_every_s=None)  # its own throttle (in memory on SQLite)
    try:
        with TestClient(app, raise_server_exceptions=False) as web:
            statuses = [sign_in(web, shop.users["finance"], "wrong password!").status_code for _ in range(7)]
            assert statuses[:6] == [401] * 6 and statuses[6] == 429
            locked = sign_in(web, shop.users["finance"])
            assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
            assert SESSION_COOKIE not in web.cookies
    finally:  # on PostgreSQL the lock-out is shared by every hub process (hub.throttle): lift it for other tests
        store.read(lambda tx: tx.run("DELETE FROM hub_throttle"))


def test_session_fixation_and_sign_out(web: TestClient, shop: Shop) -> None:
    web.cookies.set(SESSION_COOKIE, "attacker-chosen-value", path="/office")
    page = sign_in(web, shop.users["finance"])
    issued = page.history[0].cookies[SESSION_COOKIE]
    assert issued != "attacker-chosen-value" and len(issued) >= 40
    with TestClient(web.app, raise_server_exceptions=False) as attacker:
        attacker.cookies.set(SESSION_COOKIE, "attacker-chosen-value", path="/office")
        assert attacker.get("/office/reconcile").url.path == "/office/signin"
    web.post("/office/signout", data={"csrf": csrf(page.text)})
    with TestClient(web.app, raise_server_exceptions=False) as replay:
        replay.cookies.set(SESSION_COOKIE, issued, path="/office")
        assert replay.get("/office/reconcile").url.path == "/office/signin"


def test_the_web_session_opens_nothing_of_the_terminal_or_admin_api(web: TestClient, shop: Shop) -> None:
    sign_in(web, shop.users["admin"])
    assert web.cookies.get(SESSION_COOKIE)
    for path in ("/v1/admin/trial-balance", f"/v1/admin/terminals/{shop.terminal.id}"):
        answer = web.get(path)
        assert answer.status_code == 401 and answer.json()["code"] == "unauthorized"
    assert web.get("/v1/config").status_code == 401


def test_hostile_uploads_get_a_clear_answer(web: TestClient, shop: Shop) -> None:
    page = sign_in(web, shop.users["finance"])
    token = csrf(web.get("/office/reconcile").text)
    payments = "payment_id,sale_id,time,amount,currency,tender,terminal_id,refund_of\n"
    binary = web.post("/office/reconcile", data={"csrf": token},
                      files={"orders": ("o.csv", b"\xff\xfe\x00\x01garbage", "text/csv"),
                             "payments": ("p.csv", payments.encode(), "text/csv")})
    assert binary.status_code == 422 and "not UTF-8" in binary.text
    script = ("order_id,created_at,amount,currency,terminal_id,payment_ref\n"
              "<script>alert(1)</script>,2026-11-20T10:00:00+08:00,5.00,CNY,,\n\"unterminated,\n")
    answer = web.post("/office/reconcile", data={"csrf": token},
                      files={"orders": ("o.csv", script.encode(), "text/csv"),
                             "payments": ("p.csv", payments.encode(), "text/csv")})
    assert answer.status_code == 200 and "<script>alert" not in answer.text and "&lt;script&gt;" in answer.text
    assert 'class="unreadable"' in answer.text
    many = [("orders", (f"o{i}.csv", b"x", "text/csv")) for i in range(3)]
    assert web.post("/office/reconcile", data={"csrf": token}, files=many).status_code in (400, 413, 422)
    del page


def test_reconcile_upload_against_the_hubs_own_payments(web: TestClient, shop: Shop, store: Store) -> None:
    sign_in(web, shop.users["finance"])
    token = csrf(web.get("/office/reconcile").text)
    day = store.clock().date().isoformat()
    orders = ("order_id,created_at,amount,currency,terminal_id,payment_ref\n"
              f"A1,{shop.split_sale['created_at']},33.90,CNY,,{shop.split_sale['sale_id']}\n"
              f"A2,{shop.qr_sale['created_at']},8.80,CNY,{shop.terminal.id},\n"
              f"A3,{shop.refunded_sale['created_at']},11.30,CNY,,\n"
              f"A4,{shop.refunded_sale['created_at']},99.00,CNY,,\n")
    answer = web.post("/office/reconcile", data={"csrf": token, "from": day, "to": day},
                      files={"orders": ("orders.csv", orders.encode(), "text/csv")})
    assert answer.status_code == 200
    assert re.search(r'id="matched">3<', answer.text)
    assert re.findall(r'class="flag" data-kind="(\w+)"', answer.text) == [
        "missing_payment"]
    workbook = web.post("/office/reconcile", data={"csrf": token, "from": day, "to": day, "xlsx": "1"},
                        files={"orders": ("orders.csv", orders.encode(), "text/csv")})
    assert workbook.content[:2] == b"PK"


def test_customer_e_invoice_once_per_sale_and_a_credit_note_for_the_refund(web: TestClient, shop: Shop,
                                                                           store: Store) -> None:
    base = f"/invoice/{shop.terminal.id}/{shop.refunded_sale['sale_id']}"
    assert web.get(f"/invoice?code=EPS1:{shop.terminal.id}:{shop.refunded_sale['sale_id']}").url.path \
        == base
    assert web.get(f"/invoice?code=XYZ:{shop.terminal.id}:{shop.refunded_sale['sale_id']}").status_code == 404
    form = web.get(base).text
    assert "绿茶 Green tea × 2" in form and "11.30 CNY" in form  # the sale's lines, from the till's record
    token = csrf(form)
    bad = web.post(base, data={"csrf": token, "buyer": "ACME 有限公司", "tax_id": TAX_ID[:-1] + "X"})
    assert bad.status_code == 422 and "unified social credit code" in bad.text
    assert web.post(base, data={"buyer": "ACME", "tax_id": TAX_ID}).status_code == 403  # no CSRF token
    done = web.post(base, data={"csrf": token, "buyer": "ACME 有限公司", "tax_id": TAX_ID, "email": "ap@acme.cn"})
    number = re.search(r'href="[^"]+/([A-Z]+-\d{4}-\d{8})\.pdf"', done.text).group(1)
    again = web.post(base, data={"csrf": token, "buyer": "Someone else", "tax_id": TAX_ID})
    assert number in again.text  # once per sale
    pdf = web.get(f"{base}/{number}.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    public, signature = store.view(lambda tx: tx.one(
        "SELECT k.public_key, i.signature FROM hub_keys k, bo_invoices i WHERE k.name = 'invoice' AND i.number = ?",
        (number,)))
    assert Sm2PublicKey(bytes.fromhex(public)).verify(bytes.fromhex(signature), pdf.content)  # SM2-signed PDF
    assert web.get(f"/invoice/{shop.terminal.id}/{shop.qr_sale['sale_id']}/{number}.pdf").status_code == 404
    unknown = web.post(f"/invoice/{shop.terminal.id}/00000000-dead-beef", data={
        "csrf": token, "buyer": "ACME", "tax_id": TAX_ID})
    assert unknown.status_code == 422
    sign_in(web, shop.users["finance"])
    listing = web.get("/office/invoices").text
    assert number in listing and "credit_note" in listing and "-5.65 CNY" in listing
    rows = store.view(lambda tx: tx.all("SELECT kind, total, tax, credits FROM bo_invoices WHERE merchant_id = ? "
                                        "ORDER BY kind DESC", (shop.merchant_id,)))
    assert rows == [("invoice", 1130, 130, None), ("credit_note", 565, 65, number)]
    assert web.get(f"/office/invoices/{number}.pdf").content.startswith(b"%PDF")
    page = web.get("/office/invoices").text
    sent = web.post(f"/office/invoices/{number}/resend", data={"csrf": csrf(page)})
    assert sent.status_code == 200
    assert store.view(lambda tx: tx.one("SELECT count(*) FROM bo_outbox WHERE recipient = 'ap@acme.cn'"))[0] == 3


def test_audit_export_from_the_web_is_the_merchants_and_verifies(web: TestClient, shop: Shop, store: Store,
                                                                  tmp_path: Path) -> None:
    from hub.backoffice.audit import verify_archive

    sign_in(web, shop.users["auditor"])
    token = csrf(web.get("/office/audit").text)
    day = store.clock().date().isoformat()
    answer = web.post("/office/audit", data={"csrf": token, "from": day, "to": day})
    assert answer.headers["content-type"] == "application/zip"
    (tmp_path / "a.zip").write_bytes(answer.content)
    checked = verify_archive(tmp_path / "a.zip")
    assert checked["ok"], checked
    import zipfile

    records = zipfile.ZipFile(tmp_path / "a.zip").read("records.jsonl").decode()
    assert shop.terminal.id in records and records.count("\n") == 5


def test_chinese_pages_and_every_word_in_both_languages(web: TestClient, shop: Shop) -> None:
    templates = Path(__file__).parents[2] / "hub" / "backoffice" / "templates"
    used = {code for path in templates.glob("*.html") for code in re.findall(r"t\('(\w+)'\)", path.read_text())}
    assert used <= set(i18n.WORDS), used - set(i18n.WORDS)
    assert all(en and zh and en != zh for en, zh in i18n.WORDS.values())
    page = web.get("/office/signin?lang=zh")
    assert "登录" in page.text and 'lang="zh-CN"' in page.text
    assert "登录" in web.get("/office/signin").text  # the choice is kept in a cookie


def test_the_hub_reads_the_receipt_code_the_till_prints() -> None:
    from hub.backoffice.web import RECEIPT_CODE_PREFIX
    from terminal.checkout.sales_index import RECEIPT_CODE_PREFIX as TILL_PREFIX

    assert RECEIPT_CODE_PREFIX == TILL_PREFIX


def test_users_come_only_from_the_command_line_with_a_real_password(store: Store, shop: Shop) -> None:
    from hub.backoffice.users import UserError, add_user, authenticate, disable_user, load_session, start_session

    for name, password, role in (("x", "short", "manager"), ("x", PASSWORD, "root"), ("bad name!", PASSWORD,
                                                                                       "manager")):
        with pytest.raises(UserError):
            add_user(store, name, password, role, shop.merchant_id)
    with pytest.raises(UserError, match="exists"):
        add_user(store, shop.users["manager"], PASSWORD, "admin", shop.merchant_id)
    assert authenticate(store, "admin", "admin") is None and authenticate(store, "nobody", PASSWORD) is None
    stored = store.view(lambda tx: tx.one("SELECT password_hash FROM bo_users WHERE name = ?",
                                          (shop.users["auditor"],)))[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    user = authenticate(store, shop.users["auditor"], PASSWORD)
    token, _ = start_session(store, user, "test")
    assert load_session(store, token) is not None
    assert store.view(lambda tx: tx.one("SELECT count(*) FROM bo_sessions WHERE id_hash = ?", (token,)))[0] == 0
    disable_user(store, shop.users["auditor"])
    assert load_session(store, token) is None and authenticate(store, shop.users["auditor"], PASSWORD) is None


def test_each_merchant_numbers_its_own_invoices(store: Store, tmp_path: Path) -> None:
    from hub.backoffice.invoices import Invoicing

    invoicing = Invoicing(store)
    shops = [open_shop(store, tmp_path / name) for name in ("a", "b")]
    issued = [invoicing.request(s.terminal.id, s.qr_sale["sale_id"], "Buyer", TAX_ID, "") for s in shops]
    assert issued[0].number == issued[1].number  # one sequence per merchant: both start at 1 this year
    assert issued[0].total == issued[1].total == 880 and issued[0].tax == 50
    for shop, other in ((shops[0], shops[1]), (shops[1], shops[0])):
        assert invoicing.pdf(issued[0].number, shop.merchant_id).startswith(b"%PDF")
        assert invoicing.pdf(issued[0].number, None, other.terminal.id, shop.qr_sale["sale_id"]) is None
