"""Meeting rules in the shapes people ask for, to and from RFC 5545.

A coordinator sets a series with buttons (views/rule_dialogue.py): weekly on some weekdays,
monthly on the Nth or last weekday, or monthly on a day of the month, at one time of day.
The choice made so far travels in the button data as a short token (`Draft`), so no state
lives in memory; every token is read strictly, and a forged one reads as None.

`shape_of` reads a stored rule back into such a shape, for saying it in words; a rule of
any other shape (several BYSETPOS, an INTERVAL, a yearly one…) reads as None and is shown
as it is written.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, replace
from datetime import time
from enum import StrEnum

from models.when import cn_number, split_time

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
LAST = -1  # the last weekday of the month, or its last day
ORDINALS = (1, 2, 3, 4, LAST)
MAX_BUTTON_DAY = 28  # every month has it; later days are "the last day"
ALL_DAYS = (1 << 7) - 1
# What a rule without BYHOUR/BYMINUTE meets at (models.meeting_rule.ANCHOR is 09:00).
DEFAULT_CLOCK = time(9, 0)


class Form(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    NTH_WEEKDAY = "nth_weekday"
    MONTHDAY = "monthday"


@dataclass(frozen=True)
class Shape:
    """A rule in words: `weekdays` (0 is Monday) for weekly, `nth` (1–4 or LAST) and one
    weekday for the Nth weekday, `monthday` (1–31 or LAST) for a day of the month."""

    form: Form
    clock: time
    weekdays: tuple[int, ...] = ()
    nth: int | None = None
    monthday: int | None = None


def days_of(mask: int) -> tuple[int, ...]:
    """The weekdays (0 is Monday) of a bitmask whose bit 0 is Monday."""
    return tuple(day for day in range(7) if mask >> day & 1)


def rule_of(shape: Shape) -> str:
    """The RFC 5545 rule that meets as `shape` says."""
    clock = f"BYHOUR={shape.clock.hour};BYMINUTE={shape.clock.minute}"
    if shape.form == Form.WEEKLY:
        days = ",".join(DAY_CODES[day] for day in shape.weekdays)
        return f"FREQ=WEEKLY;BYDAY={days};{clock}"
    if shape.form == Form.NTH_WEEKDAY:
        return f"FREQ=MONTHLY;BYDAY={shape.nth}{DAY_CODES[shape.weekdays[0]]};{clock}"
    if shape.form == Form.MONTHDAY:
        return f"FREQ=MONTHLY;BYMONTHDAY={shape.monthday};{clock}"
    return f"FREQ=DAILY;{clock}"


_NUMBER = re.compile(r"[+-]?[0-9]{1,2}")
_DAY = re.compile(r"([+-]?[0-9])?(MO|TU|WE|TH|FR|SA|SU)")
_KNOWN = {"FREQ", "BYDAY", "BYMONTHDAY", "BYHOUR", "BYMINUTE", "BYSECOND", "INTERVAL", "WKST"}


def _one_number(value: str | None, low: int, high: int, default: int) -> int | None:
    if value is None:
        return default
    if _NUMBER.fullmatch(value) is None or not low <= int(value) <= high:
        return None
    return int(value)


def shape_of(rule: str) -> Shape | None:
    """The shape of a stored rule, or None when it is not one of the shapes said in words."""
    text = rule.strip().removeprefix("RRULE:")
    if not text or "\n" in text:
        return None
    parts: dict[str, str] = {}
    for part in text.split(";"):
        name, sep, value = part.partition("=")
        name = name.strip().upper()
        if not sep or name not in _KNOWN or name in parts:
            return None
        parts[name] = value.strip().upper()
    hour = _one_number(parts.get("BYHOUR"), 0, 23, DEFAULT_CLOCK.hour)
    minute = _one_number(parts.get("BYMINUTE"), 0, 59, DEFAULT_CLOCK.minute)
    if (
        hour is None
        or minute is None
        or parts.get("INTERVAL", "1") != "1"
        or parts.get("BYSECOND", "0") not in ("0", "00")
    ):
        return None
    clock = time(hour, minute)
    freq, byday, monthday = parts.get("FREQ"), parts.get("BYDAY"), parts.get("BYMONTHDAY")
    if freq == "DAILY" and byday is None and monthday is None:
        return Shape(Form.DAILY, clock)
    if freq == "WEEKLY" and monthday is None:
        # Without BYDAY a weekly rule meets on the anchor's weekday, a Monday.
        codes = byday.split(",") if byday is not None else ["MO"]
        if any(code not in DAY_CODES for code in codes) or len(set(codes)) != len(codes):
            return None
        return Shape(Form.WEEKLY, clock, tuple(sorted(DAY_CODES.index(c) for c in codes)))
    if freq == "MONTHLY" and byday is not None and monthday is None:
        match = _DAY.fullmatch(byday)
        if match is None or match.group(1) is None or int(match.group(1)) not in ORDINALS:
            return None
        return Shape(
            Form.NTH_WEEKDAY,
            clock,
            (DAY_CODES.index(match.group(2)),),
            nth=int(match.group(1)),
        )
    if freq == "MONTHLY" and monthday is not None and byday is None:
        day = _one_number(monthday, -1, 31, 0)
        if day is None or day == 0:
            return None
        return Shape(Form.MONTHDAY, clock, monthday=day)
    return None


def rule_tag(rule: str) -> str:
    """A short mark of a rule for the ✅ Confirm button, so that an older confirmation
    pressed after a newer one was shown cannot save the newer rule it did not show."""
    return f"{zlib.crc32(rule.encode()):08x}"


# The choice made so far, in the button data -------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A rule being chosen with buttons. `community` is set for a new series (0: the street's
    own); `days_done` once "Next" was pressed after choosing weekdays."""

    form: Form | None = None
    community: int | None = None
    mask: int = 0
    days_done: bool = False
    nth: int | None = None
    weekday: int | None = None
    monthday: int | None = None
    clock: time | None = None

    def shape(self) -> Shape | None:
        """The rule chosen, once every part of it is."""
        if self.clock is None:
            return None
        if self.form == Form.WEEKLY and self.days_done and self.mask:
            return Shape(Form.WEEKLY, self.clock, days_of(self.mask))
        if self.form == Form.NTH_WEEKDAY and self.nth is not None and self.weekday is not None:
            return Shape(Form.NTH_WEEKDAY, self.clock, (self.weekday,), nth=self.nth)
        if self.form == Form.MONTHDAY and self.monthday is not None:
            return Shape(Form.MONTHDAY, self.clock, monthday=self.monthday)
        return None

    def with_(self, **changes: object) -> Draft:
        return replace(self, **changes)  # type: ignore[arg-type]


# Token fields, "."-separated: c<community> · w<mask> (weekdays being chosen) · W<mask>
# (chosen) · n[<1-4|L>[<weekday 0-6>]] · d[<1-28|L>] · t<HHMM>.
_FIELD = re.compile(
    r"c(?P<c>[0-9]{1,9})|(?P<w>[wW])(?P<mask>[0-9]{1,3})|n(?P<nth>[1-4L])?(?P<wd>[0-6])?"
    r"|d(?P<day>[0-9]{1,2}|L)?|t(?P<hh>[0-9]{2})(?P<mm>[0-9]{2})"
)


def read_draft(token: str | None) -> Draft | None:
    """The draft a button carries; None for anything a button of ours never carries."""
    draft = Draft()
    seen: set[str] = set()
    for field in (token or "").split(".") if token else []:
        match = _FIELD.fullmatch(field)
        letter = field[:1].lower()
        if match is None or letter in seen or (letter in "wnd" and seen & set("wnd")):
            return None
        seen.add(letter)
        groups = match.groupdict()
        if groups["c"] is not None:
            draft = draft.with_(community=int(groups["c"]))
        elif groups["w"] is not None:
            mask = int(groups["mask"])
            done = groups["w"] == "W"
            if mask > ALL_DAYS or (done and not mask):
                return None
            draft = draft.with_(form=Form.WEEKLY, mask=mask, days_done=done)
        elif letter == "n":
            if groups["wd"] is not None and groups["nth"] is None:
                return None
            nth = groups["nth"]
            draft = draft.with_(
                form=Form.NTH_WEEKDAY,
                nth=None if nth is None else LAST if nth == "L" else int(nth),
                weekday=None if groups["wd"] is None else int(groups["wd"]),
            )
        elif letter == "d":
            day = groups["day"]
            if day is not None and day != "L" and not 1 <= int(day) <= MAX_BUTTON_DAY:
                return None
            draft = draft.with_(
                form=Form.MONTHDAY,
                monthday=None if day is None else LAST if day == "L" else int(day),
            )
        else:
            hour, minute = int(groups["hh"]), int(groups["mm"])
            if hour > 23 or minute > 59:
                return None
            draft = draft.with_(clock=time(hour, minute))
    if draft.clock is not None and draft.shape() is None:  # a time before the days: forged
        return None
    return draft


def draft_token(draft: Draft) -> str:
    fields = []
    if draft.community is not None:
        fields.append(f"c{draft.community}")
    if draft.form == Form.WEEKLY:
        fields.append(f"{'W' if draft.days_done else 'w'}{draft.mask}")
    elif draft.form == Form.NTH_WEEKDAY:
        nth = "" if draft.nth is None else "L" if draft.nth == LAST else str(draft.nth)
        fields.append(f"n{nth}{'' if draft.weekday is None else draft.weekday}")
    elif draft.form == Form.MONTHDAY:
        day = "" if draft.monthday is None else "L" if draft.monthday == LAST else draft.monthday
        fields.append(f"d{day}")
    if draft.clock is not None:
        fields.append(f"t{draft.clock:%H%M}")
    return ".".join(fields)


# Plain words typed where a rule is asked ----------------------------------------------------

_CN_DAY = "一二三四五六日天"
_CN_WEEKDAY_INDEX = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEK_WORD = r"(?:周|星期|礼拜)"
_CN_WEEKLY = re.compile(
    rf"每(?:个)?{_WEEK_WORD}([{_CN_DAY}](?:\s*[、,，和及与]?\s*{_WEEK_WORD}?[{_CN_DAY}])*)"
)
_CN_NTH = re.compile(
    rf"每(?:个)?月(?:的)?(?:第([1-4一二三四])个?|(最后一)个?){_WEEK_WORD}([{_CN_DAY}])"
)
_CN_MONTHDAY = re.compile(
    r"每(?:个)?月(?:的)?([0-9]{1,2}|[一二三]?十?[一二三四五六七八九]?)\s*[日号]"
)
_CN_LAST_DAY = re.compile(r"每(?:个)?月(?:的)?(?:最后一天|月底|月末)")
_EN_DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*"
_EN_WEEKLY = re.compile(rf"\bevery\s+({_EN_DAY}(?:\s*(?:,|and|&)\s*{_EN_DAY})*)", re.IGNORECASE)
_EN_NTH = re.compile(
    rf"\b(first|second|third|fourth|last|1st|2nd|3rd|4th)\s+({_EN_DAY})\s+of\s+(?:every|each|the)"
    r"\s+month",
    re.IGNORECASE,
)
_EN_MONTHDAY = re.compile(
    r"\b(?:day\s+([0-9]{1,2})|(?:the\s+)?([0-9]{1,2})(?:st|nd|rd|th))\s+of\s+(?:every|each|the)"
    r"\s+month",
    re.IGNORECASE,
)
_EN_LAST_DAY = re.compile(r"\blast\s+day\s+of\s+(?:every|each|the)\s+month", re.IGNORECASE)
_EN_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": LAST}
_EN_ORDINALS |= {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4}


def _cn_int(text: str) -> int | None:
    return cn_number(text) if text else None


def _pattern_in(text: str) -> tuple[Shape, str] | None:
    """The pattern named in `text` (at 09:00 for now) and the text without it."""

    def rest(match: re.Match[str]) -> str:
        return text[: match.start()] + " " + text[match.end() :]

    if match := _CN_NTH.search(text):
        nth = LAST if match.group(2) else _cn_int(match.group(1))
        day = _CN_WEEKDAY_INDEX[match.group(3)]
        return Shape(Form.NTH_WEEKDAY, DEFAULT_CLOCK, (day,), nth=nth), rest(match)
    if match := _CN_LAST_DAY.search(text):
        return Shape(Form.MONTHDAY, DEFAULT_CLOCK, monthday=LAST), rest(match)
    if match := _CN_MONTHDAY.search(text):
        monthday = _cn_int(match.group(1))
        if monthday is None or not 1 <= monthday <= 31:
            return None
        return Shape(Form.MONTHDAY, DEFAULT_CLOCK, monthday=monthday), rest(match)
    if match := _CN_WEEKLY.search(text):
        days = sorted({_CN_WEEKDAY_INDEX[c] for c in match.group(1) if c in _CN_WEEKDAY_INDEX})
        return Shape(Form.WEEKLY, DEFAULT_CLOCK, tuple(days)), rest(match)
    if match := _EN_NTH.search(text):
        day = [d.lower() for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")].index(
            match.group(2)[:3].lower()
        )
        nth = _EN_ORDINALS[match.group(1).lower()]
        return Shape(Form.NTH_WEEKDAY, DEFAULT_CLOCK, (day,), nth=nth), rest(match)
    if match := _EN_LAST_DAY.search(text):
        return Shape(Form.MONTHDAY, DEFAULT_CLOCK, monthday=LAST), rest(match)
    if match := _EN_MONTHDAY.search(text):
        day = int(match.group(1) or match.group(2))
        if not 1 <= day <= 31:
            return None
        return Shape(Form.MONTHDAY, DEFAULT_CLOCK, monthday=day), rest(match)
    if match := _EN_WEEKLY.search(text):
        names = re.findall(_EN_DAY, match.group(1), re.IGNORECASE)
        codes = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        days = sorted({codes.index(name[:3].lower()) for name in names})
        return Shape(Form.WEEKLY, DEFAULT_CLOCK, tuple(days)), rest(match)
    return None


def read_days(text: str) -> Shape | None:
    """The days of a schedule said in words, whether or not a time is said (its clock is
    then DEFAULT_CLOCK): for saying what was understood of 每周一 alone."""
    found = _pattern_in(text)
    return found[0] if found is not None else None


def read_plain(text: str) -> Shape | None:
    """A schedule said in words, with its time: 每周一上午9点半, 每周二、周四 14:00,
    每月最后一个星期五下午3点, 每月15日 9:30, every Monday 9:30, last Friday of every month 3pm.
    None unless both the pattern and the time of day are there."""
    found = _pattern_in(text)
    if found is None:
        return None
    shape, rest = found
    clock, _rest = split_time(re.sub(r"\b(?:at|on)\b", " ", rest, flags=re.IGNORECASE))
    if clock is None:
        return None
    return replace(shape, clock=clock)
