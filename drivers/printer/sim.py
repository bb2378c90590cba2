"""A network receipt printer simulator: a real TCP server on loopback (port 9100 style) that keeps what it got.

It answers DLE EOT 1 (online) and DLE EOT 4 (paper) like an Epson, and can run out of paper, go offline (cover
open) or be unplugged (server stopped), so the driver's error mapping is exercised over a real socket.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class NetworkPrinterSim:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = socket.create_server((host, port))
        self.host, self.port = self.server.getsockname()[:2]
        self.received = bytearray()
        self.paper = True
        self.online = True
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="printer-sim", daemon=True)

    @property
    def url(self) -> str:
        return f"tcp:{self.host}:{self.port}"

    def start(self) -> NetworkPrinterSim:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Unplug: close the listening socket and every connection."""
        self._stop.set()
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        self._thread.join(timeout=2)

    def take(self) -> bytes:
        with self._lock:
            data = bytes(self.received)
            self.received.clear()
        return data

    def _accept(self) -> None:
        conns: list[socket.socket] = []
        self.server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def _serve(self, conn: socket.socket) -> None:
        pending = b""
        with contextlib.suppress(OSError):
            while chunk := conn.recv(65536):
                data = pending + chunk
                pending = b""
                out = bytearray()
                i = 0
                while i < len(data):
                    if data[i] == 0x10 and i + 1 < len(data) and data[i + 1] == 0x04:
                        if i + 2 >= len(data):
                            pending = data[i:]
                            break
                        n = data[i + 2]
                        conn.sendall(bytes([self._status(n)]))
                        i += 3
                        continue
                    out.append(data[i])
                    i += 1
                with self._lock:
                    self.received += out

    def _status(self, n: int) -> int:
        if n == 1:
            return 0x12 | (0 if self.online else 0x08)
        if n == 4:
            return 0x12 if self.paper else 0x72
        return 0x12
