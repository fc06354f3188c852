"""Notices held during quiet hours, and what becomes of them when the hours end.

A held notice is a row written in the same transaction as what caused it (a deadline
pass, a dispatch), so a restart loses none; the digest pass reads the rows that are due,
decides from the case as it stands whether each still means something, and marks every
row released in the same transaction as the digest message it becomes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import Assignment, Case, CaseState
from models.dispatch import ACTIVE
from models.messaging import HeldNotice, HeldOutcome, OutboxMessage

OPEN = (CaseState.TRIAGE, CaseState.DISPATCHED, CaseState.ACCEPTED)
# Which of a person's notices about one case the digest tells, when several were held: the
# one furthest along.
RANK = {
    "copy": 0,
    "group": 0,
    "dispatch": 1,
    "triage": 1,
    "remind": 2,
    "escalate": 3,
    "overdue": 3,  # to the reporter: his case escalated (never with another kind for him)
    "closed_by_default": 4,
}


async def known(session: AsyncSession, dedupe_key: str | None) -> bool:
    """Whether a notice with this key was held or queued already (told once, either way)."""
    if dedupe_key is None:
        return False
    held = (
        await session.exec(select(HeldNotice.id).where(HeldNotice.dedupe_key == dedupe_key))
    ).first()
    if held is not None:
        return True
    queued = (
        await session.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
    ).first()
    return queued is not None


async def hold(
    session: AsyncSession,
    chat_id: int,
    case: Case,
    kind: str,
    *,
    now: datetime,
    release_at: datetime,
    level: int = 0,
    data: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> HeldNotice | None:
    """Keep a notice for the digest (not committed here); None when known already."""
    assert case.id is not None
    if await known(session, dedupe_key):
        return None
    row = HeldNotice(
        chat_id=chat_id,
        case_id=case.id,
        kind=kind,
        level=level,
        data=data or {},
        dedupe_key=dedupe_key,
        created_at=now,
        release_at=release_at,
    )
    session.add(row)
    await session.flush()  # a second notice with the same key in this transaction sees it
    return row


async def still_meant(session: AsyncSession, row: HeldNotice, case: Case | None) -> bool:
    """Whether the notice still says something true: the case has not moved on."""
    if case is None:
        return False
    if row.kind == "closed_by_default":
        return case.state == CaseState.CLOSED
    if case.state not in OPEN:
        return False  # handled, closed, not accepted, transferred: nothing to do any more
    due = case.due_at.isoformat() if case.due_at else None
    if row.kind in ("remind", "escalate") and row.data.get("due") != due:
        return False  # postponed: the chain starts again for the new deadline
    if row.kind == "remind" and case.state == CaseState.TRIAGE:
        return False  # handed back: the assignee has nothing to be reminded of
    if row.kind == "triage":
        return case.state == CaseState.TRIAGE
    if row.kind in ("dispatch", "group"):
        assignment = await session.get(Assignment, row.data.get("assignment"))
        return assignment is not None and assignment.state in ACTIVE
    return True


async def due(session: AsyncSession, now: datetime) -> dict[int, list[HeldNotice]]:
    """The held notices whose quiet hours are over, by chat, oldest first."""
    rows = await session.exec(
        select(HeldNotice)
        .where(col(HeldNotice.released_at).is_(None), HeldNotice.release_at <= now)
        .order_by(col(HeldNotice.id))
    )
    by_chat: dict[int, list[HeldNotice]] = defaultdict(list)
    for row in rows:
        by_chat[row.chat_id].append(row)
    return dict(by_chat)


def release(
    session: AsyncSession,
    row: HeldNotice,
    now: datetime,
    outcome: HeldOutcome,
    outbox_id: int | None = None,
) -> None:
    row.released_at = now
    row.outcome = outcome
    row.outbox_id = outbox_id
    session.add(row)


async def dispatches_told_in(session: AsyncSession, outbox_id: int) -> list[Case]:
    """The new cases a digest told its reader were theirs, still waiting on him: when the
    digest cannot be delivered, they go back to the coordinators as an undelivered card's
    case does."""
    cases = []
    for row in await session.exec(
        select(HeldNotice).where(HeldNotice.outbox_id == outbox_id, HeldNotice.kind == "dispatch")
    ):
        assignment = await session.get(Assignment, row.data.get("assignment"))
        case = await session.get(Case, row.case_id)
        if assignment is not None and assignment.state in ACTIVE and case is not None:
            cases.append(case)
    return cases
