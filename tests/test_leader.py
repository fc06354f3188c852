"""Time-driven work is done by one process: the holder of the advisory lock (PostgreSQL)."""

from __future__ import annotations

from models.db import Database
from models.leader import Leadership


async def test_one_leader_at_a_time(db_url: str) -> None:
    first, second = Database(db_url), Database(db_url)
    one, two = Leadership(first.engine), Leadership(second.engine)
    try:
        assert await one.hold()
        assert await one.hold()  # holding it already
        if one.shared:  # PostgreSQL: the other process waits its turn
            assert not await two.hold()
            await one.release()
            assert await two.hold()
        else:  # SQLite serves a single process, always the leader
            assert await two.hold()
    finally:
        await one.release()
        await two.release()
        await first.dispose()
        await second.dispose()


async def test_a_dead_leaders_lock_passes_on(db_url: str) -> None:
    first, second = Database(db_url), Database(db_url)
    one, two = Leadership(first.engine), Leadership(second.engine)
    try:
        assert await one.hold()
        if one.shared:
            # The process dies: its connection closes, and PostgreSQL drops the lock with it.
            assert one._connection is not None
            await one._connection.invalidate()
            one._connection = None
        assert await two.hold()
    finally:
        await two.release()
        await first.dispose()
        await second.dispose()
