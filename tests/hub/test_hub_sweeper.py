"""The hold-expiry sweeper outlives any failure of one round (issue 10, defect 8): before, only HubError was caught
and any other error (a dropped database connection, a bug) ended it silently for the life of the process."""

from __future__ import annotations

import asyncio

from hub.app import _sweep


def test_the_sweeper_keeps_sweeping_after_an_unexpected_error(store, caplog) -> None:
    rounds: list[str] = []
    real = store.expire_holds

    def flaky() -> int:
        rounds.append("round")
        if len(rounds) == 1:
            raise ConnectionError("server closed the connection unexpectedly")
        return real()

    store.expire_holds = flaky
    try:
        async def run() -> None:
            task = asyncio.create_task(_sweep(store, 0.01))
            while len(rounds) < 3:
                await asyncio.sleep(0.01)
                assert not task.done(), "the sweeper stopped"
            task.cancel()

        asyncio.run(asyncio.wait_for(run(), timeout=10))
    finally:
        del store.expire_holds
    assert len(rounds) >= 3
    assert any("sweep_failed" in r.getMessage() for r in caplog.records)
    assert not any("server closed" in r.getMessage() for r in caplog.records)  # no database detail in the log line
