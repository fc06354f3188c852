"""Quiet hours: when notices that can wait are held for the morning digest.

Local wall-clock times in the street's time zone; a period may run over midnight (20:00 to
08:00) or lie within one day (12:00 to 14:00). `start` is quiet, `end` is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def parse_hhmm(value: str) -> time:
    """'08:00' → 08:00; ValueError for anything else (24:00 included)."""
    hours, sep, minutes = value.partition(":")
    if not (sep and len(hours) in (1, 2) and len(minutes) == 2):
        raise ValueError(f"expected a time such as '08:00', got {value!r}")
    if not (hours.isascii() and hours.isdigit() and minutes.isascii() and minutes.isdigit()):
        raise ValueError(f"expected a time such as '08:00', got {value!r}")
    if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
        raise ValueError(f"expected a time between 00:00 and 23:59, got {value!r}")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValueError("quiet hours need a start and an end that differ")

    def _quiet_at(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def is_quiet(self, now: datetime, tz: ZoneInfo) -> bool:
        return self._quiet_at(now.astimezone(tz).time().replace(tzinfo=None))

    def release_at(self, now: datetime, tz: ZoneInfo) -> datetime | None:
        """When the quiet period `now` lies in ends (in `now`'s zone); None when not quiet."""
        if not self.is_quiet(now, tz):
            return None
        local = now.astimezone(tz)
        day = local.date()
        if local.time().replace(tzinfo=None) >= self.end:
            day += timedelta(days=1)
        return datetime.combine(day, self.end, tz).astimezone(now.tzinfo)
