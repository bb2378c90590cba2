"""The doctor's contactless line in simulated mode: nfcpy reader <-> card simulator over UDP on loopback."""

from __future__ import annotations

import socket
import time

from drivers.base import DeviceStatus
from drivers.errors import DeviceError


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def simulated_nfc_row(unplugged: bool = False) -> DeviceStatus:
    from drivers.card.emulator import TEST_CARDS, EmvCardEmulator
    from drivers.card.kernel import EmvKernel, TerminalConfig, Transaction
    from drivers.nfc.emulator import Type4Card, UdpCardSim
    from drivers.nfc.reader import NfcReader

    port = free_udp_port()
    sim = None if unplugged else UdpCardSim(Type4Card(EmvCardEmulator(TEST_CARDS["visa"]), None), port).start()
    reader = NfcReader(f"udp:127.0.0.1:{port}", EmvKernel(TerminalConfig(token_key=b"edgepos-doctor")),
                       simulated=True)
    start = time.perf_counter()
    try:
        reader.transact(Transaction(1, "CNY"), timeout=3)
        status, advice = "ok", ""
    except DeviceError as exc:
        status, advice = "error", f"{exc}. {exc.advice}"
    finally:  # whatever the self-test raised, neither the reader nor the simulator thread may stay open
        latency = round((time.perf_counter() - start) * 1000, 1)
        reader.close()
        if sim is not None:
            sim.stop()  # up to 0.5 s: the simulator's listen() must time out
    return DeviceStatus("contactless reader", "nfc", "udp", True, status, latency, advice)
