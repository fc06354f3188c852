"""The schedules chosen with buttons, to RFC 5545 and back, said in words; the button data
read strictly."""

from __future__ import annotations

from datetime import time

import pytest

from locales.i18n import I18n
from models.meeting_rule import RuleProblem, check_rule
from models.rule_builder import (
    LAST,
    Draft,
    Form,
    Shape,
    days_of,
    draft_token,
    read_days,
    read_draft,
    read_plain,
    rule_of,
    shape_of,
)
from views.meeting_settings import rule_refused
from views.rule_dialogue import screen
from views.rule_words import describe_days, describe_rule

WEEKLY_MO_WE = Shape(Form.WEEKLY, time(9, 30), (0, 2))
LAST_FRIDAY = Shape(Form.NTH_WEEKDAY, time(14, 0), (4,), nth=LAST)
SECOND_TUESDAY = Shape(Form.NTH_WEEKDAY, time(9, 0), (1,), nth=2)
DAY_15 = Shape(Form.MONTHDAY, time(14, 30), monthday=15)
LAST_DAY = Shape(Form.MONTHDAY, time(16, 0), monthday=LAST)


@pytest.mark.parametrize(
    ("shape", "rule"),
    [
        (WEEKLY_MO_WE, "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=30"),
        (LAST_FRIDAY, "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=14;BYMINUTE=0"),
        (SECOND_TUESDAY, "FREQ=MONTHLY;BYDAY=2TU;BYHOUR=9;BYMINUTE=0"),
        (DAY_15, "FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=14;BYMINUTE=30"),
        (LAST_DAY, "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=16;BYMINUTE=0"),
        (Shape(Form.DAILY, time(8, 45)), "FREQ=DAILY;BYHOUR=8;BYMINUTE=45"),
    ],
)
def test_shapes_become_rules_that_pass_the_checks_and_read_back(shape: Shape, rule: str) -> None:
    assert rule_of(shape) == rule
    assert check_rule(rule) is None
    assert shape_of(rule) == shape


@pytest.mark.parametrize(
    ("rule", "zh", "en"),
    [
        (
            "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=30",
            "每周一、周三 09:30",
            "every Monday and Wednesday at 09:30",
        ),
        (
            "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=9;BYMINUTE=30",
            "每周一、周三、周五 09:30",
            "every Monday, Wednesday and Friday at 09:30",
        ),
        (
            "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=14;BYMINUTE=0",
            "每月最后一个周五 14:00",
            "the last Friday of every month at 14:00",
        ),
        (
            "FREQ=MONTHLY;BYDAY=2TU",
            "每月第2个周二 09:00",
            "the 2nd Tuesday of every month at 09:00",
        ),
        ("FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=14;BYMINUTE=30", "每月15日 14:30", None),
        ("FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=16", "每月最后一天 16:00", None),
        ("FREQ=WEEKLY", "每周一 09:00", "every Monday at 09:00"),  # the anchor's day and hour
        ("FREQ=DAILY;BYHOUR=8;BYMINUTE=45", "每天 08:45", "every day at 08:45"),
        # Shapes not said in words are shown as written.
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", None, None),
        ("FREQ=YEARLY;BYMONTH=3", None, None),
        ("FREQ=MONTHLY;BYDAY=MO,TU", None, None),
        ("FREQ=MONTHLY;BYDAY=5MO", None, None),
        ("FREQ=DAILY;BYHOUR=9,10", None, None),
        ("abc", None, None),
        ("FREQ=WEEKLY;BYDAY=MO,MO", None, None),
    ],
)
def test_rules_in_words(rule: str, zh: str | None, en: str | None) -> None:
    assert describe_rule(I18n("zh_CN"), rule) == (zh or rule)
    if en is not None or zh is None:
        assert describe_rule(I18n("en"), rule) == (en or rule)


def test_a_draft_travels_in_the_button_data() -> None:
    drafts = [
        Draft(),
        Draft(community=0),
        Draft(form=Form.WEEKLY, mask=0b101),
        Draft(form=Form.WEEKLY, mask=0b101, days_done=True, clock=time(9, 30), community=3),
        Draft(form=Form.NTH_WEEKDAY),
        Draft(form=Form.NTH_WEEKDAY, nth=LAST),
        Draft(form=Form.NTH_WEEKDAY, nth=LAST, weekday=4, clock=time(14)),
        Draft(form=Form.MONTHDAY, monthday=28),
        Draft(form=Form.MONTHDAY, monthday=LAST, clock=time(16)),
    ]
    for draft in drafts:
        assert read_draft(draft_token(draft)) == draft
    assert draft_token(drafts[3]) == "c3.W5.t0930"
    assert drafts[3].shape() == WEEKLY_MO_WE
    assert days_of(0b1000001) == (0, 6)


@pytest.mark.parametrize(
    "token",
    [
        "d0",
        "d29",
        "d40",
        "w128",
        "W0",
        "W0.t0930",
        "n5",
        "n7",
        "t0930",  # a time before any day
        "w5.t0930",  # weekdays not settled
        "W1.t2400",
        "W1.t0960",
        "c1.c2",
        "w1.d1",
        "x",
        "c-1",
        "W１",
        "W1..t0930",
    ],
)
def test_forged_button_data_reads_as_nothing(token: str) -> None:
    assert read_draft(token) is None


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("每周一上午9点半", "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30"),
        ("每周二、周四 14:00", "FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=14;BYMINUTE=0"),
        ("每月最后一个星期五下午3点", "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=15;BYMINUTE=0"),
        ("每月第二个周三 9:00", "FREQ=MONTHLY;BYDAY=2WE;BYHOUR=9;BYMINUTE=0"),
        ("每月15日 9:30", "FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=30"),
        ("每月月底下午4点", "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=16;BYMINUTE=0"),
        ("every Monday 9:30", "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30"),
        ("every Monday and Wednesday at 2:30pm", "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=14;BYMINUTE=30"),
        ("last Friday of every month 3pm", "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=15;BYMINUTE=0"),
        ("the 15th of every month 09:00", "FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0"),
    ],
)
def test_a_schedule_typed_in_words_is_understood(text: str, rule: str) -> None:
    shape = read_plain(text)
    assert shape is not None and rule_of(shape) == rule


@pytest.mark.parametrize(
    "text", ["每周一", "every Monday", "abc", "FREQ=WEEKLY;BYDAY=MO", "下午3点"]
)
def test_words_without_a_pattern_and_a_time_are_not_guessed(text: str) -> None:
    assert read_plain(text) is None


def test_days_without_a_time_are_read_for_saying_so() -> None:
    zh, en = I18n("zh_CN"), I18n("en")
    days = read_days("每周一")
    assert days is not None and describe_days(zh, days) == "每周一"
    days = read_days("每月最后一个星期五")
    assert days is not None and describe_days(zh, days) == "每月最后一个周五"
    days = read_days("every Tuesday and Thursday")
    assert days is not None and describe_days(en, days) == "every Tuesday and Thursday"
    assert read_days("abc") is None and read_days("FREQ=WEEKLY;BYDAY=MO") is None


@pytest.mark.parametrize(
    "rule", ["abc", "FREQ=WEEKLY;BYDAY", "每周一", "BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO;"]
)
def test_garbage_is_refused_in_a_sentence(rule: str) -> None:
    refusal = check_rule(rule)
    assert refusal is not None and refusal.problem == RuleProblem.UNREADABLE
    for word in ("rrule", "__init__", "unpack", "positional", "Traceback"):
        assert word not in refusal.detail
    assert rule_refused(I18n("zh_CN"), refusal).startswith(
        "这个规则不可用：这不是 RFC 5545 格式的规则"
    )
    assert "Set with buttons" in rule_refused(I18n("en"), refusal)


def test_the_screens_in_english() -> None:
    en = I18n("en")
    text, keyboard = screen(en, 7, Draft(form=Form.WEEKLY, mask=0b101), "Fuxing weekly meeting")
    rows = [[(b.text, b.callback_data) for b in row] for row in keyboard.inline_keyboard]
    assert text == (
        "Fuxing weekly meeting\nOn which weekdays? Tap to choose one or more, then Next."
    )
    assert rows[0] == [
        ("✓Mo", "mt:b:7:w4"),
        ("Tu", "mt:b:7:w7"),
        ("✓We", "mt:b:7:w1"),
        ("Th", "mt:b:7:w13"),
    ]
    assert rows[2] == [("Next »", "mt:b:7:W5")]
    assert rows[3] == [("« Back", "mt:b:7:"), ("✖️ Cancel", "mt:q:7:")]
    text, keyboard = screen(en, 3, Draft(community=0, form=Form.NTH_WEEKDAY, nth=LAST), None)
    assert text == "Which weekday (the last in each month)?"
    assert keyboard.inline_keyboard[1][0].callback_data == "mt:b:3:c0.nL4"  # Friday
    text, keyboard = screen(en, 3, Draft(form=Form.MONTHDAY, monthday=LAST), None)
    assert text.startswith("The last day of every month: at what time?")
    assert keyboard.inline_keyboard[2][0].callback_data == "mt:T:3:dL"
