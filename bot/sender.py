"""The sender: delivers the outbox, most urgent first, within Telegram's flood limits.

A few messages at a time, each to a different chat, sent together through the bot, whose
rate limiter (AIORateLimiter) keeps the whole process within the configured messages a
second and 20 a minute per group, and retries a 429 that still comes. Sent together, not
one after another: Telegram is a round trip away (100-300 ms from a street office), and one
at a time would cap the sender at a few messages a second whatever the limits allow.
Between two messages to the same chat the sender waits its interval, so a bulk send never
queues ahead of an answer or a dispatch: each pass takes the most urgent messages whose
chats are free.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.ratelimit import QUEUED, AnswersFirstRateLimiter
from models import outbox
from models.messaging import OutboxMessage
from models.users import TelegramUser

log = logging.getLogger(__name__)
IDLE_POLL_S = 0.5
# Messages claimed at a time: enough to fill the rate limit across one round trip, few
# enough that an urgent message never waits behind more than one round.
BATCH = 8


class Sender:
    def __init__(
        self,
        application: Any,
        private_interval: float = 1.0,
        group_interval: float = 3.0,
    ) -> None:
        self.application = application
        self.private_interval = private_interval
        self.group_interval = group_interval
        self._next_free: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._stopping = False
        self._pokes = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def services(self):  # type: ignore[no-untyped-def]
        return self.application.services

    def poke(self) -> None:
        """Something was enqueued: look now, and do not call yourself idle before."""
        self._pokes += 1
        self._idle.clear()
        self._wake.set()

    async def idle(self) -> None:
        """Wait until nothing is left that could be sent now."""
        await self._idle.wait()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="LaneKeeper:sender")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while not self._stopping:
            now = time.monotonic()
            busy = {chat for chat, free in self._next_free.items() if free > now}
            pokes = self._pokes
            async with self.services.db.session() as session:
                rows = await outbox.claim_batch(session, self.services.clock.now(), busy, BATCH)
            if not rows:
                # Idle only if nothing was enqueued while this pass was looking.
                if not busy and pokes == self._pokes:
                    self._idle.set()
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(IDLE_POLL_S if not busy else 0.05):
                        await self._wake.wait()
                continue
            outcomes = await asyncio.gather(*(self._deliver(row) for row in rows))
            async with self.services.db.session() as session:
                for row, outcome in zip(rows, outcomes, strict=True):
                    await outcome(session, await session.merge(row))
                await session.commit()

    async def _deliver(self, row: OutboxMessage) -> Outcome:
        """Send one message; what to record about it, to be written with the batch."""
        now = self.services.clock.now()
        try:
            message_id = await self._call(row)
        except RetryAfter as err:
            delay = err.retry_after
            wait = delay if isinstance(delay, timedelta) else timedelta(seconds=delay)
            outcome = _retry(wait, str(err), now)
        except Forbidden as err:
            outcome = _blocked(str(err), now, self.services.clock.now())
        except BadRequest as err:
            outcome = _failed(str(err), now)
        except (TimedOut, NetworkError) as err:
            outcome = _retry(timedelta(seconds=min(300, 2**row.attempts)), str(err), now)
        else:
            outcome = _delivered(message_id, now)
        interval = self.group_interval if row.chat_id < 0 else self.private_interval
        self._next_free[row.chat_id] = time.monotonic() + interval
        return outcome

    async def _call(self, row: OutboxMessage) -> int | None:
        bot = self.application.bot
        # Through the limiter behind any answer that is waiting for it (bot/ratelimit.py).
        limit: dict[str, Any] = (
            {"rate_limit_args": QUEUED}
            if isinstance(bot.rate_limiter, AnswersFirstRateLimiter)
            else {}
        )
        payload = row.payload
        markup = (
            InlineKeyboardMarkup.de_json(payload["reply_markup"], bot)
            if payload.get("reply_markup")
            else None
        )
        if row.method == "sendMessage":
            sent = await bot.send_message(
                row.chat_id,
                payload["text"],
                reply_markup=markup,
                parse_mode=payload.get("parse_mode"),
                **limit,
            )
        elif row.method == "sendDocument":
            sent = await bot.send_document(
                row.chat_id,
                document=base64.b64decode(payload["data"]),
                filename=payload.get("filename"),
                caption=payload.get("caption"),
                **limit,
            )
        elif row.method == "sendPhoto":
            sent = await bot.send_photo(
                row.chat_id,
                photo=base64.b64decode(payload["data"]),
                caption=payload.get("caption"),
                **limit,
            )
        else:
            raise BadRequest(f"unknown outbox method {row.method}")
        return int(sent.message_id)


Outcome = Callable[[AsyncSession, OutboxMessage], Awaitable[None]]


def _delivered(message_id: int | None, now: datetime) -> Outcome:
    async def record(session: AsyncSession, row: OutboxMessage) -> None:
        await outbox.delivered(session, row, message_id, now)

    return record


def _retry(delay: timedelta, error: str, now: datetime) -> Outcome:
    async def record(session: AsyncSession, row: OutboxMessage) -> None:
        await outbox.retry(session, row, delay, error, now)

    return record


def _failed(error: str, now: datetime) -> Outcome:
    async def record(session: AsyncSession, row: OutboxMessage) -> None:
        await outbox.failed(session, row, error, now)

    return record


def _blocked(error: str, now: datetime, at: datetime) -> Outcome:
    """Failed for good, and the person marked as having blocked the bot."""

    async def record(session: AsyncSession, row: OutboxMessage) -> None:
        await outbox.failed(session, row, error, now)
        user = await session.get(TelegramUser, row.chat_id)
        if user is not None and user.blocked_at is None:
            user.blocked_at = at
            session.add(user)

    return record
