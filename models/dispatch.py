"""What members do with a case once it is dispatched, and who may do it.

Only the case's assignee, the unit head of the assignee's party and the coordinators of the
case's community or street (and admins) act on a case. The actions flush but do not commit:
the update's one commit (bot/app.py) writes the change, the messages it causes and the
inbox row together. Every action goes through the state
machine (`lifecycle.apply`), so a stale or repeated button press raises TransitionError and
changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import (
    Assignment,
    AssignmentRole,
    AssignmentState,
    Case,
    CaseAction,
    CaseAttachment,
    CaseEvent,
    CaseState,
    Category,
    PendingInput,
)
from models.deadlines import WorkCalendar, due_at
from models.lifecycle import TransitionError, allowed, apply
from models.members import AreaRef, load_street_map, member_areas
from models.org import Member, Party, Role, Street
from models.permissions import Actor

ACTIVE = (AssignmentState.PENDING, AssignmentState.ACCEPTED)
VERIFY_HOURS = 72.0


class NotAllowed(Exception):
    pass


@dataclass(frozen=True)
class CaseContext:
    case: Case
    lead: Assignment | None
    lead_member: Member | None
    party: Party | None
    street: Street


async def load(session: AsyncSession, case_id: int) -> CaseContext | None:
    case = await session.get(Case, case_id)
    if case is None or case.street_id is None:
        return None
    street = await session.get(Street, case.street_id)
    assert street is not None
    lead = await lead_assignment(session, case_id)
    member = await session.get(Member, lead.member_id) if lead and lead.member_id else None
    party = await session.get(Party, lead.party_id) if lead and lead.party_id else None
    return CaseContext(case, lead, member, party, street)


async def lead_assignment(session: AsyncSession, case_id: int) -> Assignment | None:
    return (
        await session.exec(
            select(Assignment)
            .where(
                Assignment.case_id == case_id,
                Assignment.role == AssignmentRole.LEAD,
                col(Assignment.state).in_([s.value for s in (*ACTIVE, AssignmentState.DONE)]),
            )
            .order_by(col(Assignment.id).desc())
        )
    ).first()


async def coordinates_case(session: AsyncSession, actor: Actor, case: Case) -> bool:
    if actor.is_admin:
        return True
    street = await session.get(Street, case.street_id)
    if street is None:
        return False
    scope = actor.coordinated_communities(await load_street_map(session, street))
    return bool(scope) and case.community_id in (scope or set())


def is_assignee(actor: Actor, ctx: CaseContext) -> bool:
    """The case's lead is one of the actor's memberships that are still active.

    Compared by membership, not by Telegram id: a deactivated member keeps his Telegram
    account, and an old dispatch message with its buttons, but not the right to use them.
    """
    lead = ctx.lead_member
    return lead is not None and any(m.member.id == lead.id for m in actor.memberships)


async def may_act(session: AsyncSession, actor: Actor, ctx: CaseContext) -> bool:
    """The assignee, the unit head of the assignee's party, the case's coordinators."""
    if is_assignee(actor, ctx):
        return True
    if ctx.party is not None and ctx.party.id in actor.headed_parties(ctx.street.id or 0):
        return True
    return await coordinates_case(session, actor, ctx.case)


def _member_of(actor: Actor, street_id: int | None) -> Member | None:
    return next((m.member for m in actor.memberships if m.member.street_id == street_id), None)


async def _check(session: AsyncSession, actor: Actor, ctx: CaseContext, action: CaseAction) -> None:
    if not await may_act(session, actor, ctx):
        raise NotAllowed
    if not allowed(action, CaseState(ctx.case.state)):
        raise TransitionError(action, CaseState(ctx.case.state))


async def accept(session: AsyncSession, ctx: CaseContext, actor: Actor, now: datetime) -> None:
    await _check(session, actor, ctx, CaseAction.ACCEPT)
    _record(session, ctx, actor, CaseAction.ACCEPT, now)
    if ctx.lead is not None:
        ctx.lead.state = AssignmentState.ACCEPTED
        ctx.lead.accepted_at = now
        session.add(ctx.lead)
    await session.flush()


async def hand_back(
    session: AsyncSession, ctx: CaseContext, actor: Actor, reason: str, now: datetime
) -> None:
    await _check(session, actor, ctx, CaseAction.HAND_BACK)
    _record(session, ctx, actor, CaseAction.HAND_BACK, now, note=reason)
    if ctx.lead is not None:
        ctx.lead.state = AssignmentState.HANDED_BACK
        session.add(ctx.lead)
    await session.flush()


async def finish(
    session: AsyncSession,
    ctx: CaseContext,
    actor: Actor,
    now: datetime,
    note: str | None = None,
    photo: dict[str, str | None] | None = None,
) -> None:
    await _check(session, actor, ctx, CaseAction.FINISH)
    event = _record(session, ctx, actor, CaseAction.FINISH, now, note=note)
    await session.flush()
    if photo is not None:
        assert ctx.case.id is not None
        session.add(
            CaseAttachment(
                case_id=ctx.case.id,
                event_id=event.id,
                created_at=now,
                kind="photo",
                file_id=str(photo["file_id"]),
                file_unique_id=photo.get("file_unique_id"),
                caption=photo.get("caption"),
            )
        )
    if ctx.lead is not None:
        ctx.lead.state = AssignmentState.DONE
        ctx.lead.done_at = now
        session.add(ctx.lead)
    await session.flush()


async def category_of(session: AsyncSession, case: Case) -> Category | None:
    return await session.get(Category, case.category_id) if case.category_id else None


def extended_due(
    case: Case, days: int, tz: ZoneInfo, calendar: WorkCalendar, now: datetime
) -> datetime:
    """`days` working days more: from the deadline, or from now when it has passed, so a new
    deadline is always in the future and never earlier than the one it replaces."""
    base = max(case.due_at, now) if case.due_at is not None else now
    return calendar.add_working_days(base, days, tz)


async def original_due(session: AsyncSession, case: Case) -> datetime | None:
    """The deadline the current assignee was given, before any postponement of it."""
    original: datetime | None = None
    for event in await session.exec(
        select(CaseEvent)
        .where(
            CaseEvent.case_id == case.id,
            col(CaseEvent.action).in_(
                [CaseAction.CREATE, CaseAction.ROUTE, CaseAction.ASSIGN, CaseAction.POSTPONE]
            ),
        )
        .order_by(col(CaseEvent.id))
    ):
        if event.action != CaseAction.POSTPONE:
            original = None  # a new assignment, a new deadline
        elif original is None and event.data.get("from"):
            original = datetime.fromisoformat(event.data["from"])
    return original or case.due_at


def within_limit(
    original: datetime | None,
    new_due: datetime,
    category: Category | None,
    tz: ZoneInfo,
    calendar: WorkCalendar,
) -> bool:
    """Up to one more period of the category's deadline past the original deadline (however
    often it was postponed since), and at least a working day, needs nobody's approval."""
    if original is None or category is None:
        return False
    limit = calendar.add_working_days(original, 1, tz)
    if category.deadline_working_days:
        limit = max(limit, calendar.add_working_days(original, category.deadline_working_days, tz))
    elif category.deadline_hours:
        limit = max(limit, original + timedelta(hours=category.deadline_hours))
    return new_due <= limit


async def postpone(
    session: AsyncSession,
    ctx: CaseContext,
    actor: Actor,
    new_due: datetime,
    reason: str,
    now: datetime,
    calendar: WorkCalendar,
) -> bool:
    """True when postponed at once; False when a coordinator was asked to approve."""
    await _check(session, actor, ctx, CaseAction.POSTPONE)
    if new_due <= now:
        raise ValueError("a new deadline is in the future")
    data = {
        "from": ctx.case.due_at.isoformat() if ctx.case.due_at else None,
        "to": new_due.isoformat(),
    }
    if not await needs_approval(session, ctx, actor, new_due, calendar):
        _record(session, ctx, actor, CaseAction.POSTPONE, now, note=reason, data=data)
        ctx.case.due_at = new_due
        if ctx.lead is not None:
            ctx.lead.due_at = new_due
            session.add(ctx.lead)
        await session.flush()
        return True
    _record(session, ctx, actor, CaseAction.POSTPONE_REQUEST, now, note=reason, data=data)
    await session.flush()
    return False


async def check_may_postpone(session: AsyncSession, actor: Actor, ctx: CaseContext) -> None:
    """NotAllowed or TransitionError unless `actor` may postpone the case as it now stands."""
    await _check(session, actor, ctx, CaseAction.POSTPONE)


async def needs_approval(
    session: AsyncSession,
    ctx: CaseContext,
    actor: Actor,
    new_due: datetime,
    calendar: WorkCalendar,
) -> bool:
    """Past the category's limit, a postponement by anyone but a coordinator of the case
    waits for a coordinator's approval."""
    category = await category_of(session, ctx.case)
    original = await original_due(session, ctx.case)
    tz = ZoneInfo(ctx.street.timezone)
    if within_limit(original, new_due, category, tz, calendar):
        return False
    return not await coordinates_case(session, actor, ctx.case)


async def open_postpone_request(session: AsyncSession, case_id: int) -> CaseEvent | None:
    """The latest postponement request, if nobody has decided it yet."""
    events = (
        await session.exec(
            select(CaseEvent)
            .where(
                CaseEvent.case_id == case_id,
                col(CaseEvent.action).in_(
                    [CaseAction.POSTPONE_REQUEST, CaseAction.POSTPONE, CaseAction.POSTPONE_REFUSED]
                ),
            )
            .order_by(col(CaseEvent.id).desc())
        )
    ).first()
    return events if events is not None and events.action == CaseAction.POSTPONE_REQUEST else None


async def decide_postponement(
    session: AsyncSession, ctx: CaseContext, actor: Actor, approve: bool, now: datetime
) -> CaseEvent:
    if not await coordinates_case(session, actor, ctx.case):
        raise NotAllowed
    assert ctx.case.id is not None
    request = await open_postpone_request(session, ctx.case.id)
    if request is None:
        raise TransitionError(CaseAction.POSTPONE, CaseState(ctx.case.state))
    action = CaseAction.POSTPONE if approve else CaseAction.POSTPONE_REFUSED
    if not allowed(action, CaseState(ctx.case.state)):
        raise TransitionError(action, CaseState(ctx.case.state))
    _record(
        session,
        ctx,
        actor,
        action,
        now,
        note=request.note,
        data={**request.data, "requested_by": request.actor_telegram_id},
    )
    if approve:
        ctx.case.due_at = datetime.fromisoformat(request.data["to"])
        if ctx.lead is not None:
            ctx.lead.due_at = ctx.case.due_at
            session.add(ctx.lead)
    await session.flush()
    return request


async def recategorise(
    session: AsyncSession, ctx: CaseContext, actor: Actor, category: Category, now: datetime
) -> bool:
    """A coordinator corrects the case's category, recorded as an event of its own (data
    {from, to}: the categories' codes) so intake can learn from it. False: unchanged."""
    if not await coordinates_case(session, actor, ctx.case):
        raise NotAllowed
    if category.street_id not in (None, ctx.case.street_id) or not category.active:
        raise NotAllowed
    if not allowed(CaseAction.RECATEGORISE, CaseState(ctx.case.state)):
        raise TransitionError(CaseAction.RECATEGORISE, CaseState(ctx.case.state))
    if category.id == ctx.case.category_id:
        return False
    old = await category_of(session, ctx.case)
    _record(
        session,
        ctx,
        actor,
        CaseAction.RECATEGORISE,
        now,
        data={"from": old.code if old else None, "to": category.code},
    )
    ctx.case.category_id = category.id
    await session.flush()
    return True


async def assign(
    session: AsyncSession,
    ctx: CaseContext,
    actor: Actor,
    member: Member,
    now: datetime,
    calendar: WorkCalendar,
) -> None:
    """A coordinator gives the case (from triage, or any time) to a member of a party, who
    gets the category's full time from now: never an old, or even a past, deadline."""
    if not await coordinates_case(session, actor, ctx.case):
        raise NotAllowed
    if member.street_id != ctx.case.street_id or not member.active or member.telegram_id is None:
        raise NotAllowed
    if not allowed(CaseAction.ASSIGN, CaseState(ctx.case.state)):
        raise TransitionError(CaseAction.ASSIGN, CaseState(ctx.case.state))
    assert ctx.case.id is not None
    for row in await session.exec(
        select(Assignment).where(
            Assignment.case_id == ctx.case.id,
            Assignment.role == AssignmentRole.LEAD,
            col(Assignment.state).in_([s.value for s in ACTIVE]),
        )
    ):
        row.state = AssignmentState.CANCELLED
        session.add(row)
    category = await category_of(session, ctx.case)
    if category is not None and (category.deadline_hours or category.deadline_working_days):
        ctx.case.due_at = calendar_due(now, category, ZoneInfo(ctx.street.timezone), calendar)
    session.add(
        Assignment(
            case_id=ctx.case.id,
            party_id=member.party_id,
            member_id=member.id,
            role=AssignmentRole.LEAD,
            assigned_at=now,
            due_at=ctx.case.due_at,
        )
    )
    _record(
        session,
        ctx,
        actor,
        CaseAction.ASSIGN,
        now,
        data={
            "member": member.id,
            "party": member.party_id,
            "due": ctx.case.due_at.isoformat() if ctx.case.due_at else None,
        },
    )
    await session.flush()


async def assist_done(
    session: AsyncSession, case: Case, assignment: Assignment, actor: Actor, now: datetime
) -> None:
    """An assisting party says its part is done: its members, its head, the coordinators."""
    street_id = case.street_id or 0
    mine = any(m.member.party_id == assignment.party_id for m in actor.in_street(street_id))
    if not (mine or await coordinates_case(session, actor, case)):
        raise NotAllowed
    if assignment.state == AssignmentState.DONE or not allowed(
        CaseAction.ASSIST_DONE, CaseState(case.state)
    ):
        raise TransitionError(CaseAction.ASSIST_DONE, CaseState(case.state))
    assignment.state = AssignmentState.DONE
    assignment.done_at = now
    session.add(assignment)
    apply(
        session,
        case,
        CaseAction.ASSIST_DONE,
        at=now,
        actor_telegram_id=actor.telegram_id,
        data={"party": assignment.party_id},
    )
    await session.flush()


# Verification (核查) ------------------------------------------------------------------------


async def verifiers(session: AsyncSession, case: Case) -> list[int]:
    """Who is asked whether it is fixed: the reporter, else the alley's street chiefs. A
    report taken by staff (it has a channel) goes to the street chiefs: the caller has no
    Telegram, and the coordinator who filed it did not see the problem."""
    chiefs = []
    if case.alley_id is not None:
        for member in await session.exec(
            select(Member).where(
                Member.street_id == case.street_id,
                Member.role == Role.STREET_CHIEF,
                col(Member.active).is_(True),
                col(Member.telegram_id).is_not(None),
            )
        ):
            assert member.id is not None
            if AreaRef("alley", case.alley_id) in await member_areas(session, member.id):
                chiefs.append(member.telegram_id)
    reporter = case.reporter_telegram_id
    if reporter is not None and case.channel is None:
        return [reporter]
    return [c for c in chiefs if c is not None]


async def may_verify(session: AsyncSession, case: Case, telegram_id: int) -> bool:
    if telegram_id == case.reporter_telegram_id and case.channel is None:
        return True
    return telegram_id in await verifiers(session, case) or await _is_chief_of(
        session, case, telegram_id
    )


async def _is_chief_of(session: AsyncSession, case: Case, telegram_id: int) -> bool:
    if case.alley_id is None:
        return False
    for member in await session.exec(
        select(Member).where(
            Member.street_id == case.street_id,
            Member.telegram_id == telegram_id,
            Member.role == Role.STREET_CHIEF,
            col(Member.active).is_(True),
        )
    ):
        assert member.id is not None
        if AreaRef("alley", case.alley_id) in await member_areas(session, member.id):
            return True
    return False


async def confirm(
    session: AsyncSession, case: Case, telegram_id: int, satisfaction: int | None, now: datetime
) -> None:
    if not await may_verify(session, case, telegram_id):
        raise NotAllowed
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise ValueError("satisfaction is 1 to 5")
    apply(
        session,
        case,
        CaseAction.CONFIRM,
        at=now,
        actor_telegram_id=telegram_id,
        data={"satisfaction": satisfaction},
    )
    case.satisfaction = satisfaction
    await session.flush()


async def rate(session: AsyncSession, case: Case, telegram_id: int, satisfaction: int) -> None:
    """The mark given after confirming (a separate tap)."""
    if not await may_verify(session, case, telegram_id):
        raise NotAllowed
    if case.state != CaseState.CLOSED or not 1 <= satisfaction <= 5:
        raise TransitionError(CaseAction.CONFIRM, CaseState(case.state))
    case.satisfaction = satisfaction
    session.add(case)
    await session.flush()


async def reopen(
    session: AsyncSession,
    ctx: CaseContext,
    telegram_id: int,
    now: datetime,
    reason: str | None = None,
) -> CaseEvent:
    """Not fixed (返工): back to the same assignee at once. Pressing "not fixed" is the
    objection itself: the reason, if the verifier types one, comes later (`add_objection`),
    and the case, no longer waiting for verification, cannot close by default meanwhile."""
    if not await may_verify(session, ctx.case, telegram_id):
        raise NotAllowed
    event = apply(
        session, ctx.case, CaseAction.REOPEN, at=now, actor_telegram_id=telegram_id, note=reason
    )
    back_to_work(session, ctx)
    await session.flush()
    return event


def back_to_work(session: AsyncSession, ctx: CaseContext) -> None:
    """Found not fixed: the lead's assignment is being worked on again, not done."""
    if ctx.lead is not None:
        ctx.lead.state = AssignmentState.ACCEPTED
        ctx.lead.done_at = None
        session.add(ctx.lead)


async def add_objection(
    session: AsyncSession, case: Case, event_id: int | None, telegram_id: int, reason: str
) -> CaseEvent:
    """The reason typed after "not fixed", added to the reopen event it explains (once)."""
    event = await session.get(CaseEvent, event_id) if event_id is not None else None
    if (
        event is None
        or event.case_id != case.id
        or event.action != CaseAction.REOPEN
        or event.actor_telegram_id != telegram_id
        or event.note
    ):
        raise TransitionError(CaseAction.REOPEN, CaseState(case.state))
    event.note = reason
    session.add(event)
    await session.flush()
    return event


# Questions awaiting a typed answer ----------------------------------------------------------


async def ask(
    session: AsyncSession,
    telegram_id: int,
    kind: str,
    case_id: int | None,
    now: datetime,
    **data: object,
) -> None:
    pending = await session.get(PendingInput, telegram_id)
    if pending is None:
        pending = PendingInput(telegram_id=telegram_id, kind=kind, case_id=case_id)
    pending.kind, pending.case_id, pending.data, pending.created_at = kind, case_id, dict(data), now
    session.add(pending)
    await session.commit()


async def take_pending(
    session: AsyncSession, telegram_id: int, now: datetime
) -> PendingInput | None:
    """The open question for this person, if any (questions lapse after a day)."""
    pending = await session.get(PendingInput, telegram_id)
    if pending is None:
        return None
    await session.delete(pending)
    await session.flush()
    if pending.created_at < now - timedelta(days=1):
        return None
    return pending


def pending_ref(pending: PendingInput) -> int | None:
    """What the question is about: its case, else the meeting occurrence, series or street
    its data names."""
    if pending.case_id is not None:
        return pending.case_id
    for key in ("occurrence", "series", "street"):
        value = pending.data.get(key)
        if isinstance(value, int) or (
            isinstance(value, str) and value.isascii() and value.isdigit()
        ):
            return int(value)
    return None


async def drop_pending(session: AsyncSession, telegram_id: int, kind: str, ref: int) -> bool:
    """This person's question of `kind` about `ref`, dropped (cancelled). False when he has
    no such question open: it was answered, cancelled, replaced, or never his. Commits."""
    pending = await session.get(PendingInput, telegram_id)
    if pending is None or pending.kind != kind or pending_ref(pending) != ref:
        return False
    await session.delete(pending)
    await session.commit()
    return True


def _record(
    session: AsyncSession,
    ctx: CaseContext,
    actor: Actor,
    action: CaseAction,
    now: datetime,
    note: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> CaseEvent:
    """The action on the case, recorded as the actor's (and their membership's, if any)."""
    return apply(
        session,
        ctx.case,
        action,
        at=now,
        actor_telegram_id=actor.telegram_id,
        actor_member_id=_id(_member_of(actor, ctx.case.street_id)),
        note=note,
        data=dict(data) if data else None,
    )


def _id(member: Member | None) -> int | None:
    return member.id if member is not None else None


def calendar_due(
    created: datetime, category: Category, tz: ZoneInfo, calendar: WorkCalendar
) -> datetime:
    return due_at(
        created,
        hours=category.deadline_hours,
        working_days=category.deadline_working_days,
        tz=tz,
        calendar=calendar,
    )
