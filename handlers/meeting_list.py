"""/meetings: the coming meetings of the person's streets, and a meeting's agenda (button
mt:g) with, for the monthly review, its chart; its printable agenda or minutes (mt:P, a PDF)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from telegram import Update

from handlers.access import current_actor, not_allowed
from handlers.context import LaneKeeperContext
from handlers.meeting_access import MeetingPress, manages, manages_street
from models import schedule
from models.meetings import MeetingOccurrence, MeetingSeries, OccurrenceState
from models.org import Community, Street
from models.permissions import Actor
from notify.meeting_documents import meeting_pdf
from notify.meetings import agenda_text, send_chart
from notify.messenger import Messenger
from views.meeting_list import Listed, coming_meetings

SHOWN = 6


async def _streets(context: LaneKeeperContext, actor: Actor) -> list[Street]:
    if actor.is_admin:
        return list(await context.session.exec(select(Street).order_by(col(Street.code))))
    ids = {m.member.street_id for m in actor.memberships}
    return [
        s
        for s in await context.session.exec(select(Street).order_by(col(Street.code)))
        if s.id in ids
    ]


async def _shown(
    context: LaneKeeperContext, street_id: int, now: datetime
) -> list[tuple[MeetingOccurrence, MeetingSeries]]:
    """The next meeting of every series, then the soonest others, in time order."""
    coming = await schedule.upcoming(context.session, street_id, now, 40)
    first: dict[int | None, tuple[MeetingOccurrence, MeetingSeries]] = {}
    for occurrence, series in coming:
        first.setdefault(series.id, (occurrence, series))
    chosen = list(first.values())
    for pair in coming:
        if len(chosen) >= SHOWN:
            break
        if pair not in chosen:
            chosen.append(pair)
    return sorted(chosen, key=lambda pair: pair[0].starts_at)


async def _listed(
    context: LaneKeeperContext,
    actor: Actor,
    occurrence: MeetingOccurrence,
    series: MeetingSeries,
) -> Listed:
    community = (
        await context.session.get(Community, series.community_id) if series.community_id else None
    )
    managed = await manages(context, actor, series)
    coming = occurrence.starts_at > context.services.clock.now()
    shown = managed and coming and occurrence.state == OccurrenceState.SCHEDULED
    replies = await schedule.replies(context.session, occurrence, series) if shown else None
    return Listed(occurrence, series, community, managed, replies)


async def meetings_command(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    actor = await current_actor(update, context)
    if message is None or actor is None:
        return
    streets = await _streets(context, actor)
    if not streets:
        await message.reply_text(not_allowed(context))
        return
    now = context.services.clock.now()
    await schedule.plan(context.session, now)
    for street in streets:
        assert street.id is not None
        i18n = context.services.i18n(context.i18n.locale, street.timezone)
        listed = [
            await _listed(context, actor, occurrence, series)
            for occurrence, series in await _shown(context, street.id or 0, now)
        ]
        past = [
            await _listed(context, actor, occurrence, series)
            for occurrence, series in await schedule.recent(context.session, street.id, now)
        ]
        text, keyboard = coming_meetings(
            i18n,
            street,
            listed,
            manages_street=await manages_street(context, actor, street),
            past=past,
        )
        await message.reply_text(text, reply_markup=keyboard)


async def _may_read(
    context: LaneKeeperContext, actor: Actor, series: MeetingSeries, street: Street
) -> bool:
    """Those who manage the meeting or are members of its street."""
    return await manages(context, actor, series) or any(
        m.member.street_id == street.id for m in actor.memberships
    )


async def send_agenda(
    update: Update, context: LaneKeeperContext, actor: Actor, press: MeetingPress
) -> None:
    """To those who manage the meeting or are members of its street."""
    query = update.callback_query
    assert query is not None
    series, street, now = press.series, press.street, press.now
    if not await _may_read(context, actor, series, street):
        await query.answer(not_allowed(context), show_alert=True)
        return
    i18n = context.services.i18n(context.i18n.locale, street.timezone)
    await query.answer()
    await context.bot.send_message(
        query.from_user.id,
        await agenda_text(context.session, context.services, series, i18n, now),
    )
    if series.kind == "street_monthly":
        messenger = Messenger(context.bot, context.session, context.services)
        await send_chart(messenger, query.from_user.id, series, i18n, now)


async def send_pdf(
    update: Update, context: LaneKeeperContext, actor: Actor, press: MeetingPress
) -> None:
    """The printable agenda (a meeting to come) or minutes (a meeting held), as a PDF: to
    those who may read the agenda."""
    query = update.callback_query
    assert query is not None
    if not await _may_read(context, actor, press.series, press.street):
        await query.answer(not_allowed(context), show_alert=True)
        return
    i18n = context.services.i18n(context.i18n.locale, press.street.timezone)
    await query.answer()
    name, data = await meeting_pdf(
        context.session, context.services, press.occurrence, press.series, i18n, press.now
    )
    messenger = Messenger(context.bot, context.session, context.services)
    await messenger.send_file(query.from_user.id, data, filename=name)
