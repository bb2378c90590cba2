"""Reconciliation engine and its command line: every flag kind, splits and refunds, matching without a reference,
unreadable rows, the JSON shape, the workbook, and the hub's payments export feeding it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from hubkit import Terminal, refund, sale, tender
from openpyxl import load_workbook

from hub.backoffice.payments import payment_rows
from hub.backoffice.reconcile import FLAG_KINDS, ReconcileInputError, reconcile_files
from hub.store import Store

ORDERS = "order_id,created_at,amount,currency,terminal_id,payment_ref\n"
PAYMENTS = "payment_id,sale_id,time,amount,currency,tender,terminal_id,refund_of\n"
T0 = "2026-11-20T10:00:00+08:00"


def run(orders: str, payments: str):
    return reconcile_files(orders.encode(), payments.encode())


def kinds(report) -> list[str]:
    return sorted(f.kind for f in report.flags)


def test_split_tenders_and_refunds_match_without_flags() -> None:
    report = run(ORDERS + f"SO1,{T0},100.00,CNY,T1,S1\nSO2,{T0},50.00,CNY,T1,S2\n",
                 PAYMENTS + "P1,S1,2026-11-20T02:01:00+00:00,60.00,CNY,cash,T1,\n"
                            "P2,S1,2026-11-20T02:01:00+00:00,40.00,CNY,card_contactless,T1,\n"
                            "P3,S2,2026-11-20T02:02:00+00:00,50.00,CNY,qr_customer,T1,\n"
                            "R1,S1,2026-11-20T05:00:00+00:00,-40.00,CNY,card_contactless,T1,P2\n"
                            "R2,S2,2026-11-20T05:00:00+00:00,-10.00,CNY,qr_customer,T1,P3\n")
    assert report.flags == [] and report.matched == 2
    assert {m.order_id: sorted(m.payment_ids) for m in report.matches} == {"SO1": ["P1", "P2", "R1"],
                                                                          "SO2": ["P3", "R2"]}


def test_every_kind_is_flagged_with_its_ids() -> None:
    report = run(ORDERS + f"SO1,{T0},10.00,CNY,T1,S1\nSO2,{T0},20.00,CNY,T1,S2\nSO3,{T0},30.00,CNY,T1,\n"
                          f"SO4,{T0},40.00,CNY,T1,S4\n",
                 PAYMENTS + "P1,S1,2026-11-20T02:01:00+00:00,10.50,CNY,cash,T1,\n"
                            "P2,S2,2026-11-20T02:01:00+00:00,20.00,USD,cash,T1,\n"
                            "P4,S4,2026-11-20T02:01:00+00:00,40.00,CNY,cash,T1,\n"
                            "P5,S5,2026-11-20T02:03:00+00:00,40.00,CNY,cash,T1,\n"
                            "P6,S6,2026-11-21T02:03:00+00:00,77.00,CNY,cash,T2,\n"
                            "R9,S9,2026-11-21T02:03:00+00:00,-5.00,CNY,cash,T2,P404\n")
    flags = {f.kind: f for f in report.flags}
    assert sorted(flags) == sorted(FLAG_KINDS)
    assert (flags["amount_mismatch"].order_ids, flags["amount_mismatch"].payment_ids) == (["SO1"], ["P1"])
    assert (flags["currency_mismatch"].order_ids, flags["currency_mismatch"].payment_ids) == (["SO2"], ["P2"])
    assert flags["missing_payment"].order_ids == ["SO3"]
    assert flags["duplicate_payment"].order_ids == ["SO4"] and "P5" in flags["duplicate_payment"].payment_ids
    assert flags["unmatched_payment"].payment_ids == ["P6"]
    assert flags["refund_without_payment"].payment_ids == ["R9"]
    assert report.matched == 0


def test_matching_without_reference_uses_amount_terminal_and_time_and_says_how_sure() -> None:
    report = run(ORDERS + f"SO1,{T0},12.34,CNY,T1,\nSO2,{T0},12.34,CNY,,\n",
                 PAYMENTS + "P1,S1,2026-11-20T02:00:40+00:00,12.34,CNY,cash,T2,\n"
                            "P2,S2,2026-11-20T02:01:00+00:00,12.34,CNY,cash,T1,\n")
    assert report.flags == []
    by_order = {m.order_id: m for m in report.matches}
    assert by_order["SO1"].payment_ids == ["P2"] and by_order["SO1"].by == "amount_time"
    assert by_order["SO2"].payment_ids == ["P1"]
    assert 0 < by_order["SO2"].confidence < by_order["SO1"].confidence < 1


def test_an_order_without_terminal_does_not_take_the_only_sale_another_order_fits() -> None:
    report = run(ORDERS + "SO1,2026-11-20T10:00:00+08:00,9.00,CNY,,\nSO2,2026-11-20T10:00:10+08:00,9.00,CNY,T1,\n",
                 PAYMENTS + "P1,S1,2026-11-20T02:01:00+00:00,9.00,CNY,cash,T1,\n"
                            "P2,S2,2026-11-20T02:03:00+00:00,9.00,CNY,cash,T2,\n")
    assert report.flags == [] and {m.order_id: m.payment_ids for m in report.matches} == {"SO2": ["P1"],
                                                                                         "SO1": ["P2"]}


def test_unreadable_rows_are_reported_by_line_and_the_rest_is_reconciled() -> None:
    report = run(ORDERS + f"SO1,{T0},10.00,CNY,T1,S1\nSO2,yesterday,10.00,CNY,T1,\nSO3,{T0},1.005,CNY,,\n"
                          f"SO4,2026-11-20T10:00:00,5.00,CNY,,\nSO1,{T0},10.00,CNY,T1,\nSO5,{T0},1,CNY,T1,,extra\n",
                 PAYMENTS + "P1,S1,2026-11-20T02:01:00+00:00,10.00,CNY,cash,T1,\nP2,S2,then,1,CNY,cash,T1,\n"
                            "P3,S3,2026-11-20T02:01:00+00:00,5.00,CNY,cash,T1,P1\n")
    assert [(u.file, u.line) for u in report.unreadable] == [("orders", 3), ("orders", 4), ("orders", 5),
                                                             ("orders", 6), ("orders", 7), ("payments", 3),
                                                             ("payments", 4)]
    assert "ISO 8601" in report.unreadable[0].error and "decimals" in report.unreadable[1].error
    assert report.matched == 1 and report.flags == []


def test_a_file_without_the_columns_is_refused_whole() -> None:
    for orders in ("", "id,amount\n1,2\n", b"\xff\xfe\x00".decode("latin-1")):
        try:
            run(orders, PAYMENTS)
        except ReconcileInputError:
            continue
        raise AssertionError(f"{orders!r} was accepted")


def _edgepos(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "terminal.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}, timeout=60)


def test_hub_export_feeds_the_reconcile_command(tmp_path: Path) -> None:
    """SQLite store -> `edgepos hub export payments` -> ERP orders -> `edgepos reconcile --json --out`."""
    store = Store.open(path=tmp_path / "hub.db")
    terminal = Terminal.create(tmp_path).enrol(store)
    split = sale([tender("cash", 1000), tender("card_contactless", 500)])
    voided = sale([tender("cash", 300)])
    records = [terminal.append("sale.completed", split), terminal.append("sale.completed", voided),
               terminal.append("refund.completed", refund(split["sale_id"], [tender("card_contactless", 500)])),
               terminal.append("sale.voided", {"type": "void", "void_id": "v-1", "sale_id": voided["sale_id"]})]
    store.ingest_records(terminal.id, records)
    today = date.today().isoformat()
    assert len(store.view(lambda tx: payment_rows(tx, today, today))) == 3  # two tenders + the refund, no void
    store.close()
    exported = _edgepos("hub", "export", "payments", "--db", str(tmp_path / "hub.db"), "--from", today, "--to",
                        today, "--format", "csv", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    (tmp_path / "payments.csv").write_text(exported.stdout)
    (tmp_path / "orders.csv").write_text(ORDERS + f"ERP-1,{split['created_at']},15.00,CNY,{terminal.id},\n"
                                                  f"ERP-2,{split['created_at']},9.99,CNY,{terminal.id},=cmd|x\n")
    done = _edgepos("reconcile", "--orders", "orders.csv", "--payments", "payments.csv", "--json", "--out",
                    "report.xlsx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {k: report[k] for k in ("orders", "payments", "matched")} == {"orders": 2, "payments": 3, "matched": 1}
    assert [(f["kind"], f["order_ids"], f["payment_ids"]) for f in report["flags"]] == [
        ("missing_payment", ["ERP-2"], [])]
    assert set(report["flags"][0]) >= {"kind", "order_ids", "payment_ids", "detail"}
    book = load_workbook(tmp_path / "report.xlsx")
    assert book.sheetnames == ["Summary", "Flags", "Matches", "Unreadable"]
    cells = [c.value for row in book["Flags"].iter_rows() for c in row]
    assert "ERP-2" in cells and not any(isinstance(v, str) and v.startswith("=") for v in cells)
    assert _edgepos("reconcile", "--orders", "nope.csv", "--payments", "payments.csv", cwd=tmp_path).returncode == 1
