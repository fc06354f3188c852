"""The facts a review meeting starts from, computed from the cases and their events.

For the period since the series' last meeting (else the last week, or month): the new cases
by category and by party; the open cases and, among them, the overdue ones (重点难点) with
their days late; the hot-spot alleys; each party's handled, on-time and reworked counts;
and the last meeting's action items.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import (
    Assignment,
    AssignmentRole,
    Case,
    CaseAction,
    CaseEvent,
    CaseState,
    Category,
)
from models.meetings import ActionItem, MeetingKind, MeetingSeries
from models.org import Alley, Community, Names, Party, Street
from models.schedule import previous

OPEN = (CaseState.NEW, CaseState.TRIAGE, CaseState.DISPATCHED, CaseState.ACCEPTED, CaseState.DONE)
HANDLING = (CaseState.NEW, CaseState.TRIAGE, CaseState.DISPATCHED, CaseState.ACCEPTED)


@dataclass
class LateCase:
    number: int
    category: str
    alley: Names
    state: str
    due_at: datetime
    days_late: int


@dataclass
class AgendaCase:
    """One case of the period, as the printed agenda lists it."""

    number: int
    category: str
    alley: Names
    party: str | None  # the lead unit's code
    state: str
    due_at: datetime | None


@dataclass
class Hotspot:
    alley: Names
    reports: int  # new cases in the alley (a repeated report is not one)
    repeats: list[tuple[str, int]]  # categories reported more than once here


@dataclass
class PartyFigures:
    code: str
    name: str
    name_en: str | None = None
    handled: int = 0
    on_time: int = 0
    reworked: int = 0


@dataclass
class Agenda:
    street: Street
    community: Community | None
    kind: str
    start: datetime
    end: datetime
    new_by_category: list[tuple[str, int]] = field(default_factory=list)
    new_by_party: list[tuple[str | None, int]] = field(default_factory=list)
    open_count: int = 0
    late: list[LateCase] = field(default_factory=list)
    hotspots: list[Hotspot] = field(default_factory=list)
    parties: list[PartyFigures] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    # Reports closed in the period without handling: 不予立案, 转办.
    not_accepted: int = 0
    transferred: int = 0
    # Both names of each unit, by code: the views name them in the reader's language.
    party_names: dict[str, Names] = field(default_factory=dict)
    # Every case of the period (new, still open, or closed in it), by number.
    cases: list[AgendaCase] = field(default_factory=list)

    @property
    def new_total(self) -> int:
        return sum(n for _code, n in self.new_by_category)


def default_start(kind: str, end: datetime) -> datetime:
    if kind == MeetingKind.STREET_MONTHLY:
        return end - relativedelta(months=1)
    return end - timedelta(days=7)


async def find_series(
    session: AsyncSession, street_id: int, community_id: int | None, kind: str
) -> MeetingSeries | None:
    query = select(MeetingSeries).where(
        MeetingSeries.street_id == street_id, MeetingSeries.kind == kind
    )
    if community_id is not None:
        query = query.where(MeetingSeries.community_id == community_id)
    return (await session.exec(query.order_by(col(MeetingSeries.id)))).first()


async def build_agenda(
    session: AsyncSession,
    street: Street,
    community: Community | None,
    kind: str,
    now: datetime,
    series: MeetingSeries | None = None,
) -> Agenda:
    assert street.id is not None
    series = series or await find_series(
        session, street.id, community.id if community else None, kind
    )
    last = await previous(session, series.id, now) if series and series.id else None
    start = last.starts_at if last is not None else default_start(kind, now)
    agenda = Agenda(street, community, kind, start, now)

    # The period's cases, whatever is still open, and what was closed during the period:
    # not the street's whole history.
    query = select(Case).where(
        Case.street_id == street.id,
        Case.state != CaseState.VOID,
        or_(
            col(Case.created_at) >= start,
            col(Case.state).in_([s.value for s in OPEN]),
            col(Case.closed_at) >= start,
        ),
    )
    if community is not None:
        query = query.where(Case.community_id == community.id)
    cases = list(await session.exec(query.order_by(col(Case.id))))
    ids = [c.id for c in cases]
    categories = {c.id: c.code for c in await session.exec(select(Category))}
    alleys = {
        a.id: Names(a.name, a.name_en)
        for a in await session.exec(select(Alley).where(Alley.street_id == street.id))
    }
    nowhere = Names("—")
    parties = {
        p.id: p
        for p in await session.exec(
            select(Party).where(Party.street_id == street.id).order_by(col(Party.id))
        )
    }
    agenda.party_names = {p.code: Names(p.name, p.name_en) for p in parties.values()}
    lead_party: dict[int, int | None] = {}
    for row in await session.exec(
        select(Assignment)
        .where(col(Assignment.case_id).in_(ids), Assignment.role == AssignmentRole.LEAD)
        .order_by(col(Assignment.id))
    ):
        lead_party[row.case_id] = row.party_id  # the latest lead wins

    new = [c for c in cases if start <= c.created_at < now]
    by_category = Counter(categories.get(c.category_id, "other") for c in new)
    agenda.new_by_category = sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))
    by_party = Counter(
        parties[pid].code if (pid := lead_party.get(c.id or 0)) in parties else None for c in new
    )
    agenda.new_by_party = sorted(by_party.items(), key=lambda kv: (-kv[1], kv[0] or "~"))

    agenda.open_count = sum(1 for c in cases if c.state in OPEN)
    for case in cases:
        pid = lead_party.get(case.id or 0)
        agenda.cases.append(
            AgendaCase(
                number=case.number or 0,
                category=categories.get(case.category_id, "other"),
                alley=alleys.get(case.alley_id, nowhere),
                party=parties[pid].code if pid in parties else None,
                state=str(case.state),
                due_at=case.due_at,
            )
        )
    agenda.cases.sort(key=lambda c: c.number)
    for case in cases:
        if case.state in HANDLING and case.due_at is not None and case.due_at < now:
            agenda.late.append(
                LateCase(
                    number=case.number or 0,
                    category=categories.get(case.category_id, "other"),
                    alley=alleys.get(case.alley_id, nowhere),
                    state=str(case.state),
                    due_at=case.due_at,
                    days_late=math.ceil((now - case.due_at).total_seconds() / 86400),
                )
            )
    agenda.late.sort(key=lambda c: (-c.days_late, c.number))

    per_alley: dict[Names, list[Case]] = defaultdict(list)
    for case in new:
        per_alley[alleys.get(case.alley_id, nowhere)].append(case)
    for alley, in_alley in per_alley.items():
        # Cases, not messages: ten neighbours reporting one bin make one case, not a hot spot.
        reports = len(in_alley)
        if reports < 2:
            continue
        repeated = Counter(categories.get(c.category_id, "other") for c in in_alley)
        agenda.hotspots.append(
            Hotspot(
                alley,
                reports,
                sorted(
                    ((k, n) for k, n in repeated.items() if n > 1), key=lambda kv: (-kv[1], kv[0])
                ),
            )
        )
    agenda.hotspots.sort(key=lambda h: (-h.reports, h.alley.name))

    figures = {pid: PartyFigures(p.code, p.name, p.name_en) for pid, p in parties.items()}
    by_id = {c.id: c for c in cases}
    events = await session.exec(
        select(CaseEvent).where(
            col(CaseEvent.case_id).in_(ids),
            CaseEvent.at >= start,
            CaseEvent.at < now,
            col(CaseEvent.action).in_(
                [CaseAction.FINISH, CaseAction.REOPEN, CaseAction.REOPEN_CLOSED]
            ),
        )
    )
    for event in events:
        pid = lead_party.get(event.case_id)
        if pid not in figures:
            continue
        if event.action == CaseAction.FINISH:
            figures[pid].handled += 1
            due = by_id[event.case_id].due_at
            if due is not None and event.at <= due:
                figures[pid].on_time += 1
        else:
            figures[pid].reworked += 1
    agenda.parties = [f for f in figures.values() if f.handled or f.reworked]

    for action in await session.exec(
        select(CaseEvent.action).where(
            col(CaseEvent.case_id).in_(ids),
            CaseEvent.at >= start,
            CaseEvent.at < now,
            col(CaseEvent.action).in_([CaseAction.NOT_ACCEPT, CaseAction.TRANSFER]),
        )
    ):
        if action == CaseAction.NOT_ACCEPT:
            agenda.not_accepted += 1
        else:
            agenda.transferred += 1

    if last is not None:
        agenda.action_items = list(
            await session.exec(
                select(ActionItem)
                .where(ActionItem.occurrence_id == last.id)
                .order_by(col(ActionItem.id))
            )
        )
    return agenda
