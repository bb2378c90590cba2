"""Plug a virtual card into pcscd's vpcd reader (vsmartcard): the card side of vpcd's framed TCP protocol.

Connecting to 127.0.0.1:35963 inserts the card in "Virtual PCD 00 00" (35964: "... 00 01"); closing removes it.
Each frame is a 2-byte big-endian length + payload; a 1-byte payload is a control code (0 off, 1 on, 2 reset,
4 send ATR), anything longer is a command APDU answered with a framed response APDU.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from typing import Protocol

from drivers.card.emulator import ATR, PulledOut

VPCD_PORT = 35963


class Card(Protocol):
    def process(self, apdu: bytes) -> bytes: ...
    def reset(self) -> None: ...


class VpcdCard:
    """Runs `card` on a thread, connected to vpcd; `remove()` pulls the card out."""

    def __init__(self, card: Card, port: int = VPCD_PORT, host: str = "127.0.0.1", atr: bytes = ATR) -> None:
        self.card, self.port, self.host, self.atr = card, port, host, atr
        self.sock: socket.socket | None = None
        self.thread: threading.Thread | None = None
        self.removed = threading.Event()
        self.apdus = 0

    def insert(self) -> VpcdCard:
        self.sock = self._connect()
        self.removed.clear()
        self.thread = threading.Thread(target=self._serve, name=f"vpcd-card-{self.port}", daemon=True)
        self.thread.start()
        return self

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=5)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        return sock

    def remove(self) -> None:
        sock, self.sock = self.sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                self._linger(sock)
            sock.close()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout=2)
        self.removed.set()

    def __enter__(self) -> VpcdCard:
        return self.insert()

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def _recv_exact(self, sock: socket.socket, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            # re-armed before every recv: Linux clears QUICKACK, and a delayed ACK costs ~40 ms per APDU
            with contextlib.suppress(OSError, AttributeError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("vpcd closed the connection")
            buf += chunk
        return buf

    @staticmethod
    def _linger(sock: socket.socket) -> None:
        """Leave, then wait until vpcd has closed its end, so the next card on this reader starts from a clean slate.

        vpcd quirk (measured): a card connected less than ~0.5 s after one vanished *mid-APDU* is accepted by vpcd
        but never powered on by pcscd; tests wait that long after a pull-out."""
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(1.5)
        with contextlib.suppress(OSError):
            while sock.recv(4096):
                pass

    def _serve(self) -> None:
        sock = self.sock
        if sock is None:
            return
        try:
            while True:
                header = self._recv_exact(sock, 2)
                (length,) = struct.unpack(">H", header)
                payload = self._recv_exact(sock, length)
                if length == 1:
                    code = payload[0]
                    if code in (1, 2):
                        self.card.reset()
                    elif code == 4:
                        sock.sendall(struct.pack(">H", len(self.atr)) + self.atr)
                    continue
                self.apdus += 1
                try:
                    answer = self.card.process(payload)
                except PulledOut:
                    self._linger(sock)
                    break
                sock.sendall(struct.pack(">H", len(answer)) + answer)
        except (OSError, ConnectionError):
            pass
        finally:
            if self.sock is sock:
                self.sock = None
                with contextlib.suppress(OSError):
                    sock.close()
            self.removed.set()
