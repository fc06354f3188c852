"""Moving a meeting (mt:m, then the new moment typed) and cancelling one (mt:c, confirmed with
mt:C); its participants are told either way."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import select
from telegram import Message, Update

from handlers.context import LaneKeeperContext
from handlers.meeting_access import MeetingPress, ask_about, edit_or_send
from models import dispatch as questions
from models import schedule
from models.cases import PendingInput
from models.meetings import MeetingNotice, MeetingOccurrence, MeetingSeries, OccurrenceState
from models.org import Community, Street
from models.permissions import Actor
from models.when import read_when
from notify.messenger import Messenger
from views import meeting_texts
from views.callbacks import stale
from views.cancel import cancel_keyboard
from views.meetings import title


async def ask_when(
    update: Update, context: LaneKeeperContext, actor: Actor, press: MeetingPress
) -> None:
    await ask_about(
        update, context, actor, press, "move_meeting", meeting_texts.move_question(context.i18n)
    )


async def answer_when(
    message: Message,
    context: LaneKeeperContext,
    actor: Actor,
    pending: PendingInput,
    text: str,
    press: MeetingPress,
) -> None:
    """The typed new moment: a future one is shown to be confirmed (Yes / No); anything else
    is asked again, saying what was understood."""
    occurrence, street, now = press.occurrence, press.street, press.now
    i18n = context.services.i18n(context.i18n.locale, street.timezone)
    reading = read_when(text, ZoneInfo(street.timezone), now)
    if reading.moment is None or reading.moment <= now:
        await questions.ask(
            context.session, actor.telegram_id, "move_meeting", None, now, **pending.data
        )
        await message.reply_text(
            meeting_texts.unreadable_when(i18n, reading, now),
            reply_markup=cancel_keyboard(context.i18n, "move_meeting", occurrence.id),
        )
        return
    await questions.ask(
        context.session,
        actor.telegram_id,
        "move_confirm",
        None,
        now,
        occurrence=occurrence.id,
        when=reading.moment.isoformat(),
    )
    text, keyboard = meeting_texts.confirm_move(i18n, occurrence, reading.moment)
    await message.reply_text(text, reply_markup=keyboard)


async def confirm_move(
    update: Update, context: LaneKeeperContext, actor: Actor, press: MeetingPress
) -> None:
    """mt:M:<occurrence>:y moves the meeting to the moment the presser confirmed (kept in
    his PendingInput); :n asks for another."""
    query = update.callback_query
    assert query is not None
    occurrence, now = press.occurrence, press.now
    pending = await context.session.get(PendingInput, actor.telegram_id)
    if (
        pending is None
        or pending.kind != "move_confirm"
        or questions.pending_ref(pending) != occurrence.id
        or press.arg not in ("y", "n")
    ):
        await query.answer(stale(context.i18n), show_alert=True)
        return
    when = datetime.fromisoformat(str(pending.data.get("when")))
    if press.arg == "n" or when <= now:
        await questions.ask(
            context.session, actor.telegram_id, "move_meeting", None, now, occurrence=occurrence.id
        )
        await query.answer()
        await edit_or_send(
            update,
            context,
            meeting_texts.move_question(context.i18n),
            cancel_keyboard(context.i18n, "move_meeting", occurrence.id),
        )
        return
    await context.session.delete(pending)
    occurrence.starts_at = when
    context.session.add(occurrence)
    for notice in await context.session.exec(
        select(MeetingNotice).where(MeetingNotice.occurrence_id == occurrence.id)
    ):
        await context.session.delete(notice)  # its reminders fall anew
    await context.session.commit()
    i18n = context.services.i18n(context.i18n.locale, press.street.timezone)
    await query.answer()
    await edit_or_send(update, context, meeting_texts.moved(i18n, when))
    await tell_participants(context, press.series, occurrence, "moved", besides=actor.telegram_id)
    await context.services.meetings_changed()


async def ask_cancel(
    update: Update, context: LaneKeeperContext, actor: Actor, press: MeetingPress
) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    text, keyboard = meeting_texts.cancel_question(context.i18n, press.occurrence)
    await context.bot.send_message(query.from_user.id, text, reply_markup=keyboard)


async def cancel(
    update: Update, context: LaneKeeperContext, actor: Actor, press: MeetingPress
) -> None:
    occurrence = press.occurrence
    occurrence.state = OccurrenceState.CANCELLED
    context.session.add(occurrence)
    await context.session.commit()
    query = update.callback_query
    assert query is not None
    await query.answer()
    if isinstance(query.message, Message):
        await query.edit_message_text(meeting_texts.cancelled(context.i18n))
    await tell_participants(
        context, press.series, occurrence, "cancelled", besides=query.from_user.id
    )
    await context.services.meetings_changed()


async def tell_participants(
    context: LaneKeeperContext,
    series: MeetingSeries,
    occurrence: MeetingOccurrence,
    what: str,
    *,
    besides: int | None = None,
) -> None:
    """Every participant, in their language: the meeting is "cancelled", else moved; but not
    `besides`, who made the change and has just been answered."""
    messenger = Messenger(context.bot, context.session, context.services)
    street = await context.session.get(Street, series.street_id)
    community = (
        await context.session.get(Community, series.community_id) if series.community_id else None
    )
    assert street is not None
    for member in await schedule.participants(context.session, series):
        assert member.telegram_id is not None
        if member.telegram_id == besides:
            continue
        i18n = await context.services.i18n_for(context.session, member.telegram_id, street.timezone)
        name = title(i18n, series, street, community)
        await messenger.send(
            member.telegram_id, meeting_texts.change_notice(i18n, name, occurrence, what)
        )
