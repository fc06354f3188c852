"""Acting on a case with buttons: accept, hand back, done, postpone, assign, verify.

Button data is `cs:<verb>:<case or assignment id>[:<argument>]`; what it names is reloaded
and the presser's rights checked on every press (models/dispatch.py). Questions that need
words or a photo (a reason, a note, the photo of the fix) are stored as a PendingInput and
answered by the person's next message.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from handlers.access import current_actor, not_allowed
from handlers.context import LaneKeeperContext
from locales.i18n import N_
from models import dispatch as cases
from models.cases import Assignment, AssignmentRole, Case, CaseAction, CaseState, PendingInput
from models.lifecycle import TransitionError
from models.org import Member, Party, Street
from models.permissions import Actor
from notify.messenger import Messenger
from views.callbacks import as_int, pack
from views.case_text import category_name, party_label
from views.dispatch_notices import action_keyboard

PATTERN = r"^cs:"
HAND_BACK_REASONS = {
    "ours": N_("Not our unit's responsibility"),
    "place": N_("Not in our area"),
    "dup": N_("Already handled / duplicate"),
}
POSTPONE_DAYS = (1, 3, 7)


async def pressed(update: Update, context: LaneKeeperContext) -> None:
    query = update.callback_query
    actor = await current_actor(update, context)
    assert query is not None and actor is not None
    _ = context.i18n.gettext
    parts = (query.data or "").split(":")
    verb = parts[1] if len(parts) > 2 else ""
    ident = as_int(parts[2]) if len(parts) > 2 else None
    arg = parts[3] if len(parts) > 3 else None
    handler = VERBS.get(verb)
    if handler is None or ident is None or len(parts) > 4:
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    try:
        await handler(update, context, actor, ident, arg)
    except cases.NotAllowed:
        await query.answer(not_allowed(context), show_alert=True)
    except TransitionError:
        await query.answer(
            _("That has already been done, or the case has moved on."), show_alert=True
        )


async def _context(context: LaneKeeperContext, case_id: int) -> cases.CaseContext:
    ctx = await cases.load(context.session, case_id)
    if ctx is None:
        raise TransitionError(CaseAction.ACCEPT, None)
    return ctx


async def _acting(context: LaneKeeperContext, actor: Actor, case_id: int) -> cases.CaseContext:
    """The case, if this person may act on it (else NotAllowed)."""
    ctx = await _context(context, case_id)
    if not await cases.may_act(context.session, actor, ctx):
        raise cases.NotAllowed
    return ctx


async def _edit(
    update: Update, text: str | None = None, keyboard: InlineKeyboardMarkup | None = None
) -> None:
    query = update.callback_query
    assert query is not None
    message = query.message
    if not isinstance(message, Message):
        return
    if text is None:
        await query.edit_message_reply_markup(keyboard)
    else:
        await query.edit_message_text(text, reply_markup=keyboard)


def _now(context: LaneKeeperContext) -> datetime:
    return context.services.clock.now()


async def accept(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await _context(context, case_id)
    await cases.accept(context.session, ctx, actor, _now(context))
    query = update.callback_query
    assert query is not None
    await query.answer(context.i18n.gettext("Accepted. The reporter is told."))
    await _edit(update, keyboard=action_keyboard(context.i18n, ctx.case))
    messenger = Messenger(context.bot, context.session, context.services)
    who = await messenger.lead_label(ctx.case, context.services.i18n())
    await messenger.progress(ctx.case, "accepted", who=who)


async def hand_back_menu(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await _acting(context, actor, case_id)
    _ = context.i18n.gettext
    rows = [
        [InlineKeyboardButton(_(label), callback_data=pack("cs", "B", case_id, code))]
        for code, label in HAND_BACK_REASONS.items()
    ]
    rows.append(
        [
            InlineKeyboardButton(
                _("Another reason (type it)"), callback_data=pack("cs", "B", case_id, "other")
            )
        ]
    )
    query = update.callback_query
    assert query is not None
    await query.answer()
    await context.bot.send_message(
        query.from_user.id,
        _("Why is case #{number} not yours?").format(number=ctx.case.number),
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def hand_back(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await _context(context, case_id)
    query = update.callback_query
    assert query is not None
    if arg == "other":
        if not await cases.may_act(context.session, actor, ctx):
            raise cases.NotAllowed
        await cases.ask(context.session, actor.telegram_id, "hand_back", case_id, _now(context))
        await query.answer()
        await _edit(update, context.i18n.gettext("Please type the reason in one message."))
        return
    if arg not in HAND_BACK_REASONS:
        await query.answer(context.i18n.gettext("This button is no longer valid."), show_alert=True)
        return
    await _hand_back(context, actor, ctx, HAND_BACK_REASONS[arg])
    await query.answer()
    await _edit(update, context.i18n.gettext("Handed back: the street office will reassign it."))


async def _hand_back(
    context: LaneKeeperContext, actor: Actor, ctx: cases.CaseContext, reason: str
) -> None:
    await cases.hand_back(context.session, ctx, actor, reason, _now(context))
    await Messenger(context.bot, context.session, context.services).triage(ctx.case, reason)


async def done(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await _acting(context, actor, case_id)
    if ctx.case.state not in (CaseState.DISPATCHED, CaseState.ACCEPTED):
        raise TransitionError(CaseAction.FINISH, CaseState(ctx.case.state))
    await cases.ask(context.session, actor.telegram_id, "finish", case_id, _now(context))
    query = update.callback_query
    assert query is not None
    await query.answer()
    await context.bot.send_message(
        query.from_user.id,
        context.i18n.gettext(
            "Case #{number}: send a photo of the result, or write a short note on what was done."
        ).format(number=ctx.case.number),
    )


async def postpone_menu(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await _acting(context, actor, case_id)
    _ = context.i18n.gettext
    tz = ZoneInfo(ctx.street.timezone)
    category = await cases.category_of(context.session, ctx.case)
    row = []
    for days in POSTPONE_DAYS:
        new_due = cases.extended_due(ctx.case, days, tz, context.services.calendar, category)
        label = context.services.i18n(context.i18n.locale, ctx.street.timezone).format_when(new_due)
        row.append(InlineKeyboardButton(label, callback_data=pack("cs", "P", case_id, days)))
    query = update.callback_query
    assert query is not None
    await query.answer()
    await context.bot.send_message(
        query.from_user.id,
        _(
            "Postpone case #{number} until when? (Past the category's limit, a coordinator "
            "approves.)"
        ).format(number=ctx.case.number),
        reply_markup=InlineKeyboardMarkup([row]),
    )


async def postpone(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await _context(context, case_id)
    days = as_int(arg)
    query = update.callback_query
    assert query is not None
    if days not in POSTPONE_DAYS:
        await query.answer(context.i18n.gettext("This button is no longer valid."), show_alert=True)
        return
    if not await cases.may_act(context.session, actor, ctx):
        raise cases.NotAllowed
    await cases.ask(
        context.session, actor.telegram_id, "postpone", case_id, _now(context), days=days
    )
    await query.answer()
    await _edit(update, context.i18n.gettext("Why does it need more time? Please type the reason."))


async def decide_postponement(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await _context(context, case_id)
    approve = arg == "y"
    request = await cases.decide_postponement(context.session, ctx, actor, approve, _now(context))
    query = update.callback_query
    assert query is not None
    _ = context.i18n.gettext
    await query.answer()
    await _edit(update, _("Postponement approved.") if approve else _("Postponement refused."))
    messenger = Messenger(context.bot, context.session, context.services)
    if request.actor_telegram_id is not None:
        i18n = await messenger.i18n(request.actor_telegram_id, ctx.case)
        text = (
            i18n.gettext("Postponement of case #{number} approved: now due {when}.")
            if approve
            else i18n.gettext("Postponement of case #{number} refused: still due {when}.")
        )
        assert ctx.case.due_at is not None
        await messenger.send(
            request.actor_telegram_id,
            text.format(number=ctx.case.number, when=i18n.format_when(ctx.case.due_at)),
        )


async def assist_done(
    update: Update, context: LaneKeeperContext, actor: Actor, assignment_id: int, arg: str | None
) -> None:
    assignment = await context.session.get(Assignment, assignment_id)
    case = await context.session.get(Case, assignment.case_id) if assignment else None
    query = update.callback_query
    assert query is not None
    if assignment is None or case is None or assignment.role != AssignmentRole.ASSIST:
        await query.answer(context.i18n.gettext("This button is no longer valid."), show_alert=True)
        return
    await cases.assist_done(context.session, case, assignment, actor, _now(context))
    await query.answer(context.i18n.gettext("Noted: your part is done."))
    await _edit(update, keyboard=None)


async def verify(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await _context(context, case_id)
    query = update.callback_query
    assert query is not None
    _ = context.i18n.gettext
    if not await cases.may_verify(context.session, ctx.case, actor.telegram_id):
        raise cases.NotAllowed
    if ctx.case.state != CaseState.DONE:
        raise TransitionError(CaseAction.CONFIRM, CaseState(ctx.case.state))
    if arg == "y":
        await cases.confirm(context.session, ctx.case, actor.telegram_id, None, _now(context))
        await query.answer()
        stars = [
            InlineKeyboardButton("⭐" * n, callback_data=pack("cs", "s", case_id, n))
            for n in range(1, 6)
        ]
        await _edit(
            update,
            _(
                "Thank you! Case #{number} is closed. How satisfied are you with "
                "how it was handled?"
            ).format(number=ctx.case.number),
            InlineKeyboardMarkup([stars[:3], stars[3:]]),
        )
        messenger = Messenger(context.bot, context.session, context.services)
        await _tell_assignee(messenger, ctx, "closed")
        await messenger.progress(ctx.case, "closed", skip=actor.telegram_id)
        return
    if arg == "n":
        await cases.ask(context.session, actor.telegram_id, "reopen", case_id, _now(context))
        await query.answer()
        await _edit(update, _("Sorry to hear that. What is still wrong? Please type it."))
        return
    await query.answer(_("This button is no longer valid."), show_alert=True)


async def rate(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    case = await context.session.get(Case, case_id)
    mark = as_int(arg)
    query = update.callback_query
    assert query is not None
    if case is None or mark is None:
        await query.answer(context.i18n.gettext("This button is no longer valid."), show_alert=True)
        return
    await cases.rate(context.session, case, actor.telegram_id, mark)
    await query.answer(context.i18n.gettext("Thank you for your mark."))
    await _edit(update, keyboard=None)


async def _tell_assignee(
    messenger: Messenger, ctx: cases.CaseContext, kind: str, reason: str = ""
) -> None:
    member = ctx.lead_member
    if member is None or member.telegram_id is None:
        return
    i18n = await messenger.i18n(member.telegram_id, ctx.case)
    if kind == "closed":
        await messenger.send(
            member.telegram_id,
            i18n.gettext("Case #{number} was confirmed fixed and is closed. Thank you.").format(
                number=ctx.case.number
            ),
        )
    else:
        note = i18n.gettext("Reopened (返工): not fixed, says the reporter: {reason}").format(
            reason=reason
        )
        await messenger.assignment(ctx.case, member, note=note)


# Triage: choose a party, then a person ------------------------------------------------------


async def triage_parties(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await _context(context, case_id)
    if not await cases.coordinates_case(context.session, actor, ctx.case):
        raise cases.NotAllowed
    if ctx.case.state not in (CaseState.TRIAGE, CaseState.DISPATCHED, CaseState.ACCEPTED):
        raise TransitionError(CaseAction.ASSIGN, CaseState(ctx.case.state))
    parties = await context.session.exec(
        select(Party).where(Party.street_id == ctx.case.street_id).order_by(col(Party.id))
    )
    rows = [
        [
            InlineKeyboardButton(
                party_label(context.i18n, p), callback_data=pack("cs", "tp", case_id, p.id)
            )
        ]
        for p in parties
    ]
    query = update.callback_query
    assert query is not None
    await query.answer()
    await context.bot.send_message(
        query.from_user.id,
        context.i18n.gettext("Case #{number}: to which unit?").format(number=ctx.case.number),
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def triage_people(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await _context(context, case_id)
    if not await cases.coordinates_case(context.session, actor, ctx.case):
        raise cases.NotAllowed
    party_id = as_int(arg)
    party = await context.session.get(Party, party_id) if party_id else None
    query = update.callback_query
    assert query is not None
    if party is None or party.street_id != ctx.case.street_id:
        await query.answer(context.i18n.gettext("This button is no longer valid."), show_alert=True)
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
    street = await context.session.get(Street, ctx.case.street_id)
    assert street is not None
    rows = [
        [InlineKeyboardButton(m.name, callback_data=pack("cs", "tm", case_id, m.id))]
        for m in people
    ]
    await query.answer()
    if not rows:
        await _edit(
            update,
            context.i18n.gettext("Nobody of {party} has joined yet.").format(
                party=party_label(context.i18n, party)
            ),
        )
        return
    await _edit(
        update,
        context.i18n.gettext("Case #{number}: to whom in {party}?").format(
            number=ctx.case.number, party=party_label(context.i18n, party)
        ),
        InlineKeyboardMarkup(rows),
    )


async def triage_assign(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    ctx = await _context(context, case_id)
    member_id = as_int(arg)
    member = await context.session.get(Member, member_id) if member_id else None
    query = update.callback_query
    assert query is not None
    if member is None:
        await query.answer(context.i18n.gettext("This button is no longer valid."), show_alert=True)
        return
    await cases.assign(context.session, ctx, actor, member, _now(context))
    await query.answer()
    await _edit(
        update,
        context.i18n.gettext("Case #{number} assigned to {name}.").format(
            number=ctx.case.number, name=member.name
        ),
    )
    ctx = await _context(context, case_id)
    await Messenger(context.bot, context.session, context.services).assignment(ctx.case, member)


VERBS = {
    "a": accept,
    "b": hand_back_menu,
    "B": hand_back,
    "d": done,
    "p": postpone_menu,
    "P": postpone,
    "Y": decide_postponement,
    "x": assist_done,
    "v": verify,
    "s": rate,
    "t": triage_parties,
    "tp": triage_people,
    "tm": triage_assign,
}


# Answers typed after a question --------------------------------------------------------------


async def answer_pending(update: Update, context: LaneKeeperContext, pending: PendingInput) -> None:
    """The person's message answers the question the bot asked about a case."""
    message = update.effective_message
    actor = await current_actor(update, context)
    assert message is not None and actor is not None
    _ = context.i18n.gettext
    text = (message.text or message.caption or "").strip()
    photo = message.photo[-1] if message.photo else None
    try:
        if pending.case_id is None:
            raise TransitionError(CaseAction.FINISH, None)
        ctx = await _context(context, pending.case_id)
        messenger = Messenger(context.bot, context.session, context.services)
        now = _now(context)
        if pending.kind == "finish":
            if not text and photo is None:
                await cases.ask(context.session, actor.telegram_id, "finish", pending.case_id, now)
                await message.reply_text(_("Please send a photo or a short note."))
                return
            shot = (
                {
                    "file_id": photo.file_id,
                    "file_unique_id": photo.file_unique_id,
                    "caption": text or None,
                }
                if photo
                else None
            )
            await cases.finish(context.session, ctx, actor, now, note=text or None, photo=shot)
            await message.reply_text(
                _(
                    "Thank you. Case #{number} is marked handled; the reporter is asked to confirm."
                ).format(number=ctx.case.number)
            )
            await messenger.verification(ctx.case, text or None)
        elif pending.kind == "hand_back":
            if not text:
                raise ValueError
            await _hand_back(context, actor, ctx, text)
            await message.reply_text(_("Handed back: the street office will reassign it."))
        elif pending.kind == "postpone":
            if not text:
                raise ValueError
            days = int(pending.data.get("days", 1))
            category = await cases.category_of(context.session, ctx.case)
            new_due = cases.extended_due(
                ctx.case, days, ZoneInfo(ctx.street.timezone), context.services.calendar, category
            )
            done = await cases.postpone(context.session, ctx, actor, new_due, text, now)
            i18n = context.services.i18n(context.i18n.locale, ctx.street.timezone)
            if done:
                await message.reply_text(
                    _("Case #{number} is now due {when}.").format(
                        number=ctx.case.number, when=i18n.format_when(new_due)
                    )
                )
            else:
                await message.reply_text(
                    _("That is past the category's limit: a coordinator is asked to approve.")
                )
                await _ask_approval(context, messenger, ctx, new_due, text)
        elif pending.kind == "reopen":
            if not text:
                raise ValueError
            await cases.reopen(context.session, ctx, actor.telegram_id, text, now)
            await message.reply_text(
                _("Thank you. Case #{number} is sent back to be fixed.").format(
                    number=ctx.case.number
                )
            )
            await _tell_assignee(messenger, ctx, "reopened", text)
            await messenger.progress(ctx.case, "reopened", skip=actor.telegram_id)
    except ValueError:
        await cases.ask(
            context.session,
            actor.telegram_id,
            pending.kind,
            pending.case_id,
            _now(context),
            **pending.data,
        )
        await message.reply_text(_("Please type the reason in one message."))
    except cases.NotAllowed:
        await message.reply_text(not_allowed(context))
    except TransitionError:
        await message.reply_text(_("That has already been done, or the case has moved on."))


async def _ask_approval(
    context: LaneKeeperContext,
    messenger: Messenger,
    ctx: cases.CaseContext,
    new_due: datetime,
    reason: str,
) -> None:
    from notify.messenger import street_coordinators

    for telegram_id in await street_coordinators(context.session, ctx.case.street_id):
        i18n = await messenger.i18n(telegram_id, ctx.case)
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        i18n.gettext("Approve"), callback_data=pack("cs", "Y", ctx.case.id, "y")
                    ),
                    InlineKeyboardButton(
                        i18n.gettext("Refuse"), callback_data=pack("cs", "Y", ctx.case.id, "n")
                    ),
                ]
            ]
        )
        await messenger.send(
            telegram_id,
            i18n.gettext(
                "Postponement asked for case #{number}: from {old} to {new}. Reason: {reason}"
            ).format(
                number=ctx.case.number,
                old=i18n.format_when(ctx.case.due_at) if ctx.case.due_at else "—",
                new=i18n.format_when(new_due),
                reason=reason,
            ),
            keyboard,
        )


# /triage and the case's own buttons -----------------------------------------------------------


async def triage_command(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    actor = await current_actor(update, context)
    if message is None or actor is None:
        return
    _ = context.i18n.gettext
    waiting = []
    for case in await context.session.exec(
        select(Case).where(Case.state == CaseState.TRIAGE).order_by(col(Case.id)).limit(200)
    ):
        if await cases.coordinates_case(context.session, actor, case):
            waiting.append(case)
    if not waiting and not (
        actor.is_admin or any(m.member.role == "coordinator" for m in actor.memberships)
    ):
        await message.reply_text(not_allowed(context))
        return
    if not waiting:
        await message.reply_text(_("Nothing is waiting to be assigned."))
        return
    lines = [_("Waiting to be assigned ({count}):").format(count=len(waiting))]
    rows = []
    messenger = Messenger(context.bot, context.session, context.services)
    for case in waiting[:20]:
        category, alley = await messenger.names(case)
        lines.append(
            f"#{case.number} · {category_name(context.i18n, category)} · "
            f"{alley.name if alley else '—'}"
        )
        rows.append(
            [
                InlineKeyboardButton(
                    _("Assign #{number}").format(number=case.number),
                    callback_data=pack("cs", "t", case.id),
                )
            ]
        )
    await message.reply_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


async def case_buttons(
    context: LaneKeeperContext, actor: Actor, case: Case
) -> InlineKeyboardMarkup | None:
    """What /case offers the person looking: the assignee's actions, a coordinator's reassign."""
    ctx = await cases.load(context.session, case.id or 0)
    if ctx is None:
        return None
    rows = []
    if cases.is_assignee(actor, ctx):
        keyboard = action_keyboard(context.i18n, case)
        if keyboard is not None:
            rows += [list(r) for r in keyboard.inline_keyboard]
    if await cases.coordinates_case(context.session, actor, case) and case.state in (
        CaseState.TRIAGE,
        CaseState.DISPATCHED,
        CaseState.ACCEPTED,
    ):
        rows.append(
            [
                InlineKeyboardButton(
                    context.i18n.gettext("Assign to someone else")
                    if case.state != CaseState.TRIAGE
                    else context.i18n.gettext("Assign"),
                    callback_data=pack("cs", "t", case.id),
                )
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None
