"""Online digital currency over real HTTP: customer codes scanned at the till, merchant QRs the till long-polls, tier
limits, refunds to the original wallet, the merchant wallet's sweep and statement, and attacks on the operator's
endpoints (forged and replayed codes, reused ids, unsigned wallet requests)."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from cbdckit import MERCHANT, basket, new_till, records_of, simulator

from hub.process import HubProcess
from sync.cbdc import sign_code
from sync.crypto import Sm2PrivateKey
from sync.protocol import PositiveAmount
from terminal.checkout.ports import HubRefusal
from terminal.domain import Money
from terminal.ui.wording import CATALOGUE


def _cny(minor: int) -> PositiveAmount:
    return PositiveAmount(amount=minor, currency="CNY")


@pytest.fixture(scope="module")
def shared_till(tmp_path_factory, hub: HubProcess):
    made = new_till(tmp_path_factory.mktemp("till12"), hub)
    yield made
    made.close()


@pytest.fixture
def till(shared_till):
    """One till for the module (building one costs a second); each test starts and ends with no open sale."""
    yield shared_till
    if shared_till.checkout.state != "idle":
        shared_till.checkout.cancel()


def test_scanned_code_pays_once_and_a_second_use_is_refused_in_words(till, hub: HubProcess) -> None:
    sim = simulator(hub)
    wallet = sim.create_wallet("anonymous", fund=10_000)
    code = sim.payment_code(wallet.wallet_no)
    basket(till, 1_850)
    paid = till.checkout.pay_cbdc_code(code)
    assert paid.result == "completed"
    tender = records_of(till, "tender.approved")[-1].payload
    assert tender["kind"] == "cbdc_wallet" and tender["last4"] == wallet.wallet_no[-4:]
    assert tender["reference"].startswith("CBN") and not tender["offline"]
    assert wallet.wallet_no not in str([r.payload for r in till.journal.records()])  # last digits only
    assert sim.info(wallet.wallet_no).balance.amount == 10_000 - 1_850

    basket(till, 500)
    again = till.checkout.pay_cbdc_code(code)
    assert again.result == "declined" and again.code == "cbdc_code_used"
    assert again.code in CATALOGUE and sim.info(wallet.wallet_no).balance.amount == 8_150
    poor = till.checkout.pay_cbdc_code(sim.payment_code(sim.create_wallet("anonymous", fund=100).wallet_no))
    assert poor.result == "declined" and poor.code == "cbdc_insufficient_funds"
    assert "top it up" in poor.sentence


def test_tier_limits_answer_with_the_limit_and_move_nothing(till, hub: HubProcess) -> None:
    sim = simulator(hub)
    wallet = sim.create_wallet("anonymous", fund=900_000)
    link = till.checkout.ports.cbdc
    over = link.pay_code(f"P{uuid.uuid4().hex}", "SALE-0001", sim.payment_code(wallet.wallet_no), _cny(200_001))
    assert (over.status, over.code, over.limit.amount) == ("declined", "cbdc_over_payment_limit", 200_000)
    for _ in range(2):
        ok = link.pay_code(f"P{uuid.uuid4().hex}", "SALE-0002", sim.payment_code(wallet.wallet_no), _cny(200_000))
        assert ok.status == "approved"
    day = link.pay_code(f"P{uuid.uuid4().hex}", "SALE-0003", sim.payment_code(wallet.wallet_no), _cny(100_001))
    assert (day.status, day.code, day.limit.amount) == ("declined", "cbdc_over_day_limit", 500_000)
    assert sim.info(wallet.wallet_no).balance.amount == 900_000 - 400_000
    with pytest.raises(Exception, match="balance cap"):
        sim.fund(wallet.wallet_no, 600_001)  # over the anonymous tier's 10,000.00 balance


def test_merchant_qr_is_learnt_by_long_poll_and_a_cancelled_one_cannot_be_paid(till, hub: HubProcess) -> None:
    sim = simulator(hub)
    wallet = sim.create_wallet("anonymous", fund=10_000)
    basket(till, 990)
    shown = till.checkout.show_cbdc_qr()
    assert shown.result == "qr_shown" and shown.qr_payload.startswith("CBDCPAY.")
    paid_at: list[float] = []

    def customer() -> None:
        time.sleep(0.4)
        sim.pay_qr(wallet.wallet_no, shown.qr_payload)
        paid_at.append(time.monotonic())

    threading.Thread(target=customer).start()
    done = till.checkout.wait_cbdc_qr(10)
    learnt = time.monotonic()
    assert done.result == "completed" and paid_at and learnt - paid_at[0] < 1.0  # pushed within a poll, not 10 s
    assert sim.info(wallet.wallet_no).balance.amount == 10_000 - 990

    basket(till, 500)
    other = till.checkout.show_cbdc_qr()
    till.checkout.back()  # the cashier leaves the QR: the order is cancelled at the hub
    with pytest.raises(Exception, match="cancelled"):
        sim.pay_qr(wallet.wallet_no, other.qr_payload)
    assert sim.info(wallet.wallet_no).balance.amount == 10_000 - 990


def test_refund_goes_back_to_the_paying_wallet_never_more(till, hub: HubProcess) -> None:
    sim = simulator(hub)
    wallet = sim.create_wallet("anonymous", fund=5_000)
    basket(till, 3_000)
    assert till.checkout.pay_cbdc_code(sim.payment_code(wallet.wallet_no)).result == "completed"
    payment = records_of(till, "tender.approved")[-1].payload["reference"]
    link = till.checkout.ports.cbdc
    assert link.refund("REFUND-0001", payment, _cny(1_000), "returned").status == "approved"
    assert link.refund("REFUND-0001", payment, _cny(1_000), "returned").status == "approved"  # a retry: once
    too_much = link.refund("REFUND-0002", payment, _cny(2_001), "returned")
    assert (too_much.status, too_much.code) == ("declined", "cbdc_refund_exceeds_payment")
    assert sim.info(wallet.wallet_no).balance.amount == 5_000 - 3_000 + 1_000
    day = datetime.now(UTC).date().isoformat()
    statement = hub.admin("GET", f"/v1/admin/cbdc/statement?merchant={MERCHANT}&day={day}")
    assert any(line["kind"] == "refund" and line["amount"]["amount"] == 1_000 for line in statement["lines"])


def test_merchant_wallet_sweeps_above_its_cap_to_the_bank(tmp_path, hub: HubProcess) -> None:
    merchant = f"M12-{uuid.uuid4().hex[:6]}"
    hub.admin("PUT", f"/v1/admin/cbdc/merchants/{merchant}", json={"bank_account": "6222-0000-1234",
                                                                   "sweep_cap": 1_000})
    till = new_till(tmp_path, hub) if merchant == MERCHANT else _till_of(tmp_path, hub, merchant)
    try:
        sim = simulator(hub)
        wallet = sim.create_wallet("anonymous", fund=10_000)
        code = sim.payment_code(wallet.wallet_no)
        result = till.checkout.ports.cbdc.pay_code(f"P{uuid.uuid4().hex}", "SALE-0009", code, _cny(2_500))
        assert result.status == "approved"
        day = datetime.now(UTC).date().isoformat()
        statement = hub.admin("GET", f"/v1/admin/cbdc/statement?merchant={merchant}&day={day}")
        assert (statement["received"], statement["swept"], statement["wallet_balance"]) == (2_500, 1_500, 1_000)
        assert statement["bank_account"] == "6222-0000-1234"
        assert hub.admin("GET", "/v1/admin/trial-balance")["balanced"]
    finally:
        till.close()


def _till_of(tmp_path, hub: HubProcess, merchant: str):
    from terminal.demo.rig import build_till

    return build_till(tmp_path / merchant, terminal_id=f"T12-{uuid.uuid4().hex[:8]}", hub_url=hub.url,
                      enrol_code=hub.enrol_code(merchant).encode(), merchant_id=merchant)


def test_attacks_on_the_operator_are_refused(till, hub: HubProcess) -> None:
    sim = simulator(hub)
    victim = sim.create_wallet("anonymous", fund=10_000)
    link = till.checkout.ports.cbdc
    forged = sign_code(Sm2PrivateKey.generate(), victim.wallet_no, int(time.time()) + 60).encode()
    assert link.pay_code(f"P{uuid.uuid4().hex}", "SALE-0000", forged, _cny(100)).code == "cbdc_code_invalid"
    long_lived = sign_code(Sm2PrivateKey(bytes.fromhex(sim.wallets[victim.wallet_no])), victim.wallet_no,
                           int(time.time()) + 86_400).encode()
    assert link.pay_code(f"P{uuid.uuid4().hex}", "SALE-0000", long_lived, _cny(100)).code == "cbdc_code_invalid"
    expired = sign_code(Sm2PrivateKey(bytes.fromhex(sim.wallets[victim.wallet_no])), victim.wallet_no,
                        int(time.time()) - 1).encode()
    assert link.pay_code(f"P{uuid.uuid4().hex}", "SALE-0000", expired, _cny(100)).code == "cbdc_code_expired"
    assert link.pay_code(f"P{uuid.uuid4().hex}", "SALE-0000", "CBDC1.garbage", _cny(100)).code == "cbdc_code_invalid"

    pid, code = f"P{uuid.uuid4().hex}", sim.payment_code(victim.wallet_no)
    first = link.pay_code(pid, "SALE-0000", code, _cny(100))
    assert link.pay_code(pid, "SALE-0000", code, _cny(100)) == first  # a retry: the same answer, one debit
    with pytest.raises(HubRefusal):  # the same id for another payment
        link.pay_code(pid, "SALE-0000", sim.payment_code(victim.wallet_no), _cny(200))
    assert sim.info(victim.wallet_no).balance.amount == 10_000 - 100

    basket(till, 700)
    shown = till.checkout.show_cbdc_qr()
    order_id = shown.qr_payload.removeprefix("CBDCPAY.")
    thief = Sm2PrivateKey.generate()  # pays the victim's wallet with a key that is not the wallet's
    when = datetime.now(UTC).isoformat(timespec="microseconds")
    answer = httpx.post(f"{hub.url}/v1/cbdc/wallet/pay-order", json={
        "wallet_no": victim.wallet_no, "order_id": order_id, "time": when, "signature": thief.sign(b"x").hex()})
    assert answer.status_code == 400 and answer.json()["code"] == "bad_signature"
    unsigned = httpx.post(f"{hub.url}/v1/cbdc/code-payments", json={})
    assert unsigned.status_code == 401
    assert hub.admin("GET", "/v1/admin/trial-balance")["balanced"]
    till.checkout.cancel()


def test_after_sale_refund_of_digital_currency_goes_back_to_the_wallet(till, hub: HubProcess) -> None:
    from terminal.checkout import AfterSale, SaleIndex

    sim = simulator(hub)
    wallet = sim.create_wallet("anonymous", fund=5_000)
    basket(till, 2_000)
    paid = till.checkout.pay_cbdc_code(sim.payment_code(wallet.wallet_no))
    assert paid.result == "completed"
    after = AfterSale(till.checkout, SaleIndex.open(till.journal))
    manager = ("M-001", "9999")
    done = after.refund(paid.sale_id, {1: 1}, approver_id=manager[0], approver_pin=manager[1], reason="returned")
    assert done.ok
    assert sim.info(wallet.wallet_no).balance.amount == 5_000  # back in the wallet that paid
    refund = records_of(till, "refund.completed")[-1].payload
    assert refund["tenders"][0]["kind"] == "cbdc_wallet"


def test_codes_read_by_the_serial_and_the_camera_scanner_pay(till, hub: HubProcess) -> None:
    from drivers.scanner.camera import decode_frame, qr_frame
    from drivers.scanner.serial_scanner import PtyScannerSim, SerialScanner
    from sync.cbdc import is_payment_code

    sim = simulator(hub)
    wallet = sim.create_wallet("anonymous", fund=5_000)
    pty = PtyScannerSim()
    scanner = SerialScanner(pty.port, simulated=True)
    try:
        scanner.connect()  # the port is open before the customer's code is scanned
        pty.scan(sim.payment_code(wallet.wallet_no))
        read = scanner.read_code(timeout=5)
    finally:
        scanner.close()
        pty.unplug()
    assert is_payment_code(read)
    basket(till, 800)
    assert till.checkout.pay_cbdc_code(read).result == "completed"

    shown = decode_frame(qr_frame(sim.payment_code(wallet.wallet_no)))  # the phone's screen in the camera
    assert len(shown) == 1 and is_payment_code(shown[0])
    basket(till, 700)
    assert till.checkout.pay_cbdc_code(shown[0]).result == "completed"
    assert sim.info(wallet.wallet_no).balance.amount == 5_000 - 1_500


def test_a_code_payment_whose_answer_was_lost_is_given_back(tmp_path, hub: HubProcess) -> None:
    from faultproxy import Fault, FaultProxy

    from terminal.checkout.cbdc import UnansweredPayments

    sim = simulator(hub)
    wallet = sim.create_wallet("anonymous", fund=5_000)
    cut = {"done": False}

    def policy(_n: int, method: str, path: str) -> Fault:
        if path.startswith("/v1/cbdc/code-payments") and not cut["done"]:
            cut["done"] = True
            return Fault.CUT_RESPONSE  # the operator pays; the till never hears
        return Fault.PASS

    with FaultProxy(hub.port, policy) as proxy:
        till = new_till(tmp_path, hub)
        try:
            till.checkout.ports.cbdc.client._client.base_url = proxy.url
            basket(till, 1_200)
            lost = till.checkout.pay_cbdc_code(sim.payment_code(wallet.wallet_no))
            assert lost.result == "declined" and lost.code == "cbdc_needs_network"
            assert sim.info(wallet.wallet_no).balance.amount == 5_000 - 1_200  # taken at the operator
            till.checkout.pay_cash(Money(1_200, "CNY"))  # the customer paid another way
            unanswered = UnansweredPayments(till.journal, till.checkout.ports.cbdc)
            assert unanswered.release() == 1 and unanswered.release() == 0
            assert sim.info(wallet.wallet_no).balance.amount == 5_000  # given back, once
            assert records_of(till, "cbdc.released")[-1].payload["result"] == "refunded"
        finally:
            till.close()


def test_a_cancelled_sale_gives_its_digital_currency_back(till, hub: HubProcess) -> None:
    from drivers.card.hardwallet_applet import WalletSlot  # noqa: F401  (the till's slot type)
    from sync.cbdc import DeviceCert
    from terminal.checkout.cbdc import UnansweredPayments

    sim = simulator(hub)
    wallet = sim.create_wallet("anonymous", fund=5_000)
    holder = sim.create_wallet("anonymous", fund=20_000)
    card = sim.issue_card(holder.wallet_no)
    card = sim.load_card(DeviceCert.decode(card.cert).device_hex, 10_000)
    basket(till, 3_000)
    part = till.checkout.pay_cbdc_code(sim.payment_code(wallet.wallet_no), Money(1_000, "CNY"))
    assert part.result == "approved"
    till.checkout.ports.hard_wallet.present(card)
    assert till.checkout.pay_cbdc_hard_wallet(Money(500, "CNY")).result == "approved"
    cancelled = till.checkout.cancel("customer changed their mind")
    assert "goes back to the customer's wallet" in cancelled.sentence
    assert ("cbdc_goes_back_to_wallet", {}) in cancelled.params["then"]
    giving = UnansweredPayments(till.journal, till.checkout.ports.cbdc)
    assert giving.release() == 1  # the online part now; the offline part once the hub has settled it
    report = till.uplink.sync_once()
    assert report.pending == 0, report
    assert sim.device(DeviceCert.decode(card.cert).device_hex).settled.amount == 500
    assert giving.release() == 1 and giving.release() == 0
    assert sim.info(wallet.wallet_no).balance.amount == 5_000
    assert sim.info(holder.wallet_no).balance.amount == 20_000 - 10_000 + 500  # back to the holder's wallet
