"""Which MQTT broker a demo lane and station use, on any machine:

1. the one named (`--broker URL`), else Mosquitto on 127.0.0.1:1883 when one listens there (as in CI);
2. else, when the `mosquitto` program is installed but not running, one started for this run on a free loopback
   port (stopped with the demo);
3. else no broker at all: the lane and the station of `edgepos demo --kiosk` run in one process and share an
   in-process bus (terminal.kiosk.link.LocalBus) carrying the same signed messages. We say so plainly; separate
   processes (`edgepos kiosk` + `edgepos attendant`) need a broker.
An embedded Python broker (amqtt) was considered: its current release pins websockets 15, which would downgrade the
websockets 17 the hub's uvicorn already uses, so it is not shipped.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any

from terminal.kiosk.link import LocalBus, MqttTransport, Transport, client_id


def _listening(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.3)
        return probe.connect_ex((host, port)) == 0


def _free_port() -> int:
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        return int(spare.getsockname()[1])


@dataclass
class Broker:
    url: str | None  # None: in-process bus
    note: str
    process: Any = None
    buses: list[Transport] = field(default_factory=list)
    shared: LocalBus | None = None

    def transport(self, role: str) -> Transport:
        if self.url is None:
            if self.shared is None:
                self.shared = LocalBus()
            return self.shared
        transport = MqttTransport(self.url, client_id=client_id(role))
        self.buses.append(transport)
        return transport

    def close(self) -> None:
        for bus in self.buses:
            with contextlib.suppress(Exception):
                bus.close()
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def pick_broker(url: str | None = None) -> Broker:
    """`url` "local:" asks for the in-process bus (screenshots, tests of the screens)."""
    if url == "local:":
        return Broker(None, "MQTT: in-process bus (as asked)")
    if url:
        return Broker(url, f"MQTT broker {url} (as given)")
    if _listening("127.0.0.1", 1883):
        return Broker("mqtt://127.0.0.1:1883", "MQTT: the Mosquitto broker on 127.0.0.1:1883")
    program = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if shutil.which("/usr/sbin/mosquitto") else None)
    if program:
        port = _free_port()
        process = subprocess.Popen([program, "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not _listening("127.0.0.1", port):
            time.sleep(0.05)
        if _listening("127.0.0.1", port):
            return Broker(f"mqtt://127.0.0.1:{port}", f"MQTT: a Mosquitto started for this demo on port {port}",
                          process)
        process.kill()
    return Broker(None, "MQTT: no broker on this machine, so the lane and the station share an in-process bus "
                        "with the same signed messages (install mosquitto to run them as separate programs)")
