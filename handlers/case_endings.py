"""A coordinator closes a report without handling it (不予立案 with a reason, 转办 to an
outside body with a note); the reporter or the alley's street chief says a closed case is
back (又出现了). Rules in models/closing.py; words in views/case_endings.py."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import CallbackQuery, Message, Update

from handlers import case_press
from handlers.context import LaneKeeperContext
from models import closing
from models import dispatch as cases
from models.cases import CaseAction, CaseState, PendingInput
from models.lifecycle import TransitionError
from models.org import Member, OutsideBody
from models.permissions import Actor
from notify import case_endings as notices
from notify.messenger import Messenger
from views import case_endings
from views.callbacks import as_int, stale
from views.cancel import cancel_keyboard

# The questions whose typed answers come back here (handlers/pending_answers.py).
KINDS = ("not_accept", "transfer", "reopen_closed")


def _query(update: Update) -> CallbackQuery:
    query = update.callback_query
    assert query is not None
    return query


async def not_accepted_menu(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await case_press.load(context, case_id)
    await closing.check_coordinator(context.session, actor, ctx, CaseAction.NOT_ACCEPT)
    query = _query(update)
    await query.answer()
    text, keyboard = case_endings.not_accepted_question(context.i18n, ctx.case)
    await context.bot.send_message(query.from_user.id, text, reply_markup=keyboard)


async def not_accepted(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await case_press.load(context, case_id)
    query = _query(update)
    if arg == "other":
        await closing.check_coordinator(context.session, actor, ctx, CaseAction.NOT_ACCEPT)
        await cases.ask(
            context.session, actor.telegram_id, "not_accept", case_id, case_press.now(context)
        )
        await query.answer()
        await case_press.edit(
            update,
            case_endings.type_not_accepted_reason(context.i18n, ctx.case),
            cancel_keyboard(context.i18n, "not_accept", case_id),
        )
        return
    if arg not in case_endings.NOT_ACCEPTED_REASONS:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    await _not_accept(context, actor, ctx, arg, case_endings.NOT_ACCEPTED_REASONS[arg])
    await query.answer()
    await case_press.edit(update, case_endings.not_accepted_done(context.i18n, ctx.case))


async def _not_accept(
    context: LaneKeeperContext, actor: Actor, ctx: cases.CaseContext, code: str, reason: str
) -> None:
    released = await closing.not_accept(
        context.session, ctx, actor, code, reason, case_press.now(context)
    )
    messenger = Messenger(context.bot, context.session, context.services)
    await notices.not_accepted(
        messenger, ctx.case, code, reason, released.member, skip=actor.telegram_id
    )


async def transfer_menu(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await case_press.load(context, case_id)
    await closing.check_coordinator(context.session, actor, ctx, CaseAction.TRANSFER)
    bodies = await closing.outside_bodies(context.session, ctx.street.id or 0)
    query = _query(update)
    await query.answer()
    text, keyboard = case_endings.transfer_question(context.i18n, ctx.case, bodies)
    await context.bot.send_message(query.from_user.id, text, reply_markup=keyboard)


async def transfer_to(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await case_press.load(context, case_id)
    await closing.check_coordinator(context.session, actor, ctx, CaseAction.TRANSFER)
    body_id = as_int(arg)
    body = await context.session.get(OutsideBody, body_id) if body_id else None
    query = _query(update)
    if body is None or body.street_id != ctx.case.street_id or not body.active:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    await cases.ask(
        context.session,
        actor.telegram_id,
        "transfer",
        case_id,
        case_press.now(context),
        body=body.id,
    )
    await query.answer()
    await case_press.edit(
        update,
        case_endings.transfer_note_question(context.i18n, ctx.case, body),
        cancel_keyboard(context.i18n, "transfer", case_id),
    )


async def reopen_closed(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await case_press.load(context, case_id)
    query = _query(update)
    if not await closing.may_reopen(context.session, ctx, actor.telegram_id):
        raise cases.NotAllowed
    if ctx.case.state != CaseState.CLOSED:
        raise TransitionError(CaseAction.REOPEN_CLOSED, CaseState(ctx.case.state))
    days = context.services.config.dispatch.reopen_days
    if not closing.may_still_reopen(ctx.case.closed_at, case_press.now(context), days):
        await query.answer(
            case_endings.reopen_too_late(context.i18n, ctx.case, days), show_alert=True
        )
        return
    await cases.ask(
        context.session, actor.telegram_id, "reopen_closed", case_id, case_press.now(context)
    )
    await query.answer()
    await context.bot.send_message(
        query.from_user.id,
        case_endings.reopen_question(context.i18n, ctx.case),
        reply_markup=cancel_keyboard(context.i18n, "reopen_closed", case_id),
    )


async def answer(
    context: LaneKeeperContext,
    message: Message,
    actor: Actor,
    ctx: cases.CaseContext,
    pending: PendingInput,
    text: str,
) -> None:
    """The typed answer to one of KINDS; an empty one raises ValueError (asked again)."""
    if not text:
        raise ValueError
    i18n = context.i18n
    now = case_press.now(context)
    messenger = Messenger(context.bot, context.session, context.services)
    if pending.kind == "not_accept":
        await _not_accept(context, actor, ctx, "other", text)
        await message.reply_text(case_endings.not_accepted_done(i18n, ctx.case))
    elif pending.kind == "transfer":
        body_id = as_int(str(pending.data.get("body")))
        body = await context.session.get(OutsideBody, body_id) if body_id else None
        if body is None:
            raise TransitionError(CaseAction.TRANSFER, CaseState(ctx.case.state))
        released = await closing.transfer(context.session, ctx, actor, body, text, now)
        await message.reply_text(case_endings.transferred_done(i18n, ctx.case, body))
        await notices.transferred(
            messenger, ctx.case, body, released.member, skip=actor.telegram_id
        )
    elif pending.kind == "reopen_closed":
        days = context.services.config.dispatch.reopen_days
        if not closing.may_still_reopen(ctx.case.closed_at, now, days):
            await message.reply_text(case_endings.reopen_too_late(i18n, ctx.case, days))
            return
        assignment = await closing.reopen_closed(
            context.session,
            ctx,
            actor.telegram_id,
            text,
            now,
            days=days,
            tz=ZoneInfo(ctx.street.timezone),
            calendar=context.services.calendar,
        )
        member = (
            await context.session.get(Member, assignment.member_id)
            if assignment.member_id
            else None
        )
        who = await messenger.lead_label(ctx.case, i18n)
        await message.reply_text(case_endings.reopened_closed(i18n, ctx.case, who))
        await notices.reopened_closed(messenger, ctx.case, member, text, skip=actor.telegram_id)
