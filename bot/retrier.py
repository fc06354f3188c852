"""The inbox retrier: updates put off while the database was away are handled again.

An update that broke on something a retry can cure (the database away, locked or busy) is
left in the inbox with a time to try again (models/inbox.py); so is one that was stored but
dropped on the floor. Every few seconds this task takes those that are due, leased so that
another process does not take them too, and queues them like new updates, without a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bot.polling import enqueue
from bot.supervisor import Beat
from models import inbox

log = logging.getLogger(__name__)
EVERY_S = 5.0


class InboxRetrier:
    def __init__(self, application: Any, every_s: float = EVERY_S) -> None:
        self.application = application
        self.every_s = every_s
        self._wake = asyncio.Event()

    def poke(self) -> None:
        self._wake.set()

    async def run(self, beat: Beat) -> None:
        while True:  # at once at start-up, then every few seconds
            await self.run_once()
            beat()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.every_s):
                    await self._wake.wait()
            self._wake.clear()

    async def run_once(self) -> int:
        """Queue what is due now; returns how many updates were queued."""
        services = self.application.services
        skip = {i for i in self.application.in_flight if isinstance(i, int)}
        async with services.db.session() as session:
            rows = await inbox.take_due(session, services.clock.now(), skip)
        for row in rows:
            log.info("handling update %s again (%s)", row.update_id, row.last_error or "stuck")
            await enqueue(self.application, row.update_id, row.payload)
        return len(rows)
