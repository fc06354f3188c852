"""Ends of a case other than a fix, and its return after closure.

- *Not accepted* (不予立案): a coordinator closes a report that is no matter for the street
  (a private dispute, not enough to go on, outside the street), with the reason.
- *Transferred* (转办): a coordinator hands it to a body outside the linkage group named in
  the roster (`[[outside_bodies]]`: the 12345 hotline, a neighbouring street, the district).

Both may happen until the case is reported done; the unit holding it, if any, is released
(its assignment cancelled), so the case is due for nobody. Both are events like any other,
and counted as such in the figures (models/assessment.py, models/agenda.py).

- *Back after closure* (又出现了): within `[dispatch] reopen_days` of its closure the reporter
  or the alley's street chief says the problem is back; it goes to the same unit (its last
  lead assignee, else that party's unit head) as rework, with a fresh deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import (
    Assignment,
    AssignmentRole,
    AssignmentState,
    Case,
    CaseAction,
    CaseEvent,
    CaseState,
)
from models.deadlines import WorkCalendar
from models.dispatch import (
    CaseContext,
    NotAllowed,
    calendar_due,
    category_of,
    coordinates_case,
    may_verify,
)
from models.lifecycle import TransitionError, allowed, apply
from models.org import Member, OutsideBody, Role
from models.permissions import Actor

# Reason codes a coordinator picks from; "other" is typed. The English text is what the
# event's note records; the reporter reads it in their own language.
NOT_ACCEPTED_REASONS = ("public", "private", "info", "outside")


@dataclass(frozen=True)
class Released:
    """Who held the case when it was closed without handling (to be told), if anyone."""

    member: Member | None


async def outside_bodies(session: AsyncSession, street_id: int) -> list[OutsideBody]:
    """The bodies a case of this street may be transferred to, in roster order."""
    return list(
        await session.exec(
            select(OutsideBody)
            .where(OutsideBody.street_id == street_id, col(OutsideBody.active).is_(True))
            .order_by(col(OutsideBody.id))
        )
    )


async def check_coordinator(
    session: AsyncSession, actor: Actor, ctx: CaseContext, action: CaseAction
) -> None:
    """Only the case's coordinators close it without handling, and only while unhandled:
    never once a unit has reported it handled, even if it came back for rework since. Not
    filing it then would take from that unit's figures work it did (the case counts for
    nobody once not accepted or transferred)."""
    if not await coordinates_case(session, actor, ctx.case):
        raise NotAllowed
    if not allowed(action, CaseState(ctx.case.state)) or await was_handled(session, ctx.case):
        raise TransitionError(action, CaseState(ctx.case.state))


async def was_handled(session: AsyncSession, case: Case) -> bool:
    """Whether a unit ever reported the case handled."""
    return (
        await session.exec(
            select(CaseEvent.id).where(
                CaseEvent.case_id == case.id, CaseEvent.action == CaseAction.FINISH
            )
        )
    ).first() is not None


async def _release(session: AsyncSession, ctx: CaseContext) -> Released:
    """Cancel what the group still owes on the case: its lead and pending assists."""
    holder = ctx.lead_member if ctx.lead is not None and ctx.lead.state != "done" else None
    for row in await session.exec(
        select(Assignment).where(
            Assignment.case_id == ctx.case.id,
            col(Assignment.role).in_([AssignmentRole.LEAD, AssignmentRole.ASSIST]),
            col(Assignment.state).in_([AssignmentState.PENDING, AssignmentState.ACCEPTED]),
        )
    ):
        row.state = AssignmentState.CANCELLED
        session.add(row)
    return Released(holder)


def _actor_member(actor: Actor, street_id: int | None) -> int | None:
    return next((m.member.id for m in actor.memberships if m.member.street_id == street_id), None)


async def not_accept(
    session: AsyncSession,
    ctx: CaseContext,
    actor: Actor,
    reason_code: str,
    reason: str,
    now: datetime,
) -> Released:
    """Closed as not accepted: `reason_code` one of NOT_ACCEPTED_REASONS or "other",
    `reason` the English text of a listed one, or what was typed."""
    await check_coordinator(session, actor, ctx, CaseAction.NOT_ACCEPT)
    if reason_code not in (*NOT_ACCEPTED_REASONS, "other") or not reason.strip():
        raise ValueError("a reason is needed")
    released = await _release(session, ctx)
    apply(
        session,
        ctx.case,
        CaseAction.NOT_ACCEPT,
        at=now,
        actor_telegram_id=actor.telegram_id,
        actor_member_id=_actor_member(actor, ctx.case.street_id),
        note=reason.strip(),
        data={"reason": reason_code},
    )
    await session.flush()
    return released


async def transfer(
    session: AsyncSession,
    ctx: CaseContext,
    actor: Actor,
    body: OutsideBody,
    note: str,
    now: datetime,
) -> Released:
    """Transferred to `body`, one of the street's outside bodies; `note` stays with staff."""
    await check_coordinator(session, actor, ctx, CaseAction.TRANSFER)
    if body.street_id != ctx.case.street_id or not body.active:
        raise NotAllowed
    released = await _release(session, ctx)
    apply(
        session,
        ctx.case,
        CaseAction.TRANSFER,
        at=now,
        actor_telegram_id=actor.telegram_id,
        actor_member_id=_actor_member(actor, ctx.case.street_id),
        note=note.strip() or None,
        data={"body": body.id, "body_code": body.code},
    )
    await session.flush()
    return released


def may_still_reopen(closed_at: datetime | None, now: datetime, days: int) -> bool:
    return closed_at is not None and now - closed_at <= timedelta(days=days)


async def may_reopen(session: AsyncSession, ctx: CaseContext, telegram_id: int) -> bool:
    """The reporter, or a street chief of the case's alley (as for verification)."""
    return await may_verify(session, ctx.case, telegram_id)


async def _same_unit(session: AsyncSession, ctx: CaseContext) -> tuple[int | None, int | None]:
    """(party, member) the case goes back to: its last lead, else that party's unit head."""
    member = ctx.lead_member
    party_id = ctx.lead.party_id if ctx.lead is not None else None
    if member is not None and member.active and member.telegram_id is not None:
        return party_id or member.party_id, member.id
    if party_id is None:
        return None, None
    head = (
        await session.exec(
            select(Member)
            .where(
                Member.party_id == party_id,
                Member.role == Role.UNIT_HEAD,
                col(Member.active).is_(True),
                col(Member.telegram_id).is_not(None),
            )
            .order_by(col(Member.id))
        )
    ).first()
    return party_id, head.id if head is not None else None


async def reopen_closed(
    session: AsyncSession,
    ctx: CaseContext,
    telegram_id: int,
    note: str,
    now: datetime,
    *,
    days: int,
    tz: ZoneInfo,
    calendar: WorkCalendar,
) -> Assignment:
    """The problem is back: a new lead assignment for the same unit, accepted (it is
    rework, not a new case), due after the category's time from now."""
    if not await may_reopen(session, ctx, telegram_id):
        raise NotAllowed
    if not allowed(CaseAction.REOPEN_CLOSED, CaseState(ctx.case.state)) or not may_still_reopen(
        ctx.case.closed_at, now, days
    ):
        raise TransitionError(CaseAction.REOPEN_CLOSED, CaseState(ctx.case.state))
    assert ctx.case.id is not None
    party_id, member_id = await _same_unit(session, ctx)
    category = await category_of(session, ctx.case)
    if category is not None and (category.deadline_hours or category.deadline_working_days):
        due = calendar_due(now, category, tz, calendar)
    elif ctx.case.due_at is not None:
        due = now + (ctx.case.due_at - ctx.case.created_at)
    else:
        due = now + timedelta(days=3)
    assignment = Assignment(
        case_id=ctx.case.id,
        party_id=party_id,
        member_id=member_id,
        role=AssignmentRole.LEAD,
        state=AssignmentState.ACCEPTED,
        # The same instant as the event: the assessment knows the rework's own assignment.
        assigned_at=now,
        accepted_at=now,
        due_at=due,
    )
    session.add(assignment)
    await session.flush()
    previous = ctx.case.due_at
    apply(
        session,
        ctx.case,
        CaseAction.REOPEN_CLOSED,
        at=now,
        actor_telegram_id=telegram_id,
        note=note.strip() or None,
        data={
            "assignment": assignment.id,
            "member": member_id,
            "party": party_id,
            "from": previous.isoformat() if previous else None,
            "to": due.isoformat(),
        },
    )
    ctx.case.due_at = due
    await session.flush()
    return assignment
