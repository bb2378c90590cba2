"""Codes, not sentences, cross the core: every code the checkout, operators, shifts and drivers can hand the UI has a
sentence in English and in Chinese, and the worded sentences come out right with their parameters."""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import terminal
from drivers.card.kernel import NoApplication
from drivers.errors import CardRemoved, DeviceError, PaperOut
from drivers.scanner.payload import PayloadError
from models.decision import REASONS
from terminal.checkout import CheckoutError
from terminal.checkout.attempt import CARD_DECLINES
from terminal.checkout.machine import CARD_NEEDS_ONLINE, PIN_NOT_CHECKED
from terminal.checkout.outcome import Outcome
from terminal.checkout.states import State
from terminal.domain import DomainError
from terminal.operators.store import LockedOut, NotPermitted, OperatorError, WrongPin
from terminal.shifts import ShiftError
from terminal.ui.app import I18N, application
from terminal.ui.wording import ACTIONS, CATALOGUE, STEPS, word, word_error, word_outcome

ROOT = Path(terminal.__file__).resolve().parent.parent
CORE = [ROOT / "terminal" / "checkout", ROOT / "terminal" / "operators", ROOT / "terminal" / "shifts",
        ROOT / "terminal" / "domain", ROOT / "drivers", ROOT / "terminal" / "kiosk"]
CODED = (CheckoutError, OperatorError, ShiftError, DomainError)
CODE = re.compile(r"[a-z][a-z0-9_]*")


def _sources() -> Iterator[tuple[Path, ast.Module]]:
    for where in CORE:
        for path in sorted(where.rglob("*.py")):
            yield path, ast.parse(path.read_text(), str(path))


def _strings(node: ast.AST) -> list[str]:
    """The string constants a code expression can take (`"a"`, `"a" if x else "b"`)."""
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else []
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [s for value in node.values for s in _strings(value)]
    return []


def core_codes() -> set[str]:
    """Every code the core can produce, read from its source: `code=` arguments and defaults, class-level `code = `
    (device errors), `*_code = ` assignments, (code, {params}) pairs said after an outcome, plus the risk model's
    reason codes and the card's decline codes (outcomes carry those as their code)."""
    found: set[str] = set(REASONS) | {code for code, _ in CARD_DECLINES.values()}
    for _path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "code":
                found.update(_strings(node.value))
            elif isinstance(node, ast.arguments):
                named = node.posonlyargs + node.args
                pairs = list(zip(named[len(named) - len(node.defaults):], node.defaults, strict=True))
                pairs += [(a, d) for a, d in zip(node.kwonlyargs, node.kw_defaults, strict=True) if d is not None]
                found.update(s for arg, default in pairs if arg.arg == "code" for s in _strings(default))
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", "")
                    if name == "code" or name.endswith("_code"):
                        found.update(_strings(node.value))
            elif isinstance(node, ast.Tuple) and len(node.elts) == 2 and isinstance(node.elts[1], ast.Dict) and \
                    isinstance(node.elts[0], ast.Constant | ast.IfExp):
                found.update(_strings(node.elts[0]))
    return {code for code in found if CODE.fullmatch(code)}


@pytest.fixture(autouse=True)
def english() -> None:
    """Each test starts on an English screen (whatever an earlier test of the session installed)."""
    application("en")


@pytest.fixture
def chinese(english: None) -> Iterator[None]:
    application("zh_CN")
    yield
    application("en")


def test_every_core_code_has_a_sentence_in_english_and_chinese() -> None:
    codes = core_codes()
    assert len(codes) > 100, f"the scan found only {len(codes)} codes: is it still reading the core?"
    missing = sorted(codes - set(CATALOGUE))
    assert not missing, f"word these codes in terminal/ui/wording.py (and translate them): {missing}"
    tree = ET.parse(I18N / "edgepos_zh_CN.ts")
    chinese = {msg.findtext("source"): msg.find("translation") for ctx in tree.iter("context")
               if ctx.findtext("name") == "Code" for msg in ctx.iter("message")}
    untranslated = sorted(code for code in codes if not (getattr(chinese.get(CATALOGUE[code]), "text", "") or ""))
    assert not untranslated, f"translate these codes' sentences in edgepos_zh_CN.ts: {untranslated}"


def test_every_action_and_step_a_refusal_names_is_worded(chinese: Any) -> None:
    """"You cannot {action} now (step: {step})": the action (first string argument of the checkout's `_go`,
    `_require`, `_require_idle`, InvalidTransition) and every step are translated too."""
    actions = set()
    for path, tree in _sources():
        if not path.is_relative_to(ROOT / "terminal" / "checkout"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if name in ("_go", "_require", "_require_idle", "InvalidTransition") and strings:
                    actions.add(strings[0])
    assert len(actions) > 20 and not actions - set(ACTIONS), sorted(actions - set(ACTIONS))
    assert {str(state).replace("_", " ") for state in State} == set(STEPS)
    from PySide6.QtCore import QCoreApplication

    untranslated = [a for a in ACTIONS if QCoreApplication.translate("Action", a) == a] + \
        [s for s in STEPS if QCoreApplication.translate("Step", s) == s]
    assert not untranslated, untranslated
    refusal = CheckoutError("You cannot take cash now (step: card).", code="invalid_transition",
                            params={"action": "take cash", "step": "card"})
    assert word_error(refusal) == "现在不能收现金（当前步骤：等待刷卡）。"


def test_every_refusal_raised_in_the_core_carries_a_code() -> None:
    """A refusal raised without `code=` would reach the screen as the core's English: the scan says where."""
    import importlib

    uncoded, checked = [], 0
    for path, tree in _sources():
        if not path.is_relative_to(ROOT / "terminal"):
            continue
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            cls = getattr(module, func.id, None) if isinstance(func, ast.Name) else None
            has_own_code = cls in (WrongPin, LockedOut) or getattr(cls, "__name__", "") == "InvalidTransition"
            if isinstance(cls, type) and issubclass(cls, CODED) and not has_own_code:
                checked += 1
                if not any(k.arg == "code" for k in node.exc.keywords):
                    uncoded.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert checked > 50, f"the scan checked only {checked} raises: is it still reading the core?"
    assert not uncoded, f"give these raises a code=: {uncoded}"


def test_every_device_error_that_says_its_own_advice_has_its_own_code() -> None:
    """A driver error class with its own advice but its parent's code would be worded with the parent's advice."""
    def subclasses(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    assert {NoApplication, PayloadError} <= set(subclasses(DeviceError))
    wrong = [c.__name__ for c in subclasses(DeviceError) if "advice" in vars(c) and "code" not in vars(c)]
    assert not wrong, wrong
    assert all(word(c.code) == c.advice for c in [DeviceError, *subclasses(DeviceError)])


def test_english_wording_reproduces_the_cores_english() -> None:
    """English is worded by the UI too, and says exactly what the core's English fallback says."""
    for code, (_verdict, sentence) in REASONS.items():
        assert word(code) == sentence
    for code, sentence in CARD_DECLINES.values():
        assert word(code) == sentence
    assert word("card_needs_online") == CARD_NEEDS_ONLINE and word("pin_not_checked") == PIN_NOT_CHECKED
    paid = Outcome("completed", State.RECEIPT_FAILED, "Paid CNY 20.50. Give CNY 29.50 change. The receipt did not "
                   "print: Load a new paper roll and close the printer cover. Then press Reprint.", code="paid",
                   params={"paid": "CNY 20.50", "then": (("give_change", {"change": "CNY 29.50"}),
                                                         ("receipt_not_printed", {"advice_code": PaperOut.code}))})
    assert word_outcome(paid) == paid.sentence
    refusal = NotPermitted("Carol (cashier) cannot approve this. Call a supervisor.", code="approver_not_permitted",
                           params={"name": "Carol", "approver_role": "cashier", "needed_role": "supervisor"})
    assert word_error(refusal) == str(refusal)
    assert word_error(CardRemoved("gone")) == CardRemoved.advice
    assert word_error(ValueError("plain")) == "plain"


def test_chinese_wording_with_an_amount_an_operator_and_advice(chinese: Any) -> None:
    paid = Outcome("completed", State.IDLE, "Paid CNY 20.50. Give CNY 29.50 change.", code="paid",
                   params={"paid": "CNY 20.50", "then": (("give_change", {"change": "CNY 29.50"}),)})
    assert word_outcome(paid) == "已付 CNY 20.50。请找零 CNY 29.50。"
    refusal = NotPermitted("Carol (cashier) cannot approve this. Call a supervisor.", code="approver_not_permitted",
                           params={"name": "Carol", "approver_role": "cashier", "needed_role": "supervisor"})
    assert word_error(refusal) == "Carol（收银员）无权批准此操作。请找主管。"
    shift = ShiftError("Carol cannot open a shift. Log in as a cashier or manager.", code="cannot_open_shift",
                       params={"name": "Carol"})
    assert word_error(shift) == "Carol 不能开班。请以收银员或经理身份登录。"
    card = Outcome("error", State.TENDER_SELECTION, "The card was removed too soon. ...", code="card_removed_too_soon",
                   params={"advice_code": CardRemoved.code})
    assert word_outcome(card) == "卡片拔出过早。请顾客重新插卡，并在交易结束前不要拔卡。"
    approved = Outcome("approved", State.TENDER_SELECTION, "Card CNY 60.00 approved. CNY 40.00 still to pay.",
                       code="tender_approved", params={"kind": "card_contact", "kind_label": "Card",
                                                       "amount": "CNY 60.00", "remaining": "CNY 40.00"})
    assert word_outcome(approved).endswith("CNY 60.00 已批准。还需支付 CNY 40.00。")
    assert word_error(WrongPin("Wrong PIN. 2 tries left.", 2)) == "密码错误。还可尝试 2 次。"


def test_an_unknown_code_falls_back_to_the_cores_english() -> None:
    assert word("no_such_code_anywhere", {}, "The core's English.") == "The core's English."
    assert word("paid", {}, "Paid CNY 1.00.") == "Paid CNY 1.00."  # a missing parameter: the English, not a crash


def test_real_outcomes_and_refusals_are_worded_as_the_core_says_them(tmp_path: Path) -> None:
    """A till on real parts (no hub: cards go the offline way) through sales, declines, refusals, a cancel, a refund
    and a void: each outcome and error has a code, and its English wording is the core's English word for word."""
    from terminal.checkout import AfterSale, SaleIndex
    from terminal.demo.rig import build_till
    from terminal.domain import Money, TaxRate

    vat = TaxRate("VAT13", Decimal("0.13"), inclusive=True)
    till = build_till(tmp_path / "till", terminal_id="T-WORD-1")
    co, said, things = till.checkout, [], []

    def check(action: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            outcome = action(*args, **kwargs)
        except (CheckoutError, OperatorError, ShiftError) as exc:
            assert exc.code, f"{exc!r} has no code"
            said.append((exc.code, word_error(exc), str(exc)))
            things.append(exc)
            return None
        if isinstance(outcome, Outcome):
            assert outcome.code, f"{outcome!r} has no code"
            said.append((outcome.code, word_outcome(outcome), outcome.sentence))
            things.append(outcome)
        return outcome

    def cny(text: str) -> Money:
        return Money.parse(text, "CNY")

    try:
        aftersale = AfterSale(co, SaleIndex.open(till.journal))
        check(co.cancel)
        check(co.add_item, "SKU1", "Tea", cny("5.00"), vat)
        co.start_sale()
        check(co.checkout)
        co.add_item("SKU1", "Tea", cny("100.00"), vat)
        check(co.checkout)
        check(co.pay_card, cny("500.00"))
        check(co.pay_customer_qr, "000201010212" + "x" * 30)
        check(co.pay_customer_qr, "not a code!")
        check(co.pay_cash, cny("0.00"))
        check(co.pay_cash, cny("10.00"))
        till.card_reader.present("visa")
        check(co.pay_card, cny("20.00"))
        check(co.back)
        check(co.cancel)
        co.start_sale()
        co.add_item("SKU2", "Cake", cny("18.50"), vat)
        co.checkout()
        sold = check(co.pay_cash, cny("50.00"))
        check(aftersale.refund, sold.sale_id, {}, reason="returned")
        check(aftersale.refund, sold.sale_id, {1: 1}, reason="")
        check(aftersale.refund, sold.sale_id, {1: 1}, reason="returned")
        check(aftersale.refund, sold.sale_id, {1: 1}, reason="returned", approver_id="S-001", approver_pin="0000")
        check(aftersale.refund, sold.sale_id, {1: 1}, reason="returned", approver_id="S-001", approver_pin="2468")
        check(aftersale.void, sold.sale_id, reason="mistake", approver_id="S-001", approver_pin="2468")
        check(aftersale.void, "no-such-sale", reason="mistake")
        check(co.open_drawer_no_sale)
    finally:
        till.close()
    codes = [code for code, _, _ in said]
    assert len(said) >= 20 and {"paid", "tender_approved", "sale_cancelled", "refunded", "wrong_pin", "basket_empty",
                                "approval_needed", "only_cash_pays_more", "invalid_transition"} <= set(codes), codes
    wrong = [(code, worded, english) for code, worded, english in said if worded != english]
    assert not wrong, wrong
    application("zh_CN")
    try:
        chinese = [word_outcome(t) if isinstance(t, Outcome) else word_error(t) for t in things]
    finally:
        application("en")
    english_left = [text for text in chinese if not re.search(r"[\u4e00-\u9fff]", text)]
    assert not english_left, english_left
    assert "已付 CNY 18.50。请找零 CNY 31.50。" in chinese and "已退款 CNY 18.50。请退还现金 CNY 18.50。" in chinese


def test_the_domains_refusals_are_worded_with_their_numbers(chinese: Any) -> None:
    """The domain's own sentences (a refund of more than is left, too many decimals) no longer stay English."""
    from terminal.domain import Discount, Money

    with pytest.raises(DomainError) as too_big:
        Discount.percent(Decimal(150))
    assert word_error(too_big.value) == "百分比折扣必须大于 0% 且不超过 100%。"
    with pytest.raises(DomainError) as decimals:
        Money.parse("1.234", "CNY")
    assert word_error(decimals.value) == "CNY 金额最多 2 位小数，'1.234' 超出了。"
