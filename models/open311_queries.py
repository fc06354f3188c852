"""What GET requests reads: the cases a key may see, filtered and paged as GeoReport asks,
with what each needs to be shown (category, alley, street, leading unit, public history)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import Assignment, AssignmentRole, Case, CaseState, Category
from models.open311 import (
    CLOSED_STATES,
    ApiKey,
    Note,
    filed_by,
    last_changed,
    notes,
)
from models.org import Alley, Party, Street

T = TypeVar("T")
PAGE_MAX = 1000
SPAN_MAX = timedelta(days=90)
IDS_MAX = 100


@dataclass
class Query:
    street_ids: list[int] | None  # None: every street
    numbers: list[int] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    statuses: list[str] = field(default_factory=list)  # "open", "closed"
    page: int = 1
    page_size: int = PAGE_MAX


@dataclass(frozen=True)
class Shown:
    """A case with everything its GeoReport form shows."""

    case: Case
    category: Category | None
    alley: Alley | None
    street: Street
    party: Party | None
    notes: list[Note]
    updated: datetime
    channel: str | None  # the key's name, "telegram", or a staff channel; None when hidden


async def visible_streets(
    session: AsyncSession, key: ApiKey, street: Street | None
) -> list[int] | None:
    if street is not None:
        assert street.id is not None
        return [street.id]
    if not key.streets:
        return None
    rows = await session.exec(select(Street.id).where(col(Street.code).in_(key.streets)))
    return [street_id for street_id in rows if street_id is not None]


async def find(session: AsyncSession, query: Query) -> list[Case]:
    conditions: list[ColumnElement[bool]] = [col(Case.number).is_not(None)]
    if query.street_ids is not None:
        conditions.append(col(Case.street_id).in_(query.street_ids))
    if query.numbers:
        conditions.append(col(Case.number).in_(query.numbers))
    else:
        if query.service_codes:
            ids = select(Category.id).where(col(Category.code).in_(query.service_codes))
            conditions.append(col(Case.category_id).in_(ids))
        if query.start is not None:
            conditions.append(col(Case.created_at) >= query.start)
        if query.end is not None:
            conditions.append(col(Case.created_at) <= query.end)
        closed = [s.value for s in CLOSED_STATES]
        if set(query.statuses) == {"open"}:
            conditions.append(col(Case.state).not_in(closed))
        elif set(query.statuses) == {"closed"}:
            conditions.append(col(Case.state).in_(closed))
    statement = (
        select(Case)
        .where(*conditions)
        .order_by(col(Case.created_at).desc(), col(Case.id).desc())
        .offset((query.page - 1) * query.page_size)
        .limit(query.page_size)
    )
    return list(await session.exec(statement))


async def shown(session: AsyncSession, cases: Sequence[Case]) -> list[Shown]:
    """The cases with their names and history, read in a few queries for the whole page."""
    ids = [c.id for c in cases if c.id is not None]
    categories = await _by_id(session, Category, {c.category_id for c in cases})
    alleys = await _by_id(session, Alley, {c.alley_id for c in cases})
    streets = await _by_id(session, Street, {c.street_id for c in cases})
    leads: dict[int, int | None] = {}
    if ids:
        rows = await session.exec(
            select(Assignment.case_id, Assignment.party_id)
            .where(col(Assignment.case_id).in_(ids), Assignment.role == AssignmentRole.LEAD)
            .order_by(col(Assignment.id))
        )
        for case_id, party_id in rows:
            leads[case_id] = party_id  # the latest lead wins
    parties = await _by_id(session, Party, set(leads.values()))
    history = await notes(session, ids)
    changed = await last_changed(session, ids)
    keys = await filed_by(session, ids)
    result = []
    for case in cases:
        assert case.id is not None
        street = streets.get(case.street_id)
        if street is None:
            continue
        key = keys.get(case.id)
        channel = None if case.anonymous else (key.name if key else case.channel or "telegram")
        party_id = leads.get(case.id)
        result.append(
            Shown(
                case=case,
                category=categories.get(case.category_id),
                alley=alleys.get(case.alley_id),
                street=street,
                # A unit is responsible once the case is dispatched; in triage, none yet.
                party=parties.get(party_id)
                if party_id is not None and CaseState(case.state) != CaseState.TRIAGE
                else None,
                notes=history.get(case.id, []),
                updated=changed.get(case.id, case.created_at),
                channel=channel,
            )
        )
    return result


async def _by_id(
    session: AsyncSession, table: type[T], ids: set[int | None]
) -> dict[int | None, T]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = await session.exec(select(table).where(col(table.id).in_(wanted)))  # type: ignore[attr-defined]
    return {row.id: row for row in rows}  # type: ignore[attr-defined]
