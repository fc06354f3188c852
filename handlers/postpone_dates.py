"""Postponing a case to a date typed freely: "📅 another date…" in the postponement menu
(cs:Pt) asks for it, the typed answer is read (models/typed_due.py) and either refused in a
sentence (the question stays open) or shown to be confirmed (cs:Pc); once confirmed, the
reason is asked exactly as after a day button (handlers/pending_answers.py, kind
"postpone" with the date in its data), and the same rules apply.

The date waits in the presser's PendingInput ("postpone_confirm": the date, and the
deadline and lead assignment it was typed against); a Confirm that is not the presser's
open question, names another date, or comes after the case moved on changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Message, Update

from handlers import case_press
from handlers.context import LaneKeeperContext
from handlers.postpone import ask_reason
from models import dispatch as cases
from models.cases import PendingInput
from models.lifecycle import TransitionError
from models.permissions import Actor
from models.typed_due import TypedDue, read_due, refusal
from models.when import Reading
from views import case_replies
from views import postpone_dates as texts
from views.callbacks import stale
from views.cancel import cancel_keyboard

ASK, CONFIRM = "postpone_date", "postpone_confirm"
KINDS = (ASK, CONFIRM)


async def ask_date(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    """cs:Pt: the menu becomes the question."""
    ctx = await case_press.load(context, case_id)
    await cases.check_may_postpone(context.session, actor, ctx)
    await cases.ask(context.session, actor.telegram_id, ASK, case_id, case_press.now(context))
    query = update.callback_query
    assert query is not None
    await query.answer()
    await case_press.edit(
        update,
        texts.date_question(context.i18n, ctx.case),
        cancel_keyboard(context.i18n, ASK, case_id),
    )


async def answer_date(
    message: Message,
    context: LaneKeeperContext,
    actor: Actor,
    ctx: cases.CaseContext,
    pending: PendingInput,
    text: str,
) -> None:
    """The typed date (or one typed again while a confirmation waits)."""
    await cases.check_may_postpone(context.session, actor, ctx)
    now = case_press.now(context)
    local = context.services.i18n(context.i18n.locale, ctx.street.timezone)
    typed = read_due(text, ZoneInfo(ctx.street.timezone), now, ctx.case.due_at)
    reading = typed.reading
    if pending.kind == CONFIRM and reading.day is None and reading.clock is None:
        # No date at all ("好的", "确认"): the confirmation stays as it was.
        await cases.ask(
            context.session, actor.telegram_id, CONFIRM, ctx.case.id, now, **pending.data
        )
        await message.reply_text(
            texts.press_or_type(context.i18n),
            reply_markup=cancel_keyboard(context.i18n, CONFIRM, ctx.case.id),
        )
        return
    if typed.refusal is not None or typed.due is None:
        await refuse(message, context, actor, ctx, typed, text)
        return
    await cases.ask(
        context.session,
        actor.telegram_id,
        CONFIRM,
        ctx.case.id,
        now,
        due=typed.due.isoformat(),
        since=ctx.case.due_at.isoformat() if ctx.case.due_at else None,
        lead=ctx.lead.id if ctx.lead else None,
    )
    approval = await cases.needs_approval(
        context.session, ctx, actor, typed.due, context.services.calendar
    )
    reply, keyboard = texts.confirm(local, ctx.case, typed, approval)
    await message.reply_text(reply, reply_markup=keyboard)


async def refuse(
    message: Message,
    context: LaneKeeperContext,
    actor: Actor,
    ctx: cases.CaseContext,
    typed: TypedDue,
    text: str,
) -> None:
    """Said why, and the date asked for again."""
    now = case_press.now(context)
    local = context.services.i18n(context.i18n.locale, ctx.street.timezone)
    await cases.ask(context.session, actor.telegram_id, ASK, ctx.case.id, now)
    await message.reply_text(
        texts.refused(local, typed, text, now, ctx.case.due_at),
        reply_markup=cancel_keyboard(context.i18n, ASK, ctx.case.id),
    )


def still_valid(ctx: cases.CaseContext, due: datetime, now: datetime) -> TypedDue | None:
    """None when `due` may still be the new deadline, else why not (for the refusal)."""
    why = refusal(due, now, ctx.case.due_at)
    return TypedDue(Reading(None, None, due), due, False, why) if why is not None else None


async def confirm_date(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    """cs:Pc: confirmed, the reason is asked; Retype asks for the date again."""
    query = update.callback_query
    assert query is not None
    pending = await context.session.get(PendingInput, actor.telegram_id)
    due = _due(pending) if pending is not None else None
    if (
        pending is None
        or pending.kind != CONFIRM
        or pending.case_id != case_id
        or due is None
        or arg not in (texts.RETYPE, texts.stamp(due))
    ):
        await query.answer(stale(context.i18n), show_alert=True)
        return
    ctx = await case_press.load(context, case_id)
    if await _overtaken(context, actor, ctx, pending):
        # Postponed, reassigned or finished since the date was typed: it no longer applies.
        await context.session.delete(pending)
        await context.session.commit()
        await query.answer(case_replies.moved_on(context.i18n), show_alert=True)
        await case_press.edit(update, case_replies.moved_on(context.i18n))
        return
    now = case_press.now(context)
    if arg == texts.RETYPE:
        await cases.ask(context.session, actor.telegram_id, ASK, case_id, now)
        await query.answer()
        await case_press.edit(
            update,
            texts.date_question(context.i18n, ctx.case),
            cancel_keyboard(context.i18n, ASK, case_id),
        )
        return
    invalid = still_valid(ctx, due, now)
    if invalid is not None:  # the confirmation was left until the date passed
        local = context.services.i18n(context.i18n.locale, ctx.street.timezone)
        await cases.ask(context.session, actor.telegram_id, ASK, case_id, now)
        await query.answer()
        await case_press.edit(
            update,
            texts.refused(local, invalid, "", now, ctx.case.due_at),
            cancel_keyboard(context.i18n, ASK, case_id),
        )
        return
    await ask_reason(update, context, actor, ctx, due=due.isoformat())


async def _overtaken(
    context: LaneKeeperContext, actor: Actor, ctx: cases.CaseContext, pending: PendingInput
) -> bool:
    """The case is no longer as it was when the date was typed against it, or no longer
    the presser's to postpone."""
    since = ctx.case.due_at.isoformat() if ctx.case.due_at else None
    lead = ctx.lead.id if ctx.lead else None
    if pending.data.get("since") != since or pending.data.get("lead") != lead:
        return True
    try:
        await cases.check_may_postpone(context.session, actor, ctx)
    except (cases.NotAllowed, TransitionError):
        return True
    return False


def _due(pending: PendingInput) -> datetime | None:
    try:
        return datetime.fromisoformat(str(pending.data.get("due")))
    except ValueError:
        return None
