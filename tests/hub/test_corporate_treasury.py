"""Scheduled payments, the enterprise wallet, AML alerts and FX checks on the hub's real store (SQLite and
PostgreSQL, see conftest): exactly-once occurrences across a restart, month-end dates, sweep to cold, the second
person on cold moves, structuring and large alerts, a stale FX rate refused, alerts resolved with a comment."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from corpkit import card, workbook
from hubkit import ADMIN_TOKEN, Clock, unique
from officekit import PASSWORD

from hub.backoffice.users import add_user
from hub.cbdc import ledger as L
from hub.cbdc.operator import ReferenceOperator
from hub.cli import ADMIN_TOKEN_ENV
from hub.corporate import aml, batches, execute, fx, scheduler, wallet
from hub.corporate.scheduler import Scheduler, following, on_day
from hub.corporate.sealing import AccountSeal, mask
from hub.corporate.settings import default_config
from hub.downstream import RatesUpdate
from hub.errors import HubError
from hub.merchants import MerchantSettings
from hub.store import Store
from sync.cbdc import sign_code
from sync.cbdc_api import CodePaymentRequest, WalletCreate
from sync.crypto import Sm2PrivateKey

SEAL = wallet.envelope(ADMIN_TOKEN.encode())
ACCOUNTS = AccountSeal(ADMIN_TOKEN.encode())
CONFIG = default_config()


@pytest.fixture(autouse=True)
def _sealing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hub's sealing secret as `edgepos hub` has it (payee accounts and wallet keys are sealed with it)."""
    monkeypatch.setenv(ADMIN_TOKEN_ENV, ADMIN_TOKEN)
    monkeypatch.delenv("EDGEPOS_CBDC_ISSUER_SECRET", raising=False)


def payouts(store: Store, merchant: str) -> list[tuple[str, int, str]]:
    """The payout transfers booked for a merchant: (transfer id, amount out of its bank account, currency)."""
    return store.view(lambda tx: [(r[0], int(r[1]), r[2]) for r in tx.all(
        "SELECT t.id, p.amount, p.currency FROM transfers t JOIN postings p ON p.transfer_id = t.id "
        "WHERE t.kind = 'corp_payout' AND t.merchant_id = ? AND p.amount > 0 ORDER BY t.id", (merchant,))])


def add(store: Store, merchant: str, *, amount: int = 123_45, currency: str = "CNY", first_on: date,
        repeat: str = "monthly", account: str = "6222020200112233445", until: date | None = None) -> str:
    now = store.clock()
    ident = store.read(lambda tx: scheduler.add_schedule(
        tx, ACCOUNTS, merchant_id=merchant, payee_name="Shanghai Paper Co", account=account, bank_code="ICBKCNBJ",
        amount=amount, currency=currency, reference="contract 7", first_on=first_on, repeat=repeat,
        until_on=until, actor="finance-1", now=now)).id
    store.read(lambda tx: scheduler.decide(tx, merchant, ident, True, "admin-1", now))  # the second person
    return ident


def rates(store: Store, as_of_offset: timedelta, usd: str = "0.1400") -> None:
    store.put_rates(RatesUpdate(base="CNY", as_of=store.clock() + as_of_offset, rates={"USD": usd, "EUR": "0.1300"}))


def test_month_end_rules() -> None:
    assert following(date(2027, 1, 31), 31) == date(2027, 2, 28)
    assert following(date(2028, 1, 31), 31) == date(2028, 2, 29)  # leap year
    assert following(date(2027, 2, 28), 31) == date(2027, 3, 31)  # back to the day asked for
    assert following(date(2027, 3, 31), 31) == date(2027, 4, 30)
    assert following(date(2027, 12, 15), 15) == date(2028, 1, 15)
    assert on_day(2027, 2, 30) == date(2027, 2, 28)


def test_scheduled_payment_runs_once_across_restarts_and_each_month(store: Store, clock: Clock) -> None:
    rates(store, timedelta(0))
    merchant = unique("M")
    today = clock().date()
    ident = add(store, merchant, first_on=today)
    first = Scheduler(store, worker="hub-a")  # the sealing secret from the environment, as a hub has it
    assert first.tick()["ran"] >= 1
    first.tick()  # nothing more today
    Scheduler(store, worker="hub-b").tick()  # a restarted hub (a new scheduler) finds nothing due
    assert [p[1] for p in payouts(store, merchant)] == [123_45]
    occurrences = store.view(lambda tx: scheduler.occurrences(tx, ident))
    assert [(o.due_on, o.status, o.run_by) for o in occurrences] == [(today.isoformat(), "paid", "hub-a")]
    assert occurrences[0].idem_key == f"sched:{ident}:{today}"
    # two months later, with no hub running in between: each missed date is paid once, then it waits again
    clock.offset = (following(following(today, today.day), today.day) - today) + timedelta(hours=1)
    rates(store, timedelta(0))
    Scheduler(store, worker="hub-c").tick()
    Scheduler(store, worker="hub-d").tick()
    assert len(payouts(store, merchant)) == 3
    dates = [o.due_on for o in store.view(lambda tx: scheduler.occurrences(tx, ident))]
    assert dates == [today.isoformat(), following(today, today.day).isoformat(),
                     following(following(today, today.day), today.day).isoformat()]
    schedule = store.view(lambda tx: scheduler.load_schedule(tx, merchant, ident))
    assert schedule.status == "active" and schedule.next_on > dates[-1]


def test_one_off_in_the_future_waits_for_its_day_and_bad_schedules_are_refused(store: Store, clock: Clock) -> None:
    rates(store, timedelta(0))
    merchant = unique("M")
    ident = add(store, merchant, first_on=clock().date() + timedelta(days=3), repeat="once")
    Scheduler(store).tick()
    assert payouts(store, merchant) == []
    clock.offset = timedelta(days=3)
    rates(store, timedelta(0))
    Scheduler(store).tick()
    Scheduler(store).tick()
    assert len(payouts(store, merchant)) == 1
    assert store.view(lambda tx: scheduler.load_schedule(tx, merchant, ident)).status == "done"
    with pytest.raises(HubError) as refused:
        add(store, merchant, first_on=clock().date() - timedelta(days=1), amount=0, currency="XXQ")
    assert refused.value.code == "bad_schedule" and "ISO 4217" in refused.value.message


def test_a_schedule_pays_nothing_until_a_second_person_approves_it(store: Store, clock: Clock) -> None:
    rates(store, timedelta(0))
    merchant = unique("M")
    now = clock()
    ident = store.read(lambda tx: scheduler.add_schedule(
        tx, ACCOUNTS, merchant_id=merchant, payee_name="Paper Co", account="6222 0202 0011 2233 445",
        bank_code="ICBKCNBJ", amount=99_00, currency="CNY", reference="c", first_on=now.date(), repeat="monthly",
        until_on=None, actor="fin-1", now=now)).id
    Scheduler(store).tick()
    assert payouts(store, merchant) == []
    with pytest.raises(HubError) as same:
        store.read(lambda tx: scheduler.decide(tx, merchant, ident, True, "fin-1", now))
    assert same.value.code == "schedule_same_person"
    store.read(lambda tx: scheduler.decide(tx, merchant, ident, True, "adm-1", now))
    Scheduler(store).tick()
    assert [p[1] for p in payouts(store, merchant)] == [99_00]
    stored = store.view(lambda tx: tx.one("SELECT account_masked, account_sealed FROM corp_schedules WHERE id = ?",
                                          (ident,)))
    assert stored[0] == "6222***********3445" and "6222020200112233445" not in stored[1]
    assert store.view(lambda tx: tx.one("SELECT p.approver FROM corp_approvals p JOIN corp_payouts o ON "
                                        "o.batch_id = p.batch_id WHERE o.idem_key = ?",
                                        (f"sched:{ident}:{now.date()}",)))[0] == "adm-1"


def test_schedules_run_on_the_merchants_business_day(store: Store, clock: Clock) -> None:
    """Shanghai is a day ahead of UTC in the evening; New York a day behind after midnight UTC."""
    shanghai, new_york = unique("M"), unique("M")
    store.put_merchant(shanghai, MerchantSettings(business_timezone="Asia/Shanghai"))
    store.put_merchant(new_york, MerchantSettings(business_timezone="America/New_York"))
    real = datetime.now(UTC)
    evening = datetime.combine(real.date(), time(20, 0), UTC)  # Shanghai: 04:00 tomorrow
    clock.offset = evening - real
    rates(store, timedelta(0))
    add(store, shanghai, first_on=evening.date() + timedelta(days=1), repeat="once")
    Scheduler(store).tick()
    assert len(payouts(store, shanghai)) == 1  # its day has come in Shanghai, not yet in UTC
    clock.offset = evening + timedelta(hours=6) - real  # 02:00 UTC tomorrow; 21:00 or 22:00 today in New York
    rates(store, timedelta(0))
    add(store, new_york, first_on=evening.date() + timedelta(days=1), repeat="once")
    Scheduler(store).tick()
    assert payouts(store, new_york) == []
    clock.offset = evening + timedelta(hours=12) - real  # 08:00 UTC: the day has come in New York too
    rates(store, timedelta(0))
    Scheduler(store).tick()
    assert len(payouts(store, new_york)) == 1


def test_stale_fx_rate_refuses_the_payment_with_its_reason(store: Store, clock: Clock) -> None:
    merchant = unique("M")
    rates(store, -timedelta(hours=3))
    ident = add(store, merchant, amount=500_00, currency="USD", first_on=clock().date(), repeat="once")
    Scheduler(store).tick()
    [occurrence] = store.view(lambda tx: scheduler.occurrences(tx, ident))
    assert occurrence.status == "failed"
    assert occurrence.reason.startswith("fx_rate_stale") and "stale" in occurrence.reason
    assert payouts(store, merchant) == []  # nothing moved
    # with a fresh rate a USD payment converts at the hub's rate and keeps the rate with its time
    rates(store, timedelta(0), usd="0.1400")
    ident = add(store, merchant, amount=700_00, currency="USD", first_on=clock().date(), repeat="once")
    Scheduler(store).tick()
    [occurrence] = store.view(lambda tx: scheduler.occurrences(tx, ident))
    assert occurrence.status == "paid"
    assert payouts(store, merchant) == [(f"corp:sched:{ident}:{clock().date()}", 5000_00, "CNY")]
    used = store.view(lambda tx: tx.one("SELECT rate, amount_to, rates_as_of FROM corp_fx WHERE ref = ?",
                                        (occurrence.idem_key,)))
    assert Decimal(used[0]) == Decimal(1) / Decimal("0.1400") and used[1] == 5000_00 and used[2]
    shown = store.view(lambda tx: fx.used(tx, [occurrence.idem_key]))[occurrence.idem_key]
    assert shown.startswith("700.00 USD = 5000.00 CNY at 7.142857 (rates v")


def test_fx_quote_rounds_half_up_and_refuses_unknown_currencies(store: Store, clock: Clock) -> None:
    rates(store, timedelta(0), usd="0.1400")
    now = clock()
    quote = store.view(lambda tx: fx.quote(tx, 1_00, "CNY", "USD", now, timedelta(hours=1)))
    assert quote.amount_to == 14 and quote.rate == Decimal("0.1400")
    quote = store.view(lambda tx: fx.quote(tx, 1_05, "EUR", "USD", now, timedelta(hours=1)))
    assert quote.amount_to == 1_13  # 1.05 * 0.14 / 0.13 = 1.1307...
    with pytest.raises(fx.FxRefused) as refused:
        store.view(lambda tx: fx.quote(tx, 1_00, "GBP", "CNY", now, timedelta(hours=1)))
    assert refused.value.code == "fx_no_rate"


def _open(store: Store, merchant: str, cap: int) -> None:
    now = store.clock()
    store.read(lambda tx: wallet.open_wallet(tx, merchant, "CNY", SEAL, CONFIG, now))
    store.read(lambda tx: wallet.set_cap(tx, merchant, "CNY", cap))


def test_takings_land_in_hot_and_the_excess_sweeps_to_cold(store: Store, clock: Clock) -> None:
    merchant = unique("M")
    _open(store, merchant, 1000_00)
    now = clock()

    def takings(tx, amount: int) -> None:  # as the CBDC operator books a payment, then sweeps (hub.cbdc.operator)
        L.ensure_accounts(tx, [L.wallet_account("W1"), L.merchant_wallet(merchant)], None, now)
        L.book(tx, L.movement("cbdc_payment", f"cbdc:{unique('P')}", debit=L.wallet_account("W1"),
                              credit=L.merchant_wallet(merchant), amount=amount, currency="CNY", now=now))
        L.sweep(tx, merchant, L.default_config().sweep_cap, "CNY", now)

    store.read(lambda tx: takings(tx, 600_00))
    [cny] = store.view(lambda tx: wallet.balances(tx, merchant))
    assert (cny.hot, cny.cold) == (600_00, 0)
    store.read(lambda tx: takings(tx, 900_00))
    [cny] = store.view(lambda tx: wallet.balances(tx, merchant))
    assert (cny.currency, cny.hot, cny.cold, cny.hot_cap) == ("CNY", 1000_00, 500_00, 1000_00)
    sweeps = [m for m in store.view(lambda tx: wallet.moves(tx, merchant)) if m.requested_by == "system"]
    assert [(m.from_wallet, m.to_wallet, m.amount, m.status) for m in sweeps] == [("hot", "cold", 500_00, "done")]
    # a lower cap sweeps on the scheduler's next round
    store.read(lambda tx: wallet.set_cap(tx, merchant, "CNY", 200_00))
    Scheduler(store).tick()
    [cny] = store.view(lambda tx: wallet.balances(tx, merchant))
    assert (cny.hot, cny.cold) == (200_00, 1300_00)


def test_digital_currency_takings_from_the_operator_land_in_hot_then_cold(store: Store, clock: Clock) -> None:
    """A real online CBDC payment through the reference operator (hub.cbdc): the merchant wallet is the hot wallet."""
    merchant = unique("M")
    _open(store, merchant, 10_000_00)
    operator = ReferenceOperator(store.read, store.view, ADMIN_TOKEN.encode())
    payer = Sm2PrivateKey.generate()
    now = clock()
    wallet_no = operator.create_wallet(WalletCreate(tier="verified", public_key=payer.public_key().hex()),
                                       now).wallet_no
    operator.fund_wallet(wallet_no, 20_000_00, now)
    for _ in range(2):
        code = sign_code(payer, wallet_no, int(now.timestamp()) + 60).encode()
        request = CodePaymentRequest(payment_id=unique("pay-"), sale_id=unique("sale-"), code=code,
                                     amount={"amount": 8_000_00, "currency": "CNY"})
        answer = store.read(lambda tx, r=request: operator.pay_code(tx, "T-1", merchant, r, now))
        assert answer.status == "approved", answer
    [cny] = store.view(lambda tx: wallet.balances(tx, merchant))
    assert (cny.hot, cny.cold) == (10_000_00, 6_000_00)
    assert operator.statement(merchant, now.date().isoformat()).swept == 6_000_00  # the CBDC statement agrees


def test_a_move_out_of_cold_needs_a_second_person(store: Store, clock: Clock) -> None:
    merchant = unique("M")
    _open(store, merchant, 100_00)
    now = clock()
    store.read(lambda tx: wallet.deposit(tx, merchant, "CNY", 5000_00, "bank top-up", now))
    [cny] = store.view(lambda tx: wallet.balances(tx, merchant))
    assert (cny.hot, cny.cold) == (100_00, 4900_00)
    move = store.read(lambda tx: wallet.request_move(tx, merchant, "CNY", "cold", "bank", 3000_00, "pay tax",
                                                     "alice", SEAL, now))
    assert move.status == "pending" and not move.signed
    [cny] = store.view(lambda tx: wallet.balances(tx, merchant))
    assert (cny.cold, cny.pending_out) == (4900_00, 3000_00)  # nothing moved yet
    with pytest.raises(wallet.WalletError) as same:
        store.read(lambda tx: wallet.decide(tx, merchant, move.id, True, "alice", SEAL, now))
    assert same.value.code == "move_same_person"
    done = store.read(lambda tx: wallet.decide(tx, merchant, move.id, True, "bob", SEAL, now))
    assert (done.status, done.decided_by, done.signed) == ("done", "bob", True)
    [cny] = store.view(lambda tx: wallet.balances(tx, merchant))
    assert (cny.cold, cny.pending_out) == (1900_00, 0)
    with pytest.raises(wallet.WalletError) as again:
        store.read(lambda tx: wallet.decide(tx, merchant, move.id, True, "carol", SEAL, now))
    assert again.value.code == "decided_already"
    # too much: refused when approved, nothing booked
    big = store.read(lambda tx: wallet.request_move(tx, merchant, "CNY", "cold", "hot", 9000_00, "float", "alice",
                                                    SEAL, now))
    with pytest.raises(wallet.WalletError) as short:
        store.read(lambda tx: wallet.decide(tx, merchant, big.id, True, "bob", SEAL, now))
    assert short.value.code == "insufficient_funds"
    # out of hot needs no second person
    hot = store.read(lambda tx: wallet.request_move(tx, merchant, "CNY", "hot", "bank", 50_00, "petty cash",
                                                    "alice", SEAL, now))
    assert hot.status == "done"


def test_wallet_keys_are_sealed_and_open_only_with_the_hub_secret(store: Store) -> None:
    merchant = unique("M")
    _open(store, merchant, 100_00)
    sealed_hot, public_hot = store.view(lambda tx: tx.one(
        "SELECT hot_key_sealed, hot_public_key FROM corp_wallets WHERE merchant_id = ?", (merchant,)))
    key = store.view(lambda tx: wallet.wallet_key(tx, merchant, "CNY", "hot", SEAL))
    assert key.public_key().hex() == public_hot
    assert key.private_bytes().hex() not in sealed_hot
    with pytest.raises(HubError) as wrong:
        store.view(lambda tx: wallet.wallet_key(tx, merchant, "CNY", "hot", wallet.envelope(b"another secret")))
    assert wrong.value.code == "wallet_key_sealed"


def screen(store: Store, merchant: str, amount: int, account: str = "6222 0202 0011 2233 445",
           currency: str = "CNY") -> list[aml.Alert]:
    now = store.clock()
    payee = aml.payee_key("Paper Co", "ICBKCNBJ", mask(account.replace(" ", "").replace("-", "")))
    return store.read(lambda tx: aml.screen(tx, merchant_id=merchant, ref=unique("pay"), payee_name="Paper Co",
                                            payee=payee, shown="6222****3445", amount=amount, currency=currency,
                                            config=CONFIG, now=now))


def test_structuring_and_large_alerts(store: Store) -> None:
    merchant = unique("M")
    threshold = CONFIG.structuring_threshold["CNY"]
    just_under = threshold - 1000_00
    assert screen(store, merchant, just_under) == []
    assert screen(store, merchant, just_under, account="6222-0202-0011-2233-445") == []  # same payee, typed apart
    assert screen(store, merchant, just_under, account="6222000000000000001") == []  # another payee
    [alert] = screen(store, merchant, just_under)
    assert (alert.kind, alert.status, alert.payee_shown) == ("structuring", "open", "6222****3445")
    assert alert.payee_key == aml.payee_key(" paper  CO", "icbkcnbj", "6222-***********-3445")  # typed apart
    assert "6222020200112233445" not in str(store.view(lambda tx: tx.all("SELECT * FROM corp_alerts")))
    assert len(alert.detail["payments"]) == 3
    assert screen(store, merchant, just_under) == []  # the open alert grows instead of a second one
    [grown] = store.view(lambda tx: aml.alerts(tx, merchant, "open"))
    assert len(grown.detail["payments"]) == 4
    [large] = screen(store, merchant, CONFIG.large["CNY"], account="6222000000000000002")
    assert large.kind == "large" and large.detail["threshold"] == CONFIG.large["CNY"]
    assert screen(store, merchant, 100_00, account="6222000000000000002") == []  # small: nothing


def test_an_alert_is_resolved_with_a_comment(store: Store) -> None:
    merchant = unique("M")
    [alert] = screen(store, merchant, CONFIG.large["CNY"] * 2)
    now = store.clock()
    with pytest.raises(HubError) as bare:
        store.read(lambda tx: aml.resolve(tx, merchant, alert.id, "fin-1", "  ", now))
    assert bare.value.code == "missing_comment"
    done = store.read(lambda tx: aml.resolve(tx, merchant, alert.id, "fin-1", "annual contract, invoice 88", now))
    assert (done.status, done.resolved_by, done.comment) == ("resolved", "fin-1", "annual contract, invoice 88")
    with pytest.raises(HubError) as twice:
        store.read(lambda tx: aml.resolve(tx, merchant, alert.id, "fin-2", "again", now))
    assert twice.value.code == "resolved_already"
    assert store.view(lambda tx: aml.alerts(tx, merchant, "open")) == []
    with pytest.raises(HubError):
        store.read(lambda tx: aml.resolve(tx, unique("M"), alert.id, "x", "another merchant's alert", now))


def test_supplier_batch_rows_pass_the_fx_and_aml_screens(store: Store, clock: Clock) -> None:
    """16a's batch execution runs the treasury screens: a stale rate fails a USD row with its reason (nothing
    booked), a large CNY row is paid and raises its alert in the same transaction."""
    merchant = unique("M")
    finance = add_user(store, unique("fin"), PASSWORD, "finance", merchant)
    admin = add_user(store, unique("adm"), PASSWORD, "admin", merchant)
    rates(store, -timedelta(hours=5))
    large = f"{CONFIG.large['CNY'] // 100 + 1000}.00"
    data = workbook([["Acme Inc", card(901), "102100099996", "2500.00", "USD", "PO-1", None],
                     ["Huadong Steel", card(902), "102100099996", large, "CNY", "PO-2", None]])
    batch, _ = batches.submit(store, finance, data, "screens.xlsx", ACCOUNTS, clock())
    batches.approve(store, admin, batch.id, clock())
    assert execute.run_batch(store, batch.id, store.clock) == {"paid": 1, "failed": 1}
    rows = store.view(lambda tx: execute.payouts_of(tx, [batch.id]))
    usd, cny = sorted(rows, key=lambda p: p.row_no)
    assert usd.status == "failed" and usd.reason.startswith("fx_rate_stale:") and usd.transfer_id is None
    assert cny.status == "paid"
    [alert] = store.view(lambda tx: aml.alerts(tx, merchant, "open"))
    assert (alert.kind, alert.ref, alert.payee_shown) == ("large", cny.idem_key, cny.account_masked)
