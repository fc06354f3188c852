"""A problem reported again: the open case it repeats, and the count of its reports."""

from __future__ import annotations

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import and_, col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.case_opening import category_row
from models.cases import Case, ReportDraft
from models.classify import CategorySpec
from models.geo import around, haversine_m
from models.lifecycle import OPEN_STATES
from models.places import Place

DUPLICATE_RADIUS_M = 100.0


async def find_original(
    session: AsyncSession, spec: CategorySpec, place: Place, draft: ReportDraft
) -> Case | None:
    """The open case of the same problem this report repeats: same category, and the same
    alley or within DUPLICATE_RADIUS_M of its location."""
    category = await category_row(session, spec)
    # The same alley, or (with a location) close by: only those few open cases are read,
    # however many the street has.
    nearby: ColumnElement[bool] = col(Case.alley_id) == place.alley_id
    if draft.lat is not None and draft.lon is not None:
        south, north, west, east = around((draft.lat, draft.lon), DUPLICATE_RADIUS_M)
        nearby = or_(
            nearby,
            and_(
                col(Case.lat).between(south, north),
                col(Case.lon).between(west, east),
            ),
        )
    candidates = await session.exec(
        select(Case)
        .where(
            Case.category_id == category.id,
            col(Case.state).in_([s.value for s in OPEN_STATES]),
            col(Case.duplicate_of_id).is_(None),
            Case.street_id == place.street_id,
            nearby,
        )
        .order_by(col(Case.id))
    )
    for case in candidates:
        if case.alley_id == place.alley_id:
            return case
        if None not in (case.lat, case.lon, draft.lat, draft.lon):
            distance = haversine_m((case.lat, case.lon), (draft.lat, draft.lon))  # type: ignore[arg-type]
            if distance <= DUPLICATE_RADIUS_M:
                return case
    return None


async def reported_before(session: AsyncSession, original: Case, report: Case) -> bool:
    """Whether this person reported the original already, first or as a repeat: "N people
    reported this" counts people, not messages. For a report taken by staff the person is
    the caller, known by phone number (else every call counts)."""
    if report.channel is not None:
        return await _caller_reported_before(session, original, report)
    if original.reporter_telegram_id == report.reporter_telegram_id:
        return True
    earlier = await session.exec(
        select(Case.id)
        .where(
            Case.duplicate_of_id == original.id,
            Case.reporter_telegram_id == report.reporter_telegram_id,
            col(Case.id) != report.id,
        )
        .limit(1)
    )
    return earlier.first() is not None


async def count_report(session: AsyncSession, original: Case) -> None:
    """One more person reporting the original's problem, added in the database itself.

    Not through the case's version check: ten neighbours reporting the same overflowing
    bin at once are no conflict, and a report must never be refused for a race. The
    loaded object is told the new count without being marked changed.
    """
    await session.exec(
        update(Case)
        .where(col(Case.id) == original.id)
        .values(report_count=Case.report_count + 1)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(original, "report_count", original.report_count + 1)


async def _caller_reported_before(session: AsyncSession, original: Case, report: Case) -> bool:
    if report.caller_phone is None:
        return False
    if original.caller_phone == report.caller_phone:
        return True
    earlier = await session.exec(
        select(Case.id)
        .where(
            Case.duplicate_of_id == original.id,
            Case.caller_phone == report.caller_phone,
            col(Case.id) != report.id,
        )
        .limit(1)
    )
    return earlier.first() is not None
