"""Simulator: a contactless Type 4A card answering over nfcpy's UDP driver (no NFC hardware needed).

nfcpy has no Type 4 tag emulation, so this is the card side of ISO 14443-4 written out: RATS -> ATS, I-blocks
carrying APDUs (with reader chaining), R(ACK/NAK), S(DESELECT). Behind it sit the EMV card emulator (PPSE and the
payment application) and an NFC Forum Type 4 NDEF application (CC file E103, NDEF file E104).
"""

from __future__ import annotations

import contextlib
import threading

from drivers.card.emulator import EmvCardEmulator, PulledOut

NDEF_AID = bytes.fromhex("D2760000850101")


def ats(fwi: int = 14) -> bytes:
    """FSCI 8 (256-byte frames), FWI 14 by default (~5 s frame wait: slow CI machines), SFGI 0, no CID/NAD."""
    return bytes([0x05, 0x78, 0x80, (fwi << 4) & 0xF0, 0x00])


class NdefApp:
    """NFC Forum Type 4 Tag application: a read-only NDEF message."""

    def __init__(self, message: bytes) -> None:
        self.files = {
            0xE103: bytes.fromhex("000F2000FF00FF0406E104") + (len(message) + 2).to_bytes(2, "big") + b"\x00\xff",
            0xE104: len(message).to_bytes(2, "big") + message,
        }
        self.current: bytes | None = None

    def process(self, apdu: bytes) -> bytes:
        ins, p1, p2 = apdu[1], apdu[2], apdu[3]
        if ins == 0xA4 and p1 == 0x00 and len(apdu) >= 7:
            fid = int.from_bytes(apdu[5:7], "big")
            self.current = self.files.get(fid)
            return b"\x90\x00" if self.current is not None else b"\x6a\x82"
        if ins == 0xB0 and self.current is not None:
            offset = (p1 << 8) | p2
            le = apdu[4] if len(apdu) == 5 else 0
            return self.current[offset : offset + (le or 256)] + b"\x90\x00"
        return b"\x6d\x00"


class Type4Card:
    """Routes APDUs to the NDEF application once selected, else to the EMV card."""

    def __init__(self, emv: EmvCardEmulator | None, ndef: NdefApp | None) -> None:
        self.emv, self.ndef, self.ndef_selected = emv, ndef, False

    def process(self, apdu: bytes) -> bytes:
        if apdu[1:4] == b"\xa4\x04\x00" and len(apdu) > 5:
            self.ndef_selected = self.ndef is not None and apdu[5 : 5 + apdu[4]] == NDEF_AID
            if self.ndef_selected:
                return b"\x90\x00"
        if self.ndef_selected and self.ndef is not None:
            return self.ndef.process(apdu)
        if self.emv is None:
            return b"\x6a\x82"
        return self.emv.process(apdu)


class UdpCardSim:
    """Runs a Type4Card on a thread, listening on `udp:127.0.0.1:PORT` for one reader session at a time."""

    def __init__(self, card: Type4Card, port: int, uid: bytes = bytes.fromhex("08A1B2C3"), fwi: int = 14) -> None:
        self.card, self.port, self.uid, self.fwi = card, port, uid, fwi
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nfc-card-sim", daemon=True)
        self.sessions = 0
        self.error: Exception | None = None
        self.ready = threading.Event()
        self.listen_s = 0.5  # stop() waits for the listen in progress to end

    def start(self) -> UdpCardSim:
        self._thread.start()
        self.ready.wait(5)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import nfc
        import nfc.clf

        from drivers.nfc.reader import mute_frame_dumps

        mute_frame_dumps()  # the card side sends the same records
        try:
            clf = nfc.ContactlessFrontend(f"udp:127.0.0.1:{self.port}")
        except Exception as exc:  # reported by the test / doctor, which then shows what failed
            self.error = exc
            self.ready.set()
            return
        try:
            while not self._stop.is_set():
                self.ready.set()
                target = nfc.clf.LocalTarget("106A")
                target.sens_res, target.sdd_res, target.sel_res = b"\x44\x00", self.uid, b"\x20"
                activated = clf.listen(target, self.listen_s)
                if activated is None or getattr(activated, "tt4_cmd", None) is None:
                    continue
                self.sessions += 1
                with contextlib.suppress(nfc.clf.CommunicationError, PulledOut):
                    self._session(clf, activated.tt4_cmd)
        finally:
            clf.close()

    def _session(self, clf, first: bytes) -> None:
        data = bytes(first)
        if data[0] != 0xE0:  # not RATS
            return
        reply = ats(self.fwi)
        chained = b""
        last = reply
        while not self._stop.is_set():
            data = bytes(clf.exchange(reply, 5.0) or b"")
            if not data:
                return
            pcb = data[0]
            if pcb & 0xE2 == 0x02:  # I-block
                chained += data[1:]
                if pcb & 0x10:  # reader chaining: acknowledge, wait for the rest
                    reply = bytes([0xA2 | (pcb & 1)])
                    continue
                apdu, chained = chained, b""
                reply = last = bytes([0x02 | (pcb & 1)]) + self.card.process(apdu)
            elif pcb & 0xE6 == 0xA2:  # R-block: NAK -> resend, ACK of nothing -> resend too
                reply = last
            elif pcb & 0xF7 == 0xC2:  # S(DESELECT): confirm, then the reader goes away
                with contextlib.suppress(Exception):
                    clf.exchange(bytes([0xC2]), 0.05)
                return
            else:
                return
