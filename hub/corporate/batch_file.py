"""Reading and checking a supplier batch file (.xlsx or CSV) as Excel shows it.

Header (any order, first ten rows searched; other columns ignored): payee_name, account, bank_code, amount, currency,
reference, pay_on. Row numbers are the sheet's own (what Excel shows at the left). Every row is checked on its own: a
bad row is reported with its field and code and never stops the rest.

- account: a Chinese bank card (16-19 digits, Luhn) or an IBAN (ISO 7064 mod 97 check digits and the country's
  length, by python-stdnum). A card stored as an Excel number has lost its last digits (Excel keeps 15): refused.
- amount: decimal major units, no more decimals than the currency has (hub.backoffice.money); > 0; at most the
  currency's row limit (limits.toml) or `over_limit`.
- pay_on: optional; an ISO date, an Excel date (a date-formatted number, or a bare serial number), today to
  `pay_on_max_days` ahead.
- duplicate: same payee, account, amount and reference as an earlier row of the file, or as a payout paid in the last
  `duplicate_days` (the caller's lookup, by keyed fingerprint).

Workbooks: the first visible sheet (hidden sheets are skipped, as Excel does not show them); formulas are read as
their cached results (openpyxl does not calculate; a formula Excel never calculated, e.g. written by a script, is a
clear error on its cell); a merged cell's value shows across its whole range, so it applies to every row it spans.
CSV: UTF-8 (with or without BOM), else GB18030 (what Excel in Chinese saves).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from stdnum import iban, luhn
from stdnum.exceptions import ValidationError as StdnumError

from hub.backoffice.money import BadAmount, to_major, to_minor
from hub.corporate.limits import Limits
from sync.protocol import ISO_4217

HEADER = ("payee_name", "account", "bank_code", "amount", "currency", "reference", "pay_on")
REQUIRED = ("payee_name", "account", "bank_code", "amount", "currency")
MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
CODES = ("missing", "bad_account", "bad_amount", "bad_currency", "bad_date", "duplicate", "over_limit", "formula")
_SEPARATORS = re.compile(r"[\s-]+")
_BANK_CODE = re.compile(r"^[A-Za-z0-9]{2,40}$")


class FileError(ValueError):
    """The file as a whole cannot be read (not a workbook or CSV, no header...): the message says why."""


@dataclass(frozen=True, slots=True)
class Row:
    row_no: int
    payee_name: str
    account: str
    bank_code: str
    amount: int
    currency: str
    reference: str
    pay_on: str | None

    def same_as(self) -> tuple[str, str, int, str, str]:
        return (" ".join(self.payee_name.split()).casefold(), self.account, self.amount, self.currency,
                self.reference.strip().casefold())


@dataclass(frozen=True, slots=True)
class Problem:
    row: int
    field: str
    code: str
    text: str


@dataclass
class CheckResult:
    rows: int = 0
    valid: list[Row] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        sums: dict[str, int] = {}
        for row in self.valid:
            sums[row.currency] = sums.get(row.currency, 0) + row.amount
        return dict(sorted(sums.items()))

    def summary(self) -> dict[str, Any]:
        """The `edgepos hub batch check --json` object."""
        return {"rows": self.rows, "valid": len(self.valid),
                "total": {currency: to_major(total, currency) for currency, total in self.totals().items()},
                "errors": [{"row": p.row, "field": p.field, "code": p.code, "text": p.text} for p in self.errors]}

    def to_json(self) -> str:
        return json.dumps(self.summary(), ensure_ascii=False)


# --- reading ------------------------------------------------------------------------------------------------------

Cells = dict[str, Any]  # field -> value as Excel shows it (str, int, float, datetime, None); "=": uncached formula


def read_rows(data: bytes, file_name: str) -> Iterator[tuple[int, Cells]]:
    """(sheet row number, field -> value) for each non-blank data row."""
    if len(data) > MAX_BYTES:
        raise FileError(f"the file has {len(data) // 1048576} MB; at most {MAX_BYTES // 1048576} MB")
    if data[:4] == b"PK\x03\x04" or file_name.lower().endswith((".xlsx", ".xlsm")):
        return _xlsx_rows(data)
    return _csv_rows(data)


def _header(values: list[Any]) -> dict[int, str] | None:
    names = {i: str(v).strip().lower() for i, v in enumerate(values) if v is not None and str(v).strip()}
    if "payee_name" not in names.values():
        return None
    missing = [name for name in REQUIRED if name not in names.values()]
    if missing:
        raise FileError(f"the header has no column {', '.join(missing)} (it needs {', '.join(HEADER)})")
    return {i: name for i, name in names.items() if name in HEADER}


def _rows_of(table: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, Cells]]:
    columns: dict[int, str] | None = None
    count = 0
    for number, values in table:
        if columns is None:
            columns = _header(values)
            if columns is None and number >= 10:
                break
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        count += 1
        if count > MAX_ROWS:
            raise FileError(f"the file has more than {MAX_ROWS} rows; split it into several batches")
        yield number, {name: values[i] if i < len(values) else None for i, name in columns.items()}
    if columns is None:
        raise FileError(f"no header row with the columns {', '.join(HEADER)} in the first ten rows")


def _csv_rows(data: bytes) -> Iterator[tuple[int, Cells]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise FileError("not a workbook, and not CSV text in UTF-8 or GB18030") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    return _rows_of((reader.line_num, [v if v.strip() else None for v in values]) for values in reader)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, Cells]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors alike: the file is not a workbook we can read
        raise FileError(f"not an .xlsx workbook openpyxl can read ({type(exc).__name__})") from None
    visible = [ws for ws in book.worksheets if ws.sheet_state == "visible"]
    if not visible:
        raise FileError("the workbook has no visible sheet")
    sheet = book.active if book.active in visible else visible[0]
    spans: dict[tuple[int, int], Any] = {}  # a merged range shows its top-left value over the whole range
    for merged in sheet.merged_cells.ranges:
        value = sheet.cell(merged.min_row, merged.min_col).value
        for r in range(merged.min_row, merged.max_row + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                spans[(r, c)] = value
    formulas = _uncached_formulas(data, sheet.title)
    index = book.worksheets.index(sheet)

    def table() -> Iterator[tuple[int, list[Any]]]:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            row = list(values)
            for column in range(len(row)):
                if row[column] is None:
                    row[column] = spans.get((number, column + 1))
                    if row[column] is None and (index, number, column + 1) in formulas:
                        row[column] = "="
            yield number, row

    return _rows_of(table())


def _uncached_formulas(data: bytes, title: str) -> set[tuple[int, int, int]]:
    """Cells of the sheet holding a formula without a cached result (sheet index, row, column): only looked for when
    the workbook has formulas at all (a streaming second read of the sheet)."""
    import zipfile

    from openpyxl import load_workbook

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if not any(b"<f" in archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")):
            return set()
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    cached = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    index = book.sheetnames.index(title)
    found = set()
    for formula_row, value_row in zip(book[title].iter_rows(), cached[title].iter_rows(), strict=False):
        for cell, value in zip(formula_row, value_row, strict=False):
            if getattr(cell, "data_type", None) == "f" and getattr(value, "value", None) is None:
                found.add((index, cell.row, cell.column))
    return found


# --- checking -----------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(value).strip()


def check_account(value: Any) -> tuple[str | None, str | None]:
    """(normalised account, None) or (None, why not)."""
    if isinstance(value, float) and value >= 1e15:
        return None, "the account is stored as a number, so Excel kept only its first 15 digits: format the " \
                     "column as text and type it again"
    account = _SEPARATORS.sub("", _text(value)).upper()
    if account[:2].isalpha():
        try:
            return iban.validate(account), None
        except StdnumError as exc:
            return None, f"not a valid IBAN ({exc})"
    if not account.isdigit() or not 16 <= len(account) <= 19:
        return None, "not a bank card number (16 to 19 digits) nor an IBAN"
    if not luhn.is_valid(account):
        return None, "the bank card number's check digit (Luhn) is wrong"
    return account, None


def _amount(value: Any, currency: str) -> int:
    if isinstance(value, bool):
        raise BadAmount("not an amount")
    if isinstance(value, int | float):
        text = repr(float(value)) if isinstance(value, float) else str(value)
        try:
            exact = Decimal(text)
        except InvalidOperation:
            raise BadAmount("not an amount") from None
        rounded = round(exact, 9)  # a computed cell's binary float (0.1 + 0.2): as Excel shows it
        text = format(rounded.normalize(), "f")
    else:
        text = _text(value).replace(",", "")
    return to_minor(text, currency)


def _pay_on(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        if not 1 <= value <= 2958465:
            raise ValueError
        moment = from_excel(value)
        return moment.date() if isinstance(moment, datetime) else moment  # type: ignore[return-value]
    return date.fromisoformat(_text(value))


def check_row(number: int, cells: Cells, today: date, limits: Limits) -> tuple[Row | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(name: str, code: str, text: str) -> None:
        problems.append(Problem(number, name, code, text))

    for name in HEADER:
        if cells.get(name) == "=":
            bad(name, "formula", f"{name} is a formula Excel never calculated (no saved result): open the file in "
                                 "Excel or LibreOffice, save it, and upload it again")
    for name in REQUIRED:
        empty = cells.get(name) is None or not _text(cells.get(name))
        if empty and not any(p.field == name for p in problems):
            bad(name, "missing", f"{name} is empty")
    account, why = (None, None)
    if not any(p.field == "account" for p in problems):
        account, why = check_account(cells.get("account"))
        if why:
            bad("account", "bad_account", why)
    currency = _text(cells.get("currency")).upper()
    if currency and currency not in ISO_4217:
        bad("currency", "bad_currency", f"{currency!r} is not an ISO 4217 currency code")
    amount = None
    if currency in ISO_4217 and not any(p.field == "amount" for p in problems):
        try:
            amount = _amount(cells.get("amount"), currency)
            if amount <= 0:
                bad("amount", "bad_amount", "the amount must be more than zero")
            elif amount > limits.row_limit(currency):
                bad("amount", "over_limit", f"above the limit of {to_major(limits.row_limit(currency), currency)} "
                                            f"{currency} for one payment")
        except BadAmount as exc:
            bad("amount", "bad_amount", str(exc))
    bank_code = _text(cells.get("bank_code"))
    if bank_code and not _BANK_CODE.match(bank_code):
        bad("bank_code", "missing", "the bank code is 2 to 40 letters or digits")
    pay_on = None
    if cells.get("pay_on") is not None and _text(cells.get("pay_on")):
        try:
            when = _pay_on(cells["pay_on"])
            last = today + timedelta(days=limits.pay_on_max_days)
            if not today <= when <= last:
                bad("pay_on", "bad_date", f"pay_on {when.isoformat()} is not between today ({today.isoformat()}) "
                                          f"and {last.isoformat()}")
            pay_on = when.isoformat()
        except (ValueError, TypeError, OverflowError):
            bad("pay_on", "bad_date", "pay_on is not a date (YYYY-MM-DD or an Excel date)")
    if problems or account is None or amount is None:
        return None, problems
    return Row(number, _text(cells["payee_name"])[:200], account, bank_code, amount, currency,
               _text(cells.get("reference"))[:140], pay_on), []


PaidLookup = Callable[[list[Row]], set[int]]  # rows -> row numbers already paid within the duplicate window


def check(data: bytes, file_name: str, today: date, limits: Limits, paid_before: PaidLookup | None = None
          ) -> CheckResult:
    """Check every row of the file; FileError when the file as a whole cannot be read."""
    result = CheckResult()
    seen: dict[tuple[str, str, int, str, str], int] = {}
    for number, cells in read_rows(data, file_name):
        result.rows += 1
        row, problems = check_row(number, cells, today, limits)
        result.errors += problems
        if row is None:
            continue
        first = seen.setdefault(row.same_as(), number)
        if first != number:
            result.errors.append(Problem(number, "reference", "duplicate", f"same payee, account, amount and "
                                                                           f"reference as row {first}"))
            continue
        result.valid.append(row)
    if paid_before is not None and result.valid:
        paid = paid_before(result.valid)
        for row in result.valid:
            if row.row_no in paid:
                result.errors.append(Problem(row.row_no, "reference", "duplicate", "a payment with the same payee, "
                                             f"account, amount and reference was paid in the last "
                                             f"{limits.duplicate_days} days"))
        result.valid = [row for row in result.valid if row.row_no not in paid]
    result.errors.sort(key=lambda p: (p.row, HEADER.index(p.field) if p.field in HEADER else 99))
    return result
