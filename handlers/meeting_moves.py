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
from models.cases import PendingInput
from models.meetings import MeetingNotice, OccurrenceState
from models.permissions import Actor
from models.when import read_when
from notify.meetings import tell_change
from notify.messenger import Messenger
from views import meeting_texts
from views.callbacks import stale
from views.cancel import cancel_keyboard


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
    await tell_change(
        Messenger(context.bot, context.session, context.services),
        press.series,
        occurrence,
        "moved",
        key=f"u{update.update_id}",
        besides=actor.telegram_id,
    )
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
    await tell_change(
        Messenger(context.bot, context.session, context.services),
        press.series,
        occurrence,
        "cancelled",
        key=f"u{update.update_id}",
        besides=query.from_user.id,
    )
    await context.services.meetings_changed()
