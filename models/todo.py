"""/todo: what is waiting for a member, by role (issue 16, item 2). Plain rows, no telegram.

Open means dispatched or accepted (a reworked case is accepted again). Each function
returns the rows for one role, most urgent first: overdue ones, then by due time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import Assignment, AssignmentRole, Case, CaseState, Category
from models.dispatch import ACTIVE, open_postpone_request
from models.members import AreaRef, StreetMap, load_street_map
from models.org import Alley, Member, Names, Role, Street
from models.permissions import Actor

OPEN = (CaseState.DISPATCHED, CaseState.ACCEPTED)
# A list, not a backlog: each query looks at this many cases at most.
SCANNED = 500


@dataclass(frozen=True)
class TodoRow:
    number: int
    category: Category | None
    alley: Names | None
    state: CaseState
    due_at: datetime | None
    street_id: int | None
    member: str | None = None  # who leads it (the unit head's grouping)


def overdue(row: TodoRow, now: datetime) -> bool:
    return row.due_at is not None and row.due_at < now


def most_urgent(rows: Iterable[TodoRow], now: datetime) -> list[TodoRow]:
    """Overdue first, then by due time (none last), then by number."""
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(
        rows,
        key=lambda r: (not overdue(r, now), r.due_at or far, r.number),
    )


async def _rows(
    session: AsyncSession, cases: Sequence[Case], leads: dict[int, str] | None = None
) -> list[TodoRow]:
    rows = []
    for case in cases:
        if case.number is None or case.id is None:
            continue
        category = await session.get(Category, case.category_id) if case.category_id else None
        alley = await session.get(Alley, case.alley_id) if case.alley_id else None
        rows.append(
            TodoRow(
                number=case.number,
                category=category,
                alley=Names(alley.name, alley.name_en) if alley else None,
                state=CaseState(case.state),
                due_at=case.due_at,
                street_id=case.street_id,
                member=(leads or {}).get(case.id),
            )
        )
    return rows


def _of_role(actor: Actor, role: Role) -> list[Member]:
    return [m.member for m in actor.memberships if m.member.role == role]


async def assigned(session: AsyncSession, actor: Actor, now: datetime) -> list[TodoRow]:
    """The open cases whose active lead assignment names one of the actor's memberships."""
    member_ids = [m.member.id for m in actor.memberships]
    if not member_ids:
        return []
    cases = (
        await session.exec(
            select(Case)
            .join(Assignment, col(Assignment.case_id) == col(Case.id))
            .where(
                col(Assignment.member_id).in_(member_ids),
                Assignment.role == AssignmentRole.LEAD,
                col(Assignment.state).in_([s.value for s in ACTIVE]),
                col(Case.state).in_([s.value for s in OPEN]),
            )
            .distinct()
            .limit(SCANNED)
        )
    ).all()
    return most_urgent(await _rows(session, cases), now)


async def party_cases(session: AsyncSession, actor: Actor, now: datetime) -> list[TodoRow]:
    """A unit head's party's open cases in his street, with who leads each."""
    rows: list[TodoRow] = []
    for head in _of_role(actor, Role.UNIT_HEAD):
        if head.party_id is None:
            continue
        pairs = (
            await session.exec(
                select(Case, Assignment)
                .join(Assignment, col(Assignment.case_id) == col(Case.id))
                .where(
                    Case.street_id == head.street_id,
                    Assignment.party_id == head.party_id,
                    Assignment.role == AssignmentRole.LEAD,
                    col(Assignment.state).in_([s.value for s in ACTIVE]),
                    col(Case.state).in_([s.value for s in OPEN]),
                )
                .limit(SCANNED)
            )
        ).all()
        leads: dict[int, str] = {}
        cases: dict[int, Case] = {}
        for case, assignment in pairs:
            assert case.id is not None
            member = (
                await session.get(Member, assignment.member_id) if assignment.member_id else None
            )
            leads[case.id] = member.name if member else ""
            cases[case.id] = case
        rows += await _rows(session, list(cases.values()), leads)
    return most_urgent(rows, now)


async def alley_cases(session: AsyncSession, actor: Actor, now: datetime) -> list[TodoRow]:
    """A street chief's alleys' open cases."""
    alley_ids: set[int] = set()
    for chief in _of_role(actor, Role.STREET_CHIEF):
        street = await session.get(Street, chief.street_id)
        assert street is not None
        street_map = await load_street_map(session, street)
        for membership in actor.memberships:
            if membership.member.id != chief.id:
                continue
            for area in membership.areas:
                alley_ids |= _alleys_in(area, street_map)
    if not alley_ids:
        return []
    cases = (
        await session.exec(
            select(Case)
            .where(col(Case.alley_id).in_(alley_ids), col(Case.state).in_([s.value for s in OPEN]))
            .limit(SCANNED)
        )
    ).all()
    return most_urgent(await _rows(session, cases), now)


def _alleys_in(area: AreaRef, street_map: StreetMap) -> set[int]:
    if area.kind == "alley":
        return {area.id}
    if area.kind == "block":
        return {i for i, a in street_map.alleys.items() if a.block_id == area.id}
    return {
        i
        for i, a in street_map.alleys.items()
        if street_map.blocks[a.block_id].community_id == area.id
    }


@dataclass(frozen=True)
class CoordinatorTodo:
    triage: list[TodoRow]
    overdue: list[TodoRow]
    postponements: list[TodoRow]


async def _coordinated(session: AsyncSession, actor: Actor) -> set[int] | None:
    """The community ids the actor coordinates; None for an admin (everywhere)."""
    if actor.is_admin:
        return None
    scope: set[int] = set()
    for street_id in {m.street_id for m in _of_role(actor, Role.COORDINATOR)}:
        street = await session.get(Street, street_id)
        assert street is not None
        scope |= actor.coordinated_communities(await load_street_map(session, street)) or set()
    return scope


async def coordinator(session: AsyncSession, actor: Actor, now: datetime) -> CoordinatorTodo:
    """The triage queue, the overdue open cases and the open postponement requests."""
    scope = await _coordinated(session, actor)

    async def in_scope(*conditions: object) -> list[Case]:
        query = select(Case).where(*conditions)  # type: ignore[arg-type]
        if scope is not None:
            query = query.where(col(Case.community_id).in_(scope))
        return list((await session.exec(query.order_by(col(Case.id)).limit(SCANNED))).all())

    triage = await in_scope(Case.state == CaseState.TRIAGE)
    late = await in_scope(
        col(Case.state).in_([s.value for s in OPEN]),
        col(Case.due_at).is_not(None),
        col(Case.due_at) < now,
    )
    asked = []
    for case in await in_scope(col(Case.state).in_([s.value for s in OPEN])):
        assert case.id is not None
        if await open_postpone_request(session, case.id) is not None:
            asked.append(case)
    return CoordinatorTodo(
        triage=sorted(await _rows(session, triage), key=lambda r: r.number),
        overdue=most_urgent(await _rows(session, late), now),
        postponements=most_urgent(await _rows(session, asked), now),
    )


def roles(actor: Actor) -> set[Role]:
    return {Role(m.member.role) for m in actor.memberships}
