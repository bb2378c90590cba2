"""A terminal told to back off (429 or 503 with Retry-After) waits at least that long, jittered, and resumes exactly
where it stopped: the records acknowledged before the refusal stay acknowledged, none is sent twice, none is lost."""

from __future__ import annotations

import random
import time
import uuid

from faultproxy import Fault, FaultProxy  # tests/faultproxy.py: TEST-ONLY loopback proxy
from hub_process import KEY_SECRET, MERCHANT, local_hub, sell

from sync.hub_client import HubClient
from sync.journal import Journal
from sync.keystore import FileKeyStore
from sync.state import SyncState, state_path_for
from sync.uplink import Uplink, backoff_delay, retry_delay


def test_retry_delay_is_never_shorter_than_retry_after_and_spreads_a_fleet() -> None:
    rng = random.Random(3)
    delays = [retry_delay(0, 2.0, base=0.5, cap=60.0, rng=rng) for _ in range(200)]
    assert all(2.0 <= d <= 3.0 for d in delays)
    assert max(delays) - min(delays) > 0.5, "a fleet told the same Retry-After does not come back in one wave"
    assert retry_delay(3, None, rng=random.Random(1)) == backoff_delay(3, rng=random.Random(1))
    assert retry_delay(10, 1.0, base=0.5, cap=60.0, rng=random.Random(1)) >= 1.0


def test_a_terminal_told_429_waits_and_resumes_where_it_stopped(tmp_path) -> None:
    keystore = FileKeyStore.create(tmp_path / "keys.json", KEY_SECRET, f"T-{uuid.uuid4().hex[:10]}")
    journal = Journal.create(tmp_path / "journal.db", keystore)
    state = SyncState.open(state_path_for(journal.path))
    posts: list[float] = []

    def busy_twice(_n: int, method: str, path: str) -> Fault:
        if method == "POST" and path.startswith("/v1/journal"):
            posts.append(time.monotonic())
            if len(posts) in (2, 4):
                return Fault.BUSY
        return Fault.PASS

    with local_hub(tmp_path / "hub.db") as hub:
        with HubClient(keystore, hub.url) as client, Uplink(journal, client, state=state) as link:
            link.enrol(MERCHANT, hub.enrol_code(MERCHANT).encode())
        sell(journal, 600)
        with FaultProxy(hub.port, busy_twice) as proxy, HubClient(keystore, proxy.url) as client, \
                Uplink(journal, client, state=state, batch_size=100, backoff_base_s=0.05, idle_s=60) as link:
            first = link.sync_once(pull=False)
            assert first.unreachable and first.retry_after_s == 1.0
            assert first.sent == 100 and first.acknowledged == 100, "what the hub took before the 429 stays taken"
            link.start()  # the background worker, as the till runs it
            deadline = time.monotonic() + 20
            while journal.outbox_stats()[0] and time.monotonic() < deadline:
                time.sleep(0.05)
            link.stop()
        assert journal.outbox_stats()[0] == 0
        assert len(posts) == 8, "6 batches of 100 and the 2 refused ones: no batch sent twice, none skipped"
        assert posts[4] - posts[3] >= 1.0, "the worker waited the hub's Retry-After before its next upload"
        held = hub.admin("GET", f"/v1/admin/terminals/{keystore.terminal_id}")
        assert held["last_seq"] == 600 and held["records"] == {"accepted": 600}
    state.close()
    journal.close()
