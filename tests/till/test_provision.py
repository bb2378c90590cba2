"""Zero-touch provisioning against a real hub process: one printed code (PNG) -> `edgepos provision` -> the first
sale -> sync; and every refusal (reused, expired, one byte changed, another root, a hub in the middle) is a sentence
with its code and exit code, and leaves nothing written."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from tillkit import MANAGER_PIN, PRODUCTS, TEA, cli, shell, start_hub

from hub.provisioning import new_root
from sync.provisioning import PREFIX, CodeRefused, ProvisioningPayload, load_public, read_code
from terminal.provision.cli import EXIT_CODE_REFUSED, EXIT_HUB_KEY

MERCHANT = "M-PROV"
PIN_TWICE = f"{MANAGER_PIN}\n{MANAGER_PIN}\n"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    base = tmp_path_factory.mktemp("prov")
    root_key, root_pub = new_root(base / "root")
    other_key, _other_pub = new_root(base / "other-root")
    hub, db = start_hub(base / "hub")
    products = base / "products.csv"
    products.write_text(PRODUCTS, encoding="utf-8")
    published = cli("hub", "catalogue", "--db", str(db), "--merchant", MERCHANT, str(products))
    assert published.code == 0, published.err
    hub.admin("PUT", "/v1/admin/config", json={"values": {"store.name": "Lotus Mart Pudong",
                                                     "store.timezone": "Asia/Shanghai"}})
    yield {"hub": hub, "db": db, "root_key": root_key, "root_pub": root_pub, "other_key": other_key, "base": base}
    hub.stop()


def mint(fleet: dict, png: Path, root_key: Path | None = None, hub_url: str | None = None,
         expires: str = "15m") -> str:
    result = cli("hub", "provision-code", "--db", str(fleet["db"]), "--merchant", MERCHANT, "--location",
                 "Pudong 1", "--profile", "retail", "--expires", expires, "--hub-url",
                 hub_url or fleet["hub"].url, "--root-key", str(root_key or fleet["root_key"]), "--png", str(png),
                 "--json")
    assert result.code == 0, result.out + result.err
    data = json.loads(result.out)
    assert data["code"].startswith(PREFIX + ".") and png.read_bytes()[:4] == b"\x89PNG"
    return data["code"]


def provision(fleet: dict, code: str, data_dir: Path) -> tuple[int, dict]:
    result = cli("provision", "--code", code, "--data-dir", str(data_dir), "--no-self-test", "--json",
                 stdin=PIN_TWICE, env={"EDGEPOS_PROVISIONING_ROOT": str(fleet["root_pub"])})
    return result.code, json.loads(result.out)


def nothing_written(data_dir: Path) -> bool:
    return not data_dir.exists() and not list(data_dir.parent.glob(f".{data_dir.name}.provisioning-*"))


def test_one_scanned_code_provisions_a_terminal_that_sells_and_syncs(fleet: dict, tmp_path: Path) -> None:
    png = tmp_path / "code.png"
    mint(fleet, png)
    till = tmp_path / "till"
    code, done = provision(fleet, str(png), till)  # read from the PNG's QR code, as a camera would
    assert code == 0, done
    assert done["merchant"] == MERCHANT and done["pulled"]["products"] == 2
    assert {"blacklist", "rates", "model"} <= set(done["pulled"])  # one sync round pulled the rest
    assert "EDGEPOS PROVISIONING SLIP" in done["slip"] and (till / "provisioning-slip.txt").exists()
    assert "Lotus Mart Pudong" in (till / "till.toml").read_text()  # the hub's config named the store
    assert all(p.stat().st_mode & 0o077 == 0 for p in till.iterdir())
    sale = cli("run", "--data-dir", str(till), "--sell", TEA, "--operator", "M-001", "--json",
               stdin=f"{MANAGER_PIN}\n")
    assert sale.code == 0, sale.out + sale.err
    sold = json.loads(sale.out)
    assert sold["synced"] and sold["receipt"].splitlines()[0].strip() == "Lotus Mart Pudong"
    status = fleet["hub"].admin("GET", f"/v1/admin/terminals/{done['terminal_id']}")
    assert status["last_seq"] >= 1
    synced = cli("sync", "--data-dir", str(till), "--json")
    assert synced.code == 0 and json.loads(synced.out)["pending"] == 0

    again = tmp_path / "second"  # the same code again: its nonce was spent
    code, refused = provision(fleet, str(png), again)
    assert code == EXIT_CODE_REFUSED and refused["code"] == "provision_code_used", refused
    assert "used already" in refused["error"] and nothing_written(again)


def test_refusals_are_sentences_with_codes_and_write_nothing(fleet: dict, tmp_path: Path) -> None:
    text = mint(fleet, tmp_path / "a.png")
    head, body, sig = text.split(".")
    flipped = body[:40] + ("A" if body[40] != "A" else "B") + body[41:]  # one character of the payload changed
    cases = {
        "provision_code_altered": f"{head}.{flipped}.{sig}",
        "provision_other_root": mint(fleet, tmp_path / "b.png", root_key=fleet["other_key"]),
        "provision_code_malformed": "not a code at all",
    }
    for reason, code_text in cases.items():
        target = tmp_path / reason
        code, refused = provision(fleet, code_text, target)
        assert (code, refused["code"]) == (EXIT_CODE_REFUSED, reason), refused
        assert refused["error"] and nothing_written(target)

    # expired: a code minted for one minute, read a little after it ended (checked offline, no hub asked)
    short = mint(fleet, tmp_path / "c.png", expires="1m")
    payload = ProvisioningPayload.model_validate_json(base64.urlsafe_b64decode(short.split(".")[1] + "=="))
    with pytest.raises(CodeRefused) as expired:
        read_code(short, load_public(fleet["root_pub"]), payload.expires + timedelta(seconds=1))
    assert expired.value.code == "provision_code_expired" and "expired" in expired.value.message

    # a hub in the middle: another hub (its own identity key) at the address the code names
    impostor, _ = start_hub(tmp_path / "impostor")
    try:
        forged = mint(fleet, tmp_path / "d.png", hub_url=impostor.url)  # a right code, but pinned to the real key
        target = tmp_path / "mitm"
        code, refused = provision(fleet, forged, target)
        assert (code, refused["code"]) == (EXIT_HUB_KEY, "provision_hub_key_mismatch"), refused
        assert "not the hub this code was made for" in refused["error"] and nothing_written(target)
    finally:
        impostor.stop()

    # the installed command says it the same way, with the same exit code (as a shell sees it)
    proc = shell("provision", "--code", cases["provision_other_root"], "--data-dir", str(tmp_path / "sh"),
                 stdin=PIN_TWICE, env={"EDGEPOS_PROVISIONING_ROOT": str(fleet["root_pub"])})
    assert proc.returncode == EXIT_CODE_REFUSED and "another provisioning root" in proc.stderr
