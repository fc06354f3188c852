"""The reporter's buttons once a case is reported handled: fixed or not, then a mark."""

from __future__ import annotations

from telegram import Update

from handlers import case_press
from handlers.context import LaneKeeperContext
from models import dispatch as cases
from models.cases import Case, CaseAction, CaseState
from models.lifecycle import TransitionError
from models.permissions import Actor
from notify.messenger import Messenger
from notify.verdicts import tell_assignee
from views import case_replies
from views.callbacks import as_int, stale
from views.cancel import cancel_keyboard
from views.case_buttons import stars_keyboard


async def verify(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await case_press.load(context, case_id)
    query = update.callback_query
    assert query is not None
    if not await cases.may_verify(context.session, ctx.case, actor.telegram_id):
        raise cases.NotAllowed
    if ctx.case.state != CaseState.DONE:
        raise TransitionError(CaseAction.CONFIRM, CaseState(ctx.case.state))
    if arg == "y":
        await cases.confirm(
            context.session, ctx.case, actor.telegram_id, None, case_press.now(context)
        )
        await query.answer()
        await case_press.edit(
            update, case_replies.closed_ask_mark(context.i18n, ctx.case), stars_keyboard(ctx.case)
        )
        messenger = Messenger(context.bot, context.session, context.services)
        await tell_assignee(messenger, ctx, "closed")
        await messenger.progress(ctx.case, "closed", skip=actor.telegram_id)
        return
    if arg == "n":
        # The press is the objection: back to rework now; the reason is asked for, optional.
        now = case_press.now(context)
        event = await cases.reopen(context.session, ctx, actor.telegram_id, now)
        await query.answer()
        await case_press.edit(
            update,
            case_replies.reopen_question(context.i18n, ctx.case),
            cancel_keyboard(context.i18n, "reopen", case_id),
        )
        messenger = Messenger(context.bot, context.session, context.services)
        await tell_assignee(messenger, ctx, "reopened")
        await messenger.progress(ctx.case, "reopened", skip=actor.telegram_id)
        await cases.ask(context.session, actor.telegram_id, "reopen", case_id, now, event=event.id)
        return
    await query.answer(stale(context.i18n), show_alert=True)


async def rate(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    case = await context.session.get(Case, case_id)
    mark = as_int(arg)
    query = update.callback_query
    assert query is not None
    if case is None or mark is None:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    await cases.rate(context.session, case, actor.telegram_id, mark)
    await query.answer(case_replies.mark_noted(context.i18n))
    await case_press.edit(update, keyboard=None)
