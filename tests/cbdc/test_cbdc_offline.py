"""Offline hard-wallet payments end to end: tills from real parts (journal, risk engine, uplink), the wallet
simulator and one real hub process over HTTP. The hard wallet is our applet on an emulated slot here (the same
terminal-side exchange runs over pcscd and nfcpy in test_cbdc_devices.py)."""

from __future__ import annotations

import json
import re
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cbdckit import ADMIN_TOKEN, MERCHANT, basket, new_till, records_of, simulator, slot

from drivers.card.hardwallet_applet import HardWalletApplet, WalletSlot
from hub.process import HubProcess
from sync.cbdc import DeviceCert, issue_cert
from sync.crypto import Sm2PrivateKey
from terminal.ui.wording import CATALOGUE


def _card(sim, load: int = 50_000) -> HardWalletApplet:
    wallet = sim.create_wallet("anonymous", fund=200_000)
    card = sim.issue_card(wallet.wallet_no)
    return sim.load_card(DeviceCert.decode(card.cert).device_hex, load)


def _nothing_paid(till, before: int) -> None:
    """No offline payment journalled, no tender taken since record `before`."""
    later = [r.type for r in till.journal.records(after=before)]
    assert "cbdc.offline_payment" not in later and "tender.approved" not in later


def _exceptions(hub: HubProcess) -> list[dict]:
    return hub.admin("GET", f"/v1/admin/exceptions?merchant={MERCHANT}")


def _back_office(hub: HubProcess, role: str) -> httpx.Client:
    """A browser-like client of the hub's back office, signed in as a new user of MERCHANT with `role`."""
    from hub.backoffice.users import add_user
    from hub.store import Store

    assert hub.where[0] == "--db"
    store = Store.open(path=hub.where[1])
    try:
        name = f"{role}-{uuid.uuid4().hex[:8]}"
        add_user(store, name, "correct horse battery staple", role, MERCHANT)
    finally:
        store.close()
    client = httpx.Client(base_url=hub.url, follow_redirects=True, timeout=30)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/office/signin").text).group(1)
    signed_in = client.post("/office/signin", data={"csrf": token, "name": name,
                                                    "password": "correct horse battery staple"})
    assert signed_in.url.path == "/office/", signed_in.text[:300]
    return client


def test_cloned_hard_wallet_at_two_tills_one_settles_one_exception_then_revoked(tmp_path, hub: HubProcess) -> None:
    sim = simulator(hub)
    card = _card(sim)
    clone = card.clone()  # the same key, counter and balance: what an attacker extracting the card gets
    device = DeviceCert.decode(card.cert).device_hex
    first, second = new_till(tmp_path, hub), new_till(tmp_path, hub)
    try:
        basket(first, 1_200)
        slot(first).present(card)
        assert first.checkout.pay_cbdc_hard_wallet().result == "completed"
        assert len(card.receipts) == 1  # the terminal-signed receipt reached the wallet
        basket(second, 1_500)
        slot(second, contactless=True).present(clone)
        assert second.checkout.pay_cbdc_hard_wallet(contactless=True).result == "completed"  # offline: undetectable

        before = len(_exceptions(hub))
        assert first.uplink.sync_once().declined == 0
        report = second.uplink.sync_once(pull=True)
        assert report.declined == 1 and len(report.exceptions) == 1
        raised = records_of(second, "exception.offline_declined")
        assert len(raised) == 1 and raised[0].payload["code"] == "cbdc_double_spend"
        assert not records_of(first, "exception.offline_declined")
        assert second.uplink.sync_once().declined == 0  # acknowledged: never raised twice

        info = sim.device(device)
        assert info.settled.amount == 1_200 and info.revoked
        found = [x for x in _exceptions(hub)[before:] if x["detail"]["device_id"] == device]
        assert len(found) == 1 and found[0]["kind"] == "cbdc_double_spend"
        day = datetime.now(UTC).date().isoformat()
        statement = hub.admin("GET", f"/v1/admin/cbdc/statement?merchant={MERCHANT}&day={day}")
        mine = [line for line in statement["lines"] if line["sale_id"] in (raised[0].payload["sale_id"],)]
        assert [line["status"] for line in mine] == ["reversed"]
        assert hub.admin("GET", "/v1/admin/trial-balance")["balanced"]

        # the back office: the declined sale on the exceptions page with the double spend's detail in words, and
        # the day's statement on the digital-currency page for finance
        with closing(_back_office(hub, "manager")) as office:
            page = office.get("/office/exceptions").text
        sale_id = raised[0].payload["sale_id"]
        row = next(r for r in re.findall(r'<tr class="exception" data-kind="cbdc_double_spend">.*?</tr>', page, re.S)
                   if sale_id in r)
        for shown in (f"hard wallet device {device}", f"counter {found[0]['detail']['counter']}", "15.00 CNY",
                      "was spent already", 'action="/office/exceptions/resolve"'):
            assert shown in row, (shown, row)
        assert "wrong-decline" not in row  # no risk decision: never a wrong-decline label
        with closing(_back_office(hub, "finance")) as office:
            page = office.get(f"/office/cbdc?day={day}").text
        assert re.search(r'<tr class="cbdc-line reversed">.*?15\.00 CNY', page, re.S)
        assert f'{statement["wallet_balance"] / 100:.2f} CNY' in re.search(r'class="balance">([^<]*)<', page).group(1)

        # the revocation list arrives at the first till with the blacklist: the card is refused there now
        first.uplink.sync_once(pull=True)
        basket(first, 100)
        mark = first.journal.head()[0]
        outcome = first.checkout.pay_cbdc_hard_wallet()
        assert outcome.result == "declined" and outcome.code == "cbdc_wallet_revoked"
        assert "blocked" in outcome.sentence
        _nothing_paid(first, mark)
        assert card.balance == 50_000 - 1_200  # nothing taken from the wallet either
    finally:
        first.close()
        second.close()


def test_eleventh_offline_payment_and_over_the_cap_refused_in_words(tmp_path, hub: HubProcess) -> None:
    sim = simulator(hub)
    card = _card(sim)
    offset = [timedelta(0)]
    till = new_till(tmp_path, hub, clock=lambda: datetime.now(UTC) + offset[0])
    try:
        slot(till).present(card)
        basket(till, 50_001)  # over the retail profile's 500.00 per offline payment
        mark = till.journal.head()[0]
        over = till.checkout.pay_cbdc_hard_wallet()
        assert over.result == "declined" and over.code == "cbdc_offline_over_payment_cap"
        assert over.sentence.startswith("This is more than one offline digital-currency payment may be")
        assert over.params["limit"] == "CNY 500.00"
        assert "CNY 500.00" in CATALOGUE[over.code].format(**over.params)  # worded with the limit (zh in the .ts)
        _nothing_paid(till, mark)
        till.checkout.cancel()
        for n in range(10):  # the hub is not told: these wait to settle at this till
            offset[0] += timedelta(hours=4)  # a canteen card over two days: not a burst, within the 3-day age cap
            basket(till, 1_500 + n)
            paid = till.checkout.pay_cbdc_hard_wallet()
            assert paid.result == "completed", (n, paid.code)
        assert len(till.checkout.ports.offline_wallets.waiting()) == 10
        offset[0] += timedelta(hours=4)
        basket(till, 1_500)
        mark = till.journal.head()[0]
        eleventh = till.checkout.pay_cbdc_hard_wallet()
        assert eleventh.result == "declined" and eleventh.code == "cbdc_offline_wallet_count"
        assert "must go online first" in eleventh.sentence
        assert "(10)" in CATALOGUE[eleventh.code].format(**eleventh.params)
        _nothing_paid(till, mark)
        assert card.counter == 11  # ten payments, not eleven
    finally:
        till.close()


class _Tampering(HardWalletApplet):
    """Changes one byte of its signed payment message (a relay altering the amount on the way)."""

    def _pay(self, data: bytes) -> bytes:
        answer = super()._pay(data)
        if answer[-2:] != b"\x90\x00":
            return answer
        message = bytearray(answer[:-2])
        message[16] ^= 0x01  # inside the amount
        return bytes(message) + b"\x90\x00"


class _Replaying(HardWalletApplet):
    """Answers PAY with a payment message it signed for an earlier challenge (a recorded exchange replayed)."""

    recorded: bytes = b""

    def _pay(self, data: bytes) -> bytes:
        return self.recorded + b"\x90\x00"


@pytest.mark.parametrize("attack", ["tampered", "replayed", "wrong_issuer", "pulled"])
def test_hostile_hard_wallets_take_nothing_and_journal_nothing(tmp_path, hub: HubProcess, attack: str) -> None:
    sim = simulator(hub)
    genuine = _card(sim)
    till = new_till(tmp_path, hub)
    try:
        if attack == "tampered":
            card = _Tampering(genuine.key, genuine.cert, genuine.issuer_key, balance=genuine.balance,
                              last_load=genuine.last_load)
            expected = "cbdc_payment_invalid"
        elif attack == "replayed":
            other = new_till(tmp_path, hub)
            try:  # a real payment at another till, recorded and replayed to this one
                basket(other, 300)
                slot(other).present(genuine)
                assert other.checkout.pay_cbdc_hard_wallet().result == "completed"
            finally:
                other.close()
            card = _Replaying(genuine.key, genuine.cert, genuine.issuer_key, counter=genuine.counter + 1,
                              balance=genuine.balance)
            card.recorded = genuine.last_payment
            expected = "cbdc_challenge_mismatch"
        elif attack == "wrong_issuer":
            rogue, key = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
            cert = issue_cert(rogue, b"\x01" * 8, "1234567890123456", key.public_key(), "CNY")
            card = HardWalletApplet(key, cert.encode(), rogue.public_key(), balance=50_000)
            expected = "cbdc_wallet_not_genuine"
        else:
            card = genuine
            card.pull_out_at = "PAY"
            expected = "cbdc_wallet_removed"
        balance, counter = card.balance, card.counter
        basket(till, 300)
        slot(till).present(card)
        mark = till.journal.head()[0]
        outcome = till.checkout.pay_cbdc_hard_wallet()
        assert outcome.result == "declined" and outcome.code == expected
        assert outcome.code in CATALOGUE
        _nothing_paid(till, mark)
        assert till.checkout.sale is not None and till.checkout.sale.remaining.amount == 300  # still due
        if attack in ("pulled", "wrong_issuer"):
            assert (card.balance, card.counter) == (balance, counter)  # nothing taken from the wallet
        assert not till.checkout.ports.offline_wallets.waiting()
    finally:
        till.close()


def test_hub_restarted_mid_settlement_settles_each_payment_once(tmp_path) -> None:
    from faultproxy import Fault, FaultProxy

    with HubProcess(db=tmp_path / "own-hub.db", admin_token=ADMIN_TOKEN, log=tmp_path / "own-hub.log") as hub:
        sim = simulator(hub)
        card = _card(sim)
        clone = card.clone()
        device = DeviceCert.decode(card.cert).device_hex
        cut = {"done": False}

        def policy(_n: int, method: str, path: str) -> Fault:
            if method == "POST" and path.startswith("/v1/journal") and not cut["done"]:
                cut["done"] = True
                return Fault.CUT_RESPONSE  # the hub settles and commits; the till never hears
            return Fault.PASS

        with FaultProxy(hub.port, policy) as proxy:
            till, other = new_till(tmp_path, hub), new_till(tmp_path, hub)
            try:
                till.uplink.client._client.base_url = proxy.url  # the same hub, behind the bad network
                for amount in (500, 700, 900):
                    basket(till, amount)
                    slot(till).present(card)
                    assert till.checkout.pay_cbdc_hard_wallet().result == "completed"
                basket(other, 400)
                slot(other).present(clone)  # the clone spends counter 1 again at another till
                assert other.checkout.pay_cbdc_hard_wallet().result == "completed"
                first = till.uplink.sync_once()
                assert first.unreachable or first.errors
                hub.kill()  # the hub dies after settling, before anyone saw the answer
                hub.start()
                assert other.uplink.sync_once().declined == 1
                again = till.uplink.sync_once()
                assert again.pending == 0 and again.declined == 0
                assert len(records_of(other, "exception.offline_declined")) == 1
                assert not records_of(till, "exception.offline_declined")
            finally:
                till.close()
                other.close()
        info = sim.device(device)
        assert info.settled.amount == 500 + 700 + 900  # each payment once, the double spend not at all
        exceptions = [x for x in hub.admin("GET", "/v1/admin/exceptions") if x["detail"]["device_id"] == device]
        assert len(exceptions) == 1
        assert hub.admin("GET", "/v1/admin/trial-balance")["balanced"]
        day = datetime.now(UTC).date().isoformat()
        lines = hub.admin("GET", f"/v1/admin/cbdc/statement?merchant={MERCHANT}&day={day}")["lines"]
        assert sorted(line["amount"]["amount"] for line in lines if line["kind"] == "offline") == [400, 500, 700, 900]
        assert json.dumps(lines).count('"reversed"') == 1


def test_emulated_slot_without_a_wallet_says_so(tmp_path, hub: HubProcess) -> None:
    till = new_till(tmp_path, hub)
    try:
        basket(till, 100)
        assert isinstance(till.checkout.ports.hard_wallet, WalletSlot)
        outcome = till.checkout.pay_cbdc_hard_wallet()
        assert outcome.result == "declined" and outcome.code == "cbdc_wallet_removed"
    finally:
        till.close()


def test_wallet_pulled_before_the_receipt_has_paid_and_the_payment_stands(tmp_path, hub: HubProcess) -> None:
    sim = simulator(hub)
    card = _card(sim)
    card.pull_out_at = "RECEIPT"  # the customer takes the card away as soon as it has answered PAY
    till = new_till(tmp_path, hub)
    try:
        basket(till, 900)
        slot(till).present(card)
        outcome = till.checkout.pay_cbdc_hard_wallet()
        assert outcome.result == "completed"  # the signed payment was journalled before approval: it stands
        assert card.balance == 50_000 - 900 and card.receipt_pending and not card.receipts
        assert card.process(bytes([0x80, 0x32, 0, 0, 0]))[:-2] == bytes.fromhex(
            records_of(till, "cbdc.offline_payment")[-1].payload["payment"])  # the card can show what it paid
        assert till.uplink.sync_once().declined == 0
        assert sim.device(DeviceCert.decode(card.cert).device_hex).settled.amount == 900
    finally:
        till.close()
