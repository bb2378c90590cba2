"""Online holds the checkout gave up on: an `unavailable` auth may still have reached the hub and placed a hold.

The checkout journals `auth.abandoned` for each; once the hub answers again, `release_abandoned_holds` voids them
and journals `auth.released`, so no customer's money stays held for a sale that was paid another way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from terminal.checkout.ports import AuthPort, HubRefusal, HubUnreachable
from terminal.checkout.sales_index import SaleIndex

log = logging.getLogger("edgepos.checkout")
_RELEASING = threading.Lock()  # the sync thread and a "send now" may both release: one at a time, or twice each


def pending_releases(journal: Any, index: SaleIndex | None = None) -> list[dict[str, Any]]:
    """auth.abandoned records (from the journal) without a matching auth.released, oldest first.

    Read from the sales index (terminal.checkout.sales_index), caught up first, instead of a scan of the whole
    journal on every call; without an `index`, the one next to the journal is opened for the call."""
    with _index(journal, index) as idx:
        idx.refresh()
        return idx.pending_releases()


@contextmanager
def _index(journal: Any, index: SaleIndex | None) -> Iterator[SaleIndex]:
    if index is not None:
        yield index
        return
    opened = SaleIndex.open(journal)
    try:
        yield opened
    finally:
        opened.close()


def release_abandoned_holds(journal: Any, auth: AuthPort, index: SaleIndex | None = None) -> int:
    """Void every abandoned hold the hub may hold; returns how many were settled (voided or never placed)."""
    with _RELEASING:
        return _release(journal, auth, index)


def _release(journal: Any, auth: AuthPort, index: SaleIndex | None) -> int:
    done = 0
    for item in pending_releases(journal, index):
        auth_id = item["auth_id"]
        try:
            response = auth.void(auth_id, "abandoned: the hub did not answer in time; the sale was paid otherwise")
            status = str(response.status)
        except HubRefusal as exc:
            if exc.code != "unknown_auth":
                log.warning("abandoned hold %s not released: %s", auth_id, exc.code)
                continue
            status = "never_placed"
        except HubUnreachable:
            break  # still offline: try on the next round
        journal.append("auth.released", {"auth_id": auth_id, "sale_id": item.get("sale_id"), "status": status})
        done += 1
    return done
