"""Taking the money: the tender choice, then one page per way to pay (cash, card, customer QR, shop QR) and the
step-ups the risk engine asks for (customer PIN, supervisor approval)."""

from __future__ import annotations

import io
import secrets
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout

from terminal.ui.pages.base import Page
from terminal.ui.widgets import ApproverEntry, Keypad, SecondTap, TouchNumbers, button, label, tender_name


class TenderPage(Page):
    """How will the customer pay? An amount below the total splits the payment."""

    name = "tender"

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.due = label("", "total", "tender_due")
        self.paid = label("", "hint", "tender_paid")
        self.amount = QLineEdit()
        self.amount.setObjectName("tender_amount")
        TouchNumbers(self.amount)  # the split amount by touch
        self.amount.setPlaceholderText(self.tr("Amount to pay now (empty: all that is due)"))
        grid = QGridLayout()
        choices = [
            (self.tr("Cash"), "F5", "tender_cash", lambda: self._choose("cash")),
            (self.tr("Card (insert)"), "F6", "tender_card", lambda: self._choose("card")),
            (self.tr("Card (tap)"), "F7", "tender_tap", lambda: self._choose("tap")),
            (self.tr("Scan customer's QR"), "F8", "tender_customer_qr", lambda: self._choose("customer_qr")),
            (self.tr("Show shop QR"), "F9", "tender_merchant_qr", self._merchant_qr),
            (self.tr("Digital RMB"), "F10", "tender_cbdc", lambda: self._choose("cbdc")),
        ]
        for i, (text, key, name, fn) in enumerate(choices):
            grid.addWidget(button(text, fn, role="tender", shortcut=key, name=name), i // 3, i % 3)
        nav = QHBoxLayout()
        nav.addWidget(button(self.tr("Back to basket"), self._back, shortcut="Esc", name="tender_back"))
        nav.addWidget(button(self.tr("Cancel sale"), self._cancel, role="danger", name="tender_cancel"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.due)
        layout.addWidget(self.paid)
        layout.addWidget(self.amount)
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addLayout(nav)
        self.second_tap = SecondTap(window)

    def enter(self, **context: Any) -> None:
        sale = self.checkout.sale
        self.second_tap.reset()
        if sale is None:
            return
        self.amount.clear()
        self.due.setText(self.tr("To pay {0}").format(sale.remaining.format()))
        taken = ", ".join(f"{tender_name(t.kind)} {t.amount.format()}" for t in sale.tenders)
        self.paid.setText(self.tr("Total {0}. Paid so far: {1}").format(sale.total.format(), taken) if taken
                          else self.tr("Total {0}").format(sale.total.format()))
        self.amount.setFocus()

    def _amount(self) -> Any:
        text = self.amount.text().strip()
        return None if not text else self.shop.money(text)

    def _choose(self, how: str) -> None:
        try:
            amount = self._amount()
        except Exception as exc:
            self.window_.fail(exc)
            return
        self.window_.go(how, amount=amount)

    def _merchant_qr(self) -> None:
        try:
            amount = self._amount()
        except Exception as exc:
            self.window_.fail(exc)
            return
        self.window_.act(lambda: self.checkout.show_merchant_qr(amount), self.tr("Making the QR code…"))

    def _back(self) -> None:
        self.window_.act(self.checkout.back, "", lambda _: self.window_.follow_state(), quiet=True)

    def _cancel(self) -> None:
        if self.second_tap.confirmed("cancel", self.tr("Tap Cancel sale again to cancel the whole sale.")):
            self.window_.act(self.checkout.cancel, self.tr("Cancelling the sale…"))


class CashPage(Page):
    name = "cash"

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.due = label("", "total", "cash_due")
        self.keypad = Keypad(placeholder=self.tr("Cash handed over"))
        self.keypad.field.setObjectName("cash_amount")
        self.keypad.submitted.connect(self._take)
        self.quick = QGridLayout()
        left = QVBoxLayout()
        left.addWidget(self.due)
        left.addWidget(label(self.tr("Type what the customer handed over, or tap a note. Enter takes it."), "hint"))
        left.addLayout(self.quick)
        left.addStretch(1)
        left.addWidget(button(self.tr("Back"), lambda: window.go("tender"), shortcut="Esc", name="cash_back"))
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addWidget(self.keypad, 1)
        self._amount: Any = None

    def enter(self, amount: Any = None, **context: Any) -> None:
        sale = self.checkout.sale
        if sale is None:
            return
        self._amount = amount or sale.remaining
        self.due.setText(self.tr("Cash due {0}").format(self._amount.format()))
        while self.quick.count():
            self.quick.takeAt(0).widget().deleteLater()
        self.quick.addWidget(button(self.tr("Exact"), lambda: self._take(self._amount.major_text()),
                                    name="cash_exact"), 0, 0, 1, 2)
        major = self._amount.to_decimal()
        notes = [note for note in (10, 20, 50, 100, 200, 500) if note > major][:4]
        for i, note in enumerate(notes):
            self.quick.addWidget(button(str(note), lambda _=False, n=note: self._take(str(n)),
                                        name=f"cash_note_{note}"), 1 + i // 2, i % 2)
        self.keypad.clear()

    def _take(self, text: str) -> None:
        try:
            tendered = self.shop.money(text or self._amount.major_text())
        except Exception as exc:
            self.window_.fail(exc)
            return
        self.window_.act(lambda: self.checkout.pay_cash(tendered), self.tr("Saving the payment…"))


class CardPage(Page):
    """Waits for the card. In the demo the 'customer' hands over one of the test cards from the panel."""

    name = "card"

    def __init__(self, window: Any, contactless: bool = False) -> None:
        self.contactless = contactless
        self.name = "tap" if contactless else "card"
        super().__init__(window)
        self.title = label(self.tr("Ask the customer to tap the card or phone.") if contactless
                           else self.tr("Ask the customer to insert the card."), "title")
        self.due = label("", "total", f"{self.name}_due")
        self.pin = QLineEdit()
        self.pin.setObjectName(f"{self.name}_customer_pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText(self.tr("Customer's PIN on the PIN pad (demo)"))
        cards = QGridLayout()
        slot = self.shop.cards
        for i, (key, text) in enumerate(_card_names(slot)):
            cards.addWidget(button(text, lambda _=False, k=key: self._present(k), name=f"{self.name}_present_{key}"),
                            i // 3, i % 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.due)
        if slot is not None:
            layout.addWidget(label(self.tr("Demo: the customer hands over one of these cards"), "hint"))
            layout.addLayout(cards)
            layout.addWidget(self.pin)
        else:
            layout.addWidget(button(self.tr("Read the card"), lambda: self._read(), role="primary",
                                    name=f"{self.name}_read"))
        layout.addStretch(1)
        layout.addWidget(button(self.tr("Back"), lambda: window.go("tender"), shortcut="Esc",
                                name=f"{self.name}_back"))
        self._amount: Any = None

    def enter(self, amount: Any = None, **context: Any) -> None:
        sale = self.checkout.sale
        if sale is None:
            return
        self._amount = amount
        self.due.setText(self.tr("Amount {0}").format((amount or sale.remaining).format()))
        self.pin.clear()

    def _present(self, key: str) -> None:
        pin = self.pin.text() or None
        self.shop.cards.present(key, pin=pin, contactless=self.contactless)
        self._read(pin_typed=pin is not None)

    def _read(self, pin_typed: bool = True) -> None:
        amount, contactless = self._amount, self.contactless

        def done(outcome: Any) -> None:
            if "card_cvm_failed" in getattr(outcome, "reasons", ()) and not pin_typed and \
                    self.checkout.state == "tender_selection":
                self._ask_for_pin()  # no PIN was typed at all: ask for it rather than call it a wrong PIN
            else:
                self.window_.show_outcome(outcome)

        self.window_.act(lambda: self.checkout.pay_card(amount, contactless=contactless),
                         self.tr("Reading the card and asking the bank…"), done)

    def _ask_for_pin(self) -> None:
        self.window_.go(self.name, amount=self._amount)
        self.window_.say(self.tr("This card needs its PIN. Ask the customer to type the PIN on the PIN pad, then "
                                 "present the card again."), "warn")
        self.pin.setFocus()


def _card_names(slot: Any) -> list[tuple[str, str]]:
    if slot is None:
        return []
    label_of = getattr(slot, "label", lambda name: name.replace("_", " "))
    return [(name, label_of(name)) for name in slot.names()]


class CustomerQrPage(Page):
    """The scanner types the customer's payment code into the field (a keyboard-wedge scanner does exactly that)."""

    name = "customer_qr"

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.code = QLineEdit()
        self.code.setObjectName("customer_qr_code")
        self.code.setEchoMode(QLineEdit.EchoMode.Password)  # a payment code is money: not on screen
        self.code.setPlaceholderText(self.tr("Scan the code on the customer's phone"))
        self.code.returnPressed.connect(self._pay)
        self.due = label("", "total", "customer_qr_due")
        layout = QVBoxLayout(self)
        layout.addWidget(label(self.tr("Scan the payment code on the customer's phone."), "title"))
        layout.addWidget(self.due)
        layout.addWidget(self.code)
        if self.shop.cards is not None:  # the demo store only: a real till takes the code from the scanner
            layout.addWidget(button(self.tr("Demo: customer shows a payment code"), self._demo_code,
                                    name="customer_qr_demo"))
        layout.addStretch(1)
        layout.addWidget(button(self.tr("Back"), lambda: window.go("tender"), shortcut="Esc", name="customer_qr_back"))
        self._amount: Any = None

    def enter(self, amount: Any = None, **context: Any) -> None:
        sale = self.checkout.sale
        if sale is None:
            return
        self._amount = amount
        self.due.setText(self.tr("Amount {0}").format((amount or sale.remaining).format()))
        self.code.clear()
        self.code.setFocus()

    def _demo_code(self) -> None:
        self.code.setText("28" + "".join(secrets.choice("0123456789") for _ in range(16)))
        self._pay()

    def _pay(self) -> None:
        code, amount = self.code.text().strip(), self._amount
        self.code.clear()
        self.window_.act(lambda: self.checkout.pay_customer_qr(code, amount), self.tr("Asking the wallet…"))


class MerchantQrPage(Page):
    """Our dynamic QR on screen (and on the customer display); the wallet's payment notice completes it."""

    name = "merchant_qr"

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.image = QLabel()
        self.image.setObjectName("merchant_qr_image")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = label("", "title", "merchant_qr_text")
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.image, 1)
        row = QHBoxLayout()
        if self.shop.cards is not None:  # the demo store only: a real till waits for the wallet's payment notice
            row.addWidget(button(self.tr("Demo: customer paid in the wallet"), self._paid, role="primary",
                                 name="merchant_qr_paid"))
        row.addWidget(button(self.tr("Back"), self._back, shortcut="Esc", name="merchant_qr_back"))
        layout.addLayout(row)

    def enter(self, outcome: Any = None, **context: Any) -> None:
        if outcome is None or not outcome.qr_payload:
            return
        import qrcode

        buffer = io.BytesIO()
        qrcode.make(outcome.qr_payload, box_size=8, border=2).save(buffer, format="PNG")
        pixmap = QPixmap()
        pixmap.loadFromData(buffer.getvalue(), "PNG")
        self.image.setPixmap(pixmap)
        self.text.setText(self.window_.worded(outcome))

    def _paid(self) -> None:
        wallet = "demo-wallet-" + secrets.token_hex(4)
        self.window_.act(lambda: self.checkout.merchant_qr_paid(wallet), self.tr("Checking the payment…"))

    def _back(self) -> None:
        self.window_.act(self.checkout.back, "", lambda _: self.window_.follow_state(), quiet=True)


class StepUpPage(Page):
    """The risk engine wants more: the customer's PIN on the card, or a supervisor's approval."""

    name = "step_up"

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.title = label("", "title", "step_up_title")
        self.due = label("", "total", "step_up_due")
        self.reason = label("", "", "step_up_reason")
        self.entry = ApproverEntry("step_up", self.shop.staff())
        self.entry.submitted.connect(self._submit)
        left = QVBoxLayout()
        left.addWidget(self.title)
        left.addWidget(self.due)
        left.addWidget(self.reason)
        left.addStretch(1)
        left.addWidget(button(self.tr("Refuse: pay another way"), self._refuse, role="danger",
                              name="step_up_refuse"))
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addWidget(self.entry, 1)
        QShortcut(QKeySequence("Escape"), self, self._refuse)

    def enter(self, outcome: Any = None, **context: Any) -> None:
        pin = self.checkout.state == "step_up_pin"
        self.title.setText(self.tr("Ask the customer to enter the card PIN.") if pin
                           else self.tr("A supervisor must approve this payment."))
        self.reason.setText(self.window_.worded(outcome) if outcome is not None else "")
        sale = self.checkout.sale
        self.due.setText(self.tr("To pay {0}").format(sale.remaining.format()) if sale is not None else "")
        self.entry.reset(ask_who=not pin)

    def _submit(self, who: str, pin: str) -> None:
        if self.checkout.state == "step_up_pin":
            self.window_.act(lambda: self.checkout.enter_pin(pin), self.tr("The card checks the PIN…"))
        else:
            self.window_.act(lambda: self.checkout.supervisor_approve(who, pin), self.tr("Checking the approval…"))

    def _refuse(self) -> None:
        self.window_.act(self.checkout.refuse_step_up, "")


class ApprovePage(Page):
    """A supervisor or manager confirms a privileged action with their own id and PIN (audited by the till)."""

    name = "approve"
    keep_on_error = True

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.title = label("", "title", "approve_title")
        self.details = label("", "detail", "approve_details")
        self.entry = ApproverEntry("approve", self.shop.staff())
        self.entry.submitted.connect(self._submit)
        left = QVBoxLayout()
        left.addWidget(self.title)
        left.addWidget(self.details)
        left.addStretch(1)
        left.addWidget(button(self.tr("Back"), self._back, shortcut="Esc", name="approve_back"))
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addWidget(self.entry, 1)
        self._context: dict[str, Any] = {}

    def enter(self, action: str = "", title: str = "", run: Any = None, back: str = "sale", done: Any = None,
              details: str = "", role: str = "supervisor", **context: Any) -> None:
        """`details`: what exactly is approved (the amount, the count); `role`: the least role that may approve."""
        if action == "no_sale":
            title = self.tr("Open the drawer without a sale: supervisor approval")
            details = self.tr("The drawer opens; nothing is sold or paid.")
            run = lambda who, pin: self.checkout.open_drawer_no_sale(approver_id=who, approver_pin=pin)  # noqa: E731
        self._context = {"run": run, "back": back, "done": done}
        self.title.setText(title)
        self.details.setText(details)
        operator = self.shop.operator
        may = operator.role == "manager" or (role == "supervisor" and operator.role == "supervisor")
        self.entry.reset(operator.operator_id if may else "", role=role)

    def _submit(self, who: str, pin: str) -> None:
        run = self._context["run"]
        self.window_.act(lambda: run(who or None, pin), self.tr("Checking the approval…"), self._context["done"])

    def _back(self) -> None:
        self.window_.go(self._context.get("back", "sale"))
