"""The technician's screens on real Qt widgets (offscreen) and a real hub: an unprovisioned terminal's "scan the
provisioning code" screen provisions it (and words a refusal in Chinese, changing nothing); the tools of a
provisioned till behind a technician's login, down to a signed diagnostics QR code the hub reads from its picture."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tillkit import KEY_SECRET, MANAGER_PIN, PRODUCTS, cli, start_hub

from hub.provisioning import new_root
from terminal.bootstrap import open_till
from terminal.ui.app import application
from terminal.ui.technician import ProvisionScreen, TechnicianPanel

MERCHANT = "M-TECH"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    base = tmp_path_factory.mktemp("tech")
    root_key, root_pub = new_root(base / "root")
    process, db = start_hub(base / "hub")
    (base / "products.csv").write_text(PRODUCTS, encoding="utf-8")
    assert cli("hub", "catalogue", "--db", str(db), "--merchant", MERCHANT, str(base / "products.csv")).code == 0
    yield {"hub": process, "db": db, "root_key": root_key, "root_pub": root_pub, "base": base}
    process.stop()


def mint(hub: dict, png: Path) -> str:
    made = cli("hub", "provision-code", "--db", str(hub["db"]), "--merchant", MERCHANT, "--location", "Front desk",
               "--profile", "retail", "--hub-url", hub["hub"].url, "--root-key", str(hub["root_key"]), "--png",
               str(png))
    assert made.code == 0, made.err
    return made.out.strip()


def screen_for(data_dir: Path, monkeypatch: pytest.MonkeyPatch, hub: dict) -> ProvisionScreen:
    monkeypatch.setenv("EDGEPOS_PROVISIONING_ROOT", str(hub["root_pub"]))
    return ProvisionScreen(data_dir, secret=KEY_SECRET.encode())


def fill(screen: ProvisionScreen, code: str, pin: str = MANAGER_PIN, again: str = MANAGER_PIN) -> None:
    screen.code.setText(code)
    screen.pin.setText(pin)
    screen.pin_again.setText(again)
    screen.go.click()


def test_unprovisioned_terminal_scans_its_code_and_is_ready(qtbot, tmp_path: Path, hub: dict,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    application("en")
    till = tmp_path / "till"
    screen = screen_for(till, monkeypatch, hub)
    qtbot.addWidget(screen)
    png = tmp_path / "code.png"
    code = mint(hub, png)
    fill(screen, code, again="9999")
    assert "two PINs differ" in screen.message.text() and not till.exists()
    fill(screen, str(png))  # the picture of the code, as the camera sees it
    assert screen.result is not None, screen.message.text()
    assert f"Terminal {screen.result.terminal_id} is set up for Front desk" in screen.message.text()
    assert "EDGEPOS PROVISIONING SLIP" in screen.slip.toPlainText() and (till / "till.toml").exists()

    application("zh_CN")  # the same code again, on a Chinese screen: refused, worded, nothing written
    try:
        other = screen_for(tmp_path / "second", monkeypatch, hub)
        qtbot.addWidget(other)
        fill(other, code)
        assert other.result is None and "已被使用" in other.message.text()
        assert not (tmp_path / "second").exists()
    finally:
        application("en")


def test_technician_tools_and_a_diagnostics_code_the_hub_reads(qtbot, tmp_path: Path, hub: dict,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    application("en")
    till = tmp_path / "till"
    screen = screen_for(till, monkeypatch, hub)
    qtbot.addWidget(screen)
    fill(screen, mint(hub, tmp_path / "code.png"))
    assert screen.result is not None, screen.message.text()
    added = cli("operators", "add", "--data-dir", str(till), "--id", "T-001", "--name", "Tian", "--role",
                "technician", "--by", "M-001", stdin=f"{MANAGER_PIN}\n7777\n7777\n")
    assert added.code == 0, added.err
    with open_till(till, secret=KEY_SECRET.encode()) as store:
        panel = TechnicianPanel(store)
        qtbot.addWidget(panel)
        panel.operator.setText("T-001")
        panel.pin.setText("1111")
        panel.log_in()
        assert panel.pages.currentIndex() == 0 and panel.login_message.text()
        panel.operator.setText("T-001")
        panel.pin.setText("7777")
        panel.log_in()
        assert panel.pages.currentIndex() == 1
        outputs = {}
        for tool in ("diagnostics", "test_print", "test_card", "hub_check", "queue", "versions", "export_logs"):
            panel.buttons[tool].click()
            outputs[tool] = panel.output.toPlainText()
        assert "answered in" in outputs["hub_check"] and "records waiting" in outputs["queue"]
        assert "edgepos:" in outputs["versions"] and "No card reader" in outputs["test_card"]
        assert "test page was printed" in outputs["test_print"]
        exported = list((till / "exports").glob("edgepos-logs-*.tar.gz"))
        assert len(exported) == 1 and exported[0].stat().st_mode & 0o077 == 0
        panel.buttons["diagnostics_qr"].click()
        picture = tmp_path / "diagnostics.png"
        assert panel.qr.pixmap().save(str(picture), "PNG")
        terminal_id = store.till.keystore.terminal_id
    read = cli("hub", "read-diagnostics", str(picture), "--db", str(hub["db"]), "--json")
    assert read.code == 0, read.err
    report = json.loads(read.out)
    assert report["verified"] and report["terminal"] == terminal_id and 0 <= report["queue"] <= report["head"]
    assert report["versions"]["edgepos"] and "last_sync" in report
    head, body, signature = panel.last_code.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["queue"] = 0  # "nothing waiting": a forged report
    forged_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    forged = cli("hub", "read-diagnostics", f"{head}.{forged_body}.{signature}", "--db", str(hub["db"]))
    assert forged.code == 1 and "altered" in forged.err

