"""A series' schedule set with buttons (views/rule_dialogue.py): each press carries the choice
so far, is read strictly and re-checked against the presser's rights; the rule chosen is
confirmed in words and kept in the presser's PendingInput until ✅ Confirm saves it exactly
as a typed rule is saved."""

from __future__ import annotations

import asyncio
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Message, Update

from handlers.context import LaneKeeperContext
from handlers.meeting_access import edit_or_send
from handlers.series_target import PREVIEW, Target, reach, reach_stored, save_rule
from models import dispatch as questions
from models.cases import PendingInput
from models.meeting_rule import check_rule
from models.permissions import Actor
from models.rule_builder import Draft, read_draft, rule_of, rule_tag
from models.schedule import occurrences
from models.when import parse_time_of_day
from views import meeting_settings, rule_dialogue
from views.callbacks import stale
from views.cancel import cancel_keyboard, cancelled

CONFIRM = "series_confirm"
_NOON = time(12)  # any time: is the draft one time short of a rule?
TIME = "series_time"


async def start(update: Update, context: LaneKeeperContext, target: Target, *, edit: bool) -> None:
    """The first step, the pattern: in place of the pressed message, or as a new one."""
    query = update.callback_query
    assert query is not None
    text, keyboard = rule_dialogue.screen(
        context.i18n, target.ref, Draft(community=target.community), await target.name(context)
    )
    await query.answer()
    if edit:
        await edit_or_send(update, context, text, keyboard)
    else:
        await context.bot.send_message(query.from_user.id, text, reply_markup=keyboard)


async def _confirmation(
    context: LaneKeeperContext, actor: Actor, target: Target, rule: str, place: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    """The rule kept for ✅ Confirm, and the confirmation to show."""
    now = context.services.clock.now()
    data = target.data() | {"rule": rule} | ({"place": place} if place else {})
    await questions.ask(context.session, actor.telegram_id, CONFIRM, None, now, **data)
    tz = ZoneInfo(target.street.timezone)
    starts = await asyncio.to_thread(occurrences, rule, tz, now, now + PREVIEW, 3)
    i18n = context.services.i18n(context.i18n.locale, target.street.timezone)
    return rule_dialogue.confirmation(i18n, target.ref, await target.name(context), rule, starts)


async def confirm(
    message: Message,
    context: LaneKeeperContext,
    actor: Actor,
    target: Target,
    rule: str,
    place: str | None,
) -> None:
    """A rule understood from typed words, shown for confirmation."""
    text, keyboard = await _confirmation(context, actor, target, rule, place)
    await message.reply_text(text, reply_markup=keyboard)


async def pressed(
    update: Update,
    context: LaneKeeperContext,
    actor: Actor,
    ident: int | None,
    verb: str,
    arg: str | None,
) -> None:
    """mt:b (a step), mt:T (type the time), mt:A (type a rule), mt:q (drop the dialogue),
    mt:Y (confirm), mt:N (a new series without a fixed place)."""
    query = update.callback_query
    assert query is not None
    if verb == "Y":
        await _confirmed(update, context, actor, ident, arg)
        return
    if verb == "N":
        await _no_place(update, context, actor, ident)
        return
    draft = read_draft(arg)
    if draft is None:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    target = await reach(context, actor, ident, draft.community)
    if isinstance(target, str):
        await query.answer(target, show_alert=True)
        return
    if verb == "q":
        await query.answer()
        await edit_or_send(update, context, cancelled(context.i18n, CONFIRM, None))
        return
    now = context.services.clock.now()
    if verb == "A":  # the RFC 5545 rule typed, as before the buttons
        kind = "series_rule" if target.series is not None else "series_new"
        await questions.ask(context.session, actor.telegram_id, kind, None, now, **target.data())
        question = (
            meeting_settings.change_question(context.i18n, rule=True)
            if target.series is not None
            else meeting_settings.new_series_question(context.i18n)
        )
        await query.answer()
        await edit_or_send(
            update, context, question, cancel_keyboard(context.i18n, kind, target.ref)
        )
        return
    ready_for_time = draft.clock is None and draft.with_(clock=_NOON).shape() is not None
    if verb == "T" and ready_for_time:
        await questions.ask(
            context.session,
            actor.telegram_id,
            TIME,
            None,
            now,
            **target.data(),
            draft=arg,
        )
        await query.answer()
        await edit_or_send(
            update,
            context,
            rule_dialogue.time_question(context.i18n),
            cancel_keyboard(context.i18n, TIME, target.ref),
        )
        return
    if verb != "b":
        await query.answer(stale(context.i18n), show_alert=True)
        return
    shape = draft.shape()
    if shape is None:
        text, keyboard = rule_dialogue.screen(
            context.i18n, target.ref, draft, await target.name(context)
        )
        if ready_for_time:  # the time screen says a time may be typed: so it may
            await questions.ask(
                context.session, actor.telegram_id, TIME, None, now, **target.data(), draft=arg
            )
    else:
        text, keyboard = await _confirmation(context, actor, target, rule_of(shape), None)
    await query.answer()
    await edit_or_send(update, context, text, keyboard)


async def _confirmed(
    update: Update, context: LaneKeeperContext, actor: Actor, ident: int | None, tag: str | None
) -> None:
    """✅ Confirm: the rule kept in the presser's own PendingInput, saved once."""
    query = update.callback_query
    assert query is not None
    now = context.services.clock.now()
    pending = await context.session.get(PendingInput, actor.telegram_id)
    if (
        pending is None
        or pending.kind != CONFIRM
        or questions.pending_ref(pending) != ident
        or pending.created_at < now - timedelta(days=1)
        or tag != rule_tag(str(pending.data.get("rule", "")))
    ):
        await query.answer(stale(context.i18n), show_alert=True)
        return
    target = await reach_stored(context, actor, pending.data)
    if isinstance(target, str):
        await query.answer(target, show_alert=True)
        return
    rule = str(pending.data.get("rule", ""))
    place = pending.data.get("place")
    refusal = await asyncio.to_thread(check_rule, rule)
    if refusal is not None:  # not one the dialogue made: forged, or the checks changed
        await query.answer(meeting_settings.rule_refused(context.i18n, refusal), show_alert=True)
        return
    await context.session.delete(pending)
    await context.session.commit()  # pressed twice: the second finds nothing to save
    series, saved = await save_rule(
        context,
        actor,
        target,
        rule,
        str(place) if place else None,
        key=f"u{update.update_id}",
    )
    await query.answer()
    await edit_or_send(update, context, saved)
    if target.series is None and not place:
        await questions.ask(
            context.session, actor.telegram_id, "series_place", None, now, series=series.id, new=1
        )
        assert series.id is not None
        text, keyboard = rule_dialogue.place_question(context.i18n, series.id)
        await context.bot.send_message(query.from_user.id, text, reply_markup=keyboard)


async def _no_place(
    update: Update, context: LaneKeeperContext, actor: Actor, ident: int | None
) -> None:
    """A new series' place question answered "no fixed place": the question is dropped."""
    query = update.callback_query
    assert query is not None
    target = await reach(context, actor, ident, None)
    if isinstance(target, str):
        await query.answer(target, show_alert=True)
        return
    if not await questions.drop_pending(
        context.session, actor.telegram_id, "series_place", ident or 0
    ):
        await query.answer(stale(context.i18n), show_alert=True)
        return
    await query.answer()
    await edit_or_send(update, context, rule_dialogue.no_place(context.i18n))


async def answer(
    message: Message,
    context: LaneKeeperContext,
    actor: Actor,
    pending: PendingInput,
    target: Target,
    text: str,
) -> None:
    """A typed time (series_time), or words typed while the confirmation waits."""
    now = context.services.clock.now()
    if pending.kind == CONFIRM:
        await questions.ask(context.session, actor.telegram_id, CONFIRM, None, now, **pending.data)
        await message.reply_text(rule_dialogue.confirm_reminder(context.i18n))
        return
    draft = read_draft(str(pending.data.get("draft", "")))
    clock = parse_time_of_day(text)
    if draft is None or draft.community != target.community:
        await message.reply_text(stale(context.i18n))
        return
    shape = draft.with_(clock=clock).shape() if clock is not None else None
    if shape is None:
        await questions.ask(context.session, actor.telegram_id, TIME, None, now, **pending.data)
        await message.reply_text(
            rule_dialogue.time_not_read(context.i18n, text),
            reply_markup=cancel_keyboard(context.i18n, TIME, target.ref),
        )
        return
    await confirm(message, context, actor, target, rule_of(shape), None)
