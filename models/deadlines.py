"""When a case is due: hours on the clock, or working days on the street's calendar."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class WorkCalendar:
    """Weekends off, public holidays off, make-up working days (调休) on."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def of(cls, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> WorkCalendar:
        return cls(frozenset(holidays), frozenset(workdays))

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: datetime, days: int, tz: ZoneInfo) -> datetime:
        """The same local time `days` working days later (from a day off: from the next one)."""
        local = start.astimezone(tz)
        day = local.date()
        if not self.is_working_day(day):
            while not self.is_working_day(day):
                day += timedelta(days=1)
            local = datetime.combine(day, datetime.min.time().replace(hour=9), tz)
            days -= 1
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return datetime.combine(day, local.timetz()).replace(tzinfo=tz)


def due_at(
    created: datetime,
    *,
    hours: float | None,
    working_days: int | None,
    tz: ZoneInfo,
    calendar: WorkCalendar | None = None,
) -> datetime:
    if hours is not None:
        return created + timedelta(hours=hours)
    if working_days is None:
        raise ValueError("a deadline needs hours or working days")
    return (calendar or WorkCalendar()).add_working_days(created, working_days, tz)
