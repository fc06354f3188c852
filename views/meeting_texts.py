"""What the bot says about one meeting: attendance noted, moving it, cancelling it, and the
notice its participants get when it changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import I18n
from models.meetings import MeetingOccurrence
from models.when import Reading
from views import typed_dates
from views.callbacks import pack


def attendance_noted(i18n: I18n, attending: bool) -> str:
    return (
        i18n.gettext("Thank you, noted: you will come.")
        if attending
        else i18n.gettext("Thank you, noted: you cannot come.")
    )


def move_question(i18n: I18n) -> str:
    return i18n.gettext("When should it be instead? For example: 12-01 10:00")


def unreadable_when(i18n: I18n, reading: Reading, now: datetime) -> str:
    """What was understood of a typed moment that is not a future one, and examples; `i18n`
    in the street's zone."""
    return typed_dates.understood(i18n, reading, now) + typed_dates.examples(i18n)


def confirm_move(
    i18n: I18n, occurrence: MeetingOccurrence, when: datetime
) -> tuple[str, InlineKeyboardMarkup]:
    """Yes / No to the moment read from what was typed; `i18n` in the street's zone."""
    _ = i18n.gettext
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("Yes"), callback_data=pack("mt", "M", occurrence.id, "y")),
                InlineKeyboardButton(_("No"), callback_data=pack("mt", "M", occurrence.id, "n")),
            ]
        ]
    )
    text = _("Move it to {day} {time}?").format(
        day=i18n.format_date(when, "full"), time=i18n.format_time(when)
    )
    return text, keyboard


def moved(i18n: I18n, when: datetime) -> str:
    """`i18n` in the street's zone."""
    return i18n.gettext("Moved to {when}.").format(when=i18n.format_when(when))


def cancel_question(i18n: I18n, occurrence: MeetingOccurrence) -> tuple[str, InlineKeyboardMarkup]:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    i18n.gettext("Yes, cancel it"), callback_data=pack("mt", "C", occurrence.id)
                )
            ]
        ]
    )
    return i18n.gettext("Cancel this meeting? The participants will be told."), keyboard


def cancelled(i18n: I18n) -> str:
    return i18n.gettext("Meeting cancelled.")


def change_notice(i18n: I18n, meeting: str, occurrence: MeetingOccurrence, what: str) -> str:
    """To a participant: `meeting` (its title) is "cancelled", else moved; `i18n` is theirs,
    in the street's zone."""
    text = (
        i18n.gettext("{meeting} of {when} is cancelled.")
        if what == "cancelled"
        else i18n.gettext("{meeting} is moved to {when}.")
    )
    return text.format(meeting=meeting, when=i18n.format_when(occurrence.starts_at))


def series_notice(
    i18n: I18n, meeting: str, next_starts: Sequence[datetime], place: str | None
) -> str:
    """To a participant: the series' time, place or rule changed; its next meetings as it now
    stands. `i18n` is theirs, in the street's zone."""
    return i18n.gettext("{meeting} has changed. Next: {list}, at {place}.").format(
        meeting=meeting,
        list=i18n.format_list([i18n.format_when(when) for when in next_starts]) or "—",
        place=place or "—",
    )
