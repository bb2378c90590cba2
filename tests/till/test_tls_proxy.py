"""The README's TLS set-up: packaging/nginx-edgepos-hub.conf in front of a real hub, checked by `nginx -t`, and a
real till enrolling and syncing a sale through it over https (certificate checked against a test CA)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from tillkit import TEA, cli, enrol, init, start_hub

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "packaging" / "nginx-edgepos-hub.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(NGINX is None and not os.environ.get("CI"), reason="nginx is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _nginx_config(tmp: Path, hub_port: int, port: int) -> Path:
    """The example server block as shipped, with this test's port, certificate and hub; a minimal nginx around it."""
    server = (EXAMPLE.read_text().replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
              .replace("/etc/ssl/edgepos/", f"{tmp}/").replace("127.0.0.1:8470", f"127.0.0.1:{hub_port}"))
    (tmp / "server.conf").write_text(server)
    main = tmp / "nginx.conf"
    main.write_text(f"""{"user root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    include {tmp}/server.conf;
}}
""")
    return main


def test_readme_shows_the_shipped_example() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```nginx\n", 1)[1].split("```", 1)[0]
    assert block in EXAMPLE.read_text()


def test_till_syncs_through_the_tls_proxy(tmp_path: Path) -> None:
    assert NGINX is not None
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(tmp_path / "hub.key"), "-out", str(tmp_path / "hub.crt"), "-days", "1", "-subj",
                    "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"], check=True, capture_output=True)
    hub, hub_db = start_hub(tmp_path / "hub")
    port = _free_port()
    config = _nginx_config(tmp_path, hub.port, port)
    checked = subprocess.run([NGINX, "-t", "-c", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    proxy = subprocess.Popen([NGINX, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline and proxy.poll() is None, "nginx did not start"
                time.sleep(0.05)
        os.environ["SSL_CERT_FILE"] = str(tmp_path / "hub.crt")  # the till trusts the shop's own CA
        till = tmp_path / "till"
        init(till, f"https://localhost:{port}")
        enrol(hub, hub_db, till)
        sale = cli("run", "--data-dir", str(till), "--sell", TEA, "--operator", "M-001", "--json", stdin="4321\n")
        assert sale.code == 0, sale.out + sale.err
        answer = json.loads(sale.out)
        assert answer["synced"] and answer["pending"] == 0
        assert hub.admin("GET", f"/v1/admin/terminals/{answer['terminal_id']}")["records"]["accepted"] >= 1
        _back_office_over_tls(f"https://localhost:{port}", hub_db, answer, tmp_path / "hub.crt")
    finally:
        os.environ.pop("SSL_CERT_FILE", None)
        proxy.terminate()
        proxy.wait(10)
        hub.stop()


def _back_office_over_tls(url: str, hub_db: Path, sale: dict, ca: Path) -> None:
    """Behind the proxy the back office's session cookie is Secure, and the till's real sale (its journalled lines)
    gets its e-invoice through the receipt link."""
    import re
    import ssl

    import httpx

    from hub.backoffice.users import add_user
    from hub.store import Store

    store = Store.open(path=hub_db)
    merchant = store.view(lambda tx: tx.one("SELECT merchant_id FROM terminals WHERE id = ?",
                                            (sale["terminal_id"],)))[0]
    add_user(store, "fin", "correct horse battery staple", "finance", merchant)
    store.close()
    with httpx.Client(base_url=url, verify=ssl.create_default_context(cafile=str(ca)), timeout=30) as web:
        token = re.search(r'name="csrf" value="([^"]+)"', web.get("/office/signin").text).group(1)
        signed_in = web.post("/office/signin", data={"csrf": token, "name": "fin",
                                                     "password": "correct horse battery staple"})
        assert signed_in.status_code == 303 and "Secure" in signed_in.headers["set-cookie"]
        page = web.get(f"/invoice?code=EPS1:{sale['terminal_id']}:{sale['sale_id']}", follow_redirects=True)
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        issued = web.post(page.url.path, data={"csrf": token, "buyer": "Lotus Trading", "tax_id":
                                               "91110000600037341L"}, follow_redirects=True)
        assert "INV-" in issued.text, issued.text[-500:]
