"""The Toledo 8217 scale driver against the pty simulator: stable weight, motion settling, over capacity, a silent
cable, garbage on the line."""

from __future__ import annotations

import os

import pytest

from drivers.errors import DeviceTimeout, MalformedResponse
from drivers.scale.toledo import PtyScaleSim, Reading, ScaleMotion, ScaleOverCapacity, Toledo8217Scale, parse_answer


@pytest.fixture
def sim():
    scale_sim = PtyScaleSim()
    yield scale_sim
    scale_sim.close()


def test_weights_statuses_and_faults(sim: PtyScaleSim) -> None:
    scale = Toledo8217Scale(sim.port, timeout=0.3, settle_s=0.5)
    try:
        sim.put(734)
        assert scale.weigh() == Reading(734)
        sim.put(1250, motion_polls=3)  # still settling: the driver polls until stable
        assert scale.weigh() == Reading(1250)
        sim.put(2000, motion_polls=100)
        with pytest.raises(ScaleMotion):
            scale.weigh()
        sim.put(0)
        sim.over = True
        with pytest.raises(ScaleOverCapacity):
            scale.weigh()
        sim.over = False
        assert "centre_of_zero" in scale.zero()
        sim.silent = True
        with pytest.raises(DeviceTimeout):
            scale.weigh()
        assert not scale.status().ok
        sim.silent = False
        os.write(sim.master, b"\x02junk\r")  # line noise before our answer is discarded
        sim.put(500)
        assert scale.weigh() == Reading(500)
    finally:
        scale.close()
    assert set(sim.commands) >= {b"W", b"Z", b"S"}


def test_frames() -> None:
    assert parse_answer(b"\x02 01.234\r") == Reading(1234)
    assert parse_answer(b"\x02?A\r") == 1  # 'A' = 0x41: bit 6 always set, bit 0 motion
    with pytest.raises(MalformedResponse):
        parse_answer(b"\x02abc\r")
