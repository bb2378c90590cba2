"""Scanners on real stacks: a real pty pair for the serial scanner, real decoded images and a video file."""

from __future__ import annotations

import os
import threading
import time

import cv2
import numpy as np
import pytest

from drivers.errors import DeviceAbsent, DeviceTimeout
from drivers.scanner.camera import CameraScanner, decode_frame, qr_frame, write_video
from drivers.scanner.payload import PayloadError, build_emvco, crc16, parse_payment_qr
from drivers.scanner.serial_scanner import PtyScannerSim, SerialScanner

EMV_QR = build_emvco("Corner Shop", "Shanghai", amount="18.40", reference="S-000123")


@pytest.fixture
def pty():
    sim = PtyScannerSim(b"\r\n")
    yield sim
    sim.close()


def test_pty_scans_with_suffix_partial_frames_and_noise(pty: PtyScannerSim) -> None:
    scanner = SerialScanner(pty.port, suffix=b"\r\n", simulated=True)
    assert scanner.status().ok

    def typist() -> None:
        for piece in (b"69010280", b"75831", b"\r", b"\n", b"\x00\x00\xff\xfe\r\n", b"\x00ABC-", b"123\r\n"):
            pty.write(piece)
            time.sleep(0.01)
        pty.scan(EMV_QR)

    t = threading.Thread(target=typist)
    t.start()
    try:
        assert scanner.read_code(timeout=2) == "6901028075831"
        assert scanner.read_code(timeout=2) == "ABC-123"  # the invalid-UTF-8 frame was dropped as noise
        assert scanner.read_code(timeout=2) == EMV_QR
    finally:
        t.join()
        scanner.close()
    assert scanner.dropped == 1


def test_tab_suffix_and_runaway_line(pty: PtyScannerSim) -> None:
    scanner = SerialScanner(pty.port, suffix=b"\t")
    pty.write(b"X" * 5000)  # a babbling line with no suffix
    time.sleep(0.05)
    with pytest.raises(DeviceTimeout):
        scanner.read_code(timeout=0.2)
    pty.write(b"\tHELLO\t")
    assert scanner.read_code(timeout=1) in ("HELLO",)
    scanner.close()


def test_missing_port_is_device_absent() -> None:
    with pytest.raises(DeviceAbsent):
        SerialScanner("/dev/does-not-exist").read_code(0.1)
    assert not SerialScanner("/dev/does-not-exist").status().ok


def _perspective(frame: np.ndarray) -> np.ndarray:
    h, w = frame.shape
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[60, 30], [w - 20, 0], [w - 70, h - 10], [10, h - 40]])
    return cv2.warpPerspective(frame, cv2.getPerspectiveTransform(src, dst), (w, h), borderValue=200)


@pytest.mark.parametrize("distort", ["clean", "rotate", "perspective", "blur", "noise", "all"])
def test_camera_frames_decode_under_distortion(distort: str) -> None:
    frame = qr_frame(EMV_QR, angle=37 if distort in ("rotate", "all") else 0,
                     seed=5 if distort in ("noise", "all") else None)
    if distort in ("perspective", "all"):
        frame = _perspective(frame)
    if distort in ("blur", "all"):
        frame = cv2.GaussianBlur(frame, (5, 5), 1.2)
    assert frame.shape == (480, 640)
    assert decode_frame(frame) == [EMV_QR]


def test_cv2_fallback_and_empty_frame() -> None:
    blank = np.full((480, 640), 200, np.uint8)
    assert decode_frame(blank, cv2_fallback=True) == []
    assert decode_frame(cv2.cvtColor(qr_frame("hello"), cv2.COLOR_GRAY2BGR)) == ["hello"]


def test_camera_from_video_file(tmp_path) -> None:
    blank = np.full((480, 640), 200, np.uint8)
    path = write_video(tmp_path / "cam.avi", [blank] * 3 + [qr_frame(EMV_QR, angle=10)] * 2)
    camera = CameraScanner(path, simulated=True)
    assert camera.status().ok
    assert camera.read_code(timeout=5) == EMV_QR
    camera.close()
    with pytest.raises(DeviceTimeout):
        CameraScanner(write_video(tmp_path / "blank.avi", [blank] * 2)).read_code(timeout=5)
    assert not CameraScanner(tmp_path / "missing.avi").status().ok


def test_emvco_payload_parsed() -> None:
    qr = parse_payment_qr(EMV_QR)
    assert (qr.kind, qr.merchant_name, qr.currency, qr.amount, qr.dynamic) == ("emvco", "Corner Shop", "CNY", 1840,
                                                                                True)
    assert qr.reference == "S-000123" and qr.city == "Shanghai" and "26" in qr.accounts
    static = parse_payment_qr(build_emvco("Shop", "Beijing"))
    assert static.amount is None and not static.dynamic


def test_crc_matches_the_emvco_reference_algorithm() -> None:
    assert crc16(b"123456789") == "29B1"  # CRC-16/CCITT-FALSE check value


def test_payment_link() -> None:
    qr = parse_payment_qr("https://pay.example.cn/p?merchant=Shop&amount=12.5&currency=CNY&ref=R1",
                          allowed_hosts=frozenset({"pay.example.cn"}))
    assert (qr.kind, qr.amount, qr.currency, qr.reference) == ("link", 1250, "CNY", "R1")


def _with_crc(body: str) -> str:
    return body + crc16(body.encode())


@pytest.mark.parametrize(("payload", "message"), [
    ("", "empty"),
    ("A" * 600, "longer"),
    ("000201\x00", "control"),
    ("hello world", "not a payment"),
    (EMV_QR[:-1] + ("0" if EMV_QR[-1] != "0" else "1"), "checksum"),
    (EMV_QR.replace("18.40", "99.40"), "checksum"),
    (EMV_QR[:40], "runs past|checksum"),
    (_with_crc("000201010212261000060000005204541153031565802CN6002BJ6304"), "mandatory"),
    (_with_crc("0002010102125204541153031565802CN5904Shop6002BJ6304"), "merchant account"),
    (_with_crc("000201010212261000060000005204541153039995802CN5904Shop6002BJ6304"), "currency"),
    (_with_crc("000201010212261000060000005204541153031565404-1.05802CN5904Shop6002BJ6304"), "amount"),
    (_with_crc("0002010002016304"), "repeats"),
    ("http://pay.example.cn/p?amount=1", "https"),
    ("https://user:pw@pay.example.cn/", "https"),
    ("https://[pay.example.cn/p?amount=1", "damaged"),
    ("https://pay.example.cn/p?" + "&".join(f"f{i}=1" for i in range(21)), "damaged"),
    ("https://evil.example/p?amount=1", "not accepted"),
    ("https://pay.example.cn/p?amount=1e9", "not a number"),
])
def test_hostile_payloads_rejected(payload: str, message: str) -> None:
    with pytest.raises(PayloadError, match=message) as err:
        parse_payment_qr(payload, allowed_hosts=frozenset({"pay.example.cn"}))
    assert "another code" in err.value.advice


def test_fuzz_payloads_raise_only_payload_error() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=800, deadline=None)
    @given(st.one_of(st.text(max_size=600), st.text(alphabet="0123456789ABC.", max_size=200).map("000201".__add__),
                     st.integers(0, len(EMV_QR) - 1).flatmap(
                         lambda i: st.characters().map(lambda c: EMV_QR[:i] + c + EMV_QR[i + 1 :])),
                     st.text(max_size=100).map("https://pay.example.cn/p?amount=".__add__)))
    def run(text: str) -> None:
        try:
            qr = parse_payment_qr(text)
        except PayloadError:
            return
        assert qr.amount is None or qr.amount > 0

    run()


def test_scanner_unplugged_mid_read_is_device_absent(pty: PtyScannerSim) -> None:
    scanner = SerialScanner(pty.port, suffix=b"\r\n")
    scanner.connect()
    pty.write(b"half-a-co")
    pty.unplug()
    with pytest.raises((DeviceAbsent, DeviceTimeout)) as err:
        scanner.read_code(timeout=0.5)
    assert err.type is DeviceAbsent, "a vanished port must not look like 'no scan yet'"
    scanner.close()


def test_unplugging_twice_leaves_reused_descriptors_alone() -> None:
    sim = PtyScannerSim()
    sim.unplug()
    read_end, write_end = os.pipe()  # takes the lowest free numbers: those the pty just gave back
    try:
        sim.close()
        os.fstat(read_end), os.fstat(write_end)
        with pytest.raises(OSError):
            sim.scan("after unplug")
    finally:
        os.close(read_end)
        os.close(write_end)


def _placed(*codes: tuple[np.ndarray, int, int], noise_seed: int | None = None) -> np.ndarray:
    frame = np.full((480, 640), 200, np.uint8)
    for img, x, y in codes:
        frame[y : y + img.shape[0], x : x + img.shape[1]] = img
    if noise_seed is not None:
        frame = np.clip(frame + np.random.default_rng(noise_seed).normal(0, 12, frame.shape), 0, 255).astype(np.uint8)
    return frame


def test_fast_pass_reads_everything_the_full_search_reads() -> None:
    """The half-size first pass (drivers/scanner/camera.py) loses no code zxing's full search reads and adds no
    misread: clean, rotated, noisy, blurred, inverted, small and large QR codes, EAN-13 alone, beside a QR code and
    in noise (at half size a noisy EAN-13 once misread with a valid check digit), two QR codes of different sizes."""
    import qrcode
    import zxingcpp

    from drivers.scanner.camera import full_search

    ean = np.array(zxingcpp.write_barcode_to_image(zxingcpp.create_barcode("6901028075831",
                                                                           zxingcpp.BarcodeFormat.EAN13), scale=3))
    qr = np.array(qrcode.make("big one", box_size=6, border=2).get_image().convert("L"), np.uint8)
    small = np.array(qrcode.make("small", box_size=3, border=2).get_image().convert("L"), np.uint8)
    frames = []
    variants = [(2, 0, None, False, False), (3, 45, 1, False, False), (4, 90, 2, True, False), (6, 0, 3, False, False),
                (6, 200, None, True, True), (8, 15, 4, False, True), (6, 0, None, False, True), (3, 0, 5, True, False)]
    for box, angle, seed, blur, invert in variants:
        frame = qr_frame(EMV_QR, box=box, angle=angle, seed=seed)
        frame = cv2.GaussianBlur(frame, (5, 5), 1.2) if blur else frame
        frames.append(255 - frame if invert else frame)
    frames += [_placed((ean, 100, 150)), _placed((ean, 10, 10), (qr, 380, 200)),
               _placed((qr, 10, 10), (small, 450, 300)), _placed((np.rot90(ean).copy(), 40, 20), (qr, 380, 200))]
    frames += [_placed((ean, 10, 10), (qr, 380, 200), noise_seed=seed) for seed in range(3)]
    for i, frame in enumerate(frames):
        reference = full_search(frame)
        assert reference, f"frame {i}: the corpus should only hold frames the full search reads"
        assert sorted(decode_frame(frame)) == sorted(reference), f"frame {i}"
