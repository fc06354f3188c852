"""Everyone hears of a change: a series changed, a meeting moved or cancelled reaches each
participant once, with an .ics that calendars read; the one who made it only gets his reply.
The monthly meeting's first reminder carries its chart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from icalendar import Calendar
from sqlmodel import select

from fakegram import FakeBotApi, FakeUser, Recorded
from models.clock import ManualClock
from models.db import Database
from models.meetings import MeetingKind, MeetingSeries
from models.schedule import participants
from scheduler.meetings import run_once
from tests.harness import BotHarness, bot_running
from tests.test_meetings import CHEN, FENG, LIN, LIU, SHANGHAI, SUNDAY, ZHOU, seed

OTHERS = (LIU, FENG, LIN)  # fuxing's participants besides 周丽, who makes the changes


@pytest.fixture
def sunday() -> ManualClock:
    return ManualClock(SUNDAY)


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: object, sunday: ManualClock
) -> AsyncIterator[BotHarness]:
    for telegram_id in (ZHOU, LIU, FENG, LIN, CHEN):
        api.open_chat(FakeUser(telegram_id, str(telegram_id)))
    async with bot_running(db_url, api, clock=sunday) as harness:
        yield harness


def notices(api: FakeBotApi, chat_id: int, start: str) -> list[Recorded]:
    return [r for r in api.sent("sendMessage", chat_id) if r.text.startswith(start)]


def calendar_of(record: Recorded) -> Calendar:
    return Calendar.from_ical(next(iter(record.files.values())))


def events(record: Recorded) -> list[tuple[str, datetime]]:
    return [(str(e["UID"]), e.decoded("DTSTART")) for e in calendar_of(record).walk("VEVENT")]


async def test_a_series_change_reaches_each_participant_once_with_its_calendar(
    bot: BotHarness,
) -> None:
    api = bot.api
    await bot.tick(run_once)  # Monday's meeting is reminded of: its .ics is in calendars
    reminded = {chat: events(api.last("sendDocument", chat)) for chat in OTHERS}
    [(monday_uid, _start)] = reminded[LIU]
    zhou = FakeUser(ZHOU, "周丽")
    [mine] = await bot.replies(api.send_command(zhou, "/meetings"))
    [series] = await bot.replies(api.press_button(zhou, mine, "例会设置"))
    [pattern] = await bot.replies(api.press_button(zhou, series, "复兴社区周会：时间规则"))
    await bot.replies(api.press_button(zhou, pattern, "高级"))
    before = len(api.requests)
    exchange = await bot.exchange(api.send_text(zhou, "FREQ=WEEKLY;BYDAY=WE;BYHOUR=10;BYMINUTE=0"))
    told = [r for r in exchange if r.method in ("sendMessage", "sendDocument")]
    # 周丽 gets her reply, and nothing else.
    assert [r.text for r in told if r.chat_id == ZHOU] == [
        "已保存。接下来：12月2日 10:00、12月9日 10:00和12月16日 10:00"
    ]
    for chat in OTHERS:
        mine_now = [r for r in told if r.chat_id == chat]
        assert [r.method for r in mine_now] == ["sendMessage", "sendDocument", "sendDocument"]
        assert mine_now[0].text == (
            "复兴社区周会有变动。接下来：12月2日 10:00、12月9日 10:00和12月16日 10:00，"
            "地点：复兴社区二楼会议室。"
        )
        coming, dropped = (calendar_of(r) for r in mine_now[1:])
        assert str(coming["METHOD"]) == "PUBLISH"
        assert [e.decoded("DTSTART") for e in coming.walk("VEVENT")] == [
            datetime(2026, 12, day, 10, 0, tzinfo=SHANGHAI) for day in (2, 9, 16)
        ]
        assert str(coming.walk("VEVENT")[0]["LOCATION"]) == "复兴社区二楼会议室"
        # Monday's meeting, no longer held, leaves the calendars it was sent to.
        assert str(dropped["METHOD"]) == "CANCEL"
        [gone] = dropped.walk("VEVENT")
        assert str(gone["UID"]) == monday_uid and str(gone["STATUS"]) == "CANCELLED"
    # The place alone: told again, the events keep their UIDs and carry the new place.
    await bot.replies(api.press_button(zhou, series, "复兴社区周会：地点"))
    exchange = await bot.exchange(api.send_text(zhou, "复兴社区一楼"))
    for chat in OTHERS:
        [text] = [r.text for r in exchange if r.chat_id == chat and r.method == "sendMessage"]
        assert text.endswith("地点：复兴社区一楼。")
        [ics] = [r for r in exchange if r.chat_id == chat and r.method == "sendDocument"]
        assert [str(e["LOCATION"]) for e in calendar_of(ics).walk("VEVENT")] == ["复兴社区一楼"] * 3
    assert not [r for r in api.requests[before:] if r.chat_id == ZHOU and "有变动" in r.text]


async def test_a_move_and_a_cancel_reach_each_participant_once(bot: BotHarness) -> None:
    api = bot.api
    await bot.tick(run_once)  # the day-before reminders and their .ics
    [(monday_uid, _start)] = events(api.last("sendDocument", LIU))
    zhou = FakeUser(ZHOU, "周丽")
    [listing] = await bot.replies(api.send_command(zhou, "/meetings"))
    await bot.replies(api.press_button(zhou, listing, "改期"))
    [confirm] = await bot.replies(api.send_text(zhou, "11月30日 10:30"))
    exchange = await bot.exchange(api.press_button(zhou, confirm, "是"))
    assert [r.text for r in exchange if r.chat_id == ZHOU and r.method != "answerCallbackQuery"][
        -1
    ] == "已改到 11月30日 10:30。"
    assert not [r for r in exchange if r.chat_id == ZHOU and r.method == "sendDocument"]
    for chat in OTHERS:
        mine = [r for r in exchange if r.chat_id == chat]
        assert [r.method for r in mine] == ["sendMessage", "sendDocument"]
        assert mine[0].text == "复兴社区周会改到 11月30日 10:30。"
        assert events(mine[1]) == [(monday_uid, datetime(2026, 11, 30, 10, 30, tzinfo=SHANGHAI))]
        assert str(calendar_of(mine[1])["METHOD"]) == "PUBLISH"
    # Pressed again (or the update replayed): nobody is told twice.
    again = await bot.exchange(api.press_button(zhou, confirm, "是"))
    assert not [r for r in again if r.method in ("sendMessage", "sendDocument")]

    [listing] = await bot.replies(api.send_command(zhou, "/meetings"))
    cancel = next(b for b in listing.buttons() if b["text"] == "取消")  # the Monday meeting's
    [confirm] = await bot.replies(api.press(zhou, listing, cancel["callback_data"]))
    exchange = await bot.exchange(api.press_button(zhou, confirm, "确定取消"))
    assert not [r for r in exchange if r.chat_id == ZHOU and r.method == "sendMessage"]
    for chat in OTHERS:
        mine = [r for r in exchange if r.chat_id == chat]
        assert [r.method for r in mine] == ["sendMessage", "sendDocument"]
        assert mine[0].text == "11月30日 10:30 的复兴社区周会取消。"
        calendar = calendar_of(mine[1])
        assert str(calendar["METHOD"]) == "CANCEL"
        [event] = calendar.walk("VEVENT")
        assert str(event["UID"]) == monday_uid and str(event["STATUS"]) == "CANCELLED"
    again = await bot.exchange(api.press_button(zhou, confirm, "确定取消"))
    assert not [r for r in again if r.method in ("sendMessage", "sendDocument")]


async def monthly_participants(db_url: str) -> list[int]:
    database = Database(db_url)
    async with database.session() as session:
        series = (
            await session.exec(
                select(MeetingSeries).where(MeetingSeries.kind == MeetingKind.STREET_MONTHLY)
            )
        ).one()
        members = await participants(session, series)
    await database.dispose()
    return [m.telegram_id for m in members if m.telegram_id is not None]


@pytest.mark.parametrize("with_cases", [True, False], ids=["a-month-of-cases", "an-empty-month"])
async def test_the_monthly_reminder_carries_the_chart(
    db_url: str, api: FakeBotApi, roster: object, with_cases: bool
) -> None:
    if with_cases:
        await seed(db_url)
    people = await monthly_participants(db_url)
    assert len(people) > 3
    for telegram_id in people:
        api.open_chat(FakeUser(telegram_id, str(telegram_id)))
    clock = ManualClock(datetime(2026, 12, 24, 16, 0, tzinfo=SHANGHAI))  # 23h before
    async with bot_running(db_url, api, clock=clock) as bot:
        [due] = await bot.tick(run_once)
        assert due.series.kind == MeetingKind.STREET_MONTHLY and due.offset_min == 1440
        photos = api.sent("sendPhoto")
        if not with_cases:
            assert photos == []  # nothing happened: the agenda alone
            return
        assert sorted(r.chat_id for r in photos) == sorted(people)  # one each
        for photo in photos:
            assert next(iter(photo.files.values())).startswith(b"\x89PNG\r\n\x1a\n")
            assert photo.params["caption"] in ("本月数据一览", "The month in figures")
        # The chart comes after the reminder, its .ics and the agenda.
        first = people[0]
        order = [r.method for r in api.requests if r.chat_id == first]
        assert order[-4:] == ["sendMessage", "sendDocument", "sendMessage", "sendPhoto"]
        clock.set(datetime(2026, 12, 25, 14, 30, tzinfo=SHANGHAI))
        [later] = await bot.tick(run_once)
        assert later.offset_min == 60
        assert len(api.sent("sendPhoto")) == len(people)  # not again with the later one
