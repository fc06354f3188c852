"""Which recurrence rules a meeting series may follow.

One check for every way a rule comes in (the roster file, the /meetings dialogue, the
command line): a rule is written out as occurrence rows, so one that meets every minute
would write tens of thousands of rows and hold up every chat while doing it. Meetings are
at most daily, at one time of day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

from dateutil.rrule import DAILY, rrule, rrulestr

# Rules that give no time of day meet at 09:00; weekly rules without a day, on Mondays.
ANCHOR = datetime(2020, 1, 6, 9, 0)
MAX_RULE_LENGTH = 500  # meeting_series.rrule is VARCHAR(500)


class RuleProblem(StrEnum):
    UNREADABLE = "unreadable"
    TOO_LONG = "too_long"
    TOO_FREQUENT = "too_frequent"
    SEVERAL_TIMES_A_DAY = "several_times_a_day"
    NEVER = "never"


@dataclass(frozen=True)
class RuleRefusal:
    problem: RuleProblem
    detail: str  # in English, for the command line and the roster file's error line

    def __str__(self) -> str:
        return self.detail


def parse_rule(rule: str) -> rrule:
    """The rule as dateutil reads it, anchored; ValueError when it is not one plain RRULE."""
    parsed = rrulestr(rule, dtstart=ANCHOR)
    if not isinstance(parsed, rrule):  # several rules, RDATE or EXDATE lines: a set
        raise ValueError("give one RRULE only")
    return parsed


def _why(rule: str, exc: Exception) -> str:
    """A sentence on what in the rule was not understood, never Python's own words."""
    parts = rule.removeprefix("RRULE:").split(";")
    for part in parts:
        if not part.strip() and len(parts) > 1:
            return "an empty part: two ';' together, or one at the end"
        if "=" not in part:
            return (
                f"{part.strip()[:40]!r} is not NAME=VALUE; a rule reads like "
                "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30"
            )
    message = str(exc)
    if "freq" in message and "missing" in message:  # rrule.__init__() missing … 'freq'
        return "FREQ is missing: FREQ=DAILY, WEEKLY, MONTHLY or YEARLY"
    if "unpack" in message or not message or "()" in message:
        return "a rule reads like FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30"
    return message


@lru_cache(maxsize=512)
def check_rule(rule: str) -> RuleRefusal | None:
    """None when a series may follow the rule, else why not.

    Cached: the scheduler asks again about every stored series on each pass.
    """
    if len(rule) > MAX_RULE_LENGTH:
        return RuleRefusal(
            RuleProblem.TOO_LONG, f"the rule is longer than {MAX_RULE_LENGTH} characters"
        )
    try:
        recurrence = parse_rule(rule)
    except (ValueError, TypeError, OverflowError) as exc:
        return RuleRefusal(RuleProblem.UNREADABLE, f"not an RFC 5545 rule ({_why(rule, exc)})")
    # dateutil keeps the parsed parts only in private attributes; the larger FREQ, the more
    # often (YEARLY is 0, SECONDLY 6).
    parts = vars(recurrence)
    if parts["_freq"] > DAILY:
        return RuleRefusal(
            RuleProblem.TOO_FREQUENT,
            "meetings are at most daily: FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY",
        )
    for part, values in (
        ("BYHOUR", parts["_byhour"]),
        ("BYMINUTE", parts["_byminute"]),
        ("BYSECOND", parts["_bysecond"]),
    ):
        if values is not None and len(values) > 1:
            return RuleRefusal(
                RuleProblem.SEVERAL_TIMES_A_DAY,
                f"a series meets at one time of day: give one value of {part}",
            )
    if recurrence.after(ANCHOR) is None:  # ANCHOR itself is the start every rule is read from
        return RuleRefusal(RuleProblem.NEVER, "the rule gives no meeting dates")
    return None
