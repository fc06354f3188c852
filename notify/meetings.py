"""A meeting's agenda and chart, built from the cases and sent to one person; and what its
participants are told when it moves, is cancelled, or its series changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from locales.i18n import I18n
from models import schedule
from models.agenda import build_agenda
from models.meetings import MeetingOccurrence, MeetingSeries
from models.messaging import Priority
from models.minutes import owner_labels
from models.org import Community, Street
from notify.messenger import Messenger
from services.registry import Services
from views.agenda_chart import chart_png
from views.agenda_text import render_agenda
from views.meeting_texts import change_notice, series_notice
from views.meetings import calendar_file, title


async def agenda_text(
    session: AsyncSession, services: Services, series: MeetingSeries, i18n: I18n, now: datetime
) -> str:
    street = await session.get(Street, series.street_id)
    community = await session.get(Community, series.community_id) if series.community_id else None
    assert street is not None
    agenda = await build_agenda(session, street, community, series.kind, now, series)
    owners = await owner_labels(session, agenda.action_items)
    return render_agenda(agenda, i18n, services.classifier.categories, owners)


async def chart(
    messenger: Messenger, series: MeetingSeries, i18n: I18n, now: datetime
) -> bytes | None:
    """The street's month in a chart, in `i18n`'s language; None when nothing happened."""
    street = await messenger.session.get(Street, series.street_id)
    assert street is not None
    agenda = await build_agenda(messenger.session, street, None, series.kind, now, series)
    return chart_png(agenda, i18n, messenger.services.classifier.categories)


async def send_chart(
    messenger: Messenger,
    chat_id: int,
    series: MeetingSeries,
    i18n: I18n,
    now: datetime,
    png: bytes | None = None,
) -> None:
    """The chart to one person (`png`: drawn already, for his language); none when empty."""
    if png is None:
        png = await chart(messenger, series, i18n, now)
    if png is None:  # nothing happened this month: no empty chart
        return
    await messenger.send_file(
        chat_id,
        png,
        photo=True,
        filename="agenda-chart.png",
        caption=i18n.gettext("The month in figures"),
    )


async def tell_change(
    messenger: Messenger,
    series: MeetingSeries,
    occurrence: MeetingOccurrence,
    what: str,
    *,
    key: str,
    besides: int | None = None,
) -> None:
    """Every participant, in their language: the meeting is "cancelled" (with an .ics that
    has calendars remove it), else moved (with its .ics as it now stands); but not `besides`,
    who made the change and has been answered. `key`: the change's own (the press that made
    it), so that a replay tells nobody twice."""
    session = messenger.session
    street = await session.get(Street, series.street_id)
    community = await session.get(Community, series.community_id) if series.community_id else None
    assert street is not None
    now = messenger.services.clock.now()
    method = "CANCEL" if what == "cancelled" else "PUBLISH"
    for member in await schedule.participants(session, series):
        assert member.telegram_id is not None
        if member.telegram_id == besides:
            continue
        i18n = await messenger.services.i18n_for(session, member.telegram_id, street.timezone)
        name = title(i18n, series, street, community)
        dedupe = f"meeting-{what}:{occurrence.id}:{key}:{member.telegram_id}"
        if not await messenger.send(
            member.telegram_id, change_notice(i18n, name, occurrence, what), dedupe=dedupe
        ):
            continue
        await messenger.send_file(
            member.telegram_id,
            calendar_file([occurrence], series, street, name, stamp=now, method=method),
            filename="meeting.ics",
            dedupe=f"{dedupe}:ics",
            priority=Priority.DISPATCH,  # just after its notice
        )


async def tell_series_change(
    messenger: Messenger,
    series: MeetingSeries,
    coming: Sequence[MeetingOccurrence],
    dropped: Sequence[MeetingOccurrence] = (),
    *,
    key: str,
    besides: int | None = None,
) -> None:
    """The series' time, place or rule changed: every participant (but `besides`) is told
    its next meetings, with an .ics of them; and, when meetings already in their calendars
    were dropped by a new rule, an .ics that removes those."""
    session = messenger.session
    street = await session.get(Street, series.street_id)
    community = await session.get(Community, series.community_id) if series.community_id else None
    assert street is not None
    now = messenger.services.clock.now()
    for member in await schedule.participants(session, series):
        assert member.telegram_id is not None
        if member.telegram_id == besides:
            continue
        i18n = await messenger.services.i18n_for(session, member.telegram_id, street.timezone)
        name = title(i18n, series, street, community)
        place = (coming[0].place if coming else None) or series.place
        text = series_notice(i18n, name, [o.starts_at for o in coming], place)
        dedupe = f"meeting-series:{series.id}:{key}:{member.telegram_id}"
        if not await messenger.send(member.telegram_id, text, dedupe=dedupe):
            continue
        if coming:
            await messenger.send_file(
                member.telegram_id,
                calendar_file(coming, series, street, name, stamp=now, method="PUBLISH"),
                filename="meetings.ics",
                dedupe=f"{dedupe}:ics",
                priority=Priority.DISPATCH,
            )
        if dropped:
            await messenger.send_file(
                member.telegram_id,
                calendar_file(dropped, series, street, name, stamp=now, method="CANCEL"),
                filename="cancelled.ics",
                dedupe=f"{dedupe}:cancel",
                priority=Priority.DISPATCH,
            )
