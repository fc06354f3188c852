"""Quantified assessment (量化考核): indicators from the case history, scores and grades.

Every figure is computed from assignments and events alone, so any past period can be
recomputed and gives the same result later. Definitions (docs/assessment.md):

- a case is *due* for a unit in a period when the unit's lead assignment for it (not handed
  back, not reassigned away) has its deadline in the period; a postponed case is due when
  its new deadline falls;
- of those, *handled* when its first "done" event came before the period's end, *on time*
  when that was by the deadline, *reworked* when it was reopened, *closed* when verified or
  closed by default, *postponed* when its deadline was moved, all before the period's end;
- handling rate = handled / due, on-time rate = on time / due, rework rate = reworked /
  handled, closure rate = closed / due, postponement rate = postponed / due; handling time
  from assignment to the first "done"; satisfaction is the mean of the marks given;
- a case *reopened* after closure (又出现了) is given to the unit anew, as rework: its new
  assignment is due at its fresh deadline, counted as reopened and as reworked;
- a report *not accepted* (不予立案) or *transferred* (转办) is due for nobody: it is counted
  as such in the period it was closed, for the unit that held it last (else the category's
  lead party) and for its community.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, DateTime, case, exists, func, type_coerce
from sqlalchemy import select as sa_select
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
    Category,
)
from models.members import AreaRef, StreetMap, load_street_map
from models.org import Alley, Member, MemberArea, Party, Street

EXCLUDED = (AssignmentState.HANDED_BACK, AssignmentState.CANCELLED)


@dataclass(frozen=True)
class Weights:
    """The scorecard's formula: band(volume) + closure·c + on_time·o + (100 − rework)·r."""

    closure: float = 0.3
    on_time: float = 0.3
    rework: float = 0.3
    volume_bands: tuple[tuple[int, float], ...] = ((0, 0.0), (1, 4.0), (10, 7.0), (50, 10.0))
    grades: tuple[tuple[str, float], ...] = (("A", 90.0), ("B", 75.0), ("C", 60.0), ("D", 40.0))
    weight_by_length: bool = False


@dataclass
class Indicators:
    key: str  # party code, community code or member id
    name: str
    name_en: str | None = None  # the roster's English name, when it gives one
    due: int = 0
    handled: int = 0
    on_time: int = 0
    reworked: int = 0
    closed: int = 0
    postponed: int = 0
    reopened: int = 0
    not_accepted: int = 0
    transferred: int = 0
    handling_hours: list[float] = field(default_factory=list)
    marks: list[int] = field(default_factory=list)
    length_m: float = 0.0
    score: float | None = None
    grade: str | None = None
    band: float = 0.0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100.0 * part / whole, 1) if whole else None

    @property
    def handling_rate(self) -> float | None:
        return self._rate(self.handled, self.due)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.on_time, self.due)

    @property
    def rework_rate(self) -> float | None:
        return self._rate(self.reworked, self.handled)

    @property
    def closure_rate(self) -> float | None:
        return self._rate(self.closed, self.due)

    @property
    def postponement_rate(self) -> float | None:
        return self._rate(self.postponed, self.due)

    @property
    def mean_hours(self) -> float | None:
        return round(statistics.fmean(self.handling_hours), 2) if self.handling_hours else None

    @property
    def median_hours(self) -> float | None:
        return round(statistics.median(self.handling_hours), 2) if self.handling_hours else None

    @property
    def satisfaction(self) -> float | None:
        return round(statistics.fmean(self.marks), 2) if self.marks else None

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "name": self.name,
            "name_en": self.name_en,
            "due": self.due,
            "handled": self.handled,
            "on_time": self.on_time,
            "reworked": self.reworked,
            "closed": self.closed,
            "postponed": self.postponed,
            "reopened": self.reopened,
            "not_accepted": self.not_accepted,
            "transferred": self.transferred,
            "handling_rate": self.handling_rate,
            "on_time_rate": self.on_time_rate,
            "rework_rate": self.rework_rate,
            "closure_rate": self.closure_rate,
            "postponement_rate": self.postponement_rate,
            "mean_handling_hours": self.mean_hours,
            "median_handling_hours": self.median_hours,
            "satisfaction": self.satisfaction,
            "band": self.band,
            "score": self.score,
            "grade": self.grade,
        }


def period_bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end] as dates in the street's zone -> [from, to) as instants."""
    return (
        datetime.combine(start, time.min, tz),
        datetime.combine(end + timedelta(days=1), time.min, tz),
    )


def quarter_of(day: date) -> tuple[date, date, str]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end_month = first_month + 2
    following = date(day.year + (end_month == 12), end_month % 12 + 1, 1)
    return start, following - timedelta(days=1), f"{day.year}Q{(first_month - 1) // 3 + 1}"


def previous_quarter(day: date) -> tuple[date, date, str]:
    start, _end, _key = quarter_of(day)
    return quarter_of(start - timedelta(days=1))


async def indicators(
    session: AsyncSession, street: Street, start: datetime, end: datetime, by: str = "party"
) -> list[Indicators]:
    """Indicators per party (by="party"), community ("community") or member ("member")."""
    assert street.id is not None
    figures = await _groups(session, street, by)
    async for rows in _due_leads(session, [street.id], start, end):
        _count(figures, rows, by)
    await _count_unhandled(session, {street.id: figures}, start, end, by)
    return list(figures.values())


async def city_indicators(
    session: AsyncSession, streets: Sequence[Street], start: date, end: date, by: str = "party"
) -> dict[int, list[Indicators]]:
    """Every street's indicators for [start, end] (dates in each street's own zone), read in
    one pass per time zone rather than one per street."""
    figures: dict[int, dict[str, Indicators]] = {}
    by_zone: dict[str, list[int]] = defaultdict(list)
    for street in streets:
        assert street.id is not None
        figures[street.id] = await _groups(session, street, by)
        by_zone[street.timezone].append(street.id)
    in_city = (await session.exec(select(func.count()).select_from(Street))).one()
    for zone, ids in by_zone.items():
        since, until = period_bounds(start, end, ZoneInfo(zone))
        # For most of the city, reading the quarter's assignments straight through beats
        # finding each street's cases by index (SQLite: 1.4 s against 6 s at a million).
        wanted = ids if 5 * len(ids) < in_city else None
        asked = set(ids)
        async for rows in _due_leads(session, wanted, since, until):
            for street_id, street_rows in _by_street(rows, asked).items():
                _count(figures[street_id], street_rows, by)
        await _count_unhandled(session, {sid: figures[sid] for sid in ids}, since, until, by)
    return {street_id: list(groups.values()) for street_id, groups in figures.items()}


_AS_STORED = DateTime(timezone=True)

# A row of _due_leads: party_id, member_id, assigned_at, due_at, street_id, community_id,
# satisfaction, finished_at, reworked, closed, postponed, reopened (SQLAlchemy's Row, typed
# loosely).
DueRow = Any

_COUNTED = (
    CaseAction.FINISH,
    CaseAction.REOPEN,
    CaseAction.CONFIRM,
    CaseAction.CLOSE_BY_DEFAULT,
    CaseAction.POSTPONE,
    CaseAction.REOPEN_CLOSED,
)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.max(case((condition, 1), else_=0))


async def _due_leads(
    session: AsyncSession, street_ids: Sequence[int] | None, start: datetime, end: datetime
) -> AsyncIterator[Sequence[DueRow]]:
    """One row per lead assignment due in [start, end) on the streets' cases, with what its
    case's history says (first "done" since the assignment, reworked, closed, postponed),
    aggregated by the database: plain rows, no objects, however many cases."""
    event = CaseEvent.__table__.c  # type: ignore[attr-defined]
    lead = Assignment.__table__.c  # type: ignore[attr-defined]
    report = Case.__table__.c  # type: ignore[attr-defined]
    # What happened while this lead had the case: from its assignment until a later counted
    # lead took the case over (a closed case back after closure, 又出现了), so the new
    # lead's rework, closure or postponement is not charged to the one that closed it.
    later = Assignment.__table__.alias("later")  # type: ignore[attr-defined]
    taken_over = exists().where(
        later.c.case_id == lead.case_id,
        later.c.role == AssignmentRole.LEAD,
        later.c.state.not_in([s.value for s in EXCLUDED]),
        later.c.assigned_at > lead.assigned_at,
        later.c.assigned_at <= event.at,
    )
    mine = (event.at >= lead.assigned_at) & ~taken_over
    # A case back after closure gets a new lead assignment made at the instant of the event:
    # that assignment is the rework (the one it followed keeps its own figures).
    reopening = (event.action == CaseAction.REOPEN_CLOSED) & (event.at == lead.assigned_at)
    # The row's three instants are only compared and subtracted with one another, so they
    # come back as the driver gives them (naive UTC on SQLite), without UTCDateTime's
    # per-value conversion: a quarter of the city pass's time at a million cases.
    query = (
        sa_select(
            lead.party_id,
            lead.member_id,
            type_coerce(lead.assigned_at, _AS_STORED),
            type_coerce(lead.due_at, _AS_STORED),
            report.street_id,
            report.community_id,
            report.satisfaction,
            type_coerce(
                func.min(
                    case(
                        (
                            mine & (event.action == CaseAction.FINISH),
                            event.at,
                        )
                    )
                ),
                _AS_STORED,
            ).label("finished_at"),
            # Only what happened while this lead had the case: a unit given a case that an
            # earlier one had to redo is not charged with that rework.
            _flag((mine & (event.action == CaseAction.REOPEN)) | reopening).label("reworked"),
            _flag(mine & event.action.in_([CaseAction.CONFIRM, CaseAction.CLOSE_BY_DEFAULT])).label(
                "closed"
            ),
            _flag(mine & (event.action == CaseAction.POSTPONE)).label("postponed"),
            _flag(reopening).label("reopened"),
        )
        .select_from(Assignment.__table__)  # type: ignore[attr-defined]
        .join(Case.__table__, report.id == lead.case_id)  # type: ignore[attr-defined]
        .outerjoin(
            CaseEvent.__table__,  # type: ignore[attr-defined]
            (event.case_id == lead.case_id)
            & (event.at < end)
            & event.action.in_([a.value for a in _COUNTED]),
        )
        .where(
            report.state.not_in([CaseState.VOID, CaseState.NOT_ACCEPTED, CaseState.TRANSFERRED]),
            lead.role == AssignmentRole.LEAD,
            lead.state.not_in([s.value for s in EXCLUDED]),
            lead.due_at >= start,
            lead.due_at < end,
        )
        .group_by(lead.id, report.id)
        .order_by(lead.id)
    )
    if street_ids is not None:
        # A few streets' quarter: a few thousand rows, read at once. (A server-side cursor
        # would cost PostgreSQL its parallel plan: 0.17 s → 0.57 s for a street at 1M cases.)
        # sqlmodel types exec() for its own Select; this one is SQLAlchemy's, for plain rows.
        query = query.where(report.street_id.in_(street_ids))
        yield (await session.exec(cast(Any, query))).all()
        return
    # The city's quarter is streamed, so that it never sits in memory at once.
    result = await session.stream(query.execution_options(yield_per=2000))
    async for rows in result.partitions():
        yield rows


def _by_street(rows: Iterable[DueRow], asked: set[int]) -> dict[int, list[DueRow]]:
    """The rows of the streets asked for (not those of another zone's), by street."""
    grouped: dict[int, list[DueRow]] = defaultdict(list)
    for row in rows:
        if row.street_id in asked:
            grouped[row.street_id].append(row)
    return grouped


def _count(groups: dict[str, Indicators], rows: Iterable[DueRow], by: str) -> None:
    for (
        party_id,
        member_id,
        assigned_at,
        due_at,
        _street_id,
        community_id,
        satisfaction,
        finished_at,
        reworked,
        closed,
        postponed,
        reopened,
    ) in rows:
        key = party_id if by == "party" else community_id if by == "community" else member_id
        figures = groups.get(str(key))
        if figures is None:
            continue
        figures.due += 1
        if finished_at is not None:
            figures.handled += 1
            figures.handling_hours.append((finished_at - assigned_at).total_seconds() / 3600)
            if due_at is not None and finished_at <= due_at:
                figures.on_time += 1
        figures.reworked += reworked
        figures.closed += closed
        figures.postponed += postponed
        figures.reopened += reopened
        if satisfaction is not None:
            figures.marks.append(satisfaction)


async def _count_unhandled(
    session: AsyncSession,
    figures: dict[int, dict[str, Indicators]],
    start: datetime,
    end: datetime,
    by: str,
) -> None:
    """Reports closed in [start, end) as not accepted or transferred, by street: for the
    unit (and member) that held the case last, else the category's lead party; and for the
    case's community. Few rows, read apart from the due leads."""
    if not figures:
        return
    closed = list(
        await session.exec(
            select(CaseEvent.case_id, CaseEvent.action, Case.street_id, Case.community_id)
            .join(Case, col(Case.id) == CaseEvent.case_id)
            .where(
                col(CaseEvent.action).in_([CaseAction.NOT_ACCEPT, CaseAction.TRANSFER]),
                CaseEvent.at >= start,
                CaseEvent.at < end,
                col(Case.street_id).in_(list(figures)),
            )
        )
    )
    if not closed:
        return
    case_ids = [row[0] for row in closed]
    last_lead: dict[int, tuple[int | None, int | None]] = {}
    for lead in await session.exec(
        select(Assignment)
        .where(col(Assignment.case_id).in_(case_ids), Assignment.role == AssignmentRole.LEAD)
        .order_by(col(Assignment.id))
    ):
        last_lead[lead.case_id] = (lead.party_id, lead.member_id)
    lead_party: dict[int, int] = {}
    if by == "party":
        for case_id, party_id in await session.exec(
            select(Case.id, Party.id)
            .join(Category, col(Category.id) == Case.category_id)
            .join(
                Party,
                (col(Party.code) == Category.lead_party) & (col(Party.street_id) == Case.street_id),
            )
            .where(col(Case.id).in_(case_ids))
        ):
            assert case_id is not None and party_id is not None
            lead_party[case_id] = party_id
    for case_id, action, street_id, community_id in closed:
        party_id, member_id = last_lead.get(case_id, (None, None))
        if by == "party":
            key = party_id if party_id is not None else lead_party.get(case_id)
        else:
            key = community_id if by == "community" else member_id
        group = figures.get(street_id or 0, {}).get(str(key))
        if group is None:
            continue
        if action == CaseAction.NOT_ACCEPT:
            group.not_accepted += 1
        else:
            group.transferred += 1


async def _groups(session: AsyncSession, street: Street, by: str) -> dict[str, Indicators]:
    street_map = await load_street_map(session, street)
    if by == "party":
        groups = {
            str(i): Indicators(p.code, p.name, p.name_en)
            for i, p in sorted(street_map.parties.items())
        }
        lengths = await party_lengths(session, street, street_map)
        for pid, figures in zip(sorted(street_map.parties), groups.values(), strict=True):
            figures.length_m = lengths.get(pid, 0.0)
        return groups
    if by == "community":
        return {
            str(i): Indicators(c.code, c.name, c.name_en)
            for i, c in sorted(street_map.communities.items())
        }
    members = await session.exec(
        select(Member).where(Member.street_id == street.id).order_by(col(Member.id))
    )
    return {str(m.id): Indicators(str(m.id), m.name) for m in members}


async def party_lengths(
    session: AsyncSession, street: Street, street_map: StreetMap | None = None
) -> dict[int, float]:
    """Metres of alley each party answers for (地域差异化): its members' areas, or the street."""
    street_map = street_map or await load_street_map(session, street)
    alleys = list(street_map.alleys.values())
    total = sum(a.length_m or 0 for a in alleys)
    covered: dict[int, set[int]] = defaultdict(set)
    members = list(
        await session.exec(
            select(Member).where(
                Member.street_id == street.id,
                col(Member.active).is_(True),
                col(Member.party_id).is_not(None),
            )
        )
    )
    areas_of: dict[int, list[AreaRef]] = defaultdict(list)
    for row in await session.exec(
        select(MemberArea).where(col(MemberArea.member_id).in_([m.id for m in members]))
    ):
        areas_of[row.member_id].append(AreaRef.of(row))
    everywhere = {a.id for a in alleys if a.id is not None}
    within = _alleys_within(alleys, street_map)
    for member in members:
        assert member.id is not None and member.party_id is not None
        areas = areas_of.get(member.id, [])
        if not areas:
            covered[member.party_id] |= everywhere
        for ref in areas:
            covered[member.party_id] |= within.get(ref, set())
    by_id = {a.id: a.length_m or 0 for a in alleys}
    return {pid: sum(by_id[i] for i in ids) for pid, ids in covered.items()} | {
        pid: total for pid in street_map.parties if pid not in covered
    }


def _alleys_within(alleys: Iterable[Alley], street_map: StreetMap) -> dict[AreaRef, set[int]]:
    """The alleys each area holds: an alley itself, its block's, its community's."""
    within: dict[AreaRef, set[int]] = defaultdict(set)
    for alley in alleys:
        assert alley.id is not None
        community_id = street_map.blocks[alley.block_id].community_id
        for ref in (
            AreaRef("alley", alley.id),
            AreaRef("block", alley.block_id),
            AreaRef("community", community_id),
        ):
            within[ref].add(alley.id)
    return within


def band(volume: float, weights: Weights) -> float:
    points = 0.0
    for threshold, value in weights.volume_bands:
        if volume >= threshold:
            points = value
    return points


def score(figures: Sequence[Indicators], weights: Weights) -> None:
    """Scores and grades, in place; a unit with nothing due gets neither."""
    lengths = [f.length_m for f in figures if f.length_m]
    mean_length = statistics.fmean(lengths) if lengths else 0.0
    for f in figures:
        if not f.due:
            f.score = f.grade = None
            f.band = 0.0
            continue
        volume = float(f.due)
        if weights.weight_by_length and mean_length and f.length_m:
            volume *= f.length_m / mean_length
        f.band = band(volume, weights)
        closure = f.closure_rate or 0.0
        on_time = f.on_time_rate or 0.0
        # Nothing handled, nothing to redo: that earns no "free of rework" points. Before,
        # a unit that handled none of its cases scored 30 of them (34, grade E).
        free_of_rework = 0.0 if f.rework_rate is None else 100 - f.rework_rate
        f.score = round(
            f.band
            + weights.closure * closure
            + weights.on_time * on_time
            + weights.rework * free_of_rework,
            1,
        )
        f.grade = next((g for g, floor in weights.grades if f.score >= floor), "E")


@dataclass(frozen=True)
class Award:
    key: str
    name: str
    mean_score: float
    rank: int
    amount: float
    name_en: str | None = None


def yearly_awards(
    quarters: Sequence[Sequence[Indicators]], fund: float, threshold: float = 60.0
) -> list[Award]:
    """Rank by the mean of the quarters' scores; the fund is shared above the threshold,
    in proportion to how far each unit's mean passes it (季评年奖)."""
    scores: dict[str, list[float]] = defaultdict(list)
    names: dict[str, tuple[str, str | None]] = {}
    for quarter in quarters:
        for f in quarter:
            if f.score is not None:
                scores[f.key].append(f.score)
                names[f.key] = (f.name, f.name_en)
    means = sorted(
        ((k, round(statistics.fmean(v), 2)) for k, v in scores.items()),
        key=lambda kv: (-kv[1], kv[0]),
    )
    above = {k: m - threshold for k, m in means if m > threshold}
    total = sum(above.values())
    return [
        Award(
            k,
            names[k][0],
            m,
            rank,
            round(fund * above.get(k, 0) / total, 2) if total else 0.0,
            names[k][1],
        )
        for rank, (k, m) in zip(competition_ranks([m for _k, m in means]), means, strict=True)
    ]


def competition_ranks(ordered: Sequence[float]) -> list[int]:
    """Ranks of scores sorted best first, equal scores sharing a rank: 90, 80, 80, 70 rank
    1, 2, 2, 4 (no unit is ranked below another it ties with)."""
    ranks: list[int] = []
    for position, value in enumerate(ordered, 1):
        ranks.append(ranks[-1] if ranks and ordered[position - 2] == value else position)
    return ranks
