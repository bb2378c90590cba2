"""Kernel rules that need no reader: application choice, status-word retries, PAN hygiene (in-process channel)."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace

import pytest

from drivers.card.apdu import command, exchange, select
from drivers.card.emulator import TEST_CARDS, CardApp, EmulatorChannel, EmvCardEmulator
from drivers.card.kernel import (
    UNIONPAY_CREDIT,
    UNIONPAY_DEBIT,
    VISA,
    Decision,
    EmvKernel,
    NoApplication,
    TerminalConfig,
    Transaction,
)
from drivers.errors import CardRemoved, MalformedResponse

CONFIG = TerminalConfig(token_key=b"k" * 16)
TWO_APPS = replace(TEST_CARDS["visa"], apps=(CardApp(VISA, "VISA CREDIT", 2), CardApp(UNIONPAY_DEBIT, "UNIONPAY", 1)))


def _channel(profile=TEST_CARDS["visa"]) -> EmulatorChannel:
    return EmulatorChannel(EmvCardEmulator(profile))


def test_highest_priority_application_wins() -> None:
    result = EmvKernel(CONFIG).run(_channel(TWO_APPS), Transaction(100, "CNY"))
    assert result.label == "UNIONPAY" and result.aid == UNIONPAY_DEBIT.hex().upper()


def test_cardholder_chooses_when_asked() -> None:
    offered: list[str] = []

    def choose(candidates):
        offered.extend(c.label for c in candidates)
        return candidates[-1]

    result = EmvKernel(CONFIG, choose=choose).run(_channel(TWO_APPS), Transaction(100, "CNY"))
    assert offered == ["UNIONPAY", "VISA CREDIT"] and result.label == "VISA CREDIT"


def test_confirmation_required_app_is_skipped_without_a_way_to_ask() -> None:
    card = replace(TEST_CARDS["visa"], apps=(CardApp(VISA, "VISA CREDIT", 0x81),))
    with pytest.raises(NoApplication):
        EmvKernel(CONFIG).run(_channel(card), Transaction(100, "CNY"))
    confirmed = EmvKernel(CONFIG, choose=lambda c: c[0]).run(_channel(card), Transaction(100, "CNY"))
    assert confirmed.decision is Decision.APPROVED_OFFLINE


def test_unsupported_aid_is_refused() -> None:
    card = replace(TEST_CARDS["visa"], apps=(CardApp(bytes.fromhex("A0000000999090"), "OTHER"),))
    with pytest.raises(NoApplication):
        EmvKernel(CONFIG).run(_channel(card), Transaction(100, "CNY"))


def test_terminal_supporting_only_credit_does_not_pick_debit() -> None:
    config = replace(CONFIG, supported_aids=(UNIONPAY_CREDIT,))
    with pytest.raises(NoApplication):
        EmvKernel(config).run(_channel(TEST_CARDS["unionpay"]), Transaction(100, "CNY"))


def test_61xx_and_6cxx_are_followed() -> None:
    ch = _channel(TEST_CARDS["visa"])
    EmvKernel(CONFIG).run(ch, Transaction(100, "CNY"))
    assert any(a[1] == 0xC0 for a in ch.log)  # GET RESPONSE after 61xx
    ch = _channel(TEST_CARDS["unionpay"])
    EmvKernel(CONFIG).run(ch, Transaction(100, "CNY"))
    reads = [a for a in ch.log if a[1] == 0xB2]
    assert any(a[-1] != 0 for a in reads)  # re-sent with the Le of 6Cxx


def test_6a82_and_short_responses() -> None:
    assert exchange(_channel(), select(b"NOPE")).sw == 0x6A82

    class Broken:
        def transmit(self, apdu: bytes) -> bytes:
            return b"\x90"

    with pytest.raises(MalformedResponse):
        EmvKernel(CONFIG).run(Broken(), Transaction(100, "CNY"))


def test_pulled_card_in_process_is_card_removed() -> None:
    with pytest.raises(CardRemoved):
        EmvKernel(CONFIG).run(_channel(TEST_CARDS["pulled"]), Transaction(100, "CNY"))


def test_pan_never_reaches_logs_or_result(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    pan = TEST_CARDS["visa"].pan
    result = EmvKernel(CONFIG).run(_channel(), Transaction(100, "CNY"))
    assert pan not in caplog.text and pan not in repr(result) and pan not in str(result.__slots__)
    with pytest.raises(ValueError):
        EmvKernel(CONFIG).run(_channel(), Transaction(100, "XXX"))
    assert "token_key" not in repr(CONFIG) and repr(CONFIG.token_key) not in repr(CONFIG)


def test_a_pan_written_into_the_application_label_is_not_handed_out() -> None:
    pan = TEST_CARDS["visa"].pan
    card = replace(TEST_CARDS["visa"], apps=(CardApp(VISA, f"VISA {pan}"), CardApp(UNIONPAY_DEBIT, "UNIONPAY")))
    offered: list[str] = []

    def choose(candidates):
        offered.extend(c.label for c in candidates)
        return next(c for c in candidates if c.aid == VISA)

    result = EmvKernel(CONFIG, choose=choose).run(_channel(card), Transaction(100, "CNY"))
    assert result.label == VISA.hex().upper() and pan not in repr(result)
    assert offered == [VISA.hex().upper(), "UNIONPAY"]


def test_gpo_6985_drops_the_application_and_tries_the_next() -> None:
    class Refusing(EmvCardEmulator):
        def _gpo(self, p1, p2, data, le):
            if self.app is not None and self.app.aid == UNIONPAY_DEBIT:
                return b"\x69\x85"
            return super()._gpo(p1, p2, data, le)

    result = EmvKernel(CONFIG).run(EmulatorChannel(Refusing(TWO_APPS)), Transaction(100, "CNY"))
    assert result.label == "VISA CREDIT"


@pytest.mark.parametrize("dol", ["PDOL", "CDOL1"])
@pytest.mark.parametrize("asks", ["9F0283FFFFFF", "9F02820100", "DF0160" * 4])
def test_a_card_asking_for_an_oversized_dol_is_malformed(monkeypatch: pytest.MonkeyPatch, dol: str,
                                                         asks: str) -> None:
    from drivers.card import emulator

    monkeypatch.setattr(emulator, dol, bytes.fromhex(asks))
    with pytest.raises(MalformedResponse, match="data object list"):
        EmvKernel(CONFIG).run(_channel(), Transaction(100, "CNY"))


def test_6cxx_on_a_command_without_le_keeps_its_data() -> None:
    sent: list[bytes] = []

    class WantsLe:
        def transmit(self, apdu: bytes) -> bytes:
            sent.append(apdu)
            return b"\x6c\x10" if len(sent) == 1 else b"\x90\x00"

    verify = command(0x00, 0x20, 0x00, 0x80, bytes.fromhex("241234FFFFFFFFFF"), le=None)
    assert exchange(WantsLe(), verify).ok
    assert sent[1] == verify + b"\x10"


def _hostile_answers():
    from hypothesis import strategies as st

    from drivers.card import tlv

    templates = st.sampled_from([0x6F, 0x70, 0x77, 0x80, 0xA5, 0x61, 0xBF0C])
    primitives = st.sampled_from([0x4F, 0x50, 0x57, 0x5A, 0x5F24, 0x82, 0x87, 0x88, 0x8C, 0x8E, 0x94, 0x9F26, 0x9F27,
                                  0x9F36, 0x9F38, 0x9F17])
    leaf = st.builds(tlv.encode, primitives, st.binary(max_size=24))
    tree = st.recursive(leaf, lambda kids: st.builds(tlv.encode, templates, st.lists(kids, max_size=4)), max_leaves=8)
    body = st.one_of(tree, st.binary(max_size=40))
    sw = st.sampled_from([b"\x90\x00", b"\x90\x00", b"\x90\x00", b"\x6a\x82", b"\x69\x85", b"\x61\x05", b"\x6c\x03",
                          b"\x63\xc1", b"\x6a\x83"])
    return st.lists(st.builds(lambda b, s: b + s, body, sw), min_size=1, max_size=40)


def test_fuzz_kernel_against_a_hostile_card() -> None:
    """Whatever a card answers, the kernel ends with a result or a typed DeviceError, never a crash."""
    from hypothesis import given, settings

    from drivers.errors import DeviceError

    @settings(max_examples=400, deadline=None)
    @given(_hostile_answers())
    def run(answers: list[bytes]) -> None:
        replies = iter(answers)

        class Hostile:
            def transmit(self, apdu: bytes) -> bytes:
                return next(replies, b"\x6f\x00")

        with contextlib.suppress(DeviceError):
            EmvKernel(CONFIG, pin_entry=lambda tries: "1234").run(Hostile(), Transaction(100, "CNY"))

    run()
