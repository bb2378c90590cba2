"""Lay a ReceiptDocument out as ESC/POS bytes for a 58 mm (32 columns) or 80 mm (48 columns) printer.

The bytes are produced through python-escpos (Dummy printer), then sent unchanged to the real transport, so the
preview decodes exactly what the printer receives. CJK text goes out in GB18030 inside FS & ... FS . (Chinese
mode) on printers that have it; elsewhere non-ASCII falls back to python-escpos's code pages.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from drivers.printer.document import ReceiptDocument, format_money

FS_CJK_ON, FS_CJK_OFF = b"\x1c\x26", b"\x1c\x2e"


@dataclass(frozen=True, slots=True)
class PaperProfile:
    columns: int  # font A characters per line
    cjk: bool = True  # GB18030 Chinese mode available (most printers sold in China)
    escpos_profile: str = "TM-T88V"


MM58 = PaperProfile(32)
MM80 = PaperProfile(48)


def display_width(text: str) -> int:
    """Columns the text takes: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, width: int) -> str:
    out, used = "", 0
    for ch in text:
        w = display_width(ch)
        if used + w > width:
            break
        out, used = out + ch, used + w
    return out


def two_columns(left: str, right: str, width: int) -> str:
    right = clip(right, width)
    left = clip(left, max(0, width - display_width(right) - 1))
    return left + " " * (width - display_width(left) - display_width(right)) + right


def encode_receipt(doc: ReceiptDocument, paper: PaperProfile = MM80) -> bytes:
    """The ESC/POS bytes of one receipt, ending with a feed and a partial cut."""
    from escpos.printer import Dummy

    p = Dummy(profile=paper.escpos_profile)
    w = paper.columns
    money = lambda minor: format_money(minor, doc.currency)  # noqa: E731

    def line(text: str = "") -> None:
        if paper.cjk and not text.isascii():
            p._raw(FS_CJK_ON + text.encode("gb18030", "replace") + b"\n" + FS_CJK_OFF)
        else:
            p.text(text + "\n")

    p.hw("INIT")
    if doc.header:
        p.set(align="center", bold=True, double_height=True, double_width=True)
        line(clip(doc.header[0], w // 2))
        p.set(align="center", normal_textsize=True, bold=False)
        for text in doc.header[1:]:
            line(clip(text, w))
    p.set(align="center", bold=True)
    line(doc.title)
    p.set(align="left", bold=False)
    for text in doc.meta:
        line(clip(text, w))
    line("-" * w)
    for item in doc.items:
        line(two_columns(item.name, money(item.amount), w))
        if item.quantity != 1 or item.discount:
            detail = f"  {item.quantity} x {money(item.unit_price)}"
            if item.discount:
                detail += f"  -{money(item.discount)}"
            line(clip(detail, w))
    line("-" * w)
    for row in doc.totals:
        if row.emphasis:
            p.set(bold=True, double_height=True)
            line(two_columns(row.label, f"{doc.currency} {money(row.amount)}", w))
            p.set(bold=False, normal_textsize=True)
        else:
            line(two_columns(row.label, money(row.amount), w))
    for tender in doc.tenders:
        label = f"{tender.label} {tender.card}" if tender.card else tender.label
        line(two_columns(label, money(tender.amount), w))
        if tender.reference:
            line(clip(f"  Ref {tender.reference}", w))
    if doc.change:
        line(two_columns("Change", money(doc.change), w))
    if doc.qr_link:
        line()
        p.set(align="center")
        p.qr(doc.qr_link, native=True, size=6 if w >= 48 else 4)
        line(clip(doc.qr_caption, w))
    p.set(align="center")
    for text in doc.footer:
        line(clip(text, w))
    p.set(align="left")
    p.cut()
    return p.output
