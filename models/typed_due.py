"""A new deadline typed as people type it (models/when.py), and whether it may be one.

A day typed without a time of day means the end of that working day, END_OF_DAY (18:00 in
the street's zone): "周五前", "下周三下班前" and "12/10" all mean "by the evening of that
day", which is what a street office means by a deadline on a day. A new deadline must be
in the future, later than the current one, and at most MAX_AHEAD away (further than that is
not a postponement but a case to hand back or reassign). Pure: the caller gives `now`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from models.when import Reading, read_when

END_OF_DAY = time(18, 0)
MAX_AHEAD = timedelta(days=90)


class Refusal(StrEnum):
    UNREADABLE = "unreadable"  # no day (or a day that does not exist)
    PAST = "past"
    NOT_LATER = "not_later"  # not after the current deadline
    TOO_FAR = "too_far"


@dataclass(frozen=True)
class TypedDue:
    """What was read; `due` is the deadline it names (None when unreadable), `end_of_day`
    that no time was typed and END_OF_DAY was taken; `refusal` why it may not be one."""

    reading: Reading
    due: datetime | None
    end_of_day: bool
    refusal: Refusal | None


def read_due(text: str, tz: ZoneInfo, now: datetime, current: datetime | None) -> TypedDue:
    """The deadline typed in `text` (street zone `tz`), checked against `now` and the
    `current` deadline."""
    reading = read_when(text, tz, now)
    due, end_of_day = reading.moment, False
    if reading.moment is None and reading.day is not None and reading.clock is None:
        due, end_of_day = datetime.combine(reading.day, END_OF_DAY, tzinfo=tz), True
    return TypedDue(reading, due, end_of_day, refusal(due, now, current))


def refusal(due: datetime | None, now: datetime, current: datetime | None) -> Refusal | None:
    """Why `due` may not be the new deadline, or None when it may."""
    if due is None:
        return Refusal.UNREADABLE
    if due <= now:
        return Refusal.PAST
    if current is not None and due <= current:
        return Refusal.NOT_LATER
    if due > now + MAX_AHEAD:
        return Refusal.TOO_FAR
    return None
