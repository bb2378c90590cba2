"""The hard-wallet applet on the real device stacks: contact through pcscd + vpcd, contactless through nfcpy's UDP
transport, the till's whole offline flow on top (checks, journal, signed receipt) and settlement at the hub."""

from __future__ import annotations

import time

from cbdckit import basket, new_till, records_of, simulator

from drivers.card.hardwallet import HardWalletReader
from drivers.card.hardwallet_applet import HardWalletApplet
from drivers.card.pcsc import PcscCardReader
from drivers.card.vpcd import VpcdCard
from drivers.nfc.doctor import free_udp_port
from drivers.nfc.emulator import UdpCardSim
from drivers.nfc.reader import NfcReader
from hub.process import HubProcess
from sync.cbdc import DeviceCert

VPCD_SECOND = 35964


def _card(hub: HubProcess) -> HardWalletApplet:
    sim = simulator(hub)
    wallet = sim.create_wallet("anonymous", fund=100_000)
    card = sim.issue_card(wallet.wallet_no)
    return sim.load_card(DeviceCert.decode(card.cert).device_hex, 30_000)


def test_contact_hard_wallet_through_pcscd_pays_settles_and_a_pulled_one_pays_nothing(tmp_path, hub: HubProcess,
                                                                                         pcscd: str) -> None:
    reader = HardWalletReader.contact(PcscCardReader(pcscd, kernel=None))  # type: ignore[arg-type]
    till = new_till(tmp_path, hub, hard_wallet=reader)
    try:
        card = _card(hub)
        basket(till, 2_000)
        with VpcdCard(card, port=VPCD_SECOND):
            outcome = till.checkout.pay_cbdc_hard_wallet()
        assert outcome.result == "completed" and outcome.offline
        assert card.balance == 28_000 and len(card.receipts) == 1 and not card.receipt_pending
        assert till.uplink.sync_once().declined == 0
        assert simulator(hub).device(DeviceCert.decode(card.cert).device_hex).settled.amount == 2_000

        time.sleep(0.6)  # vpcd: a card after one that vanished needs a moment (see drivers.card.vpcd)
        card.pull_out_at = "PAY"
        basket(till, 500)
        mark = till.journal.head()[0]
        with VpcdCard(card, port=VPCD_SECOND):
            pulled = till.checkout.pay_cbdc_hard_wallet()
        assert pulled.result == "declined" and pulled.code == "cbdc_wallet_removed"
        assert card.balance == 28_000 and card.counter == 2
        assert not [r for r in till.journal.records(after=mark) if r.type in ("cbdc.offline_payment",
                                                                              "tender.approved")]
        time.sleep(0.6)
    finally:
        till.close()


def test_contactless_hard_wallet_through_nfcpy(tmp_path, hub: HubProcess) -> None:
    port = free_udp_port()
    nfc = NfcReader(f"udp:127.0.0.1:{port}", simulated=True)
    till = new_till(tmp_path, hub, contactless_wallet=HardWalletReader.contactless(nfc))
    card = _card(hub)
    sim = UdpCardSim(card, port).start()  # type: ignore[arg-type]
    try:
        basket(till, 1_234)
        outcome = till.checkout.pay_cbdc_hard_wallet(contactless=True)
        assert sim.error is None and outcome.result == "completed"
        assert card.balance == 30_000 - 1_234 and len(card.receipts) == 1
        payment = records_of(till, "cbdc.offline_payment")[-1].payload
        assert payment["contactless"] and payment["amount"] == {"amount": 1_234, "currency": "CNY"}
    finally:
        sim.stop()
        nfc.close()
        till.close()
