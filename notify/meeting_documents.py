"""A meeting's printable document: its agenda and, once held, its minutes, as a PDF in the
reader's language (views/meeting_pdf.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from locales.i18n import I18n
from models.agenda import build_agenda
from models.meetings import ActionItem, MeetingOccurrence, MeetingSeries
from models.minutes import owner_labels
from models.org import Community, Street
from services.registry import Services
from views.agenda_chart import chart_png
from views.meeting_pdf import MeetingDocument, filename, render_pdf
from views.meetings import title


async def meeting_pdf(
    session: AsyncSession,
    services: Services,
    occurrence: MeetingOccurrence,
    series: MeetingSeries,
    i18n: I18n,
    now: datetime,
) -> tuple[str, bytes]:
    """The file name and the PDF. A meeting to come: its agenda as of now. A meeting held:
    the agenda it met on (the period up to its start) and the decisions it made."""
    street = await session.get(Street, series.street_id)
    community = await session.get(Community, series.community_id) if series.community_id else None
    assert street is not None
    held = occurrence.starts_at <= now
    agenda = await build_agenda(
        session, street, community, series.kind, occurrence.starts_at if held else now, series
    )
    decisions = (
        list(
            await session.exec(
                select(ActionItem)
                .where(
                    ActionItem.occurrence_id == occurrence.id,
                    col(ActionItem.due_date).is_not(None),  # a decision still being entered
                )
                .order_by(col(ActionItem.id))
            )
        )
        if held
        else None
    )
    categories = services.classifier.categories
    document = MeetingDocument(
        agenda=agenda,
        title=title(i18n, series, street, community),
        when=occurrence.starts_at,
        chart=chart_png(agenda, i18n, categories),
        owners=await owner_labels(session, [*agenda.action_items, *(decisions or [])]),
        decisions=decisions,
    )
    return filename(i18n, document), render_pdf(document, i18n, categories)
