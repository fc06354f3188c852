"""A case opened from a completed report: its category row, its number and deadline, and its
first assignment (or triage)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case as sql_case
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import (
    Assignment,
    AssignmentRole,
    Case,
    CaseAction,
    CaseAttachment,
    CaseCounter,
    Category,
    ReportDraft,
    Urgency,
)
from models.classify import CategorySpec
from models.deadlines import WorkCalendar, due_at
from models.lifecycle import apply
from models.members import memberships
from models.org import Member, Role, Street
from models.places import Place
from models.routing import Route
from models.users import TelegramUser


async def category_row(session: AsyncSession, spec: CategorySpec) -> Category:
    """The deployment's row for a category, written from the table when missing or changed."""
    row = (
        await session.exec(
            select(Category).where(col(Category.street_id).is_(None), Category.code == spec.code)
        )
    ).first()
    values: dict[str, Any] = {
        "name_zh": spec.name_zh,
        "name_en": spec.name_en,
        "lead_party": spec.lead,
        "assist_parties": list(spec.assist),
        "deadline_hours": spec.deadline_hours,
        "deadline_working_days": spec.deadline_working_days,
        "urgency": spec.urgency,
        "keywords": {"keywords": list(spec.raw_keywords)},
    }
    if row is None:
        row = Category(code=spec.code, **values)
        session.add(row)
        await session.flush()
    elif any(getattr(row, k) != v for k, v in values.items()):
        for key, value in values.items():
            setattr(row, key, value)
        session.add(row)
        await session.flush()
    return row


async def next_number(session: AsyncSession) -> int:
    """The next case number, taken in the database itself: a report that merely repeats an
    open case takes none, so numbers count real cases (#17, then #18).

    One UPDATE: on PostgreSQL its row lock holds a concurrent report back until this one
    commits, so two cases never get one number. Numbers written by other means (older data,
    imports) are stepped over.
    """
    number = await _step_counter(session)
    if number is None:
        # No counter row: a database emptied by hand (tests truncate it). Whoever inserts it
        # first wins; the others wait on its key, then step the row it made.
        try:
            async with session.begin_nested():
                session.add(CaseCounter(name="case", last=0))
        except IntegrityError:
            pass
        number = await _step_counter(session)
    assert number is not None
    return number


async def _step_counter(session: AsyncSession) -> int | None:
    highest = select(func.coalesce(func.max(Case.number), 0)).scalar_subquery()
    counter = CaseCounter.__table__.c  # type: ignore[attr-defined]
    step = (
        update(CaseCounter)
        .where(col(CaseCounter.name) == "case")
        .values(last=sql_case((counter.last >= highest, counter.last), else_=highest) + 1)
        .returning(counter.last)
    )
    number = (await session.exec(step)).scalar_one_or_none()
    return None if number is None else int(number)


async def open_case(
    session: AsyncSession,
    draft: ReportDraft,
    spec: CategorySpec,
    place: Place,
    reporter: Member | None,
    locale: str | None,
    urgent: bool,
    now: datetime,
    calendar: WorkCalendar,
    *,
    numbered: bool = True,
    reading: dict[str, object] | None = None,
) -> Case:
    """The case a completed draft becomes: numbered, due, its creation recorded."""
    street = await session.get(Street, place.street_id)
    assert street is not None
    category = await category_row(session, spec)
    hours: float | None
    working_days: int | None
    if urgent and spec.urgent_deadline_hours:
        hours, working_days = spec.urgent_deadline_hours, None
    else:
        hours, working_days = spec.deadline_hours, spec.deadline_working_days
    case = Case(
        street_id=place.street_id,
        community_id=place.community_id,
        block_id=place.block_id,
        alley_id=place.alley_id,
        category_id=category.id,
        urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
        text=draft.text,
        lat=draft.lat,
        lon=draft.lon,
        reporter_telegram_id=draft.telegram_id or None,
        reporter_member_id=reporter.id if reporter else None,
        reporter_role=str(reporter.role) if reporter else "resident",
        reporter_locale=locale,
        anonymous=draft.anonymous,
        inspection_level=(reporter.level or "street")
        if reporter is not None and reporter.role == Role.INSPECTOR
        else None,
        media_group_id=draft.media_group_id,
        source_update_id=draft.update_ids[-1] if draft.update_ids else None,
        channel=draft.channel,
        caller_name=draft.caller_name,
        caller_phone=draft.caller_phone,
        created_at=now,
        due_at=due_at(
            now,
            hours=hours,
            working_days=working_days,
            tz=ZoneInfo(street.timezone),
            calendar=calendar,
        ),
    )
    if numbered:
        case.number = await next_number(session)
    session.add(case)
    await session.flush()
    apply(
        session,
        case,
        CaseAction.CREATE,
        at=now,
        actor_telegram_id=draft.telegram_id or None,
        actor_member_id=reporter.id if reporter else None,
        # The updates that carried the report: an edit of one of them is found by them.
        data={
            "category": spec.code,
            "alley": place.code,
            "updates": list(draft.update_ids),
            **(reading or {}),
        },
    )
    for attachment in draft.attachments:
        assert case.id is not None
        session.add(CaseAttachment(case_id=case.id, created_at=now, **attachment))
    return case


async def dispatch_case(session: AsyncSession, case: Case, chosen: Route, now: datetime) -> None:
    """The case given to the route's member (with its assisting units and copies), or sent
    to triage; recorded as an event."""
    assert case.id is not None
    if chosen.to_triage:
        apply(
            session,
            case,
            CaseAction.TO_TRIAGE,
            at=now,
            data={"party": chosen.party.code if chosen.party else None},
        )
        return
    assert chosen.member is not None
    session.add(
        Assignment(
            case_id=case.id,
            party_id=chosen.party.id if chosen.party else None,
            member_id=chosen.member.id,
            role=AssignmentRole.LEAD,
            assigned_at=now,
            due_at=case.due_at,
        )
    )
    for helper in chosen.assist:
        session.add(
            Assignment(
                case_id=case.id,
                party_id=helper.id,
                member_id=_id(chosen.assist_members.get(helper.id)),
                role=AssignmentRole.ASSIST,
                assigned_at=now,
                due_at=case.due_at,
            )
        )
    for chief in chosen.street_chiefs:
        session.add(
            Assignment(
                case_id=case.id, member_id=chief.id, role=AssignmentRole.COPY, assigned_at=now
            )
        )
    apply(
        session,
        case,
        CaseAction.ROUTE,
        at=now,
        data={
            "party": chosen.party.code if chosen.party else None,
            "member": chosen.member.id,
            "reason": chosen.reason,
        },
    )


async def reporter_member(session: AsyncSession, telegram_id: int, street_id: int) -> Member | None:
    for member in await memberships(session, telegram_id):
        if member.street_id == street_id:
            return member
    return None


async def community_of(session: AsyncSession, telegram_id: int) -> int | None:
    user = await session.get(TelegramUser, telegram_id)
    return user.community_id if user else None


def _id(member: Member | None) -> int | None:
    return member.id if member is not None else None
