"""A real lane and a real station from `edgepos till init` directories, their kiosk.toml / station.toml and the
keys each prints for the other: the lane opens on its own config (policy, broker link, held receipts), no simulator."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "till"))
from tillkit import KEY_SECRET, cli, init

from terminal.kiosk.config import KioskConfigError, load_kiosk_config
from terminal.kiosk.receipts import HeldReceipts
from terminal.kiosk.wiring import open_lane


def test_lane_and_station_open_from_their_config(tmp_path: Path) -> None:
    lane_dir, station_dir = tmp_path / "lane" / "till", tmp_path / "station" / "till"
    lane_dir.parent.mkdir(parents=True)
    station_dir.parent.mkdir(parents=True)
    init(lane_dir, "http://127.0.0.1:9")
    init(station_dir, "http://127.0.0.1:9")
    station_key = cli("attendant", "--data-dir", str(station_dir), "--print-key")
    assert station_key.code == 0, station_key.err
    (lane_dir / "kiosk.toml").write_text(
        '[lane]\nid = "L7"\n[broker]\nurl = "mqtt://127.0.0.1:1883"\nprefix = "13-test/real"\n'
        f'stations = {{ "station:S1" = "{station_key.out.strip()}" }}\n'
        '[policy]\nage_restricted = ["Drinks"]\nhigh_value = "250.00"\nbagging_check = false\n')
    lane_key = cli("kiosk", "--data-dir", str(lane_dir), "--print-key")
    assert lane_key.code == 0, lane_key.err
    assert len(bytes.fromhex(lane_key.out.strip())) == 65
    os.environ["EDGEPOS_KEY_SECRET"] = KEY_SECRET
    try:
        with open_lane(lane_dir, secret=KEY_SECRET.encode()) as real:
            lane = real.lane
            assert lane.lane_id == "L7" and real.link is not None and real.wired.recovery.clean
            assert lane.policy.high_value_minor == 25000 and lane.bagging is None
            assert isinstance(lane.checkout.ports.printer, HeldReceipts)
            lane.start()
            lane.choose_language("en")
            lane.scan("6901234567892")  # the shop's own green tea: a drink, age-checked by this store's policy
            assert lane.intervention is not None and lane.intervention.kind == "age_check"
    finally:
        os.environ.pop("EDGEPOS_KEY_SECRET", None)
    (lane_dir / "restored.json").write_text("{}")  # restored from a backup, and the hub cannot be asked
    refused_lane = cli("kiosk", "--data-dir", str(lane_dir), "--print-key")
    assert refused_lane.code == 5 and "restored from a backup" in refused_lane.err
    (station_dir / "station.toml").write_text('[lanes]\nL7 = "not-a-key"\n')
    refused = cli("attendant", "--data-dir", str(station_dir), "--print-key")
    assert refused.code == 1 and "lanes.L7" in refused.err
    (lane_dir / "kiosk.toml").write_text("[lane]\nid = 'L7'\nspeed = 3\n")
    with pytest.raises(KioskConfigError, match="speed"):
        load_kiosk_config(lane_dir)
