"""E-invoices from the receipt QR: once per sale, with its lines and taxes; credit notes (red-letter) for refunds.

The customer opens the hub's page for the sale the receipt names (terminal id + sale id, the QR's text), gives the
buyer's name and tax id (a Chinese unified social credit code, check digit verified by python-stdnum) and maybe an
e-mail. The lines, taxes and totals come from the sale's `sale.completed` record the hub holds byte for byte
(signed by the till), never from the customer.

Issuing goes through an `InvoiceProvider`. `LocalProvider` is ours: a numbered PDF (fpdf2, WenQuanYi Micro Hei
for Chinese) whose canonical data is SM3-hashed and SM2-signed by the hub's `invoice` key (printed on the PDF); the
PDF bytes get a detached SM2 signature too. A tax-authority provider can replace it behind the same protocol.

A refund of an invoiced sale issues a credit note against the invoice (`credit_notes_due` finds them; the back
office runs it every minute and when finance opens the invoices page). "Send" puts the PDF in an outbox table for the
mail adapter; this reference hub has no SMTP.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from hub.backend import Tx
from hub.backoffice.money import to_major
from hub.backoffice.users import hub_key, log_action
from hub.clock import iso
from hub.store import Store
from sync.crypto import Sm2PrivateKey, sm3

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
MAX_NAME = 100


class InvoiceError(ValueError):
    """The invoice cannot be issued; `code` is stable (the web words it per language)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    quantity: str
    rate: str  # tax rate, decimal text (0.13)
    net: int
    tax: int
    gross: int


@dataclass
class InvoiceData:
    """What a provider turns into a document: the canonical content, signed as JSON."""

    number: str
    kind: str  # invoice | credit_note
    merchant_id: str
    terminal_id: str
    sale_id: str
    refund_id: str
    credits: str | None  # the invoice number a credit note reverses
    buyer_name: str
    buyer_tax_id: str
    currency: str
    issued_at: str
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.gross for line in self.lines)

    @property
    def tax(self) -> int:
        return sum(line.tax for line in self.lines)

    def canonical(self) -> bytes:
        data = {k: v for k, v in self.__dict__.items() if k != "lines"}
        data["lines"] = [{"name": li.name, "quantity": li.quantity, "rate": li.rate, "net": li.net, "tax": li.tax,
                          "gross": li.gross} for li in self.lines]
        data["total"], data["tax"] = self.total, self.tax
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class Issued:
    pdf: bytes
    sm3: str  # of the canonical data
    signature: str  # SM2 over the PDF bytes (detached), hex


class InvoiceProvider(Protocol):
    def issue(self, data: InvoiceData) -> Issued: ...


class LocalProvider:
    """Our own format: the PDF prints the canonical data's SM3 and its SM2 signature by the hub's invoice key."""

    def __init__(self, key: Sm2PrivateKey) -> None:
        self.key = key

    def issue(self, data: InvoiceData) -> Issued:
        canonical = data.canonical()
        digest = sm3(canonical).hex()
        data_signature = self.key.sign(canonical).hex()
        pdf = render_pdf(data, digest, data_signature, self.key.public_key().hex())
        return Issued(pdf, digest, self.key.sign(pdf).hex())


def render_pdf(data: InvoiceData, digest: str, signature: str, public_key: str) -> bytes:
    from fpdf import FPDF

    credit = data.kind == "credit_note"
    pdf = FPDF(format="A4")
    pdf.set_creator("edgepos hub")
    pdf.set_title(f"{'Credit note' if credit else 'Invoice'} {data.number}")
    pdf.add_font("wqy", "", str(CJK_FONT))
    pdf.add_page()
    pdf.set_font("wqy", size=16)
    if credit:
        pdf.set_text_color(200, 0, 0)  # red-letter: a credit note is printed in red
    pdf.cell(0, 10, ("红字发票 Credit note" if credit else "电子发票 E-invoice") + f"  No. {data.number}",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("wqy", size=10)
    rows = [("开票日期 Issued", data.issued_at[:19].replace("T", " ") + " UTC"),
            ("销售方 Seller", data.merchant_id), ("购买方 Buyer", data.buyer_name),
            ("纳税人识别号 Tax id", data.buyer_tax_id), ("销售单号 Sale", f"{data.sale_id} ({data.terminal_id})")]
    if credit:
        rows += [("冲红发票 Reverses invoice", data.credits or ""), ("退货单号 Refund", data.refund_id)]
    for label, value in rows:
        pdf.cell(55, 7, label)
        pdf.cell(0, 7, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    widths = (70, 20, 20, 27, 25, 28)
    for text, width in zip(("项目 Item", "数量 Qty", "税率 Rate", "金额 Net", "税额 Tax", "价税合计 Gross"), widths,
                           strict=True):
        pdf.cell(width, 8, text, border=1)
    pdf.ln()
    sign = -1 if credit else 1
    for line in data.lines:
        cells = (line.name[:40], line.quantity, f"{Decimal(line.rate) * 100:.0f}%",
                 to_major(sign * line.net, data.currency), to_major(sign * line.tax, data.currency),
                 to_major(sign * line.gross, data.currency))
        for text, width in zip(cells, widths, strict=True):
            pdf.cell(width, 7, text, border=1)
        pdf.ln()
    pdf.ln(2)
    pdf.set_font("wqy", size=12)
    pdf.cell(0, 8, f"合计 Total {to_major(sign * data.total, data.currency)} {data.currency}   "
                   f"税额 Tax {to_major(sign * data.tax, data.currency)}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("wqy", size=7)
    pdf.ln(4)
    pdf.multi_cell(0, 4, f"SM3 {digest}\nSM2 signature {signature}\nhub invoice key {public_key}")
    return bytes(pdf.output())


def check_tax_id(text: str) -> str:
    """A unified social credit code (18 characters, check digit per GB 32100-2015), normalised; else InvoiceError."""
    try:
        return uscc.validate(text)
    except StdnumError:
        raise InvoiceError("the tax id is not a valid unified social credit code (check the 18 characters)",
                           code="bad_tax_id") from None


def check_buyer(name: str, email: str) -> tuple[str, str | None]:
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise InvoiceError(f"give the buyer's name (at most {MAX_NAME} characters)", code="bad_buyer_name")
    email = email.strip()
    if email and (len(email) > 200 or email.count("@") != 1 or not email.isprintable() or " " in email):
        raise InvoiceError("the e-mail address is not valid", code="bad_email")
    return name, email or None


@dataclass(frozen=True, slots=True)
class SaleFacts:
    terminal_id: str
    merchant_id: str
    sale_id: str
    currency: str
    lines: list[Line]
    time: str


def _lines(payload: dict[str, Any]) -> list[Line]:
    lines = []
    for raw in payload.get("lines") or []:
        name = str(raw.get("name") or raw.get("sku") or f"line {raw.get('line_no', '?')}")
        rate = str((raw.get("tax_rate") or {}).get("rate", "0"))
        lines.append(Line(name, str(raw.get("quantity", 1)), rate, int(raw["net"]["amount"]),
                          int(raw["tax"]["amount"]), int(raw["gross"]["amount"])))
    return lines


def find_sale(tx: Tx, terminal_id: str, sale_id: str) -> SaleFacts | None:
    """The booked, not voided sale named by a receipt, with its lines from the till's signed record."""
    row = tx.one("SELECT r.payload, t.merchant_id, r.time FROM transfers t JOIN records r ON r.terminal_id = "
                 "t.terminal_id AND r.seq = t.seq WHERE t.terminal_id = ? AND t.sale_id = ? AND t.kind = 'sale' "
                 "AND t.status = 'posted'", (terminal_id, sale_id))
    if row is None:
        return None
    if tx.one("SELECT 1 FROM transfers WHERE terminal_id = ? AND sale_id = ? AND kind = 'reversal'",
              (terminal_id, sale_id)):
        return None
    payload = json.loads(row[0])
    try:
        lines = _lines(payload)
    except (KeyError, TypeError, ValueError):
        lines = []
    if not lines:  # a till that did not journal lines: one line with the total and no tax breakdown
        total = int(payload["totals"]["total"]["amount"])
        lines = [Line("goods and services", "1", "0", total, 0, total)]
    return SaleFacts(terminal_id, row[1], sale_id, payload["currency"], lines, row[2])


def _next_number(tx: Tx, merchant_id: str, year: int, credit: bool) -> str:
    name = f"invoice:{merchant_id}:{year}"
    tx.lock_name(name)
    tx.run("INSERT INTO versions (name, version) VALUES (?, 0) ON CONFLICT (name) DO NOTHING", (name,))
    tx.run("UPDATE versions SET version = version + 1 WHERE name = ?", (name,))
    row = tx.one("SELECT version FROM versions WHERE name = ?", (name,))
    assert row is not None
    return f"{'CN' if credit else 'INV'}-{year}-{int(row[0]):08d}"


INVOICE_COLUMNS = ("number, kind, merchant_id, terminal_id, sale_id, refund_id, credits, buyer_name, buyer_tax_id, "
                   "email, currency, total, tax, issued_at, sm3, signature, sent_count")


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    number: str
    kind: str
    merchant_id: str
    terminal_id: str
    sale_id: str
    refund_id: str
    credits: str | None
    buyer_name: str
    buyer_tax_id: str
    email: str | None
    currency: str
    total: int
    tax: int
    issued_at: str
    sm3: str
    signature: str
    sent_count: int


class Invoicing:
    def __init__(self, store: Store, provider: InvoiceProvider | None = None) -> None:
        self.store = store
        self._provider = provider

    @property
    def provider(self) -> InvoiceProvider:
        if self._provider is None:
            self._provider = LocalProvider(hub_key(self.store, "invoice"))
        return self._provider

    def sale(self, terminal_id: str, sale_id: str) -> SaleFacts | None:
        return self.store.view(lambda tx: find_sale(tx, terminal_id[:64], sale_id[:128]))

    def existing(self, terminal_id: str, sale_id: str) -> InvoiceRow | None:
        row = self.store.view(lambda tx: tx.one(
            f"SELECT {INVOICE_COLUMNS} FROM bo_invoices WHERE terminal_id = ? AND sale_id = ? AND refund_id = ''",
            (terminal_id[:64], sale_id[:128])))
        return InvoiceRow(*row) if row else None

    def request(self, terminal_id: str, sale_id: str, buyer_name: str, tax_id: str, email: str) -> InvoiceRow:
        """Issue the sale's invoice, or return the one issued already (once per sale, whoever asks again)."""
        known = self.existing(terminal_id, sale_id)
        if known is not None:
            return known
        name, mail = check_buyer(buyer_name, email)
        code = check_tax_id(tax_id)
        facts = self.sale(terminal_id, sale_id)
        if facts is None:
            raise InvoiceError("the hub has no such sale (yet): receipts reach the hub when the till syncs; try "
                               "again later", code="unknown_sale")
        now = self.store.clock()
        _ = self.provider  # its key is loaded outside the write transaction

        def issue(tx: Tx) -> InvoiceRow:
            tx.lock_terminal(terminal_id)
            again = tx.one(f"SELECT {INVOICE_COLUMNS} FROM bo_invoices WHERE terminal_id = ? AND sale_id = ? AND "
                           "refund_id = ''", (terminal_id, sale_id))
            if again:
                return InvoiceRow(*again)
            data = InvoiceData(_next_number(tx, facts.merchant_id, now.year, False), "invoice", facts.merchant_id,
                               terminal_id, sale_id, "", None, name, code, facts.currency, iso(now), facts.lines)
            return self._store(tx, data, mail, now, "customer")

        issued = self.store.read(issue)
        self.credit_notes_due()
        return issued

    def _store(self, tx: Tx, data: InvoiceData, email: str | None, now: datetime, actor: str) -> InvoiceRow:
        issued = self.provider.issue(data)
        tx.run(f"INSERT INTO bo_invoices ({INVOICE_COLUMNS}, pdf) VALUES "
               "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
               (data.number, data.kind, data.merchant_id, data.terminal_id, data.sale_id, data.refund_id,
                data.credits, data.buyer_name, data.buyer_tax_id, email, data.currency, data.total, data.tax,
                data.issued_at, issued.sm3, issued.signature, base64.b64encode(issued.pdf).decode()))
        log_action(tx, now, actor, data.merchant_id, f"{data.kind}.issue",
                   {"number": data.number, "sale_id": data.sale_id, "refund_id": data.refund_id})
        if email:
            _outbox(tx, now, email, data.number, issued.pdf)
        return InvoiceRow(data.number, data.kind, data.merchant_id, data.terminal_id, data.sale_id, data.refund_id,
                          data.credits, data.buyer_name, data.buyer_tax_id, email, data.currency, data.total,
                          data.tax, data.issued_at, issued.sm3, issued.signature, 1 if email else 0)

    def credit_notes_due(self) -> int:
        """Issue a credit note for every booked refund of an invoiced sale that has none yet."""
        rows = self.store.view(lambda tx: tx.all(
            "SELECT DISTINCT i.number, i.merchant_id, i.terminal_id, i.sale_id, t.ref, r.payload FROM bo_invoices i "
            "JOIN transfers t "
            "ON t.sale_id = i.sale_id AND t.merchant_id = i.merchant_id AND t.kind = 'refund' AND "
            "t.status = 'posted' AND t.seq IS NOT NULL JOIN records r ON r.terminal_id = t.terminal_id AND "
            "r.seq = t.seq WHERE i.kind = 'invoice' AND NOT EXISTS (SELECT 1 FROM bo_invoices c WHERE "
            "c.terminal_id = i.terminal_id AND c.sale_id = i.sale_id AND c.refund_id = t.ref)"))
        issued = 0
        _ = self.provider if rows else None
        for number, merchant_id, terminal_id, sale_id, refund_id, payload_text in rows:
            payload = json.loads(payload_text)
            try:
                lines = _lines(payload)
            except (KeyError, TypeError, ValueError):
                lines = []
            if not lines:
                total = int(payload["total"]["amount"])
                lines = [Line("refund", "1", "0", total, 0, total)]
            now = self.store.clock()

            def issue(tx: Tx, number: str = number, merchant_id: str = merchant_id, terminal_id: str = terminal_id,
                      sale_id: str = sale_id,
                      refund_id: str = refund_id, lines: list[Line] = lines, now: datetime = now) -> None:
                tx.lock_terminal(terminal_id)
                if tx.one("SELECT 1 FROM bo_invoices WHERE terminal_id = ? AND sale_id = ? AND refund_id = ?",
                          (terminal_id, sale_id, refund_id)):
                    return
                original = tx.one("SELECT merchant_id, buyer_name, buyer_tax_id, email, currency FROM bo_invoices "
                                  "WHERE number = ? AND merchant_id = ?", (number, merchant_id))
                assert original is not None
                data = InvoiceData(_next_number(tx, original[0], now.year, True), "credit_note", original[0],
                                   terminal_id, sale_id, refund_id, number, original[1], original[2], original[4],
                                   iso(now), lines)
                self._store(tx, data, original[3], now, "hub")

            self.store.read(issue)
            issued += 1
        return issued

    def listing(self, merchant_id: str, limit: int = 200) -> list[InvoiceRow]:
        rows = self.store.view(lambda tx: tx.all(
            f"SELECT {INVOICE_COLUMNS} FROM bo_invoices WHERE merchant_id = ? ORDER BY issued_at DESC, number DESC "
            "LIMIT ?", (merchant_id, limit)))
        return [InvoiceRow(*row) for row in rows]

    def pdf(self, number: str, merchant_id: str | None = None, terminal_id: str | None = None,
            sale_id: str | None = None) -> bytes | None:
        """The PDF of `number`, only within the merchant (staff) or the sale (the customer's link)."""
        if merchant_id is not None:
            where, params = "merchant_id = ?", (number[:40], merchant_id)
        elif terminal_id is not None and sale_id is not None:
            where, params = "terminal_id = ? AND sale_id = ?", (number[:40], terminal_id, sale_id)
        else:
            return None
        row = self.store.view(lambda tx: tx.one(f"SELECT pdf FROM bo_invoices WHERE number = ? AND {where}", params))
        return None if row is None else base64.b64decode(row[0])

    def resend(self, number: str, merchant_id: str, actor: str) -> bool:
        now = self.store.clock()

        def send(tx: Tx) -> bool:
            row = tx.one("SELECT email, pdf FROM bo_invoices WHERE number = ? AND merchant_id = ?",
                         (number, merchant_id))
            if row is None or not row[0]:
                return False
            _outbox(tx, now, row[0], number, base64.b64decode(row[1]))
            tx.run("UPDATE bo_invoices SET sent_count = sent_count + 1 WHERE number = ? AND merchant_id = ?",
                   (number, merchant_id))
            log_action(tx, now, actor, merchant_id, "invoice.resend", {"number": number})
            return True

        return self.store.read(send)


def _outbox(tx: Tx, now: datetime, recipient: str, number: str, pdf: bytes) -> None:
    tx.run("INSERT INTO bo_outbox (id, at, recipient, subject, attachment) VALUES (?, ?, ?, ?, ?)",
           (uuid.uuid4().hex, iso(now), recipient, f"e-invoice {number}", base64.b64encode(pdf).decode()))
