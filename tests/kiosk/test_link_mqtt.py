"""Lane and station over the real Mosquitto broker (127.0.0.1:1883): signed state, a remote approval bound to one
lane and one intervention, replays and forgeries refused; and a lane whose broker is down still works alone."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable

import pytest

from sync.crypto import Sm2PrivateKey
from terminal.kiosk.interventions import Kind
from terminal.kiosk.link import LaneLink, MqttTransport, StationLink, client_id
from terminal.kiosk.states import Step


def _wait(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def test_station_approves_an_age_check_over_the_broker_and_replays_are_refused(wired, broker_url) -> None:
    prefix = f"13-test/{uuid.uuid4().hex[:8]}"
    lane = wired.lane
    station_key = Sm2PrivateKey.generate()
    lane_transport = MqttTransport(broker_url, client_id=client_id("lane"))
    station_transport = MqttTransport(broker_url, client_id=client_id("station"))
    captured: list[bytes] = []
    try:
        assert lane_transport.wait_connected(5) and station_transport.wait_connected(5)
        link = LaneLink(lane, lane_transport, prefix=prefix, key=wired.till.keystore.signing_key(),
                        stations={"station:S1": station_key.public_key()})
        station = StationLink(station_transport, prefix=prefix, key=station_key, station_id="S1",
                              lanes={lane.lane_id: wired.till.keystore.public_key()})
        station_transport.subscribe(f"{prefix}/lanes/+/commands", lambda _t, p: captured.append(p))
        lane.start()
        lane.choose_language("en")
        lane.scan(lane.catalogue.by_sku("DRK-006").barcode)
        assert _wait(lambda: (station.lanes.get(lane.lane_id) is not None
                              and station.lanes[lane.lane_id].state["intervention"] is not None))
        call = station.lanes[lane.lane_id].state["intervention"]
        assert call["kind"] == "age_check"
        station.approve(lane.lane_id, "not-this-call", "S-001")  # bound to one intervention
        assert _wait(lambda: (station.lanes[lane.lane_id].last_result or {}).get("code") == "kiosk_call_not_open")
        station.approve(lane.lane_id, call["id"], "S-001")
        assert _wait(lambda: lane.step is Step.SCANNING and lane.age_ok)
        assert _wait(lambda: station.lanes[lane.lane_id].state["step"] == "scanning")
        # the same approval again, and a forged one, change nothing
        lane.bagged(520)
        lane.scan(lane.catalogue.by_sku("SNK-001").barcode)
        lane.bagged(lane.bag_total_g + 70)
        lane.call_help()
        before = len(link.refused)
        lane_transport.client.publish(f"{prefix}/lanes/{lane.lane_id}/commands", captured[-1], qos=1)
        forged = StationLink(station_transport, prefix=prefix, key=Sm2PrivateKey.generate(), station_id="S1",
                             lanes={})
        forged.approve(lane.lane_id, lane.intervention.intervention_id, "S-001")
        assert _wait(lambda: len(link.refused) >= before + 2)
        assert any("replayed" in why for why in link.refused) and any("signature" in why for why in link.refused)
        assert lane.step is Step.HELP and lane.intervention.kind is Kind.HELP
        # a cashier's id cannot clear what needs a supervisor, even from the station
        station.command(lane.lane_id, "out_of_service", "C-001")
        assert _wait(lambda: (station.lanes[lane.lane_id].last_result or {}).get("code") == "approver_not_permitted"
                     or (station.lanes[lane.lane_id].last_result or {}).get("code") == "approval_needed")
        station.command(lane.lane_id, "out_of_service", "S-001")
        assert _wait(lambda: lane.step is Step.OUT_OF_SERVICE)
        link.close()
    finally:
        lane_transport.close()
        station_transport.close()


def test_lane_with_the_broker_down_sells_and_clears_calls_at_the_lane(wired) -> None:
    with socket.socket() as spare:  # a port where no broker listens
        spare.bind(("127.0.0.1", 0))
        dead = spare.getsockname()[1]
    transport = MqttTransport(f"mqtt://127.0.0.1:{dead}", client_id=client_id("lane"))
    try:
        link = LaneLink(wired.lane, transport, prefix="13-test/down", key=wired.till.keystore.signing_key(),
                        stations={})
        lane = wired.lane
        start = time.perf_counter()
        lane.start()
        lane.choose_language("en")
        lane.scan(lane.catalogue.by_sku("DRK-006").barcode)
        assert not transport.connected and lane.intervention.kind is Kind.AGE_CHECK
        lane.clear_at_lane(operator_id="S-001", pin="2468")
        lane.bagged(520)
        lane.review()
        lane.to_payment()
        wired.till.card_reader.present("unionpay")
        assert lane.pay("card").result == "completed"
        assert time.perf_counter() - start < 3  # nothing waited for the broker
        link.close()
    finally:
        transport.close()


def test_demo_broker_falls_back_to_a_started_mosquitto_then_to_an_in_process_bus(monkeypatch) -> None:
    from terminal.kiosk import broker

    real = broker._listening
    monkeypatch.setattr(broker, "_listening", lambda host, port: False if port == 1883 else real(host, port))
    started = broker.pick_broker()
    try:
        if started.process is None:  # no mosquitto program on this machine: the in-process bus
            assert started.url is None
        else:
            assert started.url and "started" in started.note
            bus = started.transport("lane")
            assert bus.wait_connected(5)  # type: ignore[attr-defined]
    finally:
        started.close()
    if started.process is not None:
        assert started.process.poll() is not None  # stopped with the demo
    monkeypatch.setattr(broker.shutil, "which", lambda _name: None)
    monkeypatch.setattr(broker, "_listening", lambda host, port: False)
    alone = broker.pick_broker()
    assert alone.url is None and "in-process" in alone.note
    assert alone.transport("lane") is alone.transport("station")  # lane and station share the bus


def test_replay_guard_refuses_old_repeated_and_pre_restart_commands() -> None:
    from terminal.kiosk.link import BadMessage, ReplayGuard

    guard = ReplayGuard(not_before_ms=1_000_000)
    body = {"from": "station:S1", "ts": 1_000_100, "seq": 5, "nonce": "a"}
    guard.check(body, now_ms=1_000_200)
    for replay, why in (({**body}, "replayed"), ({**body, "nonce": "b"}, "replayed"),  # same seq, new nonce
                        ({**body, "nonce": "c", "seq": 6, "ts": 960_000}, "stale"),  # older than 30 s
                        ({**body, "nonce": "d", "seq": 7, "ts": 999_999}, "stale")):  # signed before the restart
        with pytest.raises(BadMessage, match=why):
            guard.check(replay, now_ms=1_000_300)
    guard.check({**body, "nonce": "e", "seq": 8, "ts": 1_000_250}, now_ms=1_000_300)
