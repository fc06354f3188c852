"""A report being put together: the reporter's draft, albums, and the hourly limit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import Case, CaseAttachment, ReportDraft
from models.reports import Attached, Report
from models.text import compact

DRAFT_TTL = timedelta(minutes=30)
ALBUM_WINDOW = timedelta(minutes=5)
ANONYMOUS_WORDS = ("匿名", "不要透露我", "别透露我", "anonymous", "anonymously")
# Said alone while a report waits for its place or kind, or a question for its answer: drop it.
CANCEL_WORDS = frozenset(
    {"取消", "算了", "不用了", "不要了", "不报了", "撤销", "cancel", "nevermind", "forgetit"}
)


def is_cancel(report: Report) -> bool:
    """A message that only says to drop the report being put together."""
    if report.lat is not None or report.attachments:
        return False
    return is_cancel_word(report.text)


def is_cancel_word(text: str | None) -> bool:
    """Text that only says "drop it" (a report being put together, a question waiting)."""
    return bool(text) and compact(text or "") in CANCEL_WORDS


def merge(draft: ReportDraft, report: Report, now: datetime) -> None:
    """What arrived, added to the reporter's draft (once: a replayed update adds nothing)."""
    if report.update_id is not None:
        if report.update_id in draft.update_ids:
            return  # merged before a restart
        draft.update_ids = [*draft.update_ids, report.update_id]
    if report.text.strip():
        draft.text = f"{draft.text}\n{report.text}".strip() if draft.text else report.text
    if report.lat is not None and report.lon is not None:
        draft.lat, draft.lon = report.lat, report.lon
    if report.attachments:
        draft.attachments = [*draft.attachments, *report.attachments]
    if report.media_group_id:
        draft.media_group_id = report.media_group_id
    if any(word in compact(report.text) for word in ANONYMOUS_WORDS):
        draft.anonymous = True
    draft.updated_at = now


async def attach_to_album(session: AsyncSession, report: Report, now: datetime) -> Attached | None:
    """More photos of an album whose first ones came moments ago: kept with them (in the
    draft, or in the case the album opened). Commits. None: no such album."""
    since = now - ALBUM_WINDOW
    draft = (
        await session.exec(
            select(ReportDraft).where(
                ReportDraft.telegram_id == report.telegram_id,
                ReportDraft.media_group_id == report.media_group_id,
            )
        )
    ).first()
    if draft is not None:
        merge(draft, report, now)
        session.add(draft)
        await session.commit()
        return Attached()
    case = (
        await session.exec(
            select(Case).where(
                Case.reporter_telegram_id == report.telegram_id,
                Case.media_group_id == report.media_group_id,
                Case.created_at >= since,
            )
        )
    ).first()
    if case is None:
        return None
    assert case.id is not None
    kept = set(
        await session.exec(
            select(CaseAttachment.file_unique_id).where(CaseAttachment.case_id == case.id)
        )
    )
    for attachment in report.attachments:
        if attachment.get("file_unique_id") in kept:
            continue  # the same photo again: a replayed update
        session.add(CaseAttachment(case_id=case.id, created_at=now, **attachment))
    if report.text.strip():
        case.text = f"{case.text}\n{report.text}".strip()
        session.add(case)
    await session.commit()
    return Attached(case)


async def open_draft(session: AsyncSession, telegram_id: int, now: datetime) -> ReportDraft | None:
    """The reporter's draft, unless it has lapsed (then it is dropped)."""
    draft = (
        await session.exec(select(ReportDraft).where(ReportDraft.telegram_id == telegram_id))
    ).first()
    if draft is not None and draft.updated_at < now - DRAFT_TTL:
        await session.delete(draft)
        await session.flush()
        return None
    return draft


async def find_draft(
    session: AsyncSession, telegram_id: int, draft_id: int, now: datetime
) -> ReportDraft | None:
    """The draft a button names, if it is the presser's and still live."""
    draft = await session.get(ReportDraft, draft_id)
    if draft is None or draft.telegram_id != telegram_id or draft.updated_at < now - DRAFT_TTL:
        return None
    return draft


async def over_limit(session: AsyncSession, telegram_id: int, now: datetime, per_hour: int) -> bool:
    """Whether a resident has sent as many reports in the last hour as are taken."""
    count = (
        await session.exec(
            select(func.count())
            .select_from(Case)
            .where(
                Case.reporter_telegram_id == telegram_id,
                Case.created_at >= now - timedelta(hours=1),
            )
        )
    ).one()
    return int(count) >= per_hour


async def begin_report(session: AsyncSession, telegram_id: int, now: datetime) -> ReportDraft:
    """An empty draft a member asked for (/report on patrol): what he sends next is taken as
    the report, however short. A draft he has already begun is kept. Flushed, not committed."""
    draft = await open_draft(session, telegram_id, now)
    if draft is None:
        draft = ReportDraft(telegram_id=telegram_id, created_at=now, updated_at=now)
    else:
        draft.updated_at = now
    session.add(draft)
    await session.flush()
    return draft
