"""/my and /case: following one's reports."""

from __future__ import annotations

import logging
import unicodedata

from sqlmodel import col, or_, select
from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from handlers.access import current_actor
from handlers.context import LaneKeeperContext
from locales.i18n import I18n
from models import closing, dispatch
from models.cases import Assignment, Case, CaseAction, CaseEvent, CaseState, Category
from models.evidence import fix_photos, history, report_evidence
from models.lifecycle import UNHANDLED_STATES
from models.members import load_street_map
from models.org import Alley, OutsideBody, Street
from models.permissions import Actor
from notify.media import deliver
from views import case_endings, staff_reports
from views.callbacks import as_int, stale
from views.case_buttons import case_buttons
from views.case_text import alley_name, category_name, state_name, summary
from views.case_timeline import timeline
from views.dispatch_notices import action_keyboard
from views.evidence import evidence_calls

log = logging.getLogger(__name__)

MY_LIMIT = 20


async def my_cases(update: Update, context: LaneKeeperContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    _ = context.i18n.gettext
    mine = select(Case).where(Case.reporter_telegram_id == user.id)
    followed_ids = select(Case.duplicate_of_id).where(
        Case.reporter_telegram_id == user.id, col(Case.duplicate_of_id).is_not(None)
    )
    cases = (
        await context.session.exec(
            select(Case)
            .where(
                or_(
                    col(Case.id).in_(followed_ids),
                    col(Case.id).in_(select(mine.subquery().c.id)),
                ),
                Case.state != CaseState.VOID,
            )
            .order_by(col(Case.id).desc())
            .limit(MY_LIMIT)
        )
    ).all()
    if not cases:
        await message.reply_text(
            _("You have not reported anything yet. To report a problem, just send me a message.")
        )
        return
    lines = [_("Your reports (newest first):")]
    for case in cases:
        category = (
            await context.session.get(Category, case.category_id) if case.category_id else None
        )
        alley = await context.session.get(Alley, case.alley_id) if case.alley_id else None
        lines.append(
            f"#{case.number} · {category_name(context.i18n, category)} · "
            f"{alley_name(alley, context.i18n)} · {state_name(context.i18n, case.state)} · "
            f"{context.i18n.format_date(case.created_at, 'medium')}"
        )
    lines.append(_("/case NUMBER shows one of them."))
    await message.reply_text("\n".join(lines))


async def may_see(context: LaneKeeperContext, actor: Actor, case: Case) -> bool:
    """Its reporter (and those who reported it again), its assignees, its street's coordinators."""
    if actor.is_admin or case.reporter_telegram_id == actor.telegram_id:
        return True
    again = (
        await context.session.exec(
            select(Case.id).where(
                Case.duplicate_of_id == case.id, Case.reporter_telegram_id == actor.telegram_id
            )
        )
    ).first()
    if again is not None:
        return True
    member_ids = {m.member.id for m in actor.memberships}
    assigned = (
        await context.session.exec(
            select(Assignment.id).where(
                Assignment.case_id == case.id, col(Assignment.member_id).in_(member_ids)
            )
        )
    ).first()
    if assigned is not None:
        return True
    street = await context.session.get(Street, case.street_id) if case.street_id else None
    if street is None:
        return False
    scope = actor.coordinated_communities(await load_street_map(context.session, street))
    return bool(scope) and case.community_id in (scope or set())


async def show_case(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    actor = await current_actor(update, context)
    if message is None or actor is None:
        return
    _ = context.i18n.gettext
    # Typed, not a button: full-width digits from a Chinese input method mean what they say.
    arg = unicodedata.normalize("NFKC", (context.args or [""])[0]).lstrip("#")
    number = as_int(arg)
    if number is None:
        await message.reply_text(_("Which case? For example: /case 12"))
        return
    case = (await context.session.exec(select(Case).where(Case.number == number))).first()
    if case is None or not await may_see(context, actor, case):
        # The same answer either way: whether a case exists is not everyone's business.
        await message.reply_text(_("I cannot show you case #{number}.").format(number=arg))
        return
    await _show(context, actor, case, message.chat_id)


async def open_case(
    update: Update, context: LaneKeeperContext, actor: Actor, case_id: int, arg: str | None
) -> None:
    """A case's button in a digest or a list of overdue cases: the case, as /case N shows it."""
    query = update.callback_query
    assert query is not None
    case = await context.session.get(Case, case_id)
    if case is None or not await may_see(context, actor, case):
        await query.answer(stale(context.i18n), show_alert=True)
        return
    await query.answer()
    await _show(context, actor, case, query.from_user.id)


async def _card(
    context: LaneKeeperContext, actor: Actor, case: Case
) -> tuple[str, InlineKeyboardMarkup | None]:
    """What /case shows of a case to this person, with the buttons they may press."""
    street = await context.session.get(Street, case.street_id) if case.street_id else None
    i18n = context.services.i18n(context.i18n.locale, street.timezone if street else None)
    keyboard = await _buttons(context, actor, case)
    text = await summary(context.session, i18n, case, full=True)
    if case.channel is not None and not case.anonymous:
        # Taken by staff: the caller's phone only for those who coordinate the case.
        with_phone = await dispatch.coordinates_case(context.session, actor, case)
        text += "\n" + staff_reports.caller_line(i18n, case, with_phone=with_phone)
    if ending := await _ending(context, i18n, case):
        text += "\n" + ending
    text += "\n\n" + timeline(i18n, await history(context.session, case))
    return text, keyboard


async def _show(context: LaneKeeperContext, actor: Actor, case: Case, chat_id: int) -> None:
    """The photos (the report's, then the fix's), the place, the voice notes; the case with
    its buttons last, as for a dispatch."""
    text, keyboard = await _card(context, actor, case)
    street = await context.session.get(Street, case.street_id) if case.street_id else None
    i18n = context.services.i18n(context.i18n.locale, street.timezone if street else None)
    fixed = await fix_photos(context.session, case)
    evidence = await report_evidence(context.session, case)
    for call in evidence_calls(i18n, case, evidence, fixed):
        try:
            await deliver(context.bot, chat_id, call.method, call.payload)
        except BadRequest as err:  # a photo Telegram cannot fetch: the case shows all the same
            log.warning("case %s: %s failed: %s", case.id, call.method, err)
    await context.bot.send_message(chat_id, text, reply_markup=keyboard)


async def _ending(context: LaneKeeperContext, i18n: I18n, case: Case) -> str | None:
    """Why a case closed without handling ended so: the reason, or the body it went to."""
    if case.state not in (CaseState.NOT_ACCEPTED, CaseState.TRANSFERRED):
        return None
    event = (
        await context.session.exec(
            select(CaseEvent)
            .where(
                CaseEvent.case_id == case.id,
                col(CaseEvent.action).in_([CaseAction.NOT_ACCEPT, CaseAction.TRANSFER]),
            )
            .order_by(col(CaseEvent.id).desc())
        )
    ).first()
    if event is None:
        return None
    body_id = event.data.get("body") if event.action == CaseAction.TRANSFER else None
    body = await context.session.get(OutsideBody, body_id) if body_id else None
    if event.action == CaseAction.TRANSFER and body is None:
        return None
    return case_endings.closure_line(i18n, event.data.get("reason"), event.note, body)


async def _buttons(
    context: LaneKeeperContext, actor: Actor, case: Case
) -> InlineKeyboardMarkup | None:
    """What /case offers the person looking: the assignee's actions, a coordinator's reassign."""
    ctx = await dispatch.load(context.session, case.id or 0)
    if ctx is None:
        return None
    actions = action_keyboard(context.i18n, case) if dispatch.is_assignee(actor, ctx) else None
    coordinator = await dispatch.coordinates_case(context.session, actor, case)
    keyboard = case_buttons(context.i18n, case, actions, coordinator=coordinator)
    rows = []
    if coordinator and case.state in UNHANDLED_STATES:
        rows.append(case_endings.close_row(context.i18n, case))
    days = context.services.config.dispatch.reopen_days
    if (
        case.state == CaseState.CLOSED
        and closing.may_still_reopen(case.closed_at, context.services.clock.now(), days)
        and await closing.may_reopen(context.session, ctx, actor.telegram_id)
    ):
        rows.append(case_endings.reopen_row(context.i18n, case))
    return case_endings.with_rows(keyboard, rows)
