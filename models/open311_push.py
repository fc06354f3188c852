"""Callbacks: a case filed through the API with a callback URL is pushed each public change.

Nothing is queued apart from the case's own events: a request is due when its case has a
public event later than the last one pushed. A push that fails is tried again after a
growing pause (30 s, doubling, at most an hour), and given up after the configured number
of tries; a claim (push_due_at moved ahead) keeps two processes from pushing one change at
once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import CaseAction, CaseEvent
from models.open311 import UPDATE_STATES, ServiceRequest

FIRST_PAUSE = timedelta(seconds=30)
LONGEST_PAUSE = timedelta(hours=1)
CLAIM = timedelta(minutes=2)
BATCH = 20
PUBLIC_ACTIONS = [str(a) for a in (*UPDATE_STATES, CaseAction.VOID)]


def _news() -> object:
    return exists().where(
        col(CaseEvent.case_id) == ServiceRequest.case_id,
        col(CaseEvent.id) > ServiceRequest.pushed_event_id,
        col(CaseEvent.action).in_(PUBLIC_ACTIONS),
    )


async def due(session: AsyncSession, now: datetime, limit: int = BATCH) -> list[ServiceRequest]:
    """Requests with news for their callback, claimed for this process."""
    rows = list(
        await session.exec(
            select(ServiceRequest)
            .where(
                col(ServiceRequest.callback_url).is_not(None),
                col(ServiceRequest.push_gave_up).is_(False),
                (col(ServiceRequest.push_due_at).is_(None))
                | (col(ServiceRequest.push_due_at) <= now),
                _news(),  # type: ignore[arg-type]
            )
            .order_by(col(ServiceRequest.id))
            .limit(limit)
        )
    )
    claimed = []
    for row in rows:
        condition = (
            col(ServiceRequest.push_due_at).is_(None)
            if row.push_due_at is None
            else col(ServiceRequest.push_due_at) == row.push_due_at
        )
        result = await session.exec(
            update(ServiceRequest)
            .where(col(ServiceRequest.id) == row.id, condition)
            .values(push_due_at=now + CLAIM)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(row)
    await session.commit()
    return claimed


async def latest_public_event(session: AsyncSession, case_id: int) -> int:
    found = (
        await session.exec(
            select(CaseEvent.id)
            .where(CaseEvent.case_id == case_id, col(CaseEvent.action).in_(PUBLIC_ACTIONS))
            .order_by(col(CaseEvent.id).desc())
            .limit(1)
        )
    ).first()
    return int(found or 0)


async def pushed(session: AsyncSession, request_id: int, event_id: int) -> None:
    row = await session.get(ServiceRequest, request_id)
    if row is None:
        return
    row.pushed_event_id = max(row.pushed_event_id, event_id)
    row.push_attempts, row.push_due_at, row.push_error = 0, None, None
    session.add(row)
    await session.commit()


async def failed(
    session: AsyncSession, request_id: int, error: str, now: datetime, attempts_max: int
) -> ServiceRequest | None:
    """Tried again later, or given up (returned) after the last try."""
    row = await session.get(ServiceRequest, request_id)
    if row is None:
        return None
    row.push_attempts += 1
    row.push_error = error[:500]
    pause = min(LONGEST_PAUSE, FIRST_PAUSE * 2 ** (row.push_attempts - 1))
    row.push_due_at = now + pause
    gave_up = row.push_attempts >= attempts_max
    row.push_gave_up = gave_up
    session.add(row)
    await session.commit()
    return row if gave_up else None
