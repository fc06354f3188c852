"""Minutes of a meeting: the decisions typed one per message (mt:n), then for each its unit
(mt:o) and its due date (mt:d); the unit's members are told."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from telegram import Message, Update

from handlers.access import not_allowed
from handlers.context import LaneKeeperContext
from handlers.meeting_access import MeetingPress, ask_about, manages
from models import dispatch as questions
from models.cases import PendingInput
from models.meetings import ActionItem, MeetingOccurrence, MeetingSeries
from models.minutes import add_item, drop_unfinished, owners_to_tell
from models.org import Party, Street
from models.permissions import Actor
from notify.messenger import Messenger
from views import minutes
from views.callbacks import as_int, stale
from views.cancel import cancel_keyboard, cancelled


async def ask_decision(
    update: Update, context: LaneKeeperContext, actor: Actor, press: MeetingPress
) -> None:
    await ask_about(
        update, context, actor, press, "minutes", minutes.decision_question(context.i18n)
    )


async def answer_decision(
    message: Message,
    context: LaneKeeperContext,
    actor: Actor,
    pending: PendingInput,
    text: str,
    press: MeetingPress,
) -> None:
    """The typed decision becomes an action item; its owning unit is asked for next."""
    if not text:
        await message.reply_text(
            minutes.decision_missing(context.i18n),
            reply_markup=cancel_keyboard(context.i18n, pending.kind, press.occurrence.id),
        )
        await questions.ask(
            context.session, actor.telegram_id, pending.kind, None, press.now, **pending.data
        )
        return
    item = await add_item(context.session, press.occurrence, text, actor.telegram_id, press.now)
    parties = await context.session.exec(
        select(Party).where(Party.street_id == press.series.street_id).order_by(col(Party.id))
    )
    reply, keyboard = minutes.choose_owner(context.i18n, item, parties)
    await message.reply_text(reply, reply_markup=keyboard)


async def item_step(
    update: Update,
    context: LaneKeeperContext,
    actor: Actor,
    item_id: int | None,
    verb: str,
    arg: str | None,
) -> None:
    """mt:o:<item>:<party> sets the owner and asks the due date; mt:d:<item>:<days> sets it;
    mt:X:<item> drops a decision still being entered, by the one who typed it."""
    query = update.callback_query
    assert query is not None
    item = await context.session.get(ActionItem, item_id) if item_id else None
    occurrence = (
        await context.session.get(MeetingOccurrence, item.occurrence_id)
        if item and item.occurrence_id
        else None
    )
    series = await context.session.get(MeetingSeries, occurrence.series_id) if occurrence else None
    if item is None or series is None:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    if not await manages(context, actor, series):
        await query.answer(not_allowed(context), show_alert=True)
        return
    if verb == "X":
        if item.created_by_telegram_id != actor.telegram_id or not await drop_unfinished(
            context.session, item
        ):
            await query.answer(stale(context.i18n), show_alert=True)
            return
        await query.answer()
        await query.edit_message_text(cancelled(context.i18n, "minutes", None))
        return
    if verb == "o":
        party = await context.session.get(Party, as_int(arg) or 0)
        if party is None or party.street_id != item.street_id:
            await query.answer(stale(context.i18n), show_alert=True)
            return
        item.owner_party_id = party.id
        context.session.add(item)
        await context.session.commit()
        street = await context.session.get(Street, item.street_id)
        assert street is not None
        i18n = context.services.i18n(context.i18n.locale, street.timezone)
        today = context.services.clock.now().astimezone(ZoneInfo(street.timezone)).date()
        text, keyboard = minutes.choose_due(i18n, item, party, today)
        await query.answer()
        await query.edit_message_text(text, reply_markup=keyboard)
        return
    days = as_int(arg)
    if days not in minutes.DUE_DAYS:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    street = await context.session.get(Street, item.street_id)
    assert street is not None
    today = context.services.clock.now().astimezone(ZoneInfo(street.timezone)).date()
    item.due_date = today + timedelta(days=days)
    context.session.add(item)
    await context.session.commit()
    await query.answer()
    i18n = context.services.i18n(context.i18n.locale, street.timezone)
    await query.edit_message_text(minutes.recorded(i18n, item))
    messenger = Messenger(context.bot, context.session, context.services)
    for telegram_id in await owners_to_tell(context.session, item):
        their = await context.services.i18n_for(context.session, telegram_id, street.timezone)
        await messenger.send(telegram_id, minutes.owner_notice(their, item))
