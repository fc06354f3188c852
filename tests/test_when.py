"""Dates and times typed as people type them (models/when.py), for a fixed now and zone."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from models.when import cn_number, parse_time_of_day, parse_when, read_when

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Sunday 2026-11-29 10:00 in Shanghai.
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=SHANGHAI)


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12月10日下午3点", at(12, 10, 15)),
        ("12月10日 下午3点", at(12, 10, 15)),
        ("十二月十日下午三点", at(12, 10, 15)),
        ("12-10 15:00", at(12, 10, 15)),
        ("12/10 15点", at(12, 10, 15)),
        ("2027-01-05 09:00", at(1, 5, 9, year=2027)),
        ("明天下午三点", at(11, 30, 15)),
        ("后天上午9点半", at(12, 1, 9, 30)),
        ("今天晚上8点", at(11, 29, 20)),
        ("下周一 9:30", at(11, 30, 9, 30)),  # a Sunday: next week begins tomorrow
        ("下周三下午2点半", at(12, 2, 14, 30)),
        ("周五 三点一刻", at(12, 4, 3, 15)),
        ("星期五下午三点一刻", at(12, 4, 15, 15)),
        ("Dec 10 3pm", at(12, 10, 15)),
        ("10 Dec 3:30pm", at(12, 10, 15, 30)),
        ("tomorrow 9:30", at(11, 30, 9, 30)),
        ("next monday 9am", at(11, 30, 9)),
        ("14:30", at(11, 29, 14, 30)),  # still ahead today
        ("9:30", at(11, 30, 9, 30)),  # passed today: tomorrow
        ("下午2点半", at(11, 29, 14, 30)),
        ("2:30pm", at(11, 29, 14, 30)),
        ("中午12点", at(11, 29, 12)),
        ("1月3日 10:00", at(1, 3, 10, year=2027)),  # passed this year: the next
        ("11月28日 10:00", at(11, 28, 10)),  # yesterday stays yesterday (in the past)
        ("后天上午10点", at(12, 1, 10)),
        ("10 Dec 15:00", at(12, 10, 15)),
        ("12/10 15:00", at(12, 10, 15)),
    ],
)
def test_typed_forms(typed: str, expected: datetime) -> None:
    assert parse_when(typed, SHANGHAI, NOW) == expected


@pytest.mark.parametrize(
    ("typed", "day", "clock"),
    [
        ("明天吧", date(2026, 11, 30), None),
        ("12月10日", date(2026, 12, 10), None),
        ("12/10", date(2026, 12, 10), None),
        ("周五前", date(2026, 12, 4), None),  # the coming Friday
        ("本周五", date(2026, 11, 27), None),  # this week's, already past on a Sunday
        ("下周三下班前", date(2026, 12, 2), None),  # 下班前 is no time: the caller's end of day
        ("abc", None, None),
        ("随便什么时候", None, None),
        ("2月30日 10:00", None, time(10, 0)),
        ("25:00", None, None),
        ("", None, None),
    ],
)
def test_what_is_understood_when_it_is_not_a_moment(
    typed: str, day: date | None, clock: time | None
) -> None:
    reading = read_when(typed, SHANGHAI, NOW)
    assert (reading.day, reading.clock, reading.moment) == (day, clock, None)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("14:30", time(14, 30)),
        ("下午2点半", time(14, 30)),
        ("2:30pm", time(14, 30)),
        ("2:30 PM", time(14, 30)),
        ("9点", time(9, 0)),
        ("早上八点四十五", time(8, 45)),
        ("12am", time(0, 0)),
        ("明天9点", None),
        ("开会", None),
        ("99:00", None),
    ],
)
def test_time_of_day(typed: str, expected: time | None) -> None:
    assert parse_time_of_day(typed) == expected


def test_chinese_numbers() -> None:
    assert [cn_number(t) for t in ("三", "十", "十二", "二十", "二十三", "两", "x")] == [
        3,
        10,
        12,
        20,
        23,
        2,
        None,
    ]
