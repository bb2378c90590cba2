"""A hub child never outlives the process that started it (hub.lifeline): SIGKILL of the parent, from any thread."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

PARENT = textwrap.dedent("""
    import sys, threading, time
    from pathlib import Path
    from hub.process import HubProcess

    hub = HubProcess(db=Path(sys.argv[1]), admin_token="lifeline-test-admin-token-0123456789")
    starter = threading.Thread(target=hub.start)  # started from a thread that ends at once (PDEATHSIG would fire)
    starter.start()
    starter.join()
    print(hub.process.pid, flush=True)
    time.sleep(120)
""")


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            return True  # ended, waiting for init to reap it
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_hub_child_stops_when_its_parent_dies(tmp_path: Path, sig: int) -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(tmp_path / "hub.db")], stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        assert parent.stdout is not None
        hub_pid = int(parent.stdout.readline())
        assert not _gone(hub_pid, 0.2), "the hub should run while its parent does"
        parent.send_signal(sig)
        parent.wait(10)
        assert _gone(hub_pid, 10), f"hub {hub_pid} kept running after its parent got {signal.Signals(sig).name}"
    finally:
        parent.kill()
        parent.wait()


def test_sigterm_right_after_start_stops_the_hub_cleanly(tmp_path: Path) -> None:
    """A parent may stop the hub as soon as it reads "listening" (the demo closing while its hub comes up). SIGTERM
    then arrived mid start-up, where raising SystemExit from the handler was swallowed (a weakref callback) and the
    hub ran on until HubProcess killed it 15 s later (exit -9)."""
    from hub.process import HubProcess

    hub = HubProcess(db=tmp_path / "hub.db", admin_token="lifeline-test-admin-token-0123456789")
    for _ in range(3):
        hub.start()
        assert hub.stop() == 0
