"""Triage: /triage lists the cases waiting for a unit; a coordinator then chooses a unit and
a person in it (button data cs:t, cs:tp, cs:tm)."""

from __future__ import annotations

from sqlmodel import col, select
from telegram import InlineKeyboardMarkup, Update

from handlers import case_press
from handlers.access import current_actor, not_allowed
from handlers.context import LaneKeeperContext
from models import dispatch as cases
from models.case_opening import category_row
from models.cases import Case, CaseAction, CaseState
from models.lifecycle import TransitionError
from models.org import Member, Party
from models.permissions import Actor
from notify.messenger import Messenger
from views import triage
from views.callbacks import as_int, stale

# /triage looks at this many waiting cases at most; more would be a backlog, not a list.
SCANNED = 200


async def triage_command(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    actor = await current_actor(update, context)
    if message is None or actor is None:
        return
    waiting = []
    for case in await context.session.exec(
        select(Case).where(Case.state == CaseState.TRIAGE).order_by(col(Case.id)).limit(SCANNED)
    ):
        if await cases.coordinates_case(context.session, actor, case):
            waiting.append(case)
    if not waiting and not (
        actor.is_admin or any(m.member.role == "coordinator" for m in actor.memberships)
    ):
        await message.reply_text(not_allowed(context))
        return
    if not waiting:
        await message.reply_text(triage.nothing_waiting(context.i18n))
        return
    messenger = Messenger(context.bot, context.session, context.services)
    shown = [(case, *await messenger.names(case)) for case in waiting[: triage.LISTED]]
    text, keyboard = triage.waiting_list(context.i18n, len(waiting), shown)
    await message.reply_text(text, reply_markup=keyboard)


async def choose_party(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await case_press.load(context, case_id)
    if not await cases.coordinates_case(context.session, actor, ctx.case):
        raise cases.NotAllowed
    if ctx.case.state not in (CaseState.TRIAGE, CaseState.DISPATCHED, CaseState.ACCEPTED):
        raise TransitionError(CaseAction.ASSIGN, CaseState(ctx.case.state))
    text, keyboard = await _party_question(context, ctx.case)
    query = update.callback_query
    assert query is not None
    await query.answer()
    await context.bot.send_message(query.from_user.id, text, reply_markup=keyboard)


async def _party_question(
    context: LaneKeeperContext, case: Case
) -> tuple[str, InlineKeyboardMarkup]:
    """The case's category (with "change") and the units to choose from."""
    parties = await context.session.exec(
        select(Party).where(Party.street_id == case.street_id).order_by(col(Party.id))
    )
    category = await cases.category_of(context.session, case)
    return triage.choose_party(context.i18n, case, parties, category)


async def choose_category(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    """The coordinator says the category is wrong: the street's categories to choose from."""
    ctx = await case_press.load(context, case_id)
    if not await cases.coordinates_case(context.session, actor, ctx.case):
        raise cases.NotAllowed
    if ctx.case.state not in (CaseState.TRIAGE, CaseState.DISPATCHED, CaseState.ACCEPTED):
        raise TransitionError(CaseAction.RECATEGORISE, CaseState(ctx.case.state))
    current = await cases.category_of(context.session, ctx.case)
    text, keyboard = triage.choose_category(
        context.i18n,
        ctx.case,
        context.services.classifier.categories.values(),
        current.code if current else None,
    )
    query = update.callback_query
    assert query is not None
    await query.answer()
    await case_press.edit(update, text, keyboard)


async def set_category(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    """The corrected category is recorded; then on to the choice of a unit."""
    ctx = await case_press.load(context, case_id)
    spec = context.services.classifier.categories.get(arg or "")
    query = update.callback_query
    assert query is not None
    if spec is None:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    category = await category_row(context.session, spec)
    await cases.recategorise(context.session, ctx, actor, category, case_press.now(context))
    await query.answer()
    text, keyboard = await _party_question(context, ctx.case)
    await case_press.edit(update, text, keyboard)


async def choose_person(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await case_press.load(context, case_id)
    if not await cases.coordinates_case(context.session, actor, ctx.case):
        raise cases.NotAllowed
    party_id = as_int(arg)
    party = await context.session.get(Party, party_id) if party_id else None
    query = update.callback_query
    assert query is not None
    if party is None or party.street_id != ctx.case.street_id:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    people = await context.session.exec(
        select(Member)
        .where(
            Member.party_id == party.id,
            col(Member.active).is_(True),
            col(Member.telegram_id).is_not(None),
        )
        .order_by(col(Member.id))
    )
    text, keyboard = triage.choose_person(context.i18n, ctx.case, party, people)
    await query.answer()
    await case_press.edit(update, text, keyboard)


async def assign(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await case_press.load(context, case_id)
    member_id = as_int(arg)
    member = await context.session.get(Member, member_id) if member_id else None
    query = update.callback_query
    assert query is not None
    if member is None:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    await cases.assign(
        context.session, ctx, actor, member, case_press.now(context), context.services.calendar
    )
    await query.answer()
    await case_press.edit(update, triage.assigned(context.i18n, ctx.case, member))
    # Reloaded after the assignment: the notice reads the case as it now stands.
    ctx = await case_press.load(context, case_id)
    messenger = Messenger(context.bot, context.session, context.services)
    await messenger.assignment(ctx.case, member)
    # The reporter hears who has it now and by when; not why it moved (staff's business).
    await messenger.progress(ctx.case, "reassigned", skip=actor.telegram_id)
