"""The customer's receipt in the screen's language (or the store's): the checkout lays a receipt out in English;
on a Chinese till the printer gets the same document with its labels and item names in Chinese.

Only words change, never an amount, a reference or a code. Labels not listed here print as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

ZH = {
    "SALE": "销售", "REFUND": "退款", "VOID": "作废",
    "Subtotal": "小计", "Discount": "折扣", "TOTAL": "合计",
    "Cash": "现金", "Card": "银行卡", "Card contactless": "银行卡（非接）", "QR payment": "扫码支付",
    "Digital currency": "数字人民币", "Digital RMB": "数字人民币",
    "Thank you!": "谢谢惠顾！", "Show this code at the till for a refund": "退货时请在收银台出示此码",
}
ZH_PREFIXES = (("Terminal ", "终端 "), ("Sale ", "交易 "), ("Refund ", "退款 "), ("Void ", "作废 "),
               ("Reason: ", "原因："))


def _meta(text: str) -> str:
    for english, chinese in ZH_PREFIXES:
        if text.startswith(english):
            return chinese + text[len(english):]
    return text


def _label(text: str) -> str:
    if text.endswith(" incl."):  # a tax row: "VAT13 13% incl."
        return text[:-len(" incl.")] + " 含税"
    return ZH.get(text, text)


def in_language(doc: Any, lang: str, names: Mapping[str, str]) -> Any:
    """`doc` (drivers.printer.document.ReceiptDocument) worded in `lang`; `names`: English item name -> its name in
    that language (the catalogue's). English, or a language without words here, returns `doc` unchanged."""
    if not lang.lower().startswith("zh"):
        return doc
    return replace(
        doc, title=ZH.get(doc.title, doc.title), meta=tuple(_meta(m) for m in doc.meta),
        items=tuple(replace(item, name=names.get(item.name, item.name)) for item in doc.items),
        totals=tuple(replace(row, label=_label(row.label)) for row in doc.totals),
        tenders=tuple(replace(t, label=_label(t.label)) for t in doc.tenders),
        footer=tuple(ZH.get(f, f) for f in doc.footer), qr_caption=ZH.get(doc.qr_caption, doc.qr_caption))
