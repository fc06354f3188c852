"""Answers typed after a question about a case: the note or photo of the fix, the reason for
handing back or postponing, what is still wrong. The question is a PendingInput, taken by
handlers/report.py when the person's next message arrives."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Update

from handlers import case_endings, case_press, postpone_dates
from handlers.access import current_actor, not_allowed
from handlers.case_actions import hand_back_for
from handlers.context import LaneKeeperContext
from handlers.postpone import ask_approval
from models import dispatch as cases
from models.cases import Case, CaseAction, PendingInput
from models.lifecycle import TransitionError
from notify.messenger import Messenger
from notify.verdicts import tell_assignee
from views import case_replies
from views.cancel import cancel_keyboard


async def answer_pending(update: Update, context: LaneKeeperContext, pending: PendingInput) -> None:
    """The person's message answers the question the bot asked about a case."""
    message = update.effective_message
    actor = await current_actor(update, context)
    assert message is not None and actor is not None
    i18n = context.i18n
    text = (message.text or message.caption or "").strip()
    photo = message.photo[-1] if message.photo else None
    try:
        if pending.case_id is None:
            raise TransitionError(CaseAction.FINISH, None)
        ctx = await case_press.load(context, pending.case_id)
        messenger = Messenger(context.bot, context.session, context.services)
        now = case_press.now(context)
        if pending.kind in case_endings.KINDS:
            await case_endings.answer(context, message, actor, ctx, pending, text)
        elif pending.kind == "finish":
            if not text and photo is None:
                await cases.ask(context.session, actor.telegram_id, "finish", pending.case_id, now)
                await message.reply_text(
                    case_replies.finish_needs_something(i18n, ctx.case),
                    reply_markup=cancel_keyboard(i18n, "finish", pending.case_id),
                )
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
            await message.reply_text(case_replies.finished(i18n, ctx.case))
            await messenger.verification(ctx.case, text or None)
        elif pending.kind == "hand_back":
            if not text:
                raise ValueError
            await hand_back_for(context, actor, ctx, text)
            await message.reply_text(case_replies.handed_back(i18n))
        elif pending.kind in postpone_dates.KINDS:
            await postpone_dates.answer_date(message, context, actor, ctx, pending, text)
        elif pending.kind == "postpone":
            if not text:
                raise ValueError
            calendar = context.services.calendar
            if pending.data.get("due"):  # a date typed and confirmed
                new_due = datetime.fromisoformat(str(pending.data["due"]))
                invalid = postpone_dates.still_valid(ctx, new_due, now)
                if invalid is not None:
                    await postpone_dates.refuse(message, context, actor, ctx, invalid, "")
                    return
            else:
                days = int(pending.data.get("days", 1))
                new_due = cases.extended_due(
                    ctx.case, days, ZoneInfo(ctx.street.timezone), calendar, now
                )
            done = await cases.postpone(context.session, ctx, actor, new_due, text, now, calendar)
            if done:
                local = context.services.i18n(i18n.locale, ctx.street.timezone)
                await message.reply_text(case_replies.postponed(local, ctx.case, new_due))
                await messenger.progress(ctx.case, "postponed", skip=actor.telegram_id, reason=text)
            else:
                await message.reply_text(case_replies.postponement_needs_approval(i18n))
                await ask_approval(context, messenger, ctx, new_due, text)
        elif pending.kind == "reopen":
            # The case went back to rework when "not fixed" was pressed; this is its reason.
            if not text:
                raise ValueError
            event_id = pending.data.get("event")
            await cases.add_objection(
                context.session,
                ctx.case,
                int(event_id) if event_id is not None else None,
                actor.telegram_id,
                text,
            )
            await message.reply_text(case_replies.objection_noted(i18n))
            await tell_assignee(messenger, ctx, "objection", text)
    except ValueError:
        # Nothing typed: the same question stays open, with what it already carried.
        await cases.ask(
            context.session,
            actor.telegram_id,
            pending.kind,
            pending.case_id,
            case_press.now(context),
            **pending.data,
        )
        case = await context.session.get(Case, pending.case_id) if pending.case_id else None
        await message.reply_text(
            case_replies.type_reason(i18n, case),
            reply_markup=cancel_keyboard(i18n, pending.kind, pending.case_id),
        )
    except cases.NotAllowed:
        await message.reply_text(not_allowed(context))
    except TransitionError:
        await message.reply_text(case_replies.moved_on(i18n))
