"""Every meeting button lands here, and every typed answer to a meeting question.

Button data is `mt:<verb>:<id>[:<argument>]`: the id names an action item (o, d), a series
or street (S, w, k, r, p; the schedule dialogue's b, T, A, q, Y, N: views/rule_dialogue.py)
or an occurrence (everything else). What it names is reloaded, and
the presser's rights checked, on every press.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from handlers import (
    attendance,
    meeting_list,
    meeting_moves,
    meeting_settings,
    minutes,
    series_rules,
)
from handlers.access import current_actor, not_allowed
from handlers.context import LaneKeeperContext
from handlers.meeting_access import MeetingPress, manages
from models.cases import PendingInput
from models.meetings import MeetingOccurrence, MeetingSeries, OccurrenceState
from models.org import Street
from models.permissions import Actor
from views.callbacks import as_int, stale, verb_press
from views.cancel import MEETING_KINDS

PATTERN = r"^mt:"
# The PendingInput kinds answered here (report.py sends them this way): the meeting
# questions, each of which may also be cancelled.
KINDS = MEETING_KINDS

# What a manager may do with a meeting still to come.
MANAGING: dict[str, Callable[[Update, LaneKeeperContext, Actor, MeetingPress], Awaitable[None]]] = {
    "m": meeting_moves.ask_when,
    "c": meeting_moves.ask_cancel,
    "C": meeting_moves.cancel,
    "M": meeting_moves.confirm_move,
    "n": minutes.ask_decision,
}

# What may only be done to a meeting that has not begun.
BEFORE_ONLY = ("m", "c", "C", "M")


async def pressed(update: Update, context: LaneKeeperContext) -> None:
    query = update.callback_query
    actor = await current_actor(update, context)
    assert query is not None and actor is not None
    verb, ident, arg = verb_press(query.data) or ("", None, None)
    now = context.services.clock.now()
    if verb in ("o", "d", "X"):  # owner and due date of an action item, or dropping it
        await minutes.item_step(update, context, actor, ident, verb, arg)
        return
    if verb in ("S", "w", "k", "r", "p"):  # the series themselves
        await meeting_settings.series_step(update, context, actor, ident, verb, arg)
        return
    if verb in ("b", "T", "A", "q", "Y", "N"):  # a series' schedule chosen with buttons
        await series_rules.pressed(update, context, actor, ident, verb, arg)
        return
    occurrence = await context.session.get(MeetingOccurrence, ident) if ident else None
    series = await context.session.get(MeetingSeries, occurrence.series_id) if occurrence else None
    if occurrence is None or series is None:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    street = await context.session.get(Street, series.street_id)
    assert street is not None
    press = MeetingPress(occurrence, series, street, arg, now)
    if verb == "g":
        await meeting_list.send_agenda(update, context, actor, press)
        return
    if verb == "P":
        await meeting_list.send_pdf(update, context, actor, press)
        return
    if verb == "a" and arg in ("y", "n"):
        await attendance.answer(update, context, actor, press)
        return
    if not await manages(context, actor, series):
        await query.answer(not_allowed(context), show_alert=True)
        return
    if occurrence.state != OccurrenceState.SCHEDULED:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    handler = MANAGING.get(verb)
    if verb in BEFORE_ONLY and occurrence.starts_at <= now:  # minutes may follow the meeting
        handler = None
    if handler is None:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    await handler(update, context, actor, press)


def is_meeting_question(pending: PendingInput) -> bool:
    return pending.kind in KINDS


async def answer_pending(update: Update, context: LaneKeeperContext, pending: PendingInput) -> None:
    """The person's message answers the question the bot asked about a meeting or series."""
    message = update.effective_message
    actor = await current_actor(update, context)
    assert message is not None and actor is not None
    text = (message.text or "").strip()
    if pending.kind.startswith("series_"):
        await meeting_settings.answer(message, context, actor, pending, text)
        return
    occurrence = await context.session.get(
        MeetingOccurrence, as_int(str(pending.data.get("occurrence", ""))) or 0
    )
    series = await context.session.get(MeetingSeries, occurrence.series_id) if occurrence else None
    if occurrence is None or series is None or not await manages(context, actor, series):
        await message.reply_text(not_allowed(context))
        return
    street = await context.session.get(Street, series.street_id)
    assert street is not None
    press = MeetingPress(occurrence, series, street, None, context.services.clock.now())
    if pending.kind in ("move_meeting", "move_confirm"):  # a moment typed again is read anew
        await meeting_moves.answer_when(message, context, actor, pending, text, press)
    elif pending.kind == "minutes":
        await minutes.answer_decision(message, context, actor, pending, text, press)
