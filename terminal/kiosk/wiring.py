"""Wiring of a kiosk lane onto a till (terminal.bootstrap.Till): the held-receipt printer, the lane's own operator
identity, the bagging database and badges beside the journal, the store's kiosk policy; and the demo store's
produce sold by weight and its age-restricted items. A real lane opens with `open_lane(RealStore, ...)` (devices from
the till config); the demo and tests use `demo_lane`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from terminal.bootstrap import ClosesInReverse, Till
from terminal.catalogue import VAT9, Catalogue, Product, sample_catalogue
from terminal.domain import Money
from terminal.kiosk.badges import BadgeStore
from terminal.kiosk.bagging import BaggingCheck
from terminal.kiosk.lane import KioskPolicy, Lane
from terminal.kiosk.receipts import HeldReceipts
from terminal.kiosk.recovery import RecoveryReport, load_checkpoint, recover, save_checkpoint
from terminal.operators import Operator, Role

BAGGING_DB, BADGES_DB = "kiosk-bagging.db", "kiosk-badges.db"
RECOVERY_CHECKPOINT = "kiosk-recovered-through.json"  # where the last start left no sale open

# loose produce sold by the kilogram (in-store EAN-13 with prefix 2, and found by picture in the search)
PRODUCE: tuple[tuple[str, str, str, str, str], ...] = (
    ("PRD-001", "Loose apples, per kg", "散装苹果 每公斤", "12.80", "2000000000015"),
    ("PRD-002", "Tomatoes, per kg", "西红柿 每公斤", "8.60", "2000000000022"),
    ("PRD-003", "Loose bananas, per kg", "散装香蕉 每公斤", "6.98", "2000000000039"),
    ("PRD-004", "Carrots, per kg", "胡萝卜 每公斤", "4.50", "2000000000046"),
)
DEMO_POLICY = KioskPolicy(age_restricted=frozenset({"DRK-006"}), high_value_minor=30_000)


def kiosk_catalogue(base: Catalogue | None = None) -> Catalogue:
    """The demo store's catalogue plus loose produce by the kilogram."""
    base = base or sample_catalogue()
    produce = [Product(sku, name, zh, "Fresh", Money.from_decimal(Decimal(price), base.currency), VAT9, code, "kg",
                       "生鲜") for sku, name, zh, price, code in PRODUCE]
    return Catalogue([*base.products, *produce])


def lane_operator(lane_id: str) -> Operator:
    """The identity the lane's checkout acts as: sells, never approves (every approval names an attendant)."""
    return Operator(f"KIOSK-{lane_id}", f"Self-checkout {lane_id}", Role.CASHIER)


@dataclass
class KioskLane(ClosesInReverse):
    lane: Lane
    till: Till
    bagging: BaggingCheck
    badges: BadgeStore
    recovery: RecoveryReport
    _closers: list[Callable[[], None]] = field(default_factory=list)


def wire_lane(till: Till, catalogue: Catalogue, *, lane_id: str, receipts: HeldReceipts,
              policy: KioskPolicy = DEMO_POLICY, scale: Any = None, clock: Callable[[], float] | None = None
              ) -> KioskLane:
    """A lane on an assembled till whose printer port is `receipts`. Whatever a crash left open is finished or
    voided first (terminal.kiosk.recovery), so the lane starts clean."""
    ports = till.checkout.ports
    checkpoint = Path(till.data_dir) / RECOVERY_CHECKPOINT
    report = recover(till.journal, ports.auth, ports.clock, lane_id, after=load_checkpoint(checkpoint),
                     cbdc=ports.cbdc)
    save_checkpoint(checkpoint, report.checked_through)
    data = Path(till.data_dir)
    bagging = BaggingCheck(data / BAGGING_DB)
    badges = BadgeStore(data / BADGES_DB, till.keystore.token_key())
    till.checkout.operator = lane_operator(lane_id)
    options: dict[str, Any] = {} if clock is None else {"clock": clock}
    lane = Lane(till.checkout, catalogue, lane_id=lane_id, operators=till.operators, receipts=receipts,
                policy=policy, scale=scale, bagging=bagging if policy.bagging_check else None, badges=badges,
                **options)
    return KioskLane(lane, till, bagging, badges, report, [badges.close, bagging.close])


def demo_lane(data_dir: Path, *, lane_id: str = "L1", policy: KioskPolicy = DEMO_POLICY, scale: Any = None,
              hub_url: str | None = None, enrol_code: bytes | None = None, secret: bytes | None = None,
              clock: Callable[[], float] | None = None, till_clock: Any = None) -> KioskLane:
    """A lane on the demo rig's till (sample staff, emulated card readers, simulated printer) in `data_dir`."""
    from drivers.printer.device import EscposPrinter
    from terminal.demo.rig import build_till

    receipts = HeldReceipts(EscposPrinter("dummy:", simulated=True))
    extra: dict[str, Any] = {} if till_clock is None else {"clock": till_clock}
    till = build_till(data_dir, terminal_id=f"KIOSK-{lane_id}", hub_url=hub_url, enrol_code=enrol_code,
                      printer=receipts, secret=secret, **extra)
    try:
        wired = wire_lane(till, kiosk_catalogue(), lane_id=lane_id, receipts=receipts, policy=policy, scale=scale,
                          clock=clock)
    except BaseException:
        till.close()
        raise
    wired._closers.insert(0, till.close)
    return wired


# --- a real lane and a real station ------------------------------------------------------------------------------


@dataclass
class RealLane(ClosesInReverse):
    """A lane on a real till (`edgepos till init` + kiosk.toml): its devices from the config, no simulator."""

    wired: KioskLane
    store: Any  # terminal.bootstrap.RealStore
    link: Any  # terminal.kiosk.link.LaneLink or None (no broker configured)
    config: Any  # terminal.kiosk.config.KioskConfig
    scanner: Any  # drivers.scanner.serial_scanner.SerialScanner or None
    camera: Any  # drivers.scanner.camera.CameraScanner or None
    bagging_scale: Any
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def lane(self) -> Lane:
        return self.wired.lane


class MustNotSell(Exception):
    """The hub holds newer records of this till (restored from an older backup) or a different chain: one sentence,
    what to do (as `edgepos run` says it)."""


def _may_sell(till: Till, data_dir: Path) -> None:
    from terminal.till.hubcheck import check_hub, clear_restored, restored_unchecked

    if till.uplink is None:
        return
    check = check_hub(till.uplink.client, till.journal)
    sentence = check.sentence(data_dir)
    if not sentence and restored_unchecked(data_dir):
        if check.verdict == "ok":
            clear_restored(data_dir)
        else:
            sentence = ("This till was restored from a backup and has not reached the hub yet, so it must not sell: "
                        f"connect it to the network and start it again ({check.detail or check.verdict}).")
    if sentence:
        raise MustNotSell(sentence)


def open_lane(data_dir: Path, *, secret: bytes | None = None) -> RealLane:
    """The lane set up in `data_dir` (till.toml and kiosk.toml); TillUnavailable / KioskConfigError with one
    sentence when it cannot open."""
    from drivers.scale.toledo import Toledo8217Scale
    from drivers.scanner.serial_scanner import SerialScanner
    from terminal.bootstrap import open_till
    from terminal.kiosk.config import load_kiosk_config
    from terminal.kiosk.link import LaneLink, MqttTransport, client_id

    config = load_kiosk_config(data_dir)
    store = open_till(data_dir, secret=secret)
    closers: list[Callable[[], None]] = [store.close]
    try:
        till = store.till
        _may_sell(till, data_dir)  # before recovery writes a record: a restored till must not fork its chain
        receipts = HeldReceipts(till.checkout.ports.printer)
        till.checkout.ports.printer = receipts  # the customer chooses the receipt after paying
        devices = config.devices
        scale = None if devices.scale == "none" else Toledo8217Scale(devices.scale, name="checkout scale")
        bag_scale = None if devices.bagging_scale == "none" else Toledo8217Scale(devices.bagging_scale,
                                                                                 name="bagging scale")
        scanner = None if devices.scanner == "none" else SerialScanner(devices.scanner, name="kiosk scanner")
        camera = None
        if devices.camera != "none":
            from drivers.scanner.camera import CameraScanner

            camera = CameraScanner(int(devices.camera) if devices.camera.isdigit() else devices.camera,
                                   name="kiosk camera")
        for device in (scale, bag_scale, scanner, camera):
            if device is not None:
                closers.append(device.close)
        wired = wire_lane(till, store.catalogue, lane_id=config.lane.id, receipts=receipts,
                          policy=config.policy.policy(store.config.store.currency), scale=scale)
        closers.append(wired.close)
        from terminal.kiosk.sync import start_sync

        start_sync(till)  # sync + give-back of lost-answer and cancelled digital-currency payments, as the cashier's
        link = None
        if config.broker is not None:
            transport = MqttTransport(config.broker.url, client_id=client_id(f"lane-{config.lane.id}"))
            closers.append(transport.close)
            link = LaneLink(wired.lane, transport, prefix=config.broker.prefix, key=till.keystore.signing_key(),
                            stations={k: bytes.fromhex(v) for k, v in config.broker.stations.items()})
            closers.append(link.close)
    except BaseException:
        from terminal.bootstrap import close_all

        close_all(closers)
        raise
    real = RealLane(wired, store, link, config, scanner, camera, bag_scale)
    real._closers = closers
    return real
