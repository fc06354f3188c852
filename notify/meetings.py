"""A meeting's agenda and chart, built from the cases and sent to one person."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from locales.i18n import I18n
from models.agenda import build_agenda
from models.meetings import MeetingSeries
from models.minutes import owner_labels
from models.org import Community, Street
from notify.messenger import Messenger
from services.registry import Services
from views.agenda_chart import chart_png
from views.agenda_text import render_agenda


async def agenda_text(
    session: AsyncSession, services: Services, series: MeetingSeries, i18n: I18n, now: datetime
) -> str:
    street = await session.get(Street, series.street_id)
    community = await session.get(Community, series.community_id) if series.community_id else None
    assert street is not None
    agenda = await build_agenda(session, street, community, series.kind, now, series)
    owners = await owner_labels(session, agenda.action_items)
    return render_agenda(agenda, i18n, services.classifier.categories, owners)


async def send_chart(
    messenger: Messenger, chat_id: int, series: MeetingSeries, i18n: I18n, now: datetime
) -> None:
    street = await messenger.session.get(Street, series.street_id)
    assert street is not None
    agenda = await build_agenda(messenger.session, street, None, series.kind, now, series)
    png = chart_png(agenda, i18n, messenger.services.classifier.categories)
    if png is None:  # nothing happened this month: no empty chart
        return
    await messenger.send_file(
        chat_id, png, photo=True, caption=i18n.gettext("The month in figures")
    )
