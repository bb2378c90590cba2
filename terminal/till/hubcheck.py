"""Is this till's journal where the hub's copy of it is? Asked before a till opens for sale.

A till restored from an older backup holds fewer records than the hub does: a new sale would take a sequence
number the hub already holds, a conflict the hub must refuse. So the till asks first (`GET /v1/journal`, signed):
`behind` (the hub holds more, and it continues this journal: `edgepos till catch-up` fetches it), `forked` (the
hub's chain and this journal differ: a technician looks), `ok`, or `unreachable`. The sentences are for the cashier;
the technician's command is in each.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import httpx

from sync.hub_client import HubClient, HubRefused, HubUnavailable
from sync.journal import Journal

CHECK_TIMEOUT = httpx.Timeout(5.0, connect=3.0)  # a silent hub delays the till's start by this much, no more
RESTORED_MARKER = "restored.json"  # written by `edgepos restore`; removed once the hub agrees with the journal
Verdict = Literal["ok", "behind", "forked", "unreachable", "refused"]


@dataclass(frozen=True)
class HubCheck:
    verdict: Verdict
    local_seq: int
    hub_seq: int | None
    detail: str = ""

    def sentence(self, data_dir: Path) -> str:
        """One sentence for the person at the till (empty when it may sell)."""
        if self.verdict == "behind":
            return (f"This till holds fewer sales than the hub ({self.local_seq} of {self.hub_seq} records; it was "
                    f"restored from an older backup), so it must not sell: call a technician to run "
                    f"edgepos till catch-up --data-dir {data_dir}.")
        if self.verdict == "forked":
            return (f"This till's records differ from the hub's copy from record {self.local_seq} on, so it must not "
                    f"sell: call a technician (edgepos journal verify, edgepos sync --status).")
        return ""


def check_hub(client: HubClient, journal: Journal) -> HubCheck:
    local_seq, local_hash = journal.head()
    try:
        copy = client.journal_copy(local_seq, timeout=CHECK_TIMEOUT)
    except HubUnavailable as exc:
        return HubCheck("unreachable", local_seq, None, str(exc))
    except HubRefused as exc:
        return HubCheck("refused", local_seq, None, exc.message)
    if copy.last_seq > local_seq:
        fits = bool(copy.records) and copy.records[0].prev_hash == local_hash.hex()
        return HubCheck("behind" if fits else "forked", local_seq, copy.last_seq)
    if copy.last_seq == 0:
        return HubCheck("ok", local_seq, 0)
    ours = journal.get(copy.last_seq)
    if ours is None or ours.hash.hex() != copy.last_hash:
        return HubCheck("forked", copy.last_seq - 1, copy.last_seq)
    return HubCheck("ok", local_seq, copy.last_seq)


def mark_restored(data_dir: Path, source: str, head_seq: int) -> None:
    """Until the hub has been asked, a restored till must not sell (its backup may be older than the hub)."""
    path = data_dir / RESTORED_MARKER
    path.write_text(json.dumps({"from": source, "head_seq": head_seq, "at": datetime.now(UTC).isoformat()}))
    path.chmod(0o600)


def restored_unchecked(data_dir: Path) -> bool:
    return (data_dir / RESTORED_MARKER).exists()


def clear_restored(data_dir: Path) -> None:
    (data_dir / RESTORED_MARKER).unlink(missing_ok=True)
