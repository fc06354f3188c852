"""A member leaving the linkage group: one rule for /members and for the roster import.

Deactivation ends the member's rights at once (they are checked against active memberships
on every press), so nothing he was holding may be left waiting for him: each case where he
is the pending or accepted lead goes to his party's unit head, else to the street
coordinators' triage, recorded as an event like every other change. His invitations, and
those he made, stop working. Nothing is committed here: the caller commits the change
together with the notices about it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import Assignment, AssignmentRole, AssignmentState, Case, CaseAction, CaseState
from models.dispatch import ACTIVE
from models.invites import revoke
from models.lifecycle import apply
from models.members import deactivate
from models.org import Invite, Member, Role

# Why a case changed hands, in its events: the assignee left, nobody chose to hand it back.
REASON = "deactivated"


@dataclass(frozen=True)
class Moved:
    case: Case
    to: Member | None  # the unit head who has it now; None: waiting in triage


@dataclass
class Departure:
    member: Member
    moved: list[Moved] = field(default_factory=list)
    invitations_withdrawn: int = 0


async def deactivate_member(
    session: AsyncSession,
    member: Member,
    now: datetime,
    *,
    by_telegram_id: int | None = None,
    by_member_id: int | None = None,
) -> Departure | None:
    """Deactivate and move his open cases on; None when he was inactive already."""
    if not deactivate(member, now):
        return None
    session.add(member)
    departure = Departure(member)
    departure.invitations_withdrawn = await _withdraw_invitations(session, member, now)
    for lead, case in await _held_cases(session, member):
        lead.state = AssignmentState.CANCELLED
        session.add(lead)
        head = await _unit_head(session, member, lead.party_id)
        data = {"reason": REASON, "from_member": member.id, "party": lead.party_id}
        action = CaseAction.RELEASE if head is None else CaseAction.ASSIGN
        if head is not None:
            data["member"] = head.id
            session.add(
                Assignment(
                    case_id=lead.case_id,
                    party_id=lead.party_id,
                    member_id=head.id,
                    role=AssignmentRole.LEAD,
                    assigned_at=now,
                    due_at=case.due_at,
                )
            )
        apply(
            session,
            case,
            action,
            at=now,
            actor_telegram_id=by_telegram_id,
            actor_member_id=by_member_id,
            data=data,
        )
        departure.moved.append(Moved(case, head))
    await session.flush()
    return departure


async def _held_cases(session: AsyncSession, member: Member) -> list[tuple[Assignment, Case]]:
    rows = await session.exec(
        select(Assignment, Case)
        .join(Case, col(Case.id) == Assignment.case_id)
        .where(
            Assignment.member_id == member.id,
            Assignment.role == AssignmentRole.LEAD,
            col(Assignment.state).in_([s.value for s in ACTIVE]),
            col(Case.state).in_([CaseState.DISPATCHED.value, CaseState.ACCEPTED.value]),
        )
        .order_by(col(Case.id))
    )
    return list(rows.all())


async def _unit_head(session: AsyncSession, leaving: Member, party_id: int | None) -> Member | None:
    """An active, joined unit head of the case's party, if it is not the one leaving."""
    if party_id is None:
        return None
    return (
        await session.exec(
            select(Member)
            .where(
                Member.street_id == leaving.street_id,
                Member.party_id == party_id,
                Member.role == Role.UNIT_HEAD,
                col(Member.active).is_(True),
                col(Member.telegram_id).is_not(None),
                Member.id != leaving.id,
            )
            .order_by(col(Member.id))
        )
    ).first()


async def _withdraw_invitations(session: AsyncSession, member: Member, now: datetime) -> int:
    """His own invitation (he has not joined) and those he made for others."""
    withdrawn = 0
    for invite in await session.exec(
        select(Invite).where(
            or_(Invite.member_id == member.id, Invite.created_by_member_id == member.id),
            col(Invite.revoked_at).is_(None),
        )
    ):
        withdrawn += await revoke(session, invite, now)
    return withdrawn
