"""Meeting occurrences from RFC 5545 rules, their participants and their reminders.

Occurrences are written to the database for the weeks ahead (`plan`), so that one can be
moved or cancelled on its own and reminders know exactly when they fall. A reminder is sent
once: its MeetingNotice row is written before it is told, under a unique constraint.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.meeting_rule import check_rule, parse_rule
from models.meetings import (
    MeetingAttendance,
    MeetingKind,
    MeetingNotice,
    MeetingOccurrence,
    MeetingSeries,
    OccurrenceState,
)
from models.members import load_street_map, member_areas
from models.org import Member, Role, Street

log = logging.getLogger(__name__)

HORIZON = timedelta(days=90)
# However a rule slipped through (a row written before the checks), one pass writes no more
# than this many occurrences of a series: a daily rule has at most 91 in the horizon.
MAX_OCCURRENCES = 100


def occurrences(
    rule: str, tz: ZoneInfo, after: datetime, before: datetime, limit: int = MAX_OCCURRENCES
) -> list[datetime]:
    """Start times (UTC) of the rule's occurrences in [after, before), read in the local zone;
    at most `limit` of them."""
    recurrence = parse_rule(rule)
    local_after = after.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
    local_before = before.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
    starts: list[datetime] = []
    for local in recurrence.xafter(local_after, inc=True):
        if local > local_before or len(starts) >= limit:
            break
        start = local.replace(tzinfo=tz).astimezone(ZoneInfo("UTC"))
        if after <= start < before:
            starts.append(start)
    return starts


async def plan(session: AsyncSession, now: datetime, horizon: timedelta = HORIZON) -> int:
    """Write the occurrences of every active series up to `now + horizon`; returns how many."""
    added = 0
    for series in await session.exec(
        select(MeetingSeries).where(col(MeetingSeries.active).is_(True))
    ):
        refusal = check_rule(series.rrule)
        if refusal is not None:  # written before the checks: never expand it
            log.warning("meeting series %s is not planned: %s", series.id, refusal)
            continue
        street = await session.get(Street, series.street_id)
        assert street is not None and series.id is not None
        known = {
            o.original_start
            for o in await session.exec(
                select(MeetingOccurrence).where(
                    MeetingOccurrence.series_id == series.id,
                    MeetingOccurrence.original_start >= now - timedelta(days=1),
                )
            )
        }
        for start in occurrences(series.rrule, ZoneInfo(street.timezone), now, now + horizon):
            if start not in known:
                session.add(
                    MeetingOccurrence(series_id=series.id, original_start=start, starts_at=start)
                )
                added += 1
    await session.commit()
    return added


async def replan_series(
    session: AsyncSession, series: MeetingSeries, now: datetime
) -> list[MeetingOccurrence]:
    """After the rule changed: future occurrences that nobody moved are drawn again. Returns
    those dropped that had been reminded of (their .ics is in calendars: to be cancelled)."""
    reminded: list[MeetingOccurrence] = []
    for occurrence in await session.exec(
        select(MeetingOccurrence).where(
            MeetingOccurrence.series_id == series.id,
            MeetingOccurrence.starts_at > now,
            MeetingOccurrence.state == OccurrenceState.SCHEDULED,
        )
    ):
        if occurrence.starts_at == occurrence.original_start:
            notices = await session.exec(
                select(MeetingNotice).where(MeetingNotice.occurrence_id == occurrence.id)
            )
            told = False
            for notice in notices:
                told = True
                await session.delete(notice)
            if told:
                reminded.append(
                    MeetingOccurrence(
                        id=occurrence.id,
                        series_id=occurrence.series_id,
                        original_start=occurrence.original_start,
                        starts_at=occurrence.starts_at,
                        place=occurrence.place,
                        state=OccurrenceState.CANCELLED,
                    )
                )
            await session.delete(occurrence)
    await session.commit()
    await plan(session, now)
    return reminded


async def create_series(
    session: AsyncSession,
    street_id: int,
    community_id: int | None,
    rule: str,
    place: str | None,
) -> MeetingSeries:
    """A new series: a community's weekly meeting, or the street's monthly one. Committed."""
    kind = MeetingKind.COMMUNITY_WEEKLY if community_id else MeetingKind.STREET_MONTHLY
    base = f"{kind}-{community_id}" if community_id else str(kind)
    taken = {
        s.code
        for s in await session.exec(
            select(MeetingSeries).where(MeetingSeries.street_id == street_id)
        )
    }
    code = next(c for c in (base, *(f"{base}-{n}" for n in range(2, 1000))) if c not in taken)
    series = MeetingSeries(
        street_id=street_id,
        community_id=community_id,
        code=code,
        kind=kind,
        rrule=rule,
        place=place,
    )
    session.add(series)
    await session.commit()
    return series


async def upcoming(
    session: AsyncSession,
    street_id: int,
    now: datetime,
    limit: int = 10,
    community_id: int | None = None,
) -> list[tuple[MeetingOccurrence, MeetingSeries]]:
    query = (
        select(MeetingOccurrence, MeetingSeries)
        .join(MeetingSeries, col(MeetingSeries.id) == MeetingOccurrence.series_id)
        .where(
            MeetingSeries.street_id == street_id,
            MeetingOccurrence.starts_at >= now,
            col(MeetingSeries.active).is_(True),
        )
        .order_by(col(MeetingOccurrence.starts_at))
        .limit(limit)
    )
    if community_id is not None:
        query = query.where(MeetingSeries.community_id == community_id)
    return [(o, s) for o, s in await session.exec(query)]


async def recent(
    session: AsyncSession, street_id: int, now: datetime, per_series: int = 2
) -> list[tuple[MeetingOccurrence, MeetingSeries]]:
    """The last `per_series` meetings of each active series that have begun and were not
    cancelled (minutes are written after them), oldest first."""
    rows = await session.exec(
        select(MeetingOccurrence, MeetingSeries)
        .join(MeetingSeries, col(MeetingSeries.id) == MeetingOccurrence.series_id)
        .where(
            MeetingSeries.street_id == street_id,
            MeetingOccurrence.starts_at < now,
            MeetingOccurrence.state != OccurrenceState.CANCELLED,
            col(MeetingSeries.active).is_(True),
        )
        .order_by(col(MeetingOccurrence.starts_at).desc())
        .limit(200)
    )
    kept: list[tuple[MeetingOccurrence, MeetingSeries]] = []
    counts: dict[int | None, int] = {}
    for occurrence, series in rows:
        if counts.get(series.id, 0) < per_series:
            counts[series.id] = counts.get(series.id, 0) + 1
            kept.append((occurrence, series))
    return sorted(kept, key=lambda pair: pair[0].starts_at)


async def previous(
    session: AsyncSession, series_id: int, before: datetime
) -> MeetingOccurrence | None:
    """The series' last meeting before `before` that was not cancelled."""
    return (
        await session.exec(
            select(MeetingOccurrence)
            .where(
                MeetingOccurrence.series_id == series_id,
                MeetingOccurrence.starts_at < before,
                MeetingOccurrence.state != OccurrenceState.CANCELLED,
            )
            .order_by(col(MeetingOccurrence.starts_at).desc())
        )
    ).first()


async def answers(session: AsyncSession, occurrence_id: int) -> dict[int, bool]:
    """Who has said whether they come to the occurrence: telegram id -> coming."""
    rows = await session.exec(
        select(MeetingAttendance).where(MeetingAttendance.occurrence_id == occurrence_id)
    )
    return {row.telegram_id: row.attending for row in rows}


@dataclass(frozen=True)
class Replies:
    """The participants of an occurrence by their answer: coming, not coming, silent."""

    coming: list[Member]
    not_coming: list[Member]
    silent: list[Member]


async def replies(
    session: AsyncSession, occurrence: MeetingOccurrence, series: MeetingSeries
) -> Replies:
    said = await answers(session, occurrence.id or 0)
    invited = await participants(session, series)
    return Replies(
        [m for m in invited if said.get(m.telegram_id or 0) is True],
        [m for m in invited if said.get(m.telegram_id or 0) is False],
        [m for m in invited if m.telegram_id not in said],
    )


async def participants(session: AsyncSession, series: MeetingSeries) -> list[Member]:
    """Who is invited: as the series says, else by its kind.

    community weekly: the community's coordinators and liaisons, and the street chiefs of its
    alleys; street monthly: the street coordinators and one member per party (its unit head,
    else its liaisons).
    """
    members = list(
        await session.exec(
            select(Member)
            .where(
                Member.street_id == series.street_id,
                col(Member.active).is_(True),
                col(Member.telegram_id).is_not(None),
            )
            .order_by(col(Member.id))
        )
    )
    named = series.participants.get("members")
    if named:
        return [m for m in members if m.name in named]
    street = await session.get(Street, series.street_id)
    assert street is not None
    street_map = await load_street_map(session, street)
    areas = {m.id or 0: await member_areas(session, m.id or 0) for m in members}
    chosen: list[Member] = []
    if series.kind == MeetingKind.COMMUNITY_WEEKLY and series.community_id is not None:
        for member in members:
            mine = areas.get(member.id or 0, [])
            in_community = any(series.community_id in street_map.communities_of(a) for a in mine)
            if member.role in (Role.COORDINATOR, Role.LIAISON, Role.STREET_CHIEF) and in_community:
                chosen.append(member)
        return chosen
    for member in members:
        if member.role == Role.COORDINATOR and not areas.get(member.id or 0):
            chosen.append(member)
    for party_id in sorted(street_map.parties):
        heads = [m for m in members if m.party_id == party_id and m.role == Role.UNIT_HEAD]
        liaisons = [m for m in members if m.party_id == party_id and m.role == Role.LIAISON]
        for member in heads or liaisons:
            if member not in chosen:
                chosen.append(member)
    return chosen


async def _soon(
    session: AsyncSession, now: datetime
) -> list[tuple[MeetingOccurrence, MeetingSeries]]:
    """Scheduled occurrences of active series in the coming week (reminders reach that far)."""
    rows = await session.exec(
        select(MeetingOccurrence, MeetingSeries)
        .join(MeetingSeries, col(MeetingSeries.id) == MeetingOccurrence.series_id)
        .where(
            MeetingOccurrence.state == OccurrenceState.SCHEDULED,
            MeetingOccurrence.starts_at > now,
            MeetingOccurrence.starts_at <= now + timedelta(days=8),
            col(MeetingSeries.active).is_(True),
        )
        .order_by(col(MeetingOccurrence.starts_at))
    )
    # Occurrences of a rule refused since they were written are not reminded of.
    return [(o, s) for o, s in rows if check_rule(s.rrule) is None]


@dataclass
class DueReminder:
    occurrence: MeetingOccurrence
    series: MeetingSeries
    offset_min: int


async def due_reminders(session: AsyncSession, now: datetime) -> list[DueReminder]:
    """Reminders due at `now` and not sent; each is recorded here, so it is sent once.

    A reminder missed while the bot was down is still sent late, as long as the meeting has
    not begun; after that it would be of no use.
    """
    due: list[DueReminder] = []
    rows = await _soon(session, now)
    for occurrence, series in rows:
        for offset in sorted(series.reminder_minutes, reverse=True):
            if occurrence.starts_at - timedelta(minutes=offset) > now:
                continue
            if await _record(session, occurrence, "reminder", offset, now):
                due.append(DueReminder(occurrence, series, offset))
    return due


async def _record(
    session: AsyncSession, occurrence: MeetingOccurrence, kind: str, offset: int, now: datetime
) -> bool:
    assert occurrence.id is not None
    exists = (
        await session.exec(
            select(MeetingNotice.id).where(
                MeetingNotice.occurrence_id == occurrence.id,
                MeetingNotice.kind == kind,
                MeetingNotice.offset_min == offset,
            )
        )
    ).first()
    if exists is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(
                MeetingNotice(
                    occurrence_id=occurrence.id, kind=kind, offset_min=offset, sent_at=now
                )
            )
    except IntegrityError:  # another process recorded it first
        return False
    return True


async def next_reminder_times(session: AsyncSession, now: datetime) -> list[datetime]:
    """When reminders will next fall, for the scheduler's jobs."""
    times = []
    rows = await _soon(session, now)
    for occurrence, series in rows:
        for offset in series.reminder_minutes:
            when = occurrence.starts_at - timedelta(minutes=offset)
            if when > now:
                times.append(when)
    return sorted(set(times))
