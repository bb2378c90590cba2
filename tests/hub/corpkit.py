"""Supplier-batch test data: valid Chinese bank cards (Luhn) and IBANs, and workbooks written with openpyxl, where
formula cells can be given the cached result Excel saves (openpyxl writes formulas without one, so the sheet XML is
completed by hand: `<f>..</f>` gets its `<v>..</v>`, exactly what Excel or LibreOffice write on save)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from typing import Any

from stdnum import luhn

from hub.corporate.batch_file import HEADER

IBANS = ("DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606")


def card(n: int, prefix: str = "622848") -> str:
    """The n-th 19-digit UnionPay-style card number with a correct Luhn check digit."""
    body = f"{prefix}{n:012d}"
    return body + luhn.calc_check_digit(body)


def workbook(rows: Sequence[Sequence[Any]], *, title: str | None = None, hidden_decoy: bool = False,
             merge: Sequence[str] = (), cached: dict[str, str] | None = None) -> bytes:
    """An .xlsx with the header then `rows`; `title` adds a merged title row above the header; `hidden_decoy` puts a
    hidden first sheet with other rows; `merge` are ranges to merge (e.g. "A5:A6"); `cached` gives formula cells
    (by coordinate) their saved result."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "payments"
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(list(HEADER))
    for row in rows:
        sheet.append(list(row))
    for cells in merge:
        sheet.merge_cells(cells)
    if hidden_decoy:
        decoy = book.create_sheet("old", 0)
        decoy.append(list(HEADER))
        decoy.append(["Decoy Ltd", "not an account", "X", "-1", "XXX", "", ""])
        decoy.sheet_state = "hidden"
        book.active = 1
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    return with_cached_values(data, cached) if cached else data


def with_cached_values(data: bytes, cached: dict[str, str]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = content.decode()
                for ref, value in cached.items():
                    text = re.sub(rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)(<v>[^<]*</v>|<v\s*/>)?',
                                  rf"\g<1>\g<2><v>{value}</v>", text)
                content = text.encode()
            target.writestr(item, content)
    return out.getvalue()


def csv_file(rows: Sequence[Sequence[Any]], encoding: str = "utf-8-sig") -> bytes:
    lines = [",".join(HEADER)] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)
