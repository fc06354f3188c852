"""What a case carries besides its words: the reporter's photos, voice notes, files and
place, the photo of the fix, and the steps it went through. Read here; told in views/."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import Case, CaseAction, CaseAttachment, CaseEvent
from models.org import Member
from models.users import TelegramUser

HISTORY_LIMIT = 10


@dataclass(frozen=True)
class Evidence:
    """What the reporter sent with the report, in the order it came."""

    attachments: list[CaseAttachment]
    lat: float | None = None
    lon: float | None = None

    @property
    def photos(self) -> list[CaseAttachment]:
        return [a for a in self.attachments if a.kind == "photo"]


async def report_evidence(session: AsyncSession, case: Case) -> Evidence:
    """The report's attachments (not those of its handling) and its location."""
    rows = await session.exec(
        select(CaseAttachment)
        .where(CaseAttachment.case_id == case.id, col(CaseAttachment.event_id).is_(None))
        .order_by(col(CaseAttachment.id))
    )
    return Evidence(list(rows), case.lat, case.lon)


async def fix_photos(
    session: AsyncSession, case: Case, latest_only: bool = False
) -> list[CaseAttachment]:
    """The photos sent with "done" (all of them, or those of the latest "done")."""
    finishes = select(CaseEvent.id).where(
        CaseEvent.case_id == case.id, CaseEvent.action == CaseAction.FINISH
    )
    if latest_only:
        finishes = finishes.order_by(col(CaseEvent.id).desc()).limit(1)
    rows = await session.exec(
        select(CaseAttachment)
        .where(
            CaseAttachment.case_id == case.id,
            CaseAttachment.kind == "photo",
            col(CaseAttachment.event_id).in_(finishes.scalar_subquery()),
        )
        .order_by(col(CaseAttachment.id))
    )
    return list(rows)


@dataclass(frozen=True)
class Step:
    """One event of a case, with who did it as far as it may be told."""

    at: datetime
    action: CaseAction
    note: str | None
    by_reporter: bool  # the reporter's own step: named only if the case is not anonymous
    name: str | None  # the member's or the Telegram user's name; None: the system
    role: str | None  # the member's role


@dataclass(frozen=True)
class History:
    steps: list[Step]
    earlier: int  # steps before those kept


async def history(session: AsyncSession, case: Case, limit: int = HISTORY_LIMIT) -> History:
    """The case's last `limit` events, oldest first, and how many came before them."""
    events = list(
        await session.exec(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id)
            .order_by(col(CaseEvent.id).desc())
            .limit(limit + 1)
        )
    )
    total = len(events)
    if total > limit:
        count = (
            await session.exec(
                select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id)
            )
        ).one()
        earlier = int(count) - limit
        events = events[:limit]
    else:
        earlier = 0
    steps = []
    for event in reversed(events):
        by_reporter = (
            event.actor_telegram_id is not None
            and event.actor_telegram_id == case.reporter_telegram_id
        )
        name = role = None
        if (case.anonymous and by_reporter) or event.action == CaseAction.LINK_DUPLICATE:
            pass  # nothing is read of an anonymous reporter, nor of who reported it again
        elif event.actor_member_id is not None:
            member = await session.get(Member, event.actor_member_id)
            if member is not None:
                name, role = member.name, member.role
        elif event.actor_telegram_id is not None:
            user = await session.get(TelegramUser, event.actor_telegram_id)
            name = user.first_name if user is not None else None
        steps.append(
            Step(
                at=event.at,
                action=CaseAction(event.action),
                note=event.note,
                by_reporter=by_reporter,
                name=name,
                role=role,
            )
        )
    return History(steps, earlier)
