"""Reports by message: any private message that is not a command becomes (part of) a report."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from handlers import cancel, join, meeting_router, staff_report
from handlers.context import LaneKeeperContext
from handlers.pending_answers import answer_pending
from models import privacy
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
from views import intake_replies
from views import privacy as privacy_texts
from views import staff_reports as staff_texts
from views.callbacks import as_int, pack, stale, unpack
from views.case_text import category_name, party_label, place_label
from views.privacy import privacy_keyboard

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
        # Kept to be sent on with the case as the place it is (sendVenue), not a bare pin.
        attachments.append(
            {
                "kind": "venue",
                "file_id": "",
                "file_unique_id": None,
                "caption": f"{message.venue.title}\n{message.venue.address}",
            }
        )
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
    refusal = refused_file(message, context)
    if refusal is not None:
        await message.reply_text(refusal)
        return
    report = report_from(message, context.i18n.locale, update.update_id)
    if report is None:
        await message.reply_text(guidance(context))
        return
    intake = await context.services.intake(context.session)
    outcome = await intake.receive(context.session, report, context.services.clock.now())
    await respond(update, context, outcome)


def refused_file(message: Message, context: LaneKeeperContext) -> str | None:
    """A file the bot does not take, answered politely; nothing is created, and a report
    being put together is left as it was. A picture sent as a file (uncompressed, as people
    do to keep its quality) is taken as it is: it goes on with the case as a file, by its
    Telegram id (a file's id cannot be sent as a photo's)."""
    document = message.document
    if document is None:
        return None
    image = (document.mime_type or "").startswith("image/")
    if image and (document.file_size or 0) > intake_replies.MAX_IMAGE_BYTES:
        return intake_replies.image_too_large(context.i18n)
    if not image and not (message.caption or "").strip():
        return intake_replies.file_not_taken(context.i18n)
    return None


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
        if outcome.case is not None:
            await Messenger(context.bot, context.session, context.services).album_grew(outcome.case)
        return
    if isinstance(outcome, NotAReport):
        await send(chat.id, guidance(context))
    elif isinstance(outcome, Cancelled):
        await send(chat.id, _("Report cancelled. Nothing was recorded."))
    elif isinstance(outcome, MemberChat):
        await send(
            chat.id,
            _(
                "Noted. I take this for a word, not a new report. /todo lists what waits for "
                "you. To report a problem, say what and where (for example: 复兴街12号门口垃圾"
                "没人清), or send /report first. /help lists what you can do."
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
                alley=place_label(context.i18n, outcome.place),
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
                alley=place_label(context.i18n, outcome.place),
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
    elif not outcome.draft.text.strip() and any(
        a.get("kind") in ("voice", "audio", "video_note") for a in outcome.draft.attachments
    ):
        text = intake_replies.voice_needs_words(context.i18n)
    elif outcome.candidates:
        text = _(
            "Where is it? Tell me the alley's name, share a location (📎 → Location), or choose:"
        )
    else:
        text = _("Where is it? Tell me the alley's name, or share a location (📎 → Location).")
    rows = [
        [
            InlineKeyboardButton(
                place_label(context.i18n, place),
                callback_data=pack("rp", "a", draft_id, place.alley_id),
            )
        ]
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
        _("Where: {alley}").format(alley=place_label(i18n, outcome.place)),
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
    if case.anonymous:
        lines.append(_("Your name is hidden from those handling it."))
    keyboard = privacy_keyboard(i18n, case)
    await context.bot.send_message(chat.id, "\n".join(lines), reply_markup=keyboard)


async def pressed(update: Update, context: LaneKeeperContext) -> None:
    query = update.callback_query
    assert query is not None
    _ = context.i18n.gettext
    data = query.data or ""
    user_id = query.from_user.id
    now = context.services.clock.now()
    choice = unpack(data, "rp", 2)
    if choice is not None and choice[0] in ("anon", "call"):
        await privacy_choice(update, context, choice[0], as_int(choice[1]))
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
        await query.answer(stale(context.i18n), show_alert=True)
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


async def privacy_choice(
    update: Update, context: LaneKeeperContext, choice: str, case_id: int | None
) -> None:
    """The reporter hides his name or lets the handler call him; cards already sent are
    corrected. Only the reporter may, and only for his own case."""
    query = update.callback_query
    assert query is not None
    i18n = context.i18n
    case = await context.session.get(Case, case_id) if case_id else None
    if case is None or not privacy.own_case(case, query.from_user.id):
        await query.answer(stale(i18n), show_alert=True)
        return
    messenger = Messenger(context.bot, context.session, context.services)
    if choice == "anon":
        await privacy.hide_reporter(context.session, case)
        corrected = await messenger.correct_cards(case)
        await context.session.commit()
        await query.answer(privacy_texts.hidden(i18n, corrected), show_alert=True)
    elif case.anonymous:
        await query.answer(stale(i18n), show_alert=True)
        return
    else:
        phone = await privacy.allow_contact(context.session, case)
        await messenger.correct_cards(case)
        await context.session.commit()
        if phone is None:
            await query.answer()
            await context.bot.send_message(
                query.from_user.id,
                privacy_texts.share_phone(i18n, case),
                reply_markup=join.phone_keyboard(i18n),
            )
        else:
            await query.answer(privacy_texts.contact_allowed(i18n, case, phone), show_alert=True)
    await query.edit_message_reply_markup(privacy_keyboard(i18n, case))
