"""Camera QR/barcode scanning: frames from a camera index or a video file, decoded with zxing-cpp.

zxing-cpp is the primary decoder (it reads EAN-13 too); cv2.QRCodeDetector is an optional fallback for frames zxing
gives up on, off by default because a frame with no code would cost another 25-38 ms.

Two passes per frame. The slow frames were the noisy ones (sensor noise, sigma 12): zxing's full search (every
format, rotations, its own downscaled pyramid, inverted codes) finds finder-pattern candidates all over the noise and
took 22-77 ms there (p50 34) against ~5 ms for a clean or blurred frame, which put p99 at 35 ms. The first pass
reads matrix codes (QR and kin) on the frame halved by area averaging (which halves the noise), without the pyramid
or inversion, in ~2-3 ms; when it finds one, linear and stacked codes are looked for at full size (~10 ms in noise;
at half size a noisy EAN-13 misread); a frame it finds no matrix code in gets the full search exactly as before
(the empty frame pays both: ~5 ms). The one case this can miss against the full search is a second matrix code too
small to read at half size beside a large one (tests/drivers/test_scanners.py holds the corpus it was checked on).
Matrix codes come first in the list.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

import numpy as np

from drivers.base import DeviceStatus, probe
from drivers.errors import DeviceAbsent, DeviceTimeout

FAST_PASS_MIN_SIDE = 400  # smaller frames have too few pixels to read at half size: straight to the full search


def decode_frame(frame: np.ndarray, cv2_fallback: bool = False) -> list[str]:
    """Texts of the codes in one frame (BGR or grey): the fast half-size pass, else the full search."""
    import cv2

    if frame.ndim == 3:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    texts = _fast_pass(frame) or full_search(frame)
    if not texts and cv2_fallback:
        text, _, _ = cv2.QRCodeDetector().detectAndDecode(frame)
        if text:
            texts = [text]
    return texts


def full_search(frame: np.ndarray) -> list[str]:
    """zxing's whole search on the frame as it is (the single pass before the fast one existed)."""
    import zxingcpp

    return [r.text for r in zxingcpp.read_barcodes(frame, try_rotate=True, try_downscale=True) if r.valid]


def _fast_pass(frame: np.ndarray) -> list[str]:
    """Matrix codes (QR and kin, strong error correction) on the half-size frame; when it finds one, the barcodes
    of every other kind are looked for at full size, where their thin bars are (at half size a noisy EAN-13 can
    even misread with a valid check digit)."""
    import cv2
    import zxingcpp

    if min(frame.shape[:2]) < FAST_PASS_MIN_SIDE:
        return []
    half = cv2.resize(frame, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    matrix = [r.text for r in zxingcpp.read_barcodes(half, formats=zxingcpp.BarcodeFormat.AllMatrix, try_rotate=True,
                                                     try_downscale=False, try_invert=False) if r.valid]
    if not matrix:
        return []
    others = [r.text for r in zxingcpp.read_barcodes(frame, formats=_not_matrix(), try_rotate=True,
                                                     try_downscale=True) if r.valid]
    return matrix + others


@functools.cache
def _not_matrix() -> tuple[object, ...]:
    """The barcode kinds that are not matrix codes: linear (EAN, UPC, Code 128, ...) and the stacked PDF417 family."""
    import zxingcpp

    f = zxingcpp.BarcodeFormat
    return (f.AllLinear, f.PDF417, f.CompactPDF417, f.MicroPDF417)


class CameraScanner:
    kind = "camera"

    def __init__(self, source: int | str | Path, name: str = "camera", simulated: bool = False,
                 cv2_fallback: bool = False, loop: bool = False) -> None:
        self.source = str(source) if isinstance(source, Path) else source
        self.name, self.simulated, self.cv2_fallback, self.loop = name, simulated, cv2_fallback, loop
        self.transport = "video" if isinstance(self.source, str) else "camera"
        self.capture = None

    def connect(self) -> None:
        import cv2

        if self.capture is None:
            cap = cv2.VideoCapture(self.source)
            if not cap.isOpened():
                raise DeviceAbsent(f"{self.name}: cannot open {self.source!r}")
            self.capture = cap

    def read_code(self, timeout: float = 5.0) -> str:
        """The first code seen in the frames; a video file is rewound when `loop` is set."""
        import cv2

        self.connect()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ok, frame = self.capture.read()
            if not ok:
                if self.loop and self.transport == "video":
                    self.capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                    continue
                raise DeviceTimeout(f"{self.name}: no code found before the stream ended", "Show the code again.")
            texts = decode_frame(frame, self.cv2_fallback)
            if texts:
                return texts[0]
        raise DeviceTimeout(f"{self.name}: no code within {timeout:g} s", "Hold the code closer to the camera.")

    def status(self) -> DeviceStatus:
        def check() -> None:
            self.connect()
            ok, frame = self.capture.read()
            if not ok or frame is None:
                raise DeviceAbsent(f"{self.name}: no frames")

        return probe(self.name, self.kind, self.transport, self.simulated, check)

    def close(self) -> None:
        if self.capture is not None:
            self.capture.release()
            self.capture = None


def qr_frame(text: str, size: tuple[int, int] = (640, 480), box: int = 6, angle: float = 0.0,
             seed: int | None = None) -> np.ndarray:
    """Simulator: a grey 640x480 camera frame showing `text` as a QR (made with `qrcode`), optionally rotated."""
    import cv2
    import qrcode

    code = np.array(qrcode.make(text, box_size=box, border=4).get_image().convert("L"), dtype=np.uint8)
    w, h = size
    frame = np.full((h, w), 200, np.uint8)
    ch, cw = code.shape
    y, x = (h - ch) // 2, (w - cw) // 2
    frame[y : y + ch, x : x + cw] = code
    if angle:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        frame = cv2.warpAffine(frame, m, (w, h), borderValue=200)
    if seed is not None:
        rng = np.random.default_rng(seed)
        frame = np.clip(frame + rng.normal(0, 12, frame.shape), 0, 255).astype(np.uint8)
    return frame


def write_video(path: Path, frames: list[np.ndarray], fps: float = 15.0) -> Path:
    """Simulator: a camera stand-in as an MJPG .avi that `CameraScanner(path)` reads back through cv2."""
    import cv2

    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR) if frame.ndim == 2 else frame)
    writer.release()
    return path
