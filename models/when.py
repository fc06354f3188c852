"""Dates and times typed as people type them, read in the street's time zone.

    12月10日下午3点 · 12-10 15:00 · 2026-12-10 15:00 · 12/10 15点 · 明天下午三点 · 后天9点
    下周一 9:30 · 周三下午2点半 · Dec 10 3pm · tomorrow 9:30 · 14:30 · 下午2点半 · 2:30pm

Pure: the caller gives `now` and the zone. A reading keeps what was understood (a day, a time
of day) even when the whole is not a moment, so the bot can say what it understood.
(`dateparser` from PyPI was not used: it does not read 下周一, 下午2点半 or 三点一刻.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(?:\d{1,2}|[零〇一二两三四五六七八九十]{1,3})"
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_EN_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

_YMD = re.compile(r"(?:(\d{4})\s*[-/年.]\s*)?(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*[日号]?")
_CN_MD = re.compile(rf"({_NUM})\s*月\s*({_NUM})\s*[日号]")
_RELATIVE = re.compile(r"大后天|后天|明天|今天|明日|今日|tomorrow|today", re.IGNORECASE)
_OFFSETS = {"今天": 0, "今日": 0, "today": 0, "明天": 1, "明日": 1, "tomorrow": 1}
_OFFSETS |= {"后天": 2, "大后天": 3}
_CN_WEEKDAY = re.compile(r"(下下|下|本|这|这个|下个)?\s*(?:周|星期|礼拜)([一二三四五六日天七])")
_EN_WEEKDAY = re.compile(
    r"\b(next\s+|this\s+)?(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b", re.IGNORECASE
)
_EN_DATE = re.compile(
    r"\b(?:(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*(\d{1,2})"
    r"|(\d{1,2})\s*(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)(?:\s*,?\s*(\d{4}))?",
    re.IGNORECASE,
)

_PERIOD = r"(上午|早上|早晨|早|中午|下午|午后|傍晚|晚上|晚|凌晨)?"
_COLON = re.compile(rf"{_PERIOD}\s*(\d{{1,2}})\s*[:：]\s*(\d{{2}})\s*(am|pm|a\.m\.|p\.m\.)?", re.I)
_CN_TIME = re.compile(
    rf"{_PERIOD}\s*({_NUM})\s*[点時时]\s*(半|一刻|三刻|({_NUM})\s*分?)?",
)
_AMPM = re.compile(r"\b(\d{1,2})\s*(am|pm|a\.m\.|p\.m\.)", re.IGNORECASE)
_LATE = ("下午", "午后", "傍晚", "晚上", "晚")


@dataclass(frozen=True)
class Reading:
    """What was understood: the day and the time of day, each None when not found; `moment`
    is both together (a time alone: its next coming), in the zone."""

    day: date | None
    clock: time | None
    moment: datetime | None


def cn_number(text: str) -> int | None:
    """'3', '三', '十', '十二', '二十', '二十三' (up to 99); None for anything else."""
    if text.isascii():
        return int(text) if text.isdigit() else None
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        high = _CN_DIGITS.get(tens, -1) if tens else 1
        low = _CN_DIGITS.get(ones, -1) if ones else 0
        return high * 10 + low if high >= 0 and low >= 0 else None
    if len(text) == 1:
        return _CN_DIGITS.get(text)
    return None


def _hour(hour: int, period: str | None) -> int | None:
    if (period in _LATE and hour < 12) or (period == "中午" and hour < 11):
        hour += 12
    elif period == "凌晨" and hour == 12:
        hour = 0
    elif period and period.lower().startswith("p") and hour < 12:
        hour += 12
    elif period and period.lower().startswith("a") and hour == 12:
        hour = 0
    return hour if 0 <= hour <= 23 else None


def _time_in(text: str) -> tuple[time | None, str]:
    """The time of day in `text`, and the text without it."""
    for pattern in (_COLON, _CN_TIME, _AMPM):
        match = pattern.search(text)
        if match is None:
            continue
        groups = match.groups()
        if pattern is _COLON:
            period = groups[0] or groups[3]
            hour, minute = _hour(int(groups[1]), period), int(groups[2])
        elif pattern is _CN_TIME:
            period, number, extra, minutes = groups
            hour_number = cn_number(number)
            hour = _hour(hour_number, period) if hour_number is not None else None
            minute = {"半": 30, "一刻": 15, "三刻": 45}.get(extra or "", 0)
            if minutes is not None:
                minute = cn_number(minutes) or 0
        else:
            hour, minute = _hour(int(groups[0]), groups[1]), 0
        if hour is None or not 0 <= minute <= 59:
            return None, text
        rest = text[: match.start()] + " " + text[match.end() :]
        return time(hour, minute), rest
    return None, text


def _year_for(month: int, day: int, today: date) -> int | None:
    """This year, or the next when the date has passed more than a day ago."""
    try:
        candidate = date(today.year, month, day)
    except ValueError:
        return None
    return today.year + 1 if candidate < today - timedelta(days=1) else today.year


def _day_in(text: str, today: date) -> date | None:
    """The day named in `text`; None when none is, or the one named does not exist."""
    match = _YMD.search(text) or _CN_MD.search(text)
    if match is not None:
        groups = match.groups()
        year = groups[0] if len(groups) == 3 else None
        month, day = cn_number(groups[-2]), cn_number(groups[-1])
        if month is None or day is None:
            return None
        chosen = int(year) if year else _year_for(month, day, today)
        try:
            return date(chosen, month, day) if chosen else None
        except ValueError:
            return None
    english = _EN_DATE.search(text)
    if english is not None:
        name = (english.group(1) or english.group(4)).lower()
        month, day = _MONTHS.index(name[:3]) + 1, int(english.group(2) or english.group(3))
        chosen = int(english.group(5)) if english.group(5) else _year_for(month, day, today)
        try:
            return date(chosen, month, day) if chosen else None
        except ValueError:
            return None
    relative = _RELATIVE.search(text)
    if relative is not None:
        return today + timedelta(days=_OFFSETS[relative.group(0).lower()])
    weekday = _CN_WEEKDAY.search(text)
    if weekday is not None:
        which, day_name = weekday.groups()
        target = _WEEKDAYS[day_name]
        monday = today - timedelta(days=today.weekday())
        if which in ("下", "下个"):
            return monday + timedelta(days=7 + target)
        if which == "下下":
            return monday + timedelta(days=14 + target)
        if which in ("本", "这", "这个"):
            return monday + timedelta(days=target)
        return today + timedelta(days=(target - today.weekday()) % 7)
    en_weekday = _EN_WEEKDAY.search(text)
    if en_weekday is not None:
        which, name = en_weekday.groups()
        target = _EN_WEEKDAYS.index(name[:3].lower())
        ahead = (target - today.weekday()) % 7
        if which and which.strip().lower() == "next":
            ahead = ahead or 7
        return today + timedelta(days=ahead)
    return None


def _names_a_day(text: str) -> bool:
    return any(
        pattern.search(text)
        for pattern in (_YMD, _CN_MD, _EN_DATE, _RELATIVE, _CN_WEEKDAY, _EN_WEEKDAY)
    )


def read_when(text: str, tz: ZoneInfo, now: datetime) -> Reading:
    """The day and time typed in `text`, as the street (zone `tz`) lives them."""
    today = now.astimezone(tz).date()
    clock, rest = _time_in(text.strip())
    day = _day_in(rest, today)
    if clock is None or (day is None and _names_a_day(rest)):  # 2月30日: no such day
        return Reading(day, clock, None)
    if day is None:
        moment = datetime.combine(today, clock, tzinfo=tz)
        if moment <= now:
            moment = datetime.combine(today + timedelta(days=1), clock, tzinfo=tz)
        return Reading(None, clock, moment)
    return Reading(day, clock, datetime.combine(day, clock, tzinfo=tz))


def parse_when(text: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The moment typed, or None when a day or a time of day is missing."""
    return read_when(text, tz, now).moment


def split_time(text: str) -> tuple[time | None, str]:
    """The first time of day in `text` (None when there is none), and the text without it."""
    return _time_in(text.strip())


def parse_time_of_day(text: str) -> time | None:
    """A time of day typed alone: '14:30', '下午2点半', '2:30pm', '9点'."""
    clock, rest = _time_in(text.strip())
    return clock if clock is not None and not rest.strip(" ，,。.") else None
