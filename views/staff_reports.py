"""What a coordinator reads while taking a report for someone else (受理), and how such a
case names its caller. The caller's phone number is shown to coordinators only."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import N_, I18n
from models.cases import Case
from models.staff_reports import NAME_MAX, Channel, Step, as_channel
from views.callbacks import pack
from views.cancel import cancel_label

PREFIX = "sr"
WEB = "web"  # models.web_reports.CHANNEL: a resident's report from a signboard's page
CHANNEL_NAMES = {
    Channel.PHONE: N_("phone call"),
    Channel.WALK_IN: N_("walk-in visit"),
    Channel.PATROL: N_("patrol"),
    Channel.HOTLINE: N_("12345 hotline"),
}
CHANNEL_BUTTONS = {
    Channel.PHONE: N_("📞 Phone"),
    Channel.WALK_IN: N_("🚶 Walk-in"),
    Channel.PATROL: N_("🔍 Patrol"),
    Channel.HOTLINE: N_("☎️ 12345 hotline"),
}


def channel_name(i18n: I18n, code: str | None) -> str:
    channel = as_channel(code)
    if code == WEB:
        return i18n.gettext("signboard's page")
    return i18n.gettext(CHANNEL_NAMES[channel]) if channel else (code or "")


def _cancel_row(i18n: I18n) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(cancel_label(i18n), callback_data=pack(PREFIX, "x"))]


def channel_question(i18n: I18n) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [
        InlineKeyboardButton(i18n.gettext(label), callback_data=pack(PREFIX, "c", channel))
        for channel, label in CHANNEL_BUTTONS.items()
    ]
    rows = [buttons[:2], buttons[2:], _cancel_row(i18n)]
    text = i18n.gettext(
        "Taking a report for someone else. How did it come in?\n"
        "(For a problem you saw yourself, just send it to me as a message.)"
    )
    return text, InlineKeyboardMarkup(rows)


def _skip_and_cancel(i18n: I18n, step: Step) -> InlineKeyboardMarkup:
    # The skip names its question: an old question's button skips nothing else.
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(i18n.gettext("Skip"), callback_data=pack(PREFIX, "s", step))],
            _cancel_row(i18n),
        ]
    )


def name_question(i18n: I18n, channel: str) -> tuple[str, InlineKeyboardMarkup]:
    text = i18n.gettext(
        "Channel: {channel}. What is the caller's name? (Type it, or skip if they did not say.)"
    ).format(channel=channel_name(i18n, channel))
    return text, _skip_and_cancel(i18n, Step.NAME)


def name_too_long(i18n: I18n) -> tuple[str, InlineKeyboardMarkup]:
    text = i18n.gettext("Please type a name of at most {n} characters, or skip.").format(n=NAME_MAX)
    return text, _skip_and_cancel(i18n, Step.PHONE)


def phone_question(i18n: I18n) -> tuple[str, InlineKeyboardMarkup]:
    text = i18n.gettext(
        "The caller's phone number, so that the street office can call them back? Only "
        "coordinators see it. (Type it, or skip.)"
    )
    return text, _skip_and_cancel(i18n, Step.PHONE)


def phone_invalid(i18n: I18n) -> tuple[str, InlineKeyboardMarkup]:
    text = i18n.gettext(
        "That does not look like a phone number. Please type digits only (spaces, dashes and "
        "a leading + are fine), or skip."
    )
    return text, _skip_and_cancel(i18n, Step.PHONE)


def report_question(i18n: I18n, draft_id: int) -> tuple[str, InlineKeyboardMarkup]:
    text = i18n.gettext(
        "Now send the report itself, as a resident would: what is wrong and where (the "
        "alley's name, or a location); a photo helps. I will ask for what is missing."
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    i18n.gettext("Cancel this report"), callback_data=pack("rp", "x", draft_id)
                )
            ]
        ]
    )
    return text, keyboard


def text_expected(i18n: I18n) -> str:
    return i18n.gettext("Please answer with a text message, or use the buttons.")


def cancelled(i18n: I18n) -> str:
    return i18n.gettext("Cancelled. Nothing was recorded.")


def caller_label(i18n: I18n, case: Case, *, with_phone: bool = False) -> str:
    """Who brought a report taken by staff, and how: "张先生 (phone call)"; the phone only
    when `with_phone` (a coordinator reads it)."""
    name = case.caller_name or i18n.gettext("caller not named")
    if with_phone and case.caller_phone:
        name = f"{name}, {case.caller_phone}"
    return f"{name} ({channel_name(i18n, case.channel)})"


def caller_line(i18n: I18n, case: Case, *, with_phone: bool) -> str:
    if case.channel == WEB:  # the resident's own report, not one staff took
        return i18n.gettext("Reported by: {who}").format(
            who=caller_label(i18n, case, with_phone=with_phone)
        )
    return i18n.gettext("Taken by staff from: {caller}").format(
        caller=caller_label(i18n, case, with_phone=with_phone)
    )


def patrol_prompt(i18n: I18n, draft_id: int) -> tuple[str, InlineKeyboardMarkup]:
    """A member's own report (巡查): what to send, and the way out."""
    text = i18n.gettext(
        "Send the report: what is wrong and where (an alley's name or a shared location); "
        "a photo helps. Your next message is taken as the report."
    )
    cancel = InlineKeyboardButton(
        i18n.gettext("Cancel this report"), callback_data=pack("rp", "x", draft_id)
    )
    return text, InlineKeyboardMarkup([[cancel]])
