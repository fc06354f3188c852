"""The outbox: messages to send, kept in the database until Telegram has them.

Notices are written here (with a dedupe key where a replay could write them again) and a
sender delivers them, most urgent first. A sender claims a row for a while (SELECT ... FOR
UPDATE SKIP LOCKED on PostgreSQL), so several processes never send the same row; a row
whose sender died is taken over when its claim lapses. The outcome functions (delivered,
retry, failed) change the row; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.messaging import OutboxMessage, OutboxState, Priority

CLAIM = timedelta(seconds=60)
MAX_ATTEMPTS = 8


async def enqueue(
    session: AsyncSession,
    chat_id: int,
    payload: dict[str, Any],
    *,
    now: datetime,
    method: str = "sendMessage",
    priority: Priority = Priority.DISPATCH,
    dedupe_key: str | None = None,
    case_id: int | None = None,
) -> OutboxMessage | None:
    """Add a message (not committed here); None when one with the same key is there already."""
    if dedupe_key is not None:
        known = (
            await session.exec(
                select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
            )
        ).first()
        if known is not None:
            return None
    row = OutboxMessage(
        chat_id=chat_id,
        method=method,
        payload=payload,
        priority=priority,
        dedupe_key=dedupe_key,
        case_id=case_id,
        not_before=now,
        created_at=now,
    )
    session.add(row)
    return row


async def claim(
    session: AsyncSession, now: datetime, busy_chats: set[int], limit: int = 50
) -> OutboxMessage | None:
    """The most urgent message that is due and whose chat may be written to now, claimed."""
    batch = await claim_batch(session, now, busy_chats, 1, limit)
    return batch[0] if batch else None


async def claim_batch(
    session: AsyncSession, now: datetime, busy_chats: set[int], size: int, limit: int = 50
) -> list[OutboxMessage]:
    """Up to `size` of the most urgent due messages, one per chat, none to a busy chat."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.state == OutboxState.PENDING,
            OutboxMessage.not_before <= now,
            or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now),
        )
        .order_by(col(OutboxMessage.priority), col(OutboxMessage.id))
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(await session.exec(query))
    chosen: list[OutboxMessage] = []
    chats = set(busy_chats)
    for row in rows:
        if len(chosen) >= size:
            break
        if row.chat_id in chats:
            continue
        chats.add(row.chat_id)
        row.claimed_until = now + CLAIM
        session.add(row)
        chosen.append(row)
    await session.commit()
    return chosen


async def delivered(
    session: AsyncSession, row: OutboxMessage, message_id: int | None, now: datetime
) -> None:
    row.state = OutboxState.SENT
    row.sent_at = now
    row.attempts += 1
    row.telegram_message_id = message_id
    row.claimed_until = None
    session.add(row)


async def retry(
    session: AsyncSession, row: OutboxMessage, delay: timedelta, error: str, now: datetime
) -> None:
    """Try again later; past MAX_ATTEMPTS the message is given up as failed."""
    row.attempts += 1
    row.last_error = error
    row.claimed_until = None
    if row.attempts >= MAX_ATTEMPTS:
        row.state = OutboxState.FAILED
    else:
        row.not_before = now + delay
    session.add(row)


async def failed(session: AsyncSession, row: OutboxMessage, error: str, now: datetime) -> None:
    """Telegram said no for good (the bot was blocked, the chat does not exist)."""
    row.attempts += 1
    row.state = OutboxState.FAILED
    row.last_error = error
    row.claimed_until = None
    session.add(row)


@dataclass(frozen=True)
class Backlog:
    pending: int
    failed: int


async def backlog(session: AsyncSession) -> Backlog:
    counts = dict(
        (
            await session.exec(
                select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
            )
        ).all()
    )
    return Backlog(int(counts.get(OutboxState.PENDING, 0)), int(counts.get(OutboxState.FAILED, 0)))


async def failures(session: AsyncSession, limit: int = 20) -> list[OutboxMessage]:
    return list(
        await session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.state == OutboxState.FAILED)
            .order_by(col(OutboxMessage.id).desc())
            .limit(limit)
        )
    )


async def oldest_pending(session: AsyncSession) -> datetime | None:
    """When the oldest message not yet sent was queued."""
    return (
        await session.exec(
            select(func.min(OutboxMessage.created_at)).where(
                OutboxMessage.state == OutboxState.PENDING
            )
        )
    ).one()
