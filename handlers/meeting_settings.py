"""The meeting series, set by their managers: the list (mt:S), a new schedule or place for
one (mt:r, mt:p), a new series (mt:w, then mt:k for its kind). A schedule is chosen with
buttons (handlers/series_rules.py); a place, or an RFC 5545 rule (the dialogue's "advanced"
button), is typed."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select
from telegram import Message, Update

from handlers import series_rules
from handlers.access import not_allowed
from handlers.context import LaneKeeperContext
from handlers.meeting_access import edit_or_send, manages, manages_street
from handlers.series_target import Target, next_meetings, reach_stored, save_rule
from models import dispatch as questions
from models.cases import PendingInput
from models.meeting_rule import check_rule
from models.meetings import MeetingSeries
from models.members import load_street_map
from models.org import Community, Street
from models.permissions import Actor
from models.rule_builder import read_days, read_plain, rule_of
from notify.meetings import tell_series_change
from notify.messenger import Messenger
from views import meeting_settings
from views.callbacks import as_int, stale
from views.cancel import cancel_keyboard
from views.rule_words import describe_days


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
        street = await context.session.get(Street, series.street_id)
        assert street is not None
        if verb == "r":
            await series_rules.start(update, context, Target(street, series=series), edit=False)
            return
        await questions.ask(
            context.session, actor.telegram_id, "series_place", None, now, series=series.id
        )
        await query.answer()
        await context.bot.send_message(
            query.from_user.id,
            meeting_settings.change_question(context.i18n, rule=False),
            reply_markup=cancel_keyboard(context.i18n, "series_place", series.id),
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
    await series_rules.start(update, context, Target(street, community=chosen), edit=True)


async def _rule_refused(
    context: LaneKeeperContext,
    message: Message,
    actor: Actor,
    pending: PendingInput,
    target: Target,
    rule: str,
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
        reply_markup=meeting_settings.refusal_keyboard(
            context.i18n, pending.kind, target.ref, target.community
        ),
    )
    return True


async def answer(
    message: Message, context: LaneKeeperContext, actor: Actor, pending: PendingInput, text: str
) -> None:
    """The typed rule, place, or rule and place of a new series; the next meetings are shown.
    A schedule said in words (每周一上午9点半) where a rule is asked is confirmed first."""
    target = await reach_stored(context, actor, pending.data)
    if isinstance(target, str):
        await message.reply_text(not_allowed(context))
        return
    if pending.kind in ("series_time", "series_confirm"):
        await series_rules.answer(message, context, actor, pending, target, text)
        return
    key = f"m{message.chat_id}-{message.message_id}"
    if pending.kind == "series_place":
        assert target.series is not None
        series = target.series
        series.place = text or None
        context.session.add(series)
        await context.session.commit()
        await context.services.meetings_changed()
        coming = await next_meetings(context, series)
        if not pending.data.get("new"):  # a series just made has nobody to tell of a change
            await tell_series_change(
                Messenger(context.bot, context.session, context.services),
                series,
                coming,
                [],
                key=key,
                besides=actor.telegram_id,
            )
        i18n = context.services.i18n(context.i18n.locale, target.street.timezone)
        await message.reply_text(meeting_settings.saved(i18n, [o.starts_at for o in coming]))
        return
    rule, _sep, place = text.partition("|") if pending.kind == "series_new" else (text, "", "")
    said = read_plain(rule)
    if said is not None and check_rule(rule_of(said)) is None:
        await series_rules.confirm(
            message, context, actor, target, rule_of(said), place.strip() or None
        )
        return
    days = read_days(rule)
    if days is not None:  # 每周一, with no time: say what was read, and ask again
        now = context.services.clock.now()
        await questions.ask(
            context.session, actor.telegram_id, pending.kind, None, now, **pending.data
        )
        await message.reply_text(
            meeting_settings.days_without_time(context.i18n, describe_days(context.i18n, days)),
            reply_markup=meeting_settings.refusal_keyboard(
                context.i18n, pending.kind, target.ref, target.community
            ),
        )
        return
    if await _rule_refused(context, message, actor, pending, target, rule.strip()):
        return
    _series, saved = await save_rule(
        context, actor, target, rule.strip(), place.strip() or None, key
    )
    await message.reply_text(saved)
