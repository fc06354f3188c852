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
from bot.supervisor import Beat
from locales.i18n import N_
from models import held, outbox
from models.cases import Assignment, Case
from models.db import describe, is_transient
from models.messaging import OutboxMessage, OutboxState
from models.users import TelegramUser
from notify.media import MEDIA_METHODS, deliver
from notify.messenger import Messenger

log = logging.getLogger(__name__)
IDLE_POLL_S = 0.5
# Messages claimed at a time: enough to fill the rate limit across one round trip, few
# enough that an urgent message never waits behind more than one round.
BATCH = 8
# Pauses while the database is away, doubling; a batch sent is recorded within the claim.
FIRST_PAUSE_S = 0.5
MAX_PAUSE_S = 5.0
RECORD_ATTEMPTS = 6


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
        self.services.supervisor.start("sender", self.run)

    async def stop(self) -> None:
        """The supervisor stops the loop with the other tasks."""
        self._stopping = True
        self._wake.set()

    async def run(self, beat: Beat) -> None:
        pause = FIRST_PAUSE_S
        while not self._stopping:
            try:
                await self._pass()
            except Exception as err:
                if not is_transient(err):
                    raise  # the supervisor logs it and starts the sender again
                log.warning(
                    "the sender cannot reach the database (%s); again in %.1f s",
                    describe(err),
                    pause,
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE_S)
                continue
            pause = FIRST_PAUSE_S
            beat()

    async def _pass(self) -> None:
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
            return
        outcomes = await asyncio.gather(*(self._deliver(row) for row in rows))
        await self._record(rows, outcomes)

    async def _record(self, rows: list[OutboxMessage], outcomes: list[Outcome]) -> None:
        """Write what became of a batch. The messages are out: a database that is away for a
        moment must not make them go out again when their claim lapses, so this insists."""
        pause = FIRST_PAUSE_S
        for attempt in range(RECORD_ATTEMPTS):
            try:
                async with self.services.db.session() as session:
                    for row, outcome in zip(rows, outcomes, strict=True):
                        merged = await session.merge(row)
                        await outcome(session, merged)
                        if merged.state == OutboxState.FAILED:
                            await self._undelivered(session, merged)
                    await session.commit()
                return
            except Exception as err:
                if not is_transient(err) or attempt == RECORD_ATTEMPTS - 1:
                    raise
                log.warning(
                    "could not record a batch sent (%s); again in %.1f s", describe(err), pause
                )
                await asyncio.sleep(pause)
                pause *= 2

    async def _undelivered(self, session: AsyncSession, row: OutboxMessage) -> None:
        """A case's assignee cannot be told of it (blocked the bot, never started it, or
        Telegram kept failing): the street's coordinators are asked to give it to someone else,
        so no case waits on a person who never heard of it."""
        key = row.dedupe_key or ""
        if key.startswith("digest:") and row.id is not None:  # new cases held for the night
            for held_case in await held.dispatches_told_in(session, row.id):
                await self._unreachable(session, held_case, f"{key}:{held_case.id}")
            return
        # The card only: the evidence sent with it ("media:dispatch:…") failing leaves the
        # assignee told, with the buttons to act.
        if not key.startswith("dispatch:") or not key.removeprefix("dispatch:").isdigit():
            return
        assignment = await session.get(Assignment, int(key.removeprefix("dispatch:")))
        case = await session.get(Case, assignment.case_id) if assignment else None
        if case is None:
            return
        await self._unreachable(session, case, key)

    async def _unreachable(self, session: AsyncSession, case: Case, key: str) -> None:
        messenger = Messenger(self.application.bot, session, self.services)
        await messenger.triage(
            case,
            N_("its assignee could not be told of it on Telegram; please give it to someone else."),
            dedupe=f"unreachable:{key}",
        )
        self.poke()

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
        if "params" in payload:  # an answer an update could not send (bot/botapi.py)
            result = await bot.replay(row.method, payload, **limit)
            return int(result["message_id"]) if isinstance(result, dict) else None
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
        elif row.method == "sendDocument" and "data" in payload:
            sent = await bot.send_document(
                row.chat_id,
                document=base64.b64decode(payload["data"]),
                filename=payload.get("filename"),
                caption=payload.get("caption"),
                **limit,
            )
        elif row.method == "sendPhoto" and "data" in payload:
            sent = await bot.send_photo(
                row.chat_id,
                photo=base64.b64decode(payload["data"]),
                filename=payload.get("filename"),
                caption=payload.get("caption"),
                **limit,
            )
        elif row.method in MEDIA_METHODS:  # by Telegram file id: a case's evidence
            return await deliver(bot, row.chat_id, row.method, payload, **limit)
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
