"""The inbox: every update is stored before Telegram is told it arrived.

The bot asks Telegram for the next updates (which confirms the previous ones) only after
those it holds are committed here; an update whose handling did not finish is handled again
at start-up. Handling is idempotent where it matters: a report already turned into a case
is found, not opened twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.messaging import InboxState, InboxUpdate

# A row put off is tried again after a pause that doubles each time, up to MAX_PAUSE; after
# MAX_ATTEMPTS it is failed for good and left for an operator to look at.
FIRST_PAUSE = timedelta(seconds=5)
MAX_PAUSE = timedelta(minutes=10)
MAX_ATTEMPTS = 12
# How long a process that took a row to retry holds it before another may take it over.
LEASE = timedelta(minutes=5)
# A row still "received" this long after it came was dropped on the floor (the process that
# held it could not even put it off): it is taken up again.
STUCK_AFTER = timedelta(minutes=5)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: Any) -> Any:
    """The update with what PostgreSQL's JSONB cannot hold (NUL, lone surrogates) replaced by
    U+FFFD: one such character must not keep a whole batch of updates from being stored."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


async def store(
    session: AsyncSession, updates: Sequence[tuple[int, dict[str, Any]]], now: datetime
) -> set[int]:
    """Keep the updates not kept yet; returns the ids that were new. Commits.

    Another process may store the same update at the same moment: the primary key decides,
    and the loser hears that nothing was new.
    """
    ids = [update_id for update_id, _payload in updates]
    known = set(
        await session.exec(select(InboxUpdate.update_id).where(col(InboxUpdate.update_id).in_(ids)))
    )
    new = [(i, storable(p)) for i, p in updates if i not in known]
    for update_id, payload in new:
        session.add(InboxUpdate(update_id=update_id, payload=payload, received_at=now))
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return set()
    return {update_id for update_id, _payload in new}


async def next_offset(session: AsyncSession) -> int | None:
    """The offset to ask Telegram for: past everything already kept."""
    last = (await session.exec(select(func.max(InboxUpdate.update_id)))).one()
    return int(last) + 1 if last is not None else None


async def unfinished(session: AsyncSession, limit: int = 1000) -> list[InboxUpdate]:
    query = (
        select(InboxUpdate)
        .where(InboxUpdate.state == InboxState.RECEIVED)
        .order_by(col(InboxUpdate.update_id))
        .limit(limit)
    )
    return list(await session.exec(query))


async def finish(
    session: AsyncSession, update_id: int, now: datetime, error: str | None = None
) -> None:
    row = await session.get(InboxUpdate, update_id)
    if row is None:
        return
    row.attempts += 1
    row.processed_at = now
    row.state = InboxState.FAILED if error else InboxState.DONE
    row.last_error = error
    session.add(row)
    await session.commit()


async def put_off(session: AsyncSession, update_id: int, error: str | None, now: datetime) -> None:
    """The update broke on something a retry can cure: try it again later. Commits."""
    row = await session.get(InboxUpdate, update_id)
    if row is None:
        return
    row.attempts += 1
    row.last_error = error
    if row.attempts >= MAX_ATTEMPTS:
        row.state = InboxState.FAILED
        row.processed_at = now
        row.not_before = None
    else:
        row.state = InboxState.RETRY
        row.not_before = now + min(MAX_PAUSE, FIRST_PAUSE * 2 ** (row.attempts - 1))
    session.add(row)
    await session.commit()


async def unreadable(session: AsyncSession, update_id: int, error: str, now: datetime) -> None:
    """Kept, never handled: the library could not read it. Commits."""
    row = await session.get(InboxUpdate, update_id)
    if row is None:
        return
    row.state = InboxState.UNREADABLE
    row.processed_at = now
    row.last_error = error[:500]
    session.add(row)
    await session.commit()


async def take_due(
    session: AsyncSession, now: datetime, skip: set[int], limit: int = 100
) -> list[InboxUpdate]:
    """Rows to handle again now, leased to the caller: those put off whose time has come, and
    those left "received" for too long. Commits."""
    due = or_(col(InboxUpdate.not_before).is_(None), col(InboxUpdate.not_before) <= now)
    query = (
        select(InboxUpdate)
        .where(
            due,
            or_(
                col(InboxUpdate.state) == InboxState.RETRY,
                and_(
                    col(InboxUpdate.state) == InboxState.RECEIVED,
                    col(InboxUpdate.received_at) <= now - STUCK_AFTER,
                ),
            ),
        )
        .order_by(col(InboxUpdate.update_id))
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = [row for row in await session.exec(query) if row.update_id not in skip]
    for row in rows:
        row.not_before = now + LEASE
        session.add(row)
    await session.commit()
    return rows


async def oldest_waiting(session: AsyncSession) -> datetime | None:
    """When the oldest update not yet handled (received, or put off) came in."""
    oldest = (
        await session.exec(
            select(func.min(InboxUpdate.received_at)).where(
                col(InboxUpdate.state).in_([InboxState.RECEIVED, InboxState.RETRY])
            )
        )
    ).one()
    return oldest
