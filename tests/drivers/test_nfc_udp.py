"""Contactless over nfcpy's real UDP transport: the same EMV kernel via PPSE, NDEF reading, a card leaving."""

from __future__ import annotations

import ndef
import pytest

from drivers.card.emulator import TEST_CARDS, EmvCardEmulator
from drivers.card.kernel import Decision, EmvKernel, TerminalConfig, Transaction
from drivers.errors import CardRemoved, DeviceTimeout, MalformedResponse
from drivers.nfc.doctor import free_udp_port
from drivers.nfc.emulator import NdefApp, Type4Card, UdpCardSim
from drivers.nfc.reader import NfcReader

KERNEL = EmvKernel(TerminalConfig(token_key=b"nfc-test-key"))
TOKEN = "cbdc:v1:wallet=W-77;amount=1840;ctr=12;sig=3045022100ab"


@pytest.fixture
def field():
    """A reader and a card simulator on one loopback UDP port; yields a function that puts a card in the field."""
    port = free_udp_port()
    sims: list[UdpCardSim] = []
    reader = NfcReader(f"udp:127.0.0.1:{port}", KERNEL, simulated=True)

    def tap(card: Type4Card, fwi: int = 14) -> UdpCardSim:
        sim = UdpCardSim(card, port, fwi=fwi).start()
        sims.append(sim)
        return sim

    yield reader, tap
    reader.close()
    for sim in sims:
        sim.stop()


@pytest.mark.parametrize(("card", "decision"), [("visa", Decision.APPROVED_OFFLINE),
                                                 ("unionpay", Decision.APPROVED_OFFLINE),
                                                 ("expired", Decision.DECLINED)])
def test_emv_over_iso_dep_with_ppse(field, card: str, decision: Decision) -> None:
    reader, tap = field
    sim = tap(Type4Card(EmvCardEmulator(TEST_CARDS[card]), None))
    result = reader.transact(Transaction(1_000, "CNY"), timeout=5)
    assert sim.error is None and sim.sessions == 1
    assert result.decision is decision and result.entry_mode == "contactless"
    assert result.last4 == TEST_CARDS[card].pan[-4:]


def test_pan_stays_out_of_logs_even_with_nfc_debug_turned_on(field, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    import nfc  # noqa: F401  (its first import sets the "nfc" logger to INFO: import it before turning DEBUG on)

    reader, tap = field
    nfc_log = logging.getLogger("nfc")
    level = nfc_log.level
    caplog.set_level(logging.DEBUG)
    nfc_log.setLevel(logging.DEBUG)  # what an operator chasing a reader problem would do
    try:
        tap(Type4Card(EmvCardEmulator(TEST_CARDS["visa"]), None))
        reader.transact(Transaction(1_000, "CNY"), timeout=5)
    finally:
        nfc_log.setLevel(level)
    pan = TEST_CARDS["visa"].pan
    assert caplog.text and pan not in caplog.text.replace(" ", "")


def test_ndef_token_is_read(field) -> None:
    reader, tap = field
    message = b"".join(ndef.message_encoder([ndef.TextRecord(TOKEN)]))
    tap(Type4Card(None, NdefApp(message)))
    records = reader.read_ndef(timeout=5)
    assert records[0][0] == "urn:nfc:wkt:T" and records[0][1].endswith(TOKEN.encode())


@pytest.mark.parametrize("message", [b"\xd1\x01\x05T\x02en\xff\xfe", b"\x17\x00\x00", b"\xd1\x01\x10U"])
def test_damaged_ndef_message_is_malformed(field, message: bytes) -> None:
    reader, tap = field
    tap(Type4Card(None, NdefApp(message)))
    with pytest.raises(MalformedResponse, match="NDEF message is damaged"):
        reader.read_ndef(timeout=5)


def test_card_leaving_the_field_mid_transaction(field) -> None:
    reader, tap = field
    tap(Type4Card(EmvCardEmulator(TEST_CARDS["pulled"]), None), fwi=6)  # short frame wait: fail fast
    with pytest.raises(CardRemoved):
        reader.transact(Transaction(1_000, "CNY"), timeout=5)


def test_no_card_in_the_field_times_out(field) -> None:
    reader, _ = field
    with pytest.raises(DeviceTimeout):
        reader.transact(Transaction(1_000, "CNY"), timeout=0.3)
