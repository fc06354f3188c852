"""What the bot says about a date typed as people type it (models/when.py), wherever one is
asked for (a meeting moved, a case postponed): what was understood of one that is not a
future moment, and the examples to type. (The moment read back: I18n.format_day_when.)"""

from __future__ import annotations

from datetime import datetime

from locales.i18n import I18n
from models.when import Reading


def understood(i18n: I18n, reading: Reading, now: datetime) -> str:
    """What was understood of a typed moment that is not a future one; `i18n` in the
    street's zone."""
    _ = i18n.gettext
    if reading.moment is not None and reading.moment <= now:
        return _("{when} has passed. ").format(when=i18n.format_when(reading.moment))
    if reading.day is not None and reading.clock is None:
        return _("I read the day {day} but no time. ").format(
            day=i18n.format_date(reading.day, "long")
        )
    if reading.clock is not None:
        return _("I read the time {time} but no day that exists. ").format(
            time=reading.clock.strftime("%H:%M")
        )
    return _("I could not read a date or a time in that. ")


def examples(i18n: I18n) -> str:
    return i18n.gettext("For example: tomorrow 3pm, Dec 10 15:00, next Monday 9:30.")
