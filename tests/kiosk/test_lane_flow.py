"""The kiosk flow without Qt: the step table, scanning and bagging, weighed goods, every intervention, idle reset,
out of service and the lock-down exit, on real parts."""

from __future__ import annotations

import pytest

from terminal.kiosk.interventions import Kind
from terminal.kiosk.lane import InvalidStep, KioskError
from terminal.kiosk.states import TRANSITIONS, Step
from terminal.operators.store import NotPermitted, WrongPin


def _types(wired) -> list[str]:
    return [r.type for r in wired.till.journal.records()]


def _begin(lane) -> None:
    lane.start()
    lane.choose_language("zh_CN")


def test_every_step_has_a_way_back_to_attract() -> None:
    reach = {Step.ATTRACT}
    frontier = [Step.ATTRACT]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in reach:
                reach.add(nxt)
                frontier.append(nxt)
    assert reach == set(Step)
    back = {Step.ATTRACT}
    while len(back) < len(Step):  # every step can get back to attract (no dead ends)
        grown = {s for s in Step if TRANSITIONS[s] & back} | back
        assert grown != back, f"stuck: {set(Step) - back}"
        back = grown


def test_scan_bag_weigh_pay_by_card_and_choose_a_qr_receipt(wired) -> None:
    lane, cat = wired.lane, wired.lane.catalogue
    with pytest.raises(InvalidStep):
        lane.scan(cat.by_sku("DRK-001").barcode)  # nothing before the customer starts
    _begin(lane)
    assert lane.lang == "zh_CN"
    lane.scan(cat.by_sku("DRK-001").barcode)
    with pytest.raises(KioskError) as refused:
        lane.scan(cat.by_sku("DRK-002").barcode)
    assert refused.value.code == "kiosk_bag_first"
    assert lane.bagged(560)
    lane.pick("PRD-002")  # tomatoes by picture: to the scale
    assert lane.step is Step.WEIGHING
    lane.weigh(1250)  # 1.25 kg x 8.60 = 10.75
    line = lane.checkout.cart.lines[-1]
    assert line.unit_price.amount == 1075 and "1.250 kg" in line.name
    assert lane.bagged(560 + 1250)
    lane.review()
    lane.to_payment()
    assert lane.step is Step.PAYING and set(lane.tenders()) >= {"card", "tap", "payment_code", "shop_qr"}
    wired.till.card_reader.present("visa")
    outcome = lane.pay("card")
    assert outcome.result == "completed" and lane.step is Step.RECEIPT_CHOICE
    link = lane.receipt("qr")
    assert link and link.startswith("EPS1:")
    lane.done()
    assert lane.step is Step.ATTRACT and lane.lang == "en"
    types = _types(wired)
    assert types.count("sale.completed") == 1 and "kiosk.basket" in types and "kiosk.receipt" in types


def test_weight_mismatch_gets_one_retry_then_the_attendant(wired) -> None:
    lane, cat = wired.lane, wired.lane.catalogue
    water = cat.by_sku("DRK-001")
    for _ in range(3):  # the lane learns what a bottle of water weighs
        wired.bagging.learn(water.sku, 560)
    _begin(lane)
    lane.scan(water.barcode)
    assert not lane.bagged(2) and lane.message == "kiosk_place_in_bag"  # nothing put down yet: no penalty
    assert not lane.bagged(80)  # something else went in the bag
    assert lane.message == "kiosk_rebag" and lane.step is Step.SCANNING
    assert not lane.bagged(81) and lane.step is Step.SCANNING  # the polled scale repeats it: still the first try
    assert not lane.bagged(90)
    assert lane.step is Step.HELP and lane.intervention.kind is Kind.WEIGHT_MISMATCH
    with pytest.raises(WrongPin):
        lane.clear_at_lane(operator_id="C-001", pin="0000")
    lane.clear_at_lane(operator_id="C-001", pin="1357")  # any attendant may clear a weight check
    assert lane.step is Step.SCANNING and lane.awaiting_bag is None


def test_age_check_needs_a_supervisor_and_a_refusal_removes_the_item(wired) -> None:
    lane, cat = wired.lane, wired.lane.catalogue
    _begin(lane)
    lane.scan(cat.by_sku("DRK-006").barcode)
    assert lane.intervention.kind is Kind.AGE_CHECK
    with pytest.raises(NotPermitted):
        lane.clear_at_lane(operator_id="C-001", pin="1357")  # a cashier cannot approve an age check
    wired.badges.enrol(b"\x04\x11\x22\x33", "S-001")
    lane.clear_at_lane(False, badge=b"\x04\x11\x22\x33")
    assert lane.step is Step.SCANNING and lane.checkout.cart.is_empty


def test_unknown_item_high_value_payment_failures_and_cancel(wired) -> None:
    lane, cat = wired.lane, wired.lane.catalogue
    _begin(lane)
    lane.scan("6921000009999")
    assert lane.intervention.kind is Kind.UNKNOWN_ITEM
    lane.clear_at_lane(operator_id="C-001", pin="1357")
    for _ in range(8):  # rice at 39.90: over the demo's 300.00 unattended limit
        lane.scan(cat.by_sku("FRS-005").barcode)
        lane.bagged(lane.bag_total_g + 5000)
    lane.review()
    lane.to_payment()
    assert lane.intervention.kind is Kind.HIGH_VALUE
    lane.clear_at_lane(operator_id="S-001", pin="2468")
    assert lane.step is Step.PAYING
    for _ in range(2):
        wired.till.card_reader.present("expired")
        assert lane.pay("card").result == "declined"
    assert lane.intervention.kind is Kind.PAYMENT_FAILED
    lane.clear_at_lane(operator_id="C-001", pin="1357")
    assert lane.step is Step.PAYING
    lane.request_cancel()
    assert lane.intervention.kind is Kind.CANCEL_REQUEST
    with pytest.raises(NotPermitted):
        lane.clear_at_lane(operator_id="C-001", pin="1357")
    lane.clear_at_lane(operator_id="S-001", pin="2468")
    assert lane.step is Step.ATTRACT and wired.till.checkout.state == "idle"
    kinds = [e["kind"] for e in lane.events if e["event"] == "raised"]
    assert kinds == ["unknown_item", "high_value", "payment_failed", "cancel_request"]
    assert _types(wired).count("sale.cancelled") == 1


def test_idle_warns_then_cancels_the_unpaid_basket_with_more_patience_when_accessible(wired, clock) -> None:
    lane, cat = wired.lane, wired.lane.catalogue
    _begin(lane)
    lane.set_accessible(True)
    lane.scan(cat.by_sku("SNK-001").barcode)
    clock.now += 61
    lane.tick()
    assert lane.step is Step.SCANNING  # accessible: three times the patience
    clock.now += 130
    lane.tick()
    assert lane.step is Step.IDLE_WARNING
    lane.more_time()
    assert lane.step is Step.SCANNING
    clock.now += 181
    lane.tick()
    clock.now += 136
    lane.tick()
    assert lane.step is Step.ATTRACT and wired.till.checkout.state == "idle"
    types = _types(wired)
    assert types.count("kiosk.abandoned") == 1 and types.count("sale.cancelled") == 1


def test_out_of_service_and_lock_down_exit_need_the_right_role(wired) -> None:
    lane, cat = wired.lane, wired.lane.catalogue
    _begin(lane)
    lane.scan(cat.by_sku("SNK-001").barcode)
    with pytest.raises(NotPermitted):
        lane.out_of_service("C-001")
    lane.out_of_service("S-001")
    assert lane.step is Step.OUT_OF_SERVICE and wired.till.checkout.state == "idle"
    with pytest.raises(InvalidStep):
        lane.start()
    lane.back_in_service("S-001")
    with pytest.raises(KioskError) as refused:
        lane.authorize_exit(operator_id="S-001", pin="2468")
    assert refused.value.code == "kiosk_exit_refused"
    assert lane.authorize_exit(operator_id="T-001", pin="8642").operator_id == "T-001"
    assert "kiosk.exit" in _types(wired)
