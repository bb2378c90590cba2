"""A child hub's lifeline to the process that started it: the child's stdin is a pipe whose only writer is the parent.

When the parent ends in any way (clean exit, crash, abort, SIGKILL, OOM killer), the kernel closes its end and the
child reads end-of-file, so the child stops too and no orphaned `edgepos hub` keeps the port and the store. This
works from any thread of the parent (PR_SET_PDEATHSIG fires when the *thread* that forked ends, which would kill a
hub started from a background thread) and needs no polling. Opt-in by environment, so a hub an operator runs from a
shell is never tied to its terminal's stdin.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable

LIFELINE_ENV = "EDGEPOS_HUB_LIFELINE"  # "stdin": stop when stdin reaches end-of-file
GRACE_S = 15.0  # a clean stop that takes longer than this is cut short

log = logging.getLogger("edgepos.hub")


def watch_parent(stop: Callable[[], None], fd: int | None = None) -> threading.Thread | None:
    """When this process was started with a lifeline: call `stop()` once the parent is gone, and exit hard if the
    clean stop has not ended the process `GRACE_S` later. Returns the watching thread (None: no lifeline).

    The thread reads the raw descriptor (os.read): a daemon thread blocked in `sys.stdin.buffer.read` holds the
    buffer's lock, and the interpreter aborts (SIGABRT) when it finalises around it after a clean SIGTERM stop."""
    if os.environ.get(LIFELINE_ENV) != "stdin":
        return None
    source = sys.stdin.fileno() if fd is None else fd

    def watch() -> None:
        try:
            while os.read(source, 4096):
                pass  # the parent never writes; anything read is ignored
        except OSError:
            pass  # a closed or broken stdin means the same: the parent is gone
        log.warning("the process that started this hub is gone; stopping")
        stop()
        timer = threading.Timer(GRACE_S, lambda: os._exit(0))
        timer.daemon = True
        timer.start()

    thread = threading.Thread(target=watch, name="edgepos-hub-lifeline", daemon=True)
    thread.start()
    return thread
