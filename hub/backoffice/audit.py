"""Signed audit archives and retention.

An archive (`edgepos hub audit export --from D --to D OUT`) is a zip of JSON-lines files for the business days:
the terminals' journal records exactly as held (payload text byte for byte, with hash and signature, so each
terminal's chain can be checked again), the ledger's transfers and postings, the hub's online decisions (holds),
the e-invoices issued and the back office's operator actions. `manifest.json` lists every file with its SM3 and
size; `manifest.sig` is the hub's SM2 signature of the manifest's exact bytes (key `audit`, public key inside the
manifest; pin it with `--public-key`). `edgepos audit verify ARCHIVE` needs nothing but the file: any changed,
missing or added file, or a changed manifest, is exit 3. It also checks every journal record against the terminals'
enrolled keys (in the archive): SM3 digest, SM2 signature and the hash links between a terminal's consecutive records,
so the records are shown to be the tills' own, not the hub's.

Retention (`edgepos hub archive --before D --dir DIR`): nothing younger than `RETENTION_YEARS` is ever deleted. Older
days are first written to an archive, the archive is verified, registered (`bo_archives`), and only then removed
from the live tables; the removed postings are carried forward as one balanced `opening` transfer, so every
account keeps its balance. Archives never hold a PAN (the export refuses one) - card and wallet tokens only.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from hub.backend import Tx
from hub.backoffice.users import hub_key, log_action
from hub.clock import iso
from hub.store import Store
from sync.chain import genesis_hash, record_problem
from sync.crypto import CryptoError, Sm2PublicKey, sm3
from sync.pan import find_pan

FORMAT = "edgepos-audit-v1"
RETENTION_YEARS = 5
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"


class AuditError(ValueError):
    """The export or archive cannot be made (the message says why)."""


_TABLES: dict[str, tuple[str, str, str, str]] = {  # file -> (columns, FROM ... WHERE two day bounds, ORDER BY,
    #                                                    the condition for one merchant)
    "records.jsonl": ("terminal_id, seq, time, type, payload, secret, prev_hash, hash, signature, status, code, "
                      "received_at", "records WHERE time >= ? AND time < ?", "terminal_id, seq",
                      "terminal_id IN (SELECT id FROM terminals WHERE merchant_id = ?)"),
    "transfers.jsonl": ("id, kind, status, terminal_id, merchant_id, seq, auth_id, sale_id, ref, business_day, "
                        "created_at", "transfers WHERE business_day >= ? AND business_day < ?", "created_at, id",
                        "merchant_id = ?"),
    "postings.jsonl": ("p.transfer_id, p.line, p.account, p.currency, p.amount, p.tender",
                       "postings p JOIN transfers t ON t.id = p.transfer_id WHERE t.business_day >= ? AND "
                       "t.business_day < ?", "p.transfer_id, p.line", "t.merchant_id = ?"),
    "decisions.jsonl": ("auth_id, terminal_id, merchant_id, sale_id, tender, token, amount, currency, status, reason, "
                        "captured, refunded, expires_at, created_at, transfer_id",
                        "holds WHERE created_at >= ? AND created_at < ?", "created_at, auth_id", "merchant_id = ?"),
    "invoices.jsonl": ("number, kind, merchant_id, terminal_id, sale_id, refund_id, credits, buyer_name, "
                       "buyer_tax_id, currency, total, tax, issued_at, sm3, signature",
                       "bo_invoices WHERE issued_at >= ? AND issued_at < ?", "issued_at, number", "merchant_id = ?"),
    "operator_actions.jsonl": ("id, at, actor, merchant_id, action, detail", "bo_actions WHERE at >= ? AND at < ?",
                               "at, id", "merchant_id = ?"),
    "terminals.jsonl": ("id, merchant_id, public_key, enrolled_at", "terminals WHERE 1 = 1", "id",
                        "merchant_id = ?"),  # every terminal's key: the records' signatures check offline
}


def _names(columns: str) -> list[str]:
    return [c.strip().split(".")[-1] for c in columns.split(",")]


def _bounds(day_from: str, day_to: str, file: str) -> tuple[str, ...]:
    """Day bounds for a table: business days compare as dates; times as UTC text from the day's start."""
    end = (date.fromisoformat(day_to) + timedelta(days=1)).isoformat()
    if file == "terminals.jsonl":
        return ()
    if file in ("transfers.jsonl", "postings.jsonl"):
        return day_from, end
    return day_from + "T00:00:00", end + "T00:00:00"


def _jsonl(columns: list[str], rows: Iterable[Sequence[Any]]) -> tuple[bytes, int]:
    out = io.BytesIO()
    count = 0
    for row in rows:
        out.write(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, sort_keys=True,
                             default=int).encode() + b"\n")
        count += 1
    return out.getvalue(), count


def collect(tx: Tx, day_from: str, day_to: str, merchant_id: str | None = None) -> dict[str, tuple[bytes, int]]:
    """Every table's rows of the days (of one merchant when given; else the whole hub) as JSON lines."""
    files = {}
    for name, (columns, source, order, mine) in _TABLES.items():
        where = f" AND {mine}" if merchant_id else ""
        params = [*_bounds(day_from, day_to, name), *([merchant_id] if merchant_id else [])]
        files[name] = _jsonl(_names(columns), tx.all(f"SELECT {columns} FROM {source}{where} ORDER BY {order}",
                                                     params))
    return files


def export_archive(store: Store, day_from: str, day_to: str, out: Path, actor: str) -> dict[str, Any]:
    """Write the signed archive of business days `day_from`..`day_to` to `out`; returns its summary."""
    if day_to < day_from:
        raise AuditError("--to is before --from")
    data = export_bytes(store, day_from, day_to, actor)
    out.write_bytes(data)
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read(MANIFEST))
    return {"archive": str(out), "from": day_from, "to": day_to, "sm3": sm3(data).hex(),
            "files": {name: entry["rows"] for name, entry in manifest["files"].items()}}


def export_bytes(store: Store, day_from: str, day_to: str, actor: str, merchant_id: str | None = None) -> bytes:
    files = store.view(lambda tx: collect(tx, day_from, day_to, merchant_id))
    for name, (content, _) in files.items():
        if find_pan(content.decode("utf-8", "replace")):
            raise AuditError(f"{name} holds what looks like a card number; the hub never exports a PAN (find and "
                             "remove the record that carries it)")
    key = hub_key(store, "audit")
    now = store.clock()
    manifest = json.dumps({
        "format": FORMAT, "from": day_from, "to": day_to, "merchant": merchant_id, "created_at": iso(now),
        "created_by": actor,
        "public_key": key.public_key().hex(), "hash": "SM3", "signature": "SM2 (GB/T 32918, default user id)",
        "files": {name: {"sm3": sm3(content).hex(), "bytes": len(content), "rows": rows}
                  for name, (content, rows) in sorted(files.items())},
    }, ensure_ascii=False, sort_keys=True, indent=1).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (content, _) in sorted(files.items()):
            archive.writestr(name, content)
        archive.writestr(MANIFEST, manifest)
        archive.writestr(SIGNATURE, key.sign(manifest).hex() + "\n")
    store.read(lambda tx: log_action(tx, now, actor, merchant_id, "audit.export", {"from": day_from, "to": day_to}))
    return buffer.getvalue()


def verify_archive(path: Path, pinned_key: str | None = None) -> dict[str, Any]:
    """Check an archive offline: {"ok", "problem", "tampered", "files", "from", "to", "public_key"}."""
    result: dict[str, Any] = {"archive": str(path), "ok": False, "problem": None, "tampered": True, "files": 0,
                              "from": None, "to": None, "public_key": None}
    try:
        data = path.read_bytes()
    except OSError as exc:
        result.update(problem=f"cannot read it: {exc.strerror}", tampered=False)
        return result
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            manifest_bytes = archive.read(MANIFEST)
            signature = bytes.fromhex(archive.read(SIGNATURE).decode("ascii").strip())
            manifest = json.loads(manifest_bytes)
            result.update({"from": manifest.get("from"), "to": manifest.get("to"),
                           "public_key": manifest.get("public_key")})
            if manifest.get("format") != FORMAT:
                result["problem"] = "not an edgepos audit archive (format)"
                return result
            key_hex = pinned_key or manifest["public_key"]
            if pinned_key and pinned_key != manifest["public_key"]:
                result["problem"] = "signed by another key than the pinned one"
                return result
            if not Sm2PublicKey(bytes.fromhex(key_hex)).verify(signature, manifest_bytes):
                result["problem"] = "the manifest's signature does not verify (manifest changed)"
                return result
            listed = manifest["files"]
            extra = sorted(set(names) - set(listed) - {MANIFEST, SIGNATURE})
            if extra or len(names) != len(set(names)):
                result["problem"] = f"files not in the manifest: {', '.join(extra) or 'a duplicate name'}"
                return result
            for name, entry in listed.items():
                if name not in names:
                    result["problem"] = f"{name} is missing"
                    return result
                content = archive.read(name)
                if sm3(content).hex() != entry["sm3"] or len(content) != entry["bytes"]:
                    result["problem"] = f"{name} was changed (SM3 differs from the manifest)"
                    return result
            problem, checked = _chains(archive) if "terminals.jsonl" in listed else (None, 0)
    except (zipfile.BadZipFile, KeyError, ValueError, CryptoError, UnicodeDecodeError, TypeError,
            binascii.Error) as exc:
        result["problem"] = f"damaged or not an audit archive ({type(exc).__name__}: {str(exc)[:120]})"
        return result
    if problem:
        result["problem"] = problem
        return result
    result.update(ok=True, tampered=False, files=len(listed), records_checked=checked)
    return result


def _chains(archive: zipfile.ZipFile) -> tuple[str | None, int]:
    """Each terminal's records in the archive: SM3 digests, SM2 signatures by the terminal's enrolled key, and the
    hash links between consecutive records (the first record of a terminal in the archive links to one outside
    it, unless it is record 1, which must link to the genesis of its terminal and key)."""
    keys = {}
    for line in archive.read("terminals.jsonl").splitlines():
        row = json.loads(line)
        keys[row["id"]] = bytes.fromhex(row["public_key"])
    previous: dict[str, tuple[int, bytes]] = {}
    checked = 0
    for line in archive.read("records.jsonl").splitlines():
        row = json.loads(line)
        terminal, seq = row["terminal_id"], int(row["seq"])
        key = keys.get(terminal)
        if key is None:
            return f"record {seq} of {terminal}: the archive has no key for this terminal", checked
        prev_hash = bytes.fromhex(row["prev_hash"])
        before = previous.get(terminal)
        if before is not None and before[0] + 1 == seq:
            expected = before[1]
        elif seq == 1:
            expected = genesis_hash(terminal, key)
        else:
            expected = prev_hash
        secret = base64.b64decode(row["secret"]) if row.get("secret") else None
        problem = record_problem(seq, terminal.encode(), row["time"].encode(), row["type"].encode(),
                                 row["payload"].encode(), secret, prev_hash, bytes.fromhex(row["hash"]),
                                 bytes.fromhex(row["signature"]), terminal.encode(), expected, Sm2PublicKey(key))
        if problem:
            return f"terminal {terminal}: {problem}", checked
        previous[terminal] = (seq, bytes.fromhex(row["hash"]))
        checked += 1
    return None, checked


def archive_before(store: Store, before: str, directory: Path) -> dict[str, Any]:
    """Move every business day before `before` out of the live tables into a verified archive (see module doc)."""
    now = store.clock()
    limit = date(now.year - RETENTION_YEARS, now.month, min(now.day, 28))
    if date.fromisoformat(before) > limit:
        raise AuditError(f"nothing younger than {RETENTION_YEARS} years is archived: --before must be on or before "
                         f"{limit.isoformat()}")
    first = store.view(lambda tx: tx.one("SELECT min(business_day) FROM transfers WHERE business_day < ?",
                                         (before,)))
    day_from = (first[0] if first and first[0] else before)
    day_to = (date.fromisoformat(before) - timedelta(days=1)).isoformat()
    if day_from > day_to:
        return {"archived": False, "reason": "nothing before that day"}
    directory.mkdir(parents=True, exist_ok=True)
    name = f"edgepos-audit-{day_from}-{day_to}.zip"
    path = directory / name
    if path.exists():
        raise AuditError(f"{path} exists already")
    data = export_bytes(store, day_from, day_to, "retention")
    path.write_bytes(data)
    checked = verify_archive(path)
    if not checked["ok"]:
        raise AuditError(f"the archive did not verify after writing ({checked['problem']}); nothing was removed")
    removed = store.read(lambda tx: _remove(tx, day_from, day_to, name, sm3(data).hex(), now))
    return {"archived": True, "archive": str(path), "from": day_from, "to": day_to, "removed": removed}


def _remove(tx: Tx, day_from: str, day_to: str, name: str, digest: str, now: datetime) -> dict[str, int]:
    end_day = (date.fromisoformat(day_to) + timedelta(days=1)).isoformat()
    carried: dict[tuple[str, str], int] = defaultdict(int)
    for account, currency, amount in tx.all(
            "SELECT p.account, p.currency, sum(p.amount) FROM postings p JOIN transfers t ON t.id = p.transfer_id "
            "WHERE t.business_day < ? AND t.status = 'posted' GROUP BY p.account, p.currency", (end_day,)):
        if int(amount):
            carried[(account, currency)] += int(amount)
    removed = {"postings": tx.run("DELETE FROM postings WHERE transfer_id IN (SELECT id FROM transfers WHERE "
                                  "business_day < ? AND status <> 'pending')", (end_day,))}
    removed["transfers"] = tx.run("DELETE FROM transfers WHERE business_day < ? AND status <> 'pending'", (end_day,))
    removed["records"] = tx.run("DELETE FROM records WHERE time < ?", (end_day + "T00:00:00",))
    removed["decisions"] = tx.run("DELETE FROM holds WHERE created_at < ? AND status <> 'approved'",
                                  (end_day + "T00:00:00",))
    removed["operator_actions"] = tx.run("DELETE FROM bo_actions WHERE at < ?", (end_day + "T00:00:00",))
    if carried:
        transfer_id = f"opening:{end_day}"
        tx.run("INSERT INTO transfers (id, kind, status, terminal_id, merchant_id, business_day, created_at) "
               "VALUES (?, 'opening', 'posted', '', '', ?, ?)", (transfer_id, end_day, iso(now)))
        tx.many("INSERT INTO postings (transfer_id, line, account, currency, amount, tender) VALUES (?, ?, ?, ?, ?, "
                "NULL)", [(transfer_id, line, account, currency, amount)
                          for line, ((account, currency), amount) in enumerate(sorted(carried.items()), start=1)])
    tx.run("INSERT INTO bo_archives (name, day_from, day_to, sm3, created_at) VALUES (?, ?, ?, ?, ?)",
           (name, day_from, day_to, digest, iso(now)))
    log_action(tx, now, "retention", None, "archive", {"archive": name, "from": day_from, "to": day_to, **removed})
    return removed

