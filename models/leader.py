"""Which process does the time-driven work: the one holding a PostgreSQL advisory lock.

Several bot processes may share one PostgreSQL database; reminders, escalations and the
quarterly delivery must still happen once, so only the lock's holder runs them. The lock
lives as long as its connection: when that process dies, another takes over at its next
try. SQLite serves one process, which is always the leader.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

LOCK_KEY = 0x1A2E_4EE9  # "LaneKeeper", as a 32-bit advisory lock key


class Leadership:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._connection: AsyncConnection | None = None

    @property
    def shared(self) -> bool:
        return self.engine.url.get_backend_name() == "postgresql"

    async def hold(self) -> bool:
        """True when this process leads (it keeps the lock until release or exit)."""
        if not self.shared:
            return True
        if self._connection is not None:
            return True
        connection = await self.engine.connect()
        got = (
            await connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY})
        ).scalar()
        if got:
            self._connection = connection
            return True
        await connection.close()
        return False

    async def release(self) -> None:
        if self._connection is not None:
            await self._connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY}
            )
            await self._connection.close()
            self._connection = None
