"""Postponing a case to a date typed freely (handlers/postpone_dates.py): the question, the
polite refusals that say what was understood, and the confirmation with its buttons.

Button data: `cs:Pt:<case>` asks for the date (from the postponement menu); on the
confirmation `cs:Pc:<case>:<unix seconds of the new deadline>` confirms that very date and
`cs:Pc:<case>:n` asks for another. The date itself is kept in the presser's PendingInput;
the seconds in the data make an older confirmation's button stale once another date was
typed.
"""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import I18n
from models.cases import Case
from models.typed_due import END_OF_DAY, MAX_AHEAD, Refusal, TypedDue
from views import typed_dates
from views.callbacks import pack
from views.cancel import with_cancel

RETYPE = "n"


def stamp(due: datetime) -> str:
    """The confirm button's argument for `due`."""
    return str(int(due.timestamp()))


def other_date_button(i18n: I18n, case: Case) -> InlineKeyboardButton:
    """Beside the day buttons of the postponement menu."""
    return InlineKeyboardButton(
        i18n.gettext("📅 Another date…"), callback_data=pack("cs", "Pt", case.id)
    )


def date_question(i18n: I18n, case: Case) -> str:
    return i18n.gettext(
        "Case #{number}: until when? Type the new deadline, for example: Dec 10 3pm, "
        "tomorrow 3pm, next Monday 9:30. A date without a time means {time} that day, "
        "the end of the working day."
    ).format(number=case.number, time=END_OF_DAY.strftime("%H:%M"))


def refused(i18n: I18n, typed: TypedDue, text: str, now: datetime, current: datetime | None) -> str:
    """Why the typed date is not taken, saying what was understood; `i18n` in the street's
    zone. The question stays open."""
    _ = i18n.gettext
    due = typed.due
    if typed.refusal is Refusal.UNREADABLE or due is None:
        if typed.reading.clock is None and typed.reading.day is None and text.strip():
            said = _("I could not read a date in “{text}”. ").format(text=text[:40])
        else:
            said = typed_dates.understood(i18n, typed.reading, now)
    elif typed.refusal is Refusal.PAST:
        said = _("{when} has passed. ").format(when=i18n.format_day_when(due))
    elif typed.refusal is Refusal.NOT_LATER and current is not None:
        said = _("{when} is not later than the current deadline, {due}. ").format(
            when=i18n.format_day_when(due), due=i18n.format_day_when(current)
        )
    else:
        said = _("{when} is more than {days} days away: too far for a postponement. ").format(
            when=i18n.format_day_when(due), days=MAX_AHEAD.days
        )
    return said + _("Please type another date. ") + typed_dates.examples(i18n)


def confirm(
    i18n: I18n, case: Case, typed: TypedDue, approval: bool
) -> tuple[str, InlineKeyboardMarkup]:
    """The date read back, to be confirmed before the reason is asked; `i18n` in the
    street's zone."""
    _ = i18n.gettext
    assert typed.due is not None
    when = i18n.format_day_when(typed.due)
    if typed.end_of_day:
        text = _("New deadline: {when} (no time given: the end of the working day). Confirm?")
    else:
        text = _("New deadline: {when}. Confirm?")
    text = text.format(when=when)
    if approval:
        text += "\n" + _("That is past the category's limit: a coordinator will approve or refuse.")
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("✅ Confirm"), callback_data=pack("cs", "Pc", case.id, stamp(typed.due))
                ),
                InlineKeyboardButton(
                    _("✏️ Retype"), callback_data=pack("cs", "Pc", case.id, RETYPE)
                ),
            ]
        ]
    )
    return text, with_cancel(i18n, keyboard, "postpone_confirm", case.id)


def press_or_type(i18n: I18n) -> str:
    """Something that is no date typed while the confirmation waits: it stays open."""
    return i18n.gettext("Please press Confirm or Retype above, or type another date.")
