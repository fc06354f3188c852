"""The assignee's buttons on a case: accept, hand back (with a reason), done, and an
assisting unit's "our part is done"."""

from __future__ import annotations

from telegram import Update

from handlers import case_press
from handlers.context import LaneKeeperContext
from models import dispatch as cases
from models.cases import Assignment, AssignmentRole, Case, CaseAction, CaseState
from models.lifecycle import TransitionError
from models.permissions import Actor
from notify.messenger import Messenger
from views import case_replies
from views.callbacks import stale
from views.cancel import cancel_keyboard
from views.case_buttons import HAND_BACK_REASONS, hand_back_keyboard
from views.dispatch_notices import action_keyboard


async def accept(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await case_press.load(context, case_id)
    await cases.accept(context.session, ctx, actor, case_press.now(context))
    query = update.callback_query
    assert query is not None
    await query.answer(case_replies.accepted(context.i18n))
    await case_press.edit(update, keyboard=action_keyboard(context.i18n, ctx.case))
    messenger = Messenger(context.bot, context.session, context.services)
    await messenger.progress(ctx.case, "accepted")


async def hand_back_menu(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await case_press.acting(context, actor, case_id)
    query = update.callback_query
    assert query is not None
    await query.answer()
    await context.bot.send_message(
        query.from_user.id,
        case_replies.hand_back_question(context.i18n, ctx.case),
        reply_markup=hand_back_keyboard(context.i18n, ctx.case),
    )


async def hand_back(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await case_press.load(context, case_id)
    query = update.callback_query
    assert query is not None
    if arg == "other":
        if not await cases.may_act(context.session, actor, ctx):
            raise cases.NotAllowed
        await cases.ask(
            context.session, actor.telegram_id, "hand_back", case_id, case_press.now(context)
        )
        await query.answer()
        await case_press.edit(
            update,
            case_replies.type_reason(context.i18n, ctx.case),
            cancel_keyboard(context.i18n, "hand_back", case_id),
        )
        return
    if arg not in HAND_BACK_REASONS:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    await hand_back_for(context, actor, ctx, HAND_BACK_REASONS[arg])
    await query.answer()
    await case_press.edit(update, case_replies.handed_back(context.i18n))


async def hand_back_for(
    context: LaneKeeperContext, actor: Actor, ctx: cases.CaseContext, reason: str
) -> None:
    """Back to triage with the reason, chosen or typed; the coordinators are told."""
    await cases.hand_back(context.session, ctx, actor, reason, case_press.now(context))
    await Messenger(context.bot, context.session, context.services).triage(ctx.case, reason)


async def done(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await case_press.acting(context, actor, case_id)
    if ctx.case.state not in (CaseState.DISPATCHED, CaseState.ACCEPTED):
        raise TransitionError(CaseAction.FINISH, CaseState(ctx.case.state))
    await cases.ask(context.session, actor.telegram_id, "finish", case_id, case_press.now(context))
    query = update.callback_query
    assert query is not None
    await query.answer()
    await context.bot.send_message(
        query.from_user.id,
        case_replies.finish_question(context.i18n, ctx.case),
        reply_markup=cancel_keyboard(context.i18n, "finish", case_id),
    )


async def assist_done(
    update: Update, context: LaneKeeperContext, actor: Actor, assignment_id: int, arg: str | None
) -> None:
    assignment = await context.session.get(Assignment, assignment_id)
    case = await context.session.get(Case, assignment.case_id) if assignment else None
    query = update.callback_query
    assert query is not None
    if assignment is None or case is None or assignment.role != AssignmentRole.ASSIST:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    await cases.assist_done(context.session, case, assignment, actor, case_press.now(context))
    await query.answer(case_replies.assist_noted(context.i18n))
    await case_press.edit(update, keyboard=None)
