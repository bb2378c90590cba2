"""A shift report (X or Z) on the receipt printer: labelled rows in sections, not a sale's items and tenders.

The document carries text only (amounts already formatted, labels already translated): the terminal decides the
wording, the driver the layout. `report_lines` gives the exact text the paper shows, so the on-screen preview and
the printout are the same lines; `encode_report` adds the ESC/POS styling (CJK in GB18030 Chinese mode, as receipts).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from drivers.printer.layout import FS_CJK_OFF, FS_CJK_ON, MM80, PaperProfile, clip, display_width, two_columns


@dataclass(frozen=True, slots=True)
class ReportRow:
    label: str
    value: str = ""
    emphasis: bool = False


@dataclass(frozen=True, slots=True)
class ReportSection:
    title: str
    rows: tuple[ReportRow, ...] = ()


@dataclass(frozen=True, slots=True)
class ReportDocument:
    title: str  # "Z REPORT"
    header: tuple[str, ...] = ()  # shop name, address
    meta: tuple[ReportRow, ...] = ()  # terminal, numbers, opened / closed at and by
    sections: tuple[ReportSection, ...] = ()
    footer: tuple[str, ...] = ()


def _styled(doc: ReportDocument, width: int) -> Iterator[tuple[str, str]]:
    """(style, text) per printed line; styles: header, title, section, row, emphasis, plain."""
    for text in doc.header:
        yield "header", clip(text, width)
    yield "title", clip(doc.title, width)
    for row in doc.meta:
        yield "row", two_columns(row.label, row.value, width)
    for section in doc.sections:
        yield "plain", "-" * width
        if section.title:
            yield "section", clip(section.title, width)
        for row in section.rows:
            text = two_columns(row.label, row.value, width) if row.value else clip(row.label, width)
            yield ("emphasis" if row.emphasis else "row"), text
    yield "plain", "-" * width
    for text in doc.footer:
        yield "header", clip(text, width)


def report_lines(doc: ReportDocument, columns: int = MM80.columns) -> list[str]:
    """The report as plain text lines, `columns` wide (wide characters count two): the on-screen preview."""
    lines = []
    for style, text in _styled(doc, columns):
        pad = max(0, columns - display_width(text)) // 2 if style in ("header", "title") else 0
        lines.append(" " * pad + text)
    return lines


def encode_report(doc: ReportDocument, paper: PaperProfile = MM80) -> bytes:
    """The ESC/POS bytes of one report, ending with a feed and a partial cut."""
    from escpos.printer import Dummy

    p = Dummy(profile=paper.escpos_profile)

    def line(text: str) -> None:
        if paper.cjk and not text.isascii():
            p._raw(FS_CJK_ON + text.encode("gb18030", "replace") + b"\n" + FS_CJK_OFF)
        else:
            p.text(text + "\n")

    p.hw("INIT")
    for style, text in _styled(doc, paper.columns):
        if style in ("header", "title"):
            p.set(align="center", bold=style == "title", double_height=style == "title",
                  normal_textsize=style != "title")
        else:
            p.set(align="left", bold=style in ("section", "emphasis"), normal_textsize=True)
        line(text)
    p.set(align="left", bold=False, normal_textsize=True)
    p.cut()
    return p.output
