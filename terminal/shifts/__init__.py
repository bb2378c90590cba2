"""Cashier shifts: opening float, X reports, cash count and the Z report, all from the journal."""

from terminal.shifts.report import CurrencyTotals, ShiftReport, TenderTotal
from terminal.shifts.shift import ReportNotPrinted, Shift, ShiftError, Shifts

__all__ = ["CurrencyTotals", "ReportNotPrinted", "Shift", "ShiftError", "ShiftReport", "Shifts", "TenderTotal"]
