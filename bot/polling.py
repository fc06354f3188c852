"""Long polling through the inbox: no update lost, none confirmed before it is stored.

python-telegram-bot's own Updater confirms an update to Telegram once it is queued, before
a handler has run; a crash then loses it. This poller asks for the next batch only after
the current one is committed to the inbox, and hands the unfinished rows of an earlier run
to the application first.

Updates are fetched unparsed and stored as Telegram sent them; each is then read on its
own. One that this version of the library cannot read (a newer Bot API's shape) is kept as
unreadable and skipped, instead of failing its whole batch on every start.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.error import RetryAfter

from bot.supervisor import Beat
from models import inbox
from models.db import describe

log = logging.getLogger(__name__)
MAX_PAUSE_S = 5.0  # soon back once the database or Telegram is: a poll is cheap


class InboxPoller:
    def __init__(self, application, timeout: int = 10) -> None:  # type: ignore[no-untyped-def]
        self.application = application
        self.timeout = timeout

    @property
    def services(self):  # type: ignore[no-untyped-def]
        return self.application.services

    async def start(self) -> None:
        await self.application.bot.delete_webhook()
        self.services.supervisor.start("poller", self.run)

    async def stop(self) -> None:
        """The supervisor stops the loop with the other tasks."""

    async def run(self, beat: Beat) -> None:
        offset: int | None = None
        known = False
        pause = 1.0
        while True:
            try:
                if not known:
                    async with self.services.db.session() as session:
                        offset = await inbox.next_offset(session)
                    known = True
                raw = await self.application.bot.get_raw_updates(
                    offset, self.timeout, list(Update.ALL_TYPES)
                )
                stored = await accept(self.application, raw)
                if stored:  # kept: the next getUpdates may confirm them to Telegram
                    offset = max(stored) + 1
            except RetryAfter as err:
                wait = err.retry_after
                await asyncio.sleep(wait if isinstance(wait, int | float) else wait.total_seconds())
                continue
            except Exception as err:  # Telegram or the database away: the same batch again
                log.warning("polling failed (%s); trying again in %.0f s", describe(err), pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE_S)
                continue
            pause = 1.0
            beat()


async def accept(application: Any, raw: list[Any]) -> list[int]:
    """Store updates as received, then queue those new to this process for handling; returns
    the ids stored. Raises if they cannot be stored: they must not be confirmed then."""
    ids = [(u["update_id"], u) for u in raw if has_update_id(u)]
    if len(ids) < len(raw):
        log.error("%d item(s) without an update_id ignored", len(raw) - len(ids))
    if not ids:
        return []
    services = application.services
    async with services.db.session() as session:
        new = await inbox.store(session, ids, services.clock.now())
    for update_id, payload in ids:
        if update_id in new:  # another process may have taken it already
            await enqueue(application, update_id, inbox.storable(payload))
    return [update_id for update_id, _payload in ids]


def has_update_id(payload: Any) -> bool:
    """Whether Telegram's item can be kept at all: a JSON object with an integer update_id."""
    if not isinstance(payload, dict):
        return False
    update_id = payload.get("update_id")
    return isinstance(update_id, int) and not isinstance(update_id, bool) and update_id >= 0


async def enqueue(application: Any, update_id: int, payload: dict[str, Any]) -> None:
    """Parse one stored update and queue it; one that cannot be read is marked and skipped."""
    try:
        update = Update.de_json(payload, application.bot)
    except Exception as err:  # whatever this library version makes of an unknown shape
        log.error("update %s cannot be read and is skipped: %r", update_id, err)
        services = application.services
        async with services.db.session() as session:
            await inbox.unreadable(
                session, update_id, f"{type(err).__name__}: {err}", services.clock.now()
            )
        return
    if update is None:
        return
    application.in_flight.add(update_id)
    await application.update_queue.put(update)


async def replay(application) -> None:  # type: ignore[no-untyped-def]
    """Updates stored by an earlier run and not handled to the end: handle them now."""
    async with application.services.db.session() as session:
        rows = await inbox.unfinished(session)
    for row in rows:
        await enqueue(application, row.update_id, row.payload)
    if rows:
        log.info("replaying %d update(s) received before a restart", len(rows))
