"""The inbox: every update is stored before Telegram is told it arrived.

The bot asks Telegram for the next updates (which confirms the previous ones) only after
those it holds are committed here; an update whose handling did not finish is handled again
at start-up. Handling is idempotent where it matters: a report already turned into a case
is found, not opened twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.messaging import InboxState, InboxUpdate


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
    new = [(i, p) for i, p in updates if i not in known]
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
