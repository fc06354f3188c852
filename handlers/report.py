"""Reports by message: any private message that is not a command becomes (part of) a report."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from handlers import cancel, meeting_router, staff_report
from handlers.context import LaneKeeperContext
from handlers.pending_answers import answer_pending
from models.cases import Case
from models.dispatch import take_pending
from models.intake import (
    AlreadyReceived,
    Attached,
    Cancelled,
    Created,
    Duplicate,
    MemberChat,
    NeedCategory,
    NeedPlace,
    NotAReport,
    Outcome,
    RateLimited,
    Report,
)
from models.org import Role, Street
from notify.messenger import Messenger
from views import staff_reports as staff_texts
from views.callbacks import as_int, pack, unpack
from views.case_text import category_name, party_label

log = logging.getLogger(__name__)
PATTERN = r"^rp:"


def report_from(message: Message, locale: str, update_id: int | None = None) -> Report | None:
    """The report in a message; None for what cannot be one (stickers, games, polls)."""
    if message.sticker or message.animation or message.dice or message.poll or message.game:
        return None
    attachments: list[dict[str, Any]] = []
    caption = message.caption or None
    if message.photo:
        largest = message.photo[-1]
        attachments.append(
            {
                "kind": "photo",
                "file_id": largest.file_id,
                "file_unique_id": largest.file_unique_id,
                "caption": caption,
            }
        )
    for kind in ("voice", "video", "video_note", "audio", "document"):
        media = getattr(message, kind)
        if media is not None:
            attachments.append(
                {
                    "kind": kind,
                    "file_id": media.file_id,
                    "file_unique_id": media.file_unique_id,
                    "caption": caption,
                }
            )
    location = message.location or (message.venue.location if message.venue else None)
    text = message.text or message.caption or ""
    if message.venue is not None:
        text = f"{text}\n{message.venue.title} {message.venue.address}".strip()
    return Report(
        update_id=update_id,
        telegram_id=message.chat.id,
        text=text,
        lat=location.latitude if location else None,
        lon=location.longitude if location else None,
        attachments=tuple(attachments),
        media_group_id=message.media_group_id,
        locale=locale,
    )


async def on_message(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    if message is None:
        return
    pending = await take_pending(context.session, message.chat.id, context.services.clock.now())
    if pending is not None:
        if await cancel.typed(update, context, pending):
            return
        if meeting_router.is_meeting_question(pending):
            await meeting_router.answer_pending(update, context, pending)
        elif staff_report.is_staff_question(pending):
            await staff_report.answer_pending(update, context, pending)
        else:
            await answer_pending(update, context, pending)
        return
    report = report_from(message, context.i18n.locale, update.update_id)
    if report is None:
        await message.reply_text(guidance(context))
        return
    intake = await context.services.intake(context.session)
    outcome = await intake.receive(context.session, report, context.services.clock.now())
    await respond(update, context, outcome)


def guidance(context: LaneKeeperContext) -> str:
    return context.i18n.gettext(
        "To report a problem, describe it in words and say where it is (the alley's name, or "
        "share a location); a photo helps. For example: 复兴街12号门口垃圾没人清理."
    )


async def respond(update: Update, context: LaneKeeperContext, outcome: Outcome) -> None:
    chat = update.effective_chat
    assert chat is not None
    _ = context.i18n.gettext
    send = context.bot.send_message
    if isinstance(outcome, Attached):
        return
    if isinstance(outcome, NotAReport):
        await send(chat.id, guidance(context))
    elif isinstance(outcome, Cancelled):
        await send(chat.id, _("Report cancelled. Nothing was recorded."))
    elif isinstance(outcome, MemberChat):
        await send(
            chat.id,
            _(
                "Noted. I take this for a word, not a new report. Your cases come to you with "
                "their buttons, and /case N shows one; to report a problem, say what and where "
                "(for example: 复兴街12号门口垃圾没人清). /help lists what you can do."
            ),
        )
    elif isinstance(outcome, RateLimited):
        await send(
            chat.id,
            _(
                "You have sent {limit} reports in the last hour, which is as many as I take. "
                "Please send the next one a little later; for an emergency, call your "
                "community directly."
            ).format(limit=outcome.limit),
        )
    elif isinstance(outcome, NeedPlace):
        text, keyboard = ask_place(context, outcome)
        await send(chat.id, text, reply_markup=keyboard)
    elif isinstance(outcome, NeedCategory):
        text, keyboard = ask_category(context, outcome)
        await send(chat.id, text, reply_markup=keyboard)
    elif isinstance(outcome, Duplicate) and outcome.again:
        await send(
            chat.id,
            _(
                "You have reported this already: it is case #{number} ({category}, {alley}), "
                "and it is being handled. You will hear how it goes. /case {number} shows it."
            ).format(
                number=outcome.original.number,
                category=category_name(context.i18n, outcome.category),
                alley=outcome.place.name,
            ),
        )
    elif isinstance(outcome, Duplicate):
        await send(
            chat.id,
            _(
                "Thank you. This problem has already been reported as case #{number} ({category}, "
                "{alley}), which is being handled. Your report is added to it, and you will hear "
                "how it goes. /case {number} shows it."
            ).format(
                number=outcome.original.number,
                category=category_name(context.i18n, outcome.category),
                alley=outcome.place.name,
            ),
        )
    elif isinstance(outcome, Created):
        await acknowledge(update, context, outcome)
        await Messenger(context.bot, context.session, context.services).announce(outcome.case)
    elif isinstance(outcome, AlreadyReceived):
        # A replay: the case exists; whoever was not yet told of it is told now.
        await Messenger(context.bot, context.session, context.services).announce(outcome.case)
        await send(
            chat.id,
            _("Received: case #{number}.").format(number=outcome.case.number)
            + "\n"
            + _("/case {number} shows how it goes; /my lists all your reports.").format(
                number=outcome.case.number
            ),
        )


def ask_place(context: LaneKeeperContext, outcome: NeedPlace) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.i18n.gettext
    draft_id = outcome.draft.id
    if outcome.out_of_area:
        text = _(
            "That location is not in any alley I look after. Please check it, or tell me "
            "the alley's name."
        )
    elif outcome.ambiguous:
        text = _("You mention more than one place. Which alley is it?")
    elif outcome.candidates:
        text = _(
            "Where is it? Tell me the alley's name, share a location (📎 → Location), or choose:"
        )
    else:
        text = _("Where is it? Tell me the alley's name, or share a location (📎 → Location).")
    rows = [
        [InlineKeyboardButton(place.name, callback_data=pack("rp", "a", draft_id, place.alley_id))]
        for place in outcome.candidates
    ]
    rows.append(
        [InlineKeyboardButton(_("Cancel this report"), callback_data=pack("rp", "x", draft_id))]
    )
    return text, InlineKeyboardMarkup(rows)


def ask_category(
    context: LaneKeeperContext, outcome: NeedCategory
) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.i18n.gettext
    categories = context.services.classifier.categories
    draft_id = outcome.draft.id
    buttons = [
        InlineKeyboardButton(
            category_name(context.i18n, categories[code]),
            callback_data=pack("rp", "c", draft_id, code),
        )
        for code in [*outcome.choices, "other"]
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(
        [InlineKeyboardButton(_("Cancel this report"), callback_data=pack("rp", "x", draft_id))]
    )
    return _("What kind of problem is it?"), InlineKeyboardMarkup(rows)


async def acknowledge(update: Update, context: LaneKeeperContext, outcome: Created) -> None:
    chat = update.effective_chat
    assert chat is not None
    case = outcome.case
    street = await context.session.get(Street, case.street_id)
    i18n = context.services.i18n(context.i18n.locale, street.timezone if street else None)
    _ = i18n.gettext
    lines = [
        _("Received: case #{number}.").format(number=case.number),
        _("What: {category}").format(category=category_name(i18n, outcome.category)),
        _("Where: {alley}").format(alley=outcome.place.name),
    ]
    assert case.due_at is not None
    when = i18n.format_when(case.due_at)
    if outcome.route.to_triage:
        lines.append(
            _(
                "Who: the street office assigns it to the right unit; it should be "
                "handled by {when}."
            ).format(when=when)
        )
    else:
        lines.append(
            _("Who: {party}; it should be handled by {when}.").format(
                party=party_label(i18n, outcome.route.party), when=when
            )
        )
    if case.channel is not None:  # taken by staff: the coordinator reads the caller in full
        lines.append(staff_texts.caller_line(i18n, case, with_phone=True))
    elif case.reporter_role == Role.STREET_CHIEF:
        lines.append(_("Marked as a street chief's report."))
    elif case.inspection_level == "district":
        lines.append(_("Marked as a district inspection finding: the street fixes it (区查街改)."))
    elif case.inspection_level == "street":
        lines.append(_("Marked as a street inspection finding: the unit fixes it (块查条改)."))
    lines.append(
        _("/case {number} shows how it goes; /my lists all your reports.").format(
            number=case.number
        )
    )
    keyboard = None
    if case.channel is not None:
        pass  # the caller is not asked whether to be named: nobody here can ask them
    elif not case.anonymous:
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _("🙈 Hide my name from those handling it"),
                        callback_data=pack("rp", "anon", case.id),
                    )
                ]
            ]
        )
    else:
        lines.append(_("Your name is hidden from those handling it."))
    await context.bot.send_message(chat.id, "\n".join(lines), reply_markup=keyboard)


async def pressed(update: Update, context: LaneKeeperContext) -> None:
    query = update.callback_query
    assert query is not None
    _ = context.i18n.gettext
    stale = _("This button is no longer valid.")
    data = query.data or ""
    user_id = query.from_user.id
    now = context.services.clock.now()
    anon = unpack(data, "rp", 2)
    if anon is not None and anon[0] == "anon":
        case_id = as_int(anon[1])
        case = await context.session.get(Case, case_id) if case_id else None
        if case is None or case.reporter_telegram_id != user_id:
            await query.answer(stale, show_alert=True)
            return
        case.anonymous = True
        context.session.add(case)
        await context.session.commit()
        await query.answer(_("Done: those handling it will not see who you are."), show_alert=True)
        await query.edit_message_reply_markup(None)
        return
    fields = unpack(data, "rp", 3) or unpack(data, "rp", 2)
    intake = await context.services.intake(context.session)
    draft_id = as_int(fields[1]) if fields else None
    outcome: Outcome | None = None
    if fields and draft_id is not None and fields[0] == "x" and len(fields) == 2:
        if await intake.cancel(context.session, user_id, draft_id):
            await query.answer()
            await query.edit_message_text(_("Report cancelled. Nothing was recorded."))
            return
    elif fields and draft_id is not None and fields[0] == "a" and len(fields) == 3:
        alley_id = as_int(fields[2])
        if alley_id is not None:
            outcome = await intake.choose_place(context.session, user_id, draft_id, alley_id, now)
    elif fields and draft_id is not None and fields[0] == "c" and len(fields) == 3:
        outcome = await intake.choose_category(context.session, user_id, draft_id, fields[2], now)
    if outcome is None:
        await query.answer(stale, show_alert=True)
        return
    await query.answer()
    chosen = next(
        (
            b.text
            for row in (
                query.message.reply_markup.inline_keyboard
                if isinstance(query.message, Message) and query.message.reply_markup
                else []
            )
            for b in row
            if b.callback_data == data
        ),
        "",
    )
    if isinstance(query.message, Message) and query.message.text:
        await query.edit_message_text(f"{query.message.text}\n✓ {chosen}")
    await respond(update, context, outcome)
