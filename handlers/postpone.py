"""Postponing a case: the assignee picks a new due date and gives a reason; past the
category's limit a street coordinator approves or refuses."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Update

from handlers import case_press
from handlers.context import LaneKeeperContext
from models import dispatch as cases
from models.permissions import Actor
from notify.messenger import Messenger, street_coordinators
from views import case_replies
from views.callbacks import as_int, stale
from views.cancel import cancel_keyboard
from views.case_buttons import POSTPONE_DAYS, approval_keyboard, postpone_keyboard


async def postpone_menu(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await case_press.acting(context, actor, case_id)
    tz = ZoneInfo(ctx.street.timezone)
    now = case_press.now(context)
    choices = [
        (days, cases.extended_due(ctx.case, days, tz, context.services.calendar, now))
        for days in POSTPONE_DAYS
    ]
    # The dates as the street lives them, in the presser's language.
    local = context.services.i18n(context.i18n.locale, ctx.street.timezone)
    query = update.callback_query
    assert query is not None
    await query.answer()
    await context.bot.send_message(
        query.from_user.id,
        case_replies.postpone_question(context.i18n, ctx.case),
        reply_markup=postpone_keyboard(local, ctx.case, choices),
    )


async def postpone(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await case_press.load(context, case_id)
    days = as_int(arg)
    query = update.callback_query
    assert query is not None
    if days not in POSTPONE_DAYS:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    if not await cases.may_act(context.session, actor, ctx):
        raise cases.NotAllowed
    await ask_reason(update, context, actor, ctx, days=days)


async def ask_reason(
    update: Update,
    context: LaneKeeperContext,
    actor: Actor,
    ctx: cases.CaseContext,
    **date: object,
) -> None:
    """The pressed message becomes the reason's question; `date` (days=N, or due=ISO for a
    typed one) waits with it in the presser's PendingInput until the reason comes."""
    query = update.callback_query
    assert query is not None and ctx.case.id is not None
    now = case_press.now(context)
    await cases.ask(context.session, actor.telegram_id, "postpone", ctx.case.id, now, **date)
    await query.answer()
    await case_press.edit(
        update,
        case_replies.postpone_reason_question(context.i18n, ctx.case),
        cancel_keyboard(context.i18n, "postpone", ctx.case.id),
    )


async def decide_postponement(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await case_press.load(context, case_id)
    approve = arg == "y"
    request = await cases.decide_postponement(
        context.session, ctx, actor, approve, case_press.now(context)
    )
    query = update.callback_query
    assert query is not None
    await query.answer()
    await case_press.edit(update, case_replies.postponement_decided(context.i18n, approve))
    messenger = Messenger(context.bot, context.session, context.services)
    if request.actor_telegram_id is not None:
        i18n = await messenger.i18n(request.actor_telegram_id, ctx.case)
        await messenger.send(
            request.actor_telegram_id,
            case_replies.postponement_decision(i18n, ctx.case, approve),
        )
    if approve:
        await messenger.progress(
            ctx.case, "postponed", skip=actor.telegram_id, reason=request.note or ""
        )


async def ask_approval(
    context: LaneKeeperContext,
    messenger: Messenger,
    ctx: cases.CaseContext,
    new_due: datetime,
    reason: str,
) -> None:
    """Every street-wide coordinator is asked; the first to answer decides."""
    for telegram_id in await street_coordinators(context.session, ctx.case.street_id):
        i18n = await messenger.i18n(telegram_id, ctx.case)
        await messenger.send(
            telegram_id,
            case_replies.approval_request(i18n, ctx.case, new_due, reason),
            approval_keyboard(i18n, ctx.case),
        )
