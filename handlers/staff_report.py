"""/report: a coordinator takes a report for someone who phoned or walked in (受理).

The channel is a button (`sr:c:<channel>`), the caller's name and phone are typed or skipped
(`sr:s:<step>`), `sr:x` cancels; every press is checked against the dialogue the database holds
for the presser, and the presser's right to file. The report itself then goes through
intake like any other (handlers/report.py), its draft carrying the channel and the caller.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update

from handlers.access import current_actor, not_allowed
from handlers.context import LaneKeeperContext
from models import staff_reports
from models.cases import PendingInput
from models.drafts import begin_report
from models.staff_reports import Step
from views import staff_reports as texts
from views.callbacks import stale, unpack

PATTERN = r"^sr:"


async def report_command(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    actor = await current_actor(update, context)
    if message is None or actor is None:
        return
    if not staff_reports.may_file(actor):
        if actor.is_member:  # a street chief or liaison on patrol: his own report
            await patrol_report(update, context)
        else:
            await message.reply_text(not_allowed(context))
        return
    await staff_reports.begin(context.session, actor.telegram_id, context.services.clock.now())
    text, keyboard = texts.channel_question(context.i18n)
    await message.reply_text(text, reply_markup=keyboard)


async def patrol_report(update: Update, context: LaneKeeperContext) -> None:
    """What the member sends next is a report, even a short one ("桥直巷灯不亮")."""
    message = update.effective_message
    assert message is not None and message.from_user is not None
    draft = await begin_report(context.session, message.from_user.id, context.services.clock.now())
    await context.session.commit()
    assert draft.id is not None
    text, keyboard = texts.patrol_prompt(context.i18n, draft.id)
    await message.reply_text(text, reply_markup=keyboard)


async def pressed(update: Update, context: LaneKeeperContext) -> None:
    query = update.callback_query
    actor = await current_actor(update, context)
    assert query is not None and actor is not None
    i18n = context.i18n
    session = context.session
    now = context.services.clock.now()
    if not staff_reports.may_file(actor):
        await query.answer(not_allowed(context), show_alert=True)
        return
    state = await staff_reports.current(session, actor.telegram_id)
    fields = unpack(query.data, "sr", 2) or unpack(query.data, "sr", 1) or []
    verb = fields[0] if fields else ""
    if verb == "x" and len(fields) == 1:
        if not await staff_reports.cancel(session, actor.telegram_id):
            await query.answer(stale(i18n), show_alert=True)
            return
        await query.answer()
        await query.edit_message_text(texts.cancelled(i18n))
        return
    if state is None:
        await query.answer(stale(i18n), show_alert=True)
        return
    step = state.get("step")
    if verb == "c" and len(fields) == 2 and step == Step.CHANNEL:
        channel = staff_reports.as_channel(fields[1])
        if channel is None:
            await query.answer(stale(i18n), show_alert=True)
            return
        state.update(step=Step.NAME, channel=str(channel))
        await staff_reports.answer(session, actor.telegram_id, state, now)
        await query.answer()
        await _mark_chosen(update, texts.channel_name(i18n, channel))
        await _send(update, context, *texts.name_question(i18n, channel))
        return
    if verb == "s" and len(fields) == 2 and step in (Step.NAME, Step.PHONE) and fields[1] == step:
        await query.answer()
        await _mark_chosen(update, i18n.gettext("Skip"))
        await _next(update, context, actor.telegram_id, state, None)
        return
    await query.answer(stale(i18n), show_alert=True)


def is_staff_question(pending: PendingInput) -> bool:
    return pending.kind == staff_reports.KIND


async def answer_pending(update: Update, context: LaneKeeperContext, pending: PendingInput) -> None:
    """A typed answer: the caller's name or phone. The question was taken from the database
    (handlers/report.py); it is asked again unless answered."""
    message = update.effective_message
    actor = await current_actor(update, context)
    assert message is not None and actor is not None
    i18n = context.i18n
    now = context.services.clock.now()
    state = dict(pending.data)
    step = state.get("step")
    if not staff_reports.may_file(actor):  # no longer a coordinator: the dialogue ends
        await message.reply_text(not_allowed(context))
        return
    typed = (message.text or "").strip()
    if step == Step.CHANNEL or not typed:
        await staff_reports.answer(context.session, actor.telegram_id, state, now)
        if step == Step.CHANNEL:
            text, keyboard = texts.channel_question(i18n)
        else:
            text, keyboard = texts.text_expected(i18n), None
        await message.reply_text(text, reply_markup=keyboard)
        return
    if step == Step.NAME:
        name = staff_reports.clean_name(typed)
        if name is None:
            await staff_reports.answer(context.session, actor.telegram_id, state, now)
            await _send(update, context, *texts.name_too_long(i18n))
            return
        await _next(update, context, actor.telegram_id, state, name)
    elif step == Step.PHONE:
        phone = staff_reports.clean_phone(typed)
        if phone is None:
            await staff_reports.answer(context.session, actor.telegram_id, state, now)
            await _send(update, context, *texts.phone_invalid(i18n))
            return
        await _next(update, context, actor.telegram_id, state, phone)


async def _next(
    update: Update,
    context: LaneKeeperContext,
    telegram_id: int,
    state: dict[str, Any],
    value: str | None,
) -> None:
    """The answer to the current step kept, and the next question asked."""
    i18n = context.i18n
    now = context.services.clock.now()
    if state.get("step") == Step.NAME:
        state.update(step=Step.PHONE, name=value)
        await staff_reports.answer(context.session, telegram_id, state, now)
        await _send(update, context, *texts.phone_question(i18n))
        return
    state["phone"] = value
    draft = await staff_reports.open_report(context.session, telegram_id, state, now)
    assert draft.id is not None
    await _send(update, context, *texts.report_question(i18n, draft.id))


async def _send(
    update: Update, context: LaneKeeperContext, text: str, keyboard: InlineKeyboardMarkup
) -> None:
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat.id, text, reply_markup=keyboard)


async def _mark_chosen(update: Update, chosen: str) -> None:
    """The question answered: its buttons go, the answer shown under it."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message) and query.message.text:
        await query.edit_message_text(f"{query.message.text}\n✓ {chosen}")
