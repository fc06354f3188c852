"""Updates from different chats handled at the same time; one chat's updates in order.

Handling one update at a time makes every resident wait for everyone before them, and each
update waits at least one round trip to Telegram for its answer (100-300 ms from a street
office): at ten reports a second the queue would only grow. Different chats are
independent, so they go concurrently, up to a limit. One chat's updates keep their order —
an album's photos, a report and the place it then names, a button pressed after the
question it answers.

A task waiting for its chat's turn holds no slot: PTB's own semaphore is set wide open and
the real limit is taken after the chat's lock, so a chat that floods cannot crowd out the
others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB's semaphore: never the bottleneck (the limit below is the real one).
_UNBOUNDED = 1 << 16


def chat_key(update: object) -> int | None:
    """The chat whose updates must keep their order; None for what belongs to no chat."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent: int) -> None:
        super().__init__(_UNBOUNDED)
        self.limit = max_concurrent
        self._slots = asyncio.BoundedSemaphore(max_concurrent)
        # chat -> (its lock, how many updates hold or wait for it); dropped at zero.
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        lock, users = self._chats.get(key, (asyncio.Lock(), 0))
        self._chats[key] = (lock, users + 1)
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            lock, users = self._chats[key]
            if users == 1:
                del self._chats[key]
            else:
                self._chats[key] = (lock, users - 1)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
