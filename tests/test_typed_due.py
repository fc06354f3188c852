"""A new deadline typed freely (models/typed_due.py): the end of the working day when no
time is typed, and the refusals (unreadable, past, not later, too far)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.typed_due import END_OF_DAY, MAX_AHEAD, Refusal, read_due

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=SHANGHAI)  # a Sunday
CURRENT = datetime(2026, 11, 30, 14, 0, tzinfo=SHANGHAI)  # due Monday 14:00


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("typed", "due", "end_of_day"),
    [
        ("12月10日下午3点", at(12, 10, 15), False),
        ("12-10 15:00", at(12, 10, 15), False),
        ("明天下午三点", at(11, 30, 15), False),
        ("Dec 10 3pm", at(12, 10, 15), False),
        ("后天上午10点", at(12, 1, 10), False),
        ("10 Dec 15:00", at(12, 10, 15), False),
        ("12/10", at(12, 10, 18), True),
        ("周五前", at(12, 4, 18), True),
        ("下周三下班前", at(12, 2, 18), True),
        ("明天", at(11, 30, 18), True),
    ],
)
def test_a_typed_deadline(typed: str, due: datetime, end_of_day: bool) -> None:
    reading = read_due(typed, SHANGHAI, NOW, CURRENT)
    assert (reading.due, reading.end_of_day, reading.refusal) == (due, end_of_day, None)
    if end_of_day and reading.due is not None:
        assert reading.due.time() == END_OF_DAY  # as docs/cases.md says: 18:00


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        ("随便", Refusal.UNREADABLE),
        ("abc", Refusal.UNREADABLE),
        ("", Refusal.UNREADABLE),
        ("2月30日", Refusal.UNREADABLE),
        ("2月30日 10:00", Refusal.UNREADABLE),
        ("本周五", Refusal.PAST),  # on a Sunday: two days ago
        ("11月28日 15:00", Refusal.PAST),
        ("今天上午9点", Refusal.PAST),
        ("明天上午9点", Refusal.NOT_LATER),
        ("下周一 9:30", Refusal.NOT_LATER),  # Monday 9:30: before Monday 14:00
        ("11月30日 14:00", Refusal.NOT_LATER),  # the current deadline itself
        ("2027-03-01 10:00", Refusal.TOO_FAR),
    ],
)
def test_refused(typed: str, refusal: Refusal) -> None:
    assert read_due(typed, SHANGHAI, NOW, CURRENT).refusal is refusal


def test_the_limits_are_inclusive_where_they_should_be() -> None:
    farthest = NOW + MAX_AHEAD
    typed = farthest.strftime("%Y-%m-%d %H:%M")
    assert read_due(typed, SHANGHAI, NOW, CURRENT).refusal is None
    later = (farthest + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    assert read_due(later, SHANGHAI, NOW, CURRENT).refusal is Refusal.TOO_FAR
    # No current deadline: only the future and the distance count.
    assert read_due("明天上午9点", SHANGHAI, NOW, None).refusal is None
