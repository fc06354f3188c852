"""The meeting series, set by their managers: the list (mt:S), a new rule or place for one
(mt:r, mt:p), a new series (mt:w, then mt:k for its kind), each answered by a typed message."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select
from telegram import Message, Update

from handlers.access import not_allowed
from handlers.context import LaneKeeperContext
from handlers.meeting_access import edit_or_send, manages, manages_street
from models import dispatch as questions
from models import schedule
from models.cases import PendingInput
from models.meeting_rule import check_rule
from models.meetings import MeetingOccurrence, MeetingSeries
from models.members import load_street_map
from models.org import Community, Street
from models.permissions import Actor
from notify.meetings import tell_series_change
from notify.messenger import Messenger
from views import meeting_settings
from views.callbacks import as_int, stale
from views.cancel import cancel_keyboard


async def series_step(
    update: Update,
    context: LaneKeeperContext,
    actor: Actor,
    ident: int | None,
    verb: str,
    arg: str | None,
) -> None:
    """List the series; change one's rule or place; start a new one (street or community)."""
    query = update.callback_query
    assert query is not None
    now = context.services.clock.now()
    if verb in ("r", "p"):
        series = await context.session.get(MeetingSeries, ident) if ident else None
        if series is None:
            await query.answer(stale(context.i18n), show_alert=True)
            return
        if not await manages(context, actor, series):
            await query.answer(not_allowed(context), show_alert=True)
            return
        kind = "series_rule" if verb == "r" else "series_place"
        await questions.ask(context.session, actor.telegram_id, kind, None, now, series=series.id)
        await query.answer()
        await context.bot.send_message(
            query.from_user.id,
            meeting_settings.change_question(context.i18n, rule=verb == "r"),
            reply_markup=cancel_keyboard(context.i18n, kind, series.id),
        )
        return
    street = await context.session.get(Street, ident) if ident else None
    if street is None:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    if not await manages_street(context, actor, street):
        await query.answer(not_allowed(context), show_alert=True)
        return
    street_map = await load_street_map(context.session, street)
    scope = actor.coordinated_communities(street_map) or set()
    street_wide = actor.is_admin or actor.is_street_coordinator(street_map)
    if verb == "S":
        i18n = context.services.i18n(context.i18n.locale, street.timezone)
        managed = []
        for series in await context.session.exec(
            select(MeetingSeries)
            .where(MeetingSeries.street_id == street.id, col(MeetingSeries.active).is_(True))
            .order_by(col(MeetingSeries.id))
        ):
            if not await manages(context, actor, series):
                continue
            community = (
                await context.session.get(Community, series.community_id)
                if series.community_id
                else None
            )
            managed.append((series, community))
        text, keyboard = meeting_settings.series_list(i18n, street, managed)
        await query.answer()
        await context.bot.send_message(query.from_user.id, text, reply_markup=keyboard)
        return
    if verb == "w":
        communities = [(cid, c) for cid, c in street_map.communities.items() if cid in scope]
        text, keyboard = meeting_settings.new_series_choice(
            context.i18n, street, street_wide, communities
        )
        await query.answer()
        await edit_or_send(update, context, text, keyboard)
        return
    chosen = as_int(arg)
    if chosen is None:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    if (chosen == 0 and not street_wide) or (chosen != 0 and chosen not in scope):
        await query.answer(not_allowed(context), show_alert=True)
        return
    await questions.ask(
        context.session,
        actor.telegram_id,
        "series_new",
        None,
        now,
        street=street.id,
        community=chosen,
    )
    await query.answer()
    await edit_or_send(
        update,
        context,
        meeting_settings.new_series_question(context.i18n),
        cancel_keyboard(context.i18n, "series_new", street.id),
    )


async def _rule_refused(
    context: LaneKeeperContext, message: Message, actor: Actor, pending: PendingInput, rule: str
) -> bool:
    """Say why a typed rule is refused and ask again; False when the rule may be used."""
    # A rule that never meets is only known as such after dateutil has walked the calendar
    # to year 9999 (seconds for a daily one): not on the event loop, which serves every chat.
    refusal = await asyncio.to_thread(check_rule, rule)
    if refusal is None:
        return False
    now = context.services.clock.now()
    await questions.ask(context.session, actor.telegram_id, pending.kind, None, now, **pending.data)
    await message.reply_text(
        meeting_settings.rule_refused(context.i18n, refusal),
        reply_markup=cancel_keyboard(context.i18n, pending.kind, questions.pending_ref(pending)),
    )
    return True


async def answer(
    message: Message, context: LaneKeeperContext, actor: Actor, pending: PendingInput, text: str
) -> None:
    """The typed rule, place, or rule and place of a new series; the next meetings are shown."""
    now = context.services.clock.now()
    dropped: list[MeetingOccurrence] = []
    if pending.kind == "series_new":
        street = await context.session.get(Street, as_int(str(pending.data.get("street"))) or 0)
        community_id = as_int(str(pending.data.get("community"))) or None
        if street is None or not await manages_street(context, actor, street):
            await message.reply_text(not_allowed(context))
            return
        rule, _sep, place = text.partition("|")
        if await _rule_refused(context, message, actor, pending, rule.strip()):
            return
        series = await schedule.create_series(
            context.session, street.id or 0, community_id, rule.strip(), place.strip() or None
        )
    else:
        found = await context.session.get(
            MeetingSeries, as_int(str(pending.data.get("series"))) or 0
        )
        if found is None or not await manages(context, actor, found):
            await message.reply_text(not_allowed(context))
            return
        series = found
        if pending.kind == "series_place":
            series.place = text or None
            context.session.add(series)
            await context.session.commit()
        else:
            if await _rule_refused(context, message, actor, pending, text):
                return
            series.rrule = text
            context.session.add(series)
            await context.session.commit()
            dropped = await schedule.replan_series(context.session, series, now)
    await schedule.plan(context.session, now)
    coming = [
        o
        for o, s in await schedule.upcoming(context.session, series.street_id, now, 50)
        if s.id == series.id
    ][:3]
    if pending.kind != "series_new":  # a changed series: its participants are told
        await tell_series_change(
            Messenger(context.bot, context.session, context.services),
            series,
            coming,
            dropped,
            key=f"m{message.chat_id}-{message.message_id}",
            besides=actor.telegram_id,
        )
    await context.services.meetings_changed()
    street = await context.session.get(Street, series.street_id)
    assert street is not None and street.id is not None
    i18n = context.services.i18n(context.i18n.locale, street.timezone)
    await message.reply_text(meeting_settings.saved(i18n, [o.starts_at for o in coming]))
