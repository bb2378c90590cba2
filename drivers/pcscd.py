"""Start pcscd for the simulators when none runs (one per machine: it always uses /run/pcscd/pcscd.comm)."""

from __future__ import annotations

import shutil
import subprocess
import time

from drivers.errors import ServiceUnavailable


def pcscd_running() -> bool:
    return subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True).returncode == 0


class PcscdService:
    """Context manager: reuse a running pcscd, else start `pcscd -f` and stop it (SIGTERM) on exit."""

    def __init__(self, reader: str = "Virtual PCD 00 01", timeout: float = 10.0) -> None:
        self.reader, self.timeout = reader, timeout
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PcscdService:
        from drivers.card.pcsc import list_readers

        if not pcscd_running():
            exe = shutil.which("pcscd") or "/usr/sbin/pcscd"
            try:
                self.proc = subprocess.Popen([exe, "-f"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            except OSError as exc:
                raise ServiceUnavailable(f"cannot start pcscd: {exc}", "Install pcscd and vsmartcard-vpcd.") from None
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                if self.reader in list_readers():
                    return self
            except ServiceUnavailable:
                pass
            if time.monotonic() > deadline:
                self.__exit__()
                raise ServiceUnavailable(f"pcscd runs but reader {self.reader!r} never appeared",
                                         "Install vsmartcard-vpcd (the virtual reader driver).")
            time.sleep(0.01)

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
