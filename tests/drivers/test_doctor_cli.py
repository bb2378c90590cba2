"""`edgepos doctor` and `edgepos bench devices` as users run them (the installed console script)."""

from __future__ import annotations

import json

from edgepos_cli import edgepos

from drivers import doctor


def test_doctor_simulated_all_green(pcscd: str) -> None:
    run = edgepos("doctor", "--simulate", "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    devices = json.loads(run.stdout)["devices"]
    kinds = {d["kind"] for d in devices}
    assert {"card", "scanner", "camera", "printer", "drawer", "nfc"} <= kinds
    for d in devices:
        assert set(d) == {"name", "kind", "transport", "simulated", "status", "latency_ms", "advice"}
        assert d["status"] == "ok" and d["simulated"] is True and d["latency_ms"] >= 0


def test_doctor_table_shows_a_red_line_for_an_unplugged_printer(pcscd: str) -> None:
    with doctor.simulated_checks(unplug=["printer"]) as rows:
        pass
    bad = [r for r in rows if not r.ok]
    assert {r.kind for r in bad} == {"printer", "drawer"}
    assert "Plug the device in" in bad[0].advice
    table = doctor.format_table(rows, color=True)
    red = [line for line in table.splitlines() if line.startswith("\033[1;31m")]
    assert len(red) == 2 and "receipt printer" in red[0] and "ERROR" in red[0]
    assert table.endswith("with errors")


def test_doctor_cli_exit_code_when_card_and_scanner_pulled(pcscd: str) -> None:
    run = edgepos("doctor", "--simulate", "--unplug", "card", "--unplug", "scanner")
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert any("card" in line and "ERROR" in line and "insert the card" in line for line in lines)
    assert any("serial scanner" in line and "ERROR" in line for line in lines)
    assert lines[-1].endswith("with errors")


def test_bench_devices_json(pcscd: str) -> None:
    run = edgepos("bench", "devices", "--json", "--rounds", "3", "--frames", "40")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert set(result) == {"emv_contact_ms", "qr_decode_p50_ms", "qr_decode_p99_ms", "qr_decode_cpu_p99_ms",
                           "receipt_render_ms"}
    assert 0 < result["emv_contact_ms"] < 200 and 0 < result["qr_decode_p50_ms"] <= result["qr_decode_p99_ms"]



def test_real_checks_show_a_mistyped_printer_address_and_free_the_scanner(monkeypatch, pcscd: str) -> None:
    from drivers.scanner.serial_scanner import PtyScannerSim, SerialScanner

    checked: list[SerialScanner] = []
    status = SerialScanner.status
    monkeypatch.setattr(SerialScanner, "status", lambda self: checked.append(self) or status(self))
    pty = PtyScannerSim()
    monkeypatch.setenv("EDGEPOS_PRINTER", "lpt:1")
    monkeypatch.setenv("EDGEPOS_SCANNER", pty.port)
    monkeypatch.delenv("EDGEPOS_CAMERA", raising=False)
    try:
        rows = doctor.real_checks()
    finally:
        pty.close()
    printer = next(r for r in rows if r.kind == "printer")
    assert not printer.ok and "EDGEPOS_PRINTER" in printer.advice and "unknown printer address" in printer.advice
    assert next(r for r in rows if r.kind == "scanner").ok
    assert checked and checked[0].serial is None, "the doctor left the scanner's port open"
