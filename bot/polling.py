"""Long polling through the inbox: no update lost, none confirmed before it is stored.

python-telegram-bot's own Updater confirms an update to Telegram once it is queued, before
a handler has run; a crash then loses it. This poller asks for the next batch only after
the current one is committed to the inbox, and hands the unfinished rows of an earlier run
to the application first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TimedOut

from models import inbox

log = logging.getLogger(__name__)


class InboxPoller:
    def __init__(self, application, timeout: int = 10) -> None:  # type: ignore[no-untyped-def]
        self.application = application
        self.timeout = timeout
        self.stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def services(self):  # type: ignore[no-untyped-def]
        return self.application.services

    async def start(self) -> None:
        await self.application.bot.delete_webhook()
        self._task = asyncio.create_task(self._loop(), name="LaneKeeper:inbox-poller")

    async def stop(self) -> None:
        self.stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        async with self.services.db.session() as session:
            offset = await inbox.next_offset(session)
        backoff = 1.0
        while not self.stopping.is_set():
            try:
                updates = await self.application.bot.get_updates(
                    offset=offset, timeout=self.timeout, allowed_updates=Update.ALL_TYPES
                )
            except RetryAfter as err:
                await asyncio.sleep(err.retry_after.total_seconds())  # type: ignore[union-attr]
                continue
            except (TimedOut, NetworkError) as err:
                log.warning("getUpdates failed (%s); retrying in %.0f s", err, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 1.0
            if not updates:
                continue
            async with self.services.db.session() as session:
                new = await inbox.store(
                    session,
                    [(u.update_id, u.to_dict()) for u in updates],
                    self.services.clock.now(),
                )
            offset = updates[-1].update_id + 1
            for update in updates:
                if update.update_id in new:  # another process may have taken it already
                    await self.application.update_queue.put(update)


async def replay(application) -> None:  # type: ignore[no-untyped-def]
    """Updates stored by an earlier run and not handled to the end: handle them now."""
    async with application.services.db.session() as session:
        rows = await inbox.unfinished(session)
    for row in rows:
        update = Update.de_json(row.payload, application.bot)
        if update is not None:
            await application.update_queue.put(update)
    if rows:
        log.info("replaying %d update(s) received before a restart", len(rows))
