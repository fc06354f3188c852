"""Everything that falls due, computed from the database alone.

`tick(now)` finds the reminders, escalations and verification time-outs that are due at
`now` and not yet recorded, records each as an event (the caller commits them together
with the messages they cause), and returns what to tell whom. Run it every minute and once
at start-up: after downtime, what fell due meanwhile happens then, once, because the
events say what was already done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import (
    Assignment,
    AssignmentRole,
    Case,
    CaseAction,
    CaseEvent,
    CaseState,
)
from models.dispatch import ACTIVE, VERIFY_HOURS
from models.lifecycle import apply
from models.members import member_areas
from models.org import Member, Role

ESCALATION_LEVELS = 4  # the assignee, the unit head, the street coordinators, the admins


@dataclass(frozen=True)
class TimerSettings:
    verify_hours: float = VERIFY_HOURS
    admins: tuple[int, ...] = ()


@dataclass
class Notice:
    kind: str  # "remind", "escalate", "closed_by_default"
    case: Case
    recipients: list[int]
    level: int = 0
    data: dict[str, object] = field(default_factory=dict)


def _clamp(value: timedelta, low: timedelta, high: timedelta) -> timedelta:
    return max(low, min(high, value))


def reminder_lead(case: Case) -> timedelta:
    """How long before the deadline the assignee is reminded: a quarter of the time given."""
    assert case.due_at is not None
    return _clamp((case.due_at - case.created_at) / 4, timedelta(minutes=30), timedelta(hours=24))


def escalation_gap(case: Case) -> timedelta:
    """How long each step of the escalation waits before the next: half the time given."""
    assert case.due_at is not None
    return _clamp((case.due_at - case.created_at) / 2, timedelta(hours=1), timedelta(hours=24))


async def _recorded(
    session: AsyncSession, case_id: int, due: str
) -> tuple[bool, set[int], set[int]]:
    """For the deadline in force: reminded yet, the escalation levels reached, and who has
    been told it is overdue."""
    reminded, levels, told = False, set[int](), set[int]()
    for event in await session.exec(
        select(CaseEvent).where(
            CaseEvent.case_id == case_id,
            col(CaseEvent.action).in_([CaseAction.REMIND, CaseAction.ESCALATE]),
        )
    ):
        if event.data.get("due") != due:
            continue  # a postponement starts the chain again
        if event.action == CaseAction.REMIND:
            reminded = True
        else:
            levels.add(int(event.data.get("level", 0)))
            told.update(int(t) for t in event.data.get("recipients") or [])
    return reminded, levels, told


async def _chain(session: AsyncSession, case: Case, settings: TimerSettings) -> list[list[int]]:
    """Who hears of an overdue case at each level."""
    lead = (
        await session.exec(
            select(Assignment).where(
                Assignment.case_id == case.id,
                Assignment.role == AssignmentRole.LEAD,
                col(Assignment.state).in_([s.value for s in ACTIVE]),
            )
        )
    ).first()
    assignee = await session.get(Member, lead.member_id) if lead and lead.member_id else None
    heads = []
    if lead is not None and lead.party_id is not None:
        heads = [
            m.telegram_id
            for m in await session.exec(
                select(Member).where(
                    Member.party_id == lead.party_id,
                    Member.role == Role.UNIT_HEAD,
                    col(Member.active).is_(True),
                    col(Member.telegram_id).is_not(None),
                )
            )
        ]
    coordinators = []
    for member in await session.exec(
        select(Member).where(
            Member.street_id == case.street_id,
            Member.role == Role.COORDINATOR,
            col(Member.active).is_(True),
            col(Member.telegram_id).is_not(None),
        )
    ):
        assert member.id is not None
        areas = await member_areas(session, member.id)
        if not areas:
            coordinators.append(member.telegram_id)
    levels = [
        [assignee.telegram_id] if assignee and assignee.active and assignee.telegram_id else [],
        [h for h in heads if h is not None],
        [c for c in coordinators if c is not None],
        list(settings.admins),
    ]
    if case.state == CaseState.TRIAGE:  # nobody of a party yet: start with the coordinators
        levels = [levels[2], levels[2], levels[2], levels[3]]
    return levels


async def tick(session: AsyncSession, now: datetime, settings: TimerSettings) -> list[Notice]:
    notices: list[Notice] = []
    horizon = now + timedelta(hours=24)
    open_cases = await session.exec(
        select(Case)
        .where(
            col(Case.state).in_([CaseState.TRIAGE, CaseState.DISPATCHED, CaseState.ACCEPTED]),
            col(Case.due_at).is_not(None),
            col(Case.due_at) <= horizon,
        )
        .order_by(col(Case.id))
    )
    for case in list(open_cases):
        assert case.id is not None and case.due_at is not None
        due = case.due_at.isoformat()
        reminded, levels, told = await _recorded(session, case.id, due)
        chain = None
        if (
            not reminded
            and case.due_at - reminder_lead(case) <= now < case.due_at
            and case.state != CaseState.TRIAGE
        ):
            chain = await _chain(session, case, settings)
            apply(session, case, CaseAction.REMIND, at=now, data={"due": due})
            notices.append(Notice("remind", case, chain[0]))
        gap = escalation_gap(case)
        for level in range(1, ESCALATION_LEVELS + 1):
            if level in levels or now < case.due_at + gap * (level - 1):
                continue
            chain = chain or await _chain(session, case, settings)
            late = now - case.due_at
            # Each person hears a deadline missed once, at the first level that names him: a
            # unit head who is the assignee is not "escalated to"; coordinators of a case
            # handed back to triage are told once, not at every level.
            recipients = [t for t in dict.fromkeys(chain[level - 1]) if t not in told]
            told.update(recipients)
            apply(
                session,
                case,
                CaseAction.ESCALATE,
                at=now,
                data={"due": due, "level": level, "recipients": recipients},
            )
            notices.append(
                Notice(
                    "escalate",
                    case,
                    recipients,
                    level,
                    {"late_hours": late.total_seconds() / 3600},
                )
            )
    done_before = now - timedelta(hours=settings.verify_hours)
    waiting = await session.exec(
        select(Case)
        .where(Case.state == CaseState.DONE, col(Case.done_at) <= done_before)
        .order_by(col(Case.id))
    )
    for case in list(waiting):
        apply(
            session,
            case,
            CaseAction.CLOSE_BY_DEFAULT,
            at=now,
            note=f"no verification within {settings.verify_hours:g} h",
        )
        recipients = [case.reporter_telegram_id] if case.reporter_telegram_id else []
        notices.append(Notice("closed_by_default", case, recipients))
    await session.flush()  # committed by the caller, with the messages these events cause
    return notices
