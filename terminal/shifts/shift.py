"""Shifts: open with a counted cash float, X reports while open, close with a cash count and a Z report.

Everything is a journal record, so a restart finds the open shift again and a Z report can always be reprinted:
`shift.opened` (the Shift), `shift.x_report` and `shift.closed` (the whole ShiftReport), and `shift.report_printed`
/ `shift.report_failed`. Reports read only the shift's own records (after its `shift.opened`), and the running
tally is kept between reports, so an X report reads only what is new. Finding the open shift after a restart reads
the journal backwards in chunks until the last shift record: the cost is one shift's records, not the history.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from drivers.errors import DeviceError
from sync.journal import Journal, Record
from terminal.domain import Money
from terminal.domain._checks import iso_utc, parse_utc
from terminal.operators import Operator, OperatorStore, Permission
from terminal.shifts.report import LANGS, CurrencyTotals, ShiftReport
from terminal.shifts.tally import SaleFacts, Tally

_SHIFT_MARKS = ("shift.opened", "shift.closed")
_CHUNK = 500


class ShiftError(Exception):
    """A shift action refused: a stable `code` and plain `params` the UI words in the screen's language, and the
    same as one English sentence (str(exc)) for logs and the CLI."""

    def __init__(self, message: str, *, code: str = "", params: Mapping[str, Any] | None = None
                 ) -> None:
        super().__init__(message)
        self.code, self.params = code, dict(params or {})


class ReportNotPrinted(ShiftError):
    """The report is journalled but the printer failed; `Shifts.print` it again once the printer is fixed."""


@dataclass(frozen=True, slots=True)
class Shift:
    """An open shift: its id, the Z number its close will carry, and the counted opening float per currency."""

    shift_id: str
    terminal_id: str
    z_number: int
    opened_seq: int  # the seq of its shift.opened record
    opened_at: datetime
    opened_by: str
    cash_float: Mapping[str, Money]

    def payload(self) -> dict[str, Any]:
        return {"type": "shift", "shift_id": self.shift_id, "terminal_id": self.terminal_id,
                "z_number": self.z_number, "opened_at": iso_utc(self.opened_at), "opened_by": self.opened_by,
                "float": [self.cash_float[code].to_dict() for code in sorted(self.cash_float)]}

    @classmethod
    def from_record(cls, record: Record) -> Shift:
        p = record.payload
        cash_float = {m["currency"]: Money.from_dict(m) for m in p["float"]}
        return cls(p["shift_id"], p["terminal_id"], p["z_number"], record.seq,
                   parse_utc(p["opened_at"], "shift opening time"), p["opened_by"], cash_float)


def _cash(amounts: Mapping[str, Money], what: str) -> dict[str, Money]:
    """Validate counted cash: {currency code: Money in that code, zero or more}."""
    out = {}
    for code, money in amounts.items():
        if not isinstance(money, Money):
            raise TypeError(f"{what} amounts must be Money, not {type(money).__name__}")
        if money.currency != code:
            raise ShiftError(f"The {what} entered under {code} is in {money.currency}. Enter it under "
                             f"{money.currency}.",
                             code="float_wrong_currency" if what == "float" else "count_wrong_currency",
                             params={"entered": code, "currency": money.currency})
        if money.is_negative:
            raise ShiftError(f"The {what} in {code} cannot be below zero. Count the cash again.",
                             code="float_below_zero" if what == "float" else "count_below_zero",
                             params={"currency": code})
        out[code] = money
    return out


class Shifts:
    """The shifts of one till. One instance per till, driven from the UI thread (like Checkout)."""

    def __init__(self, journal: Journal, operators: OperatorStore, printer: Any, clock: Callable[[], datetime],
                 terminal_id: str, *, header: Sequence[str] = ()) -> None:
        if getattr(journal, "terminal_id", terminal_id) != terminal_id:
            raise ValueError(f"journal of terminal {journal.terminal_id!r}, shifts of {terminal_id!r}")
        self.journal, self.operators, self.printer, self.clock = journal, operators, printer, clock
        self.terminal_id, self.header = terminal_id, tuple(header)
        self._current: Shift | None = None
        self._tally: Tally | None = None
        self._next_z = 1
        last = next(self._backwards(lambda r: r.type in _SHIFT_MARKS), None)
        if last is not None and last.type == "shift.opened":
            self._current = Shift.from_record(last)
            self._next_z = self._current.z_number
        elif last is not None:
            self._next_z = last.payload["z_number"] + 1

    # --- reading the journal ------------------------------------------------------------------------------------

    def _backwards(self, wanted: Callable[[Record], bool], stop: int = 0, before: int | None = None
                   ) -> Iterator[Record]:
        """Records matching `wanted`, newest first, with seq in (stop, before): read in chunks from the head."""
        high = self.journal.head()[0] + 1 if before is None else before
        while high - 1 > stop:
            low = max(stop, high - 1 - _CHUNK)
            chunk = list(islice(self.journal.records(after=low, batch=high - 1 - low), high - 1 - low))
            yield from (r for r in reversed(chunk) if wanted(r))
            high = low + 1

    def _find_sale(self, sale_id: str, before: int) -> SaleFacts | None:
        """A voided sale from before this shift (rare): looked up backwards from the void."""
        for record in self._backwards(lambda r: r.type == "sale.completed", before=before):
            payload = record.payload
            if payload["sale_id"] == sale_id:
                return SaleFacts.of(payload)
        return None

    def _catch_up(self, shift: Shift) -> Tally:
        if self._tally is None:
            self._tally = Tally(shift.opened_seq, shift.cash_float, self._find_sale)
        tally = self._tally
        for record in self.journal.records(after=tally.upto):
            tally.feed(record.seq, record.type, lambda r=record: r.payload)
        return tally

    def _require_open(self) -> Shift:
        if self._current is None:
            raise ShiftError("No shift is open. Open a shift and count the cash float first.", code="no_open_shift")
        return self._current

    # --- actions ------------------------------------------------------------------------------------------------

    def current(self) -> Shift | None:
        return self._current

    def open(self, operator: Operator, float_counted: Mapping[str, Money]) -> Shift:
        """Start a shift with the cash float counted into the drawer (per currency). Refused while one is open."""
        if self._current is not None:
            raise ShiftError(f"Shift Z{self._current.z_number} is still open. Close it with a Z report first.",
                             code="shift_still_open", params={"z_number": self._current.z_number})
        if not operator.can(Permission.SELL):
            raise ShiftError(f"{operator.name} cannot open a shift. Log in as a cashier or manager.",
                             code="cannot_open_shift", params={"name": operator.name})
        cash_float = _cash(float_counted, "float")
        shift = Shift(str(uuid.uuid4()), self.terminal_id, self._next_z, 0, self.clock(), operator.operator_id,
                      cash_float)
        record = self.journal.append("shift.opened", shift.payload())
        self._current = Shift.from_record(record)
        self._tally = None
        return self._current

    def x_report(self, operator: Operator | None = None) -> ShiftReport:
        """Mid-shift totals; the shift stays open. Journalled (`shift.x_report`) and numbered within the shift."""
        shift = self._require_open()
        tally = self._catch_up(shift)
        by = operator.operator_id if operator is not None else shift.opened_by
        report = self._report(shift, tally, "X", tally.x_reports + 1, by, tally.totals())
        self.journal.append("shift.x_report", report.to_dict())
        return report

    def cash_check(self, counted: Mapping[str, Money]) -> tuple[CurrencyTotals, ...]:
        """What the Z report would say about the drawer for this count (expected, counted, variance per currency),
        without closing or journalling anything: the manager sees it before approving the close."""
        return self._catch_up(self._require_open()).totals(_cash(counted, "count"))

    def close(self, operator: Operator, counted: Mapping[str, Money], *, approver_id: str | None = None,
              approver_pin: str | None = None) -> ShiftReport:
        """Close the shift with the cash counted per currency: the Z report, durable in the journal on return.

        Needs SHIFT_CLOSE (a manager), or a manager's id and PIN on the spot. Every currency the drawer should
        hold must be counted (enter zero when there is none), so a forgotten count is never a silent shortage.
        """
        shift = self._require_open()
        counted = _cash(counted, "count")
        tally = self._catch_up(shift)
        missing = [c.currency for c in tally.totals() if c.currency not in counted and not c.expected_cash.is_zero]
        if missing:
            raise ShiftError(f"Count the {', '.join(missing)} cash too (enter 0 if there is none).",
                             code="count_missing_currency", params={"currencies": ", ".join(missing)})
        approver = self.operators.authorize(operator, Permission.SHIFT_CLOSE, "shift_close",
                                            approver_id=approver_id, approver_pin=approver_pin,
                                            details={"shift_id": shift.shift_id, "z_number": shift.z_number})
        tally = self._catch_up(shift)  # up to the audit record: nothing else may slip in between
        report = self._report(shift, tally, "Z", shift.z_number, operator.operator_id, tally.totals(counted),
                              approver.operator_id)
        self.journal.append("shift.closed", report.to_dict())
        self._current, self._tally, self._next_z = None, None, shift.z_number + 1
        return report

    def _report(self, shift: Shift, tally: Tally, kind: str, number: int, by: str, totals: Any,
                approved_by: str | None = None) -> ShiftReport:
        return ShiftReport(kind=kind, number=number, shift_id=shift.shift_id, terminal_id=self.terminal_id,
                           z_number=shift.z_number, opened_at=shift.opened_at, opened_by=shift.opened_by,
                           at=self.clock(), by=by, first_seq=shift.opened_seq, last_seq=tally.upto,
                           currencies=totals, cancelled_sales=tally.cancelled_sales,
                           declined_tenders=tally.declined_tenders, no_sale_opens=tally.no_sale_opens,
                           unmatched_voids=tally.unmatched_voids, approved_by=approved_by)

    def z_report(self, z_number: int | None = None) -> ShiftReport:
        """A Z report as journalled at its close (the last one by default): for a reprint or an audit."""
        for record in self._backwards(lambda r: r.type == "shift.closed"):
            payload = record.payload
            if z_number is None or payload["z_number"] == z_number:
                return ShiftReport.from_dict(payload)
            if payload["z_number"] < z_number:
                break
        if z_number:
            raise ShiftError("There is no such Z report on this till.", code="no_such_z_report")
        raise ShiftError("No shift was closed yet.", code="no_shift_closed")

    def print(self, report: ShiftReport, lang: str = "en") -> bytes:
        """Print a report (already journalled). A printer problem raises ReportNotPrinted; print it again later."""
        if lang not in LANGS:
            raise ShiftError(f"Choose a report language: {', '.join(LANGS)}.", code="report_language",
                             params={"languages": ", ".join(LANGS)})
        mark = {"kind": report.kind, "number": report.number, "shift_id": report.shift_id}
        try:
            sent = self.printer.print_report(report.document(lang, self.header))
        except DeviceError as exc:
            self.journal.append("shift.report_failed", {**mark, "error": type(exc).__name__})
            raise ReportNotPrinted(f"The report did not print: {exc.advice} It is saved; print it again.",
                                  code="report_not_printed", params={"advice_code": exc.code}) from exc
        self.journal.append("shift.report_printed", {**mark, "bytes": len(sent)})
        return sent
