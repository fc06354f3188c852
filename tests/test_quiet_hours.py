"""Quiet hours: what can wait is held and told in one digest when they end; urgent cases
never wait; several overdue cases for one person in one pass are one message; reminders and
escalations carry the case's buttons. Over the fake Bot API, on a controlled clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from fakegram import FakeBotApi, FakeUser, Recorded
from models.cases import Case
from models.clock import ManualClock
from models.db import Database
from models.messaging import HeldNotice, HeldOutcome
from models.quiet import QuietHours, parse_hhmm
from scheduler.deadlines import run_once
from services.config import ConfigError, load_config
from tests.harness import BotHarness, bot_running

SH = ZoneInfo("Asia/Shanghai")
RESIDENTS = [FakeUser(900001 + n, f"居民{n}") for n in range(3)]
LIU = FakeUser(100011, "刘洋")  # enforcement liaison, fuxing blocks
WANG = FakeUser(100010, "王强")  # enforcement unit head
SUN = FakeUser(100012, "孙磊")  # enforcement liaison, haiyue
CHEN = FakeUser(100001, "陈建国")  # street coordinator
STAFF = [LIU, WANG, SUN, CHEN] + [
    FakeUser(i, str(i)) for i in (100002, 100003, 100020, 100021, 100022, 100030, 100070)
]
HEADING = "免打扰时段（20:00–08:00）内的消息："


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 in Shanghai (the 26th is a Thursday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    for user in STAFF:
        api.open_chat(user)
    async with bot_running(db_url, api, clock=clock) as harness:
        yield harness


def texts(bot: BotHarness, chat_id: int, since: int = 0) -> list[Recorded]:
    return [
        r for r in bot.api.requests[since:] if r.method == "sendMessage" and r.chat_id == chat_id
    ]


async def report(bot: BotHarness, who: FakeUser, text: str) -> Recorded:
    """A report; returns its dispatch card (whoever it went to), if one was sent."""
    exchange = await bot.exchange(bot.api.send_text(who, text))
    cards = [
        r
        for r in exchange
        if r.method == "sendMessage" and r.text.startswith(("新案件 #", "New case #"))
    ]
    return cards[0] if cards else exchange[0]


async def held_rows(db_url: str) -> list[HeldNotice]:
    database = Database(db_url)
    try:
        async with database.session() as session:
            return list(await session.exec(select(HeldNotice).order_by(col(HeldNotice.id))))
    finally:
        await database.dispose()


async def tick_at(bot: BotHarness, clock: ManualClock, moment: datetime) -> int:
    """Run the deadline pass at `moment`; the index of the requests made from then on."""
    clock.set(moment)
    start = len(bot.api.requests)
    await bot.tick(run_once)
    return start


# -- configuration -------------------------------------------------------------------------


def test_quiet_hours_config_defaults_and_validation(tmp_path: Path) -> None:
    config = load_config(None, environ={})
    assert (config.quiet_hours.enabled, config.quiet_hours.start, config.quiet_hours.end) == (
        True,
        "20:00",
        "08:00",
    )
    assert config.quiet_hours.hours() == QuietHours(time(20), time(8))
    assert config.with_overrides(quiet_hours={"enabled": False}).quiet_hours.hours() is None
    for body, message in [
        ('start = "25:00"', "[quiet_hours] start: expected a time between 00:00 and 23:59"),
        ('end = "8am"', "[quiet_hours] end: expected a time such as '08:00', got '8am'"),
        ('start = "08:00"', "[quiet_hours]: start and end are both 08:00; they must differ"),
        ("enabled = 1.5", "[quiet_hours] enabled:"),
        ('quiet = "yes"', "[quiet_hours] quiet: unknown key (misspelt?)"),
    ]:
        path = tmp_path / "config.toml"
        path.write_text(f"[quiet_hours]\n{body}\n", encoding="utf-8")
        with pytest.raises(ConfigError) as err:
            load_config(path, environ={})
        assert f"{path}: {message}" in str(err.value), body


def test_quiet_hours_over_midnight_and_within_a_day() -> None:
    night = QuietHours(parse_hhmm("20:00"), parse_hhmm("08:00"))
    assert not night.is_quiet(at(26, 19, 59), SH)
    assert night.release_at(at(26, 22), SH) == at(27, 8)
    assert night.release_at(at(27, 3), SH) == at(27, 8)
    assert night.release_at(at(27, 8), SH) is None  # the end is not quiet
    lunch = QuietHours(time(12), time(14))
    assert lunch.release_at(at(26, 12, 30).astimezone(UTC), SH) == at(26, 14)
    assert lunch.release_at(at(26, 14, 30), SH) is None and lunch.release_at(at(26, 2), SH) is None


# -- holding and the digest ----------------------------------------------------------------


async def test_a_reminder_due_at_22_is_held_and_comes_in_the_08_digest(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    # A street light (48 h) reported Thursday 10:00: due Saturday 10:00, reminded 12 h before.
    card = await report(bot, RESIDENTS[0], "复兴南街路灯不亮了")
    assignee = card.chat_id
    start = await tick_at(bot, clock, at(27, 21, 59))
    assert texts(bot, assignee, start) == []
    start = await tick_at(bot, clock, at(27, 22))
    assert texts(bot, assignee, start) == []  # not at 22:00
    [row] = await held_rows(db_url)
    assert (row.kind, row.chat_id, row.released_at) == ("remind", assignee, None)
    start = await tick_at(bot, clock, at(28, 7, 59))
    assert texts(bot, assignee, start) == []
    start = await tick_at(bot, clock, at(28, 8))
    [digest] = texts(bot, assignee, start)
    assert digest.text.splitlines() == [
        HEADING,
        "• 提醒：#1（路灯不亮，复兴南街）的时限是 11月28日 10:00。",
    ]
    assert [b["text"] for b in digest.buttons()] == ["#1"]
    [row] = await held_rows(db_url)
    assert row.outcome == HeldOutcome.TOLD and row.outbox_id is not None
    start = await tick_at(bot, clock, at(28, 8, 1))
    assert texts(bot, assignee, start) == []  # told once
    # The button opens the case, with the assignee's buttons.
    [opened] = [
        r
        for r in await bot.exchange(bot.api.press_button(FakeUser(assignee, "x"), digest, "#1"))
        if r.method == "sendMessage"
    ]
    assert "#1" in opened.text and "✋ 接单" in [b["text"] for b in opened.buttons()]
    # Someone the case is nothing to cannot open it.
    [refused] = await bot.exchange(bot.api.press_button(RESIDENTS[2], digest, "#1"))
    assert refused.method == "answerCallbackQuery" and refused.params["show_alert"] is True


async def test_two_held_notices_become_one_digest(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    first = await report(bot, RESIDENTS[0], "复兴南街路灯不亮了")
    second = await report(bot, RESIDENTS[1], "复兴街路灯坏了，晚上一片黑")
    assert first.chat_id == second.chat_id
    await tick_at(bot, clock, at(27, 22))
    assert [r.kind for r in await held_rows(db_url)] == ["remind", "remind"]
    start = await tick_at(bot, clock, at(28, 8))
    [digest] = texts(bot, first.chat_id, start)
    assert digest.text.splitlines() == [
        HEADING,
        "• 提醒：#1（路灯不亮，复兴南街）的时限是 11月28日 10:00。",
        "• 提醒：#2（路灯不亮，复兴街）的时限是 11月28日 10:00。",
    ]
    assert [b["text"] for b in digest.buttons()] == ["#1", "#2"]


async def test_an_urgent_case_at_night_is_dispatched_and_escalated_at_once(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    clock.set(at(26, 23))
    card = await report(bot, RESIDENTS[0], "复兴南街井盖没了，很危险")
    assert card.text.startswith("新案件 #1")  # at 23:00, not in the morning
    start = await tick_at(bot, clock, at(27, 1, 1))  # two hours later: overdue
    [overdue] = texts(bot, card.chat_id, start)
    assert overdue.text.startswith("已超时：案件 #1")
    assert await held_rows(db_url) == []


async def test_a_new_case_at_night_waits_unless_its_deadline_comes_first(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    clock.set(at(26, 23))
    # A vendor (4 h) is due at 03:00: holding it until 08:00 would make it late.
    vendor = await report(bot, RESIDENTS[0], "复兴南街有人摆摊卖菜，路都堵了")
    assert vendor.text.startswith("新案件 #1") and vendor.chat_id == LIU.id
    # Rubbish (24 h) can wait for the morning: the resident is answered, nobody else woken.
    start = len(bot.api.requests)
    await bot.exchange(bot.api.send_text(RESIDENTS[1], "复兴街12号门口垃圾好几天没人清理了"))
    told = {r.chat_id for r in bot.api.requests[start:] if r.method == "sendMessage"}
    assert told == {RESIDENTS[1].id}
    kinds = sorted(r.kind for r in await held_rows(db_url))
    assert "dispatch" in kinds and all(k in ("dispatch", "copy", "group") for k in kinds)
    [dispatch] = [r for r in await held_rows(db_url) if r.kind == "dispatch"]
    start = await tick_at(bot, clock, at(27, 8))
    [digest] = texts(bot, dispatch.chat_id, start)
    assert digest.text.splitlines()[1] == (
        "• 派给您的新案件 #2（暴露垃圾，复兴街），时限 11月27日 23:00。"
    )
    [opened] = [
        r
        for r in await bot.exchange(
            bot.api.press_button(FakeUser(dispatch.chat_id, "x"), digest, "#2")
        )
        if r.method == "sendMessage"
    ]
    assert "✋ 接单" in [b["text"] for b in opened.buttons()]


async def test_a_held_notice_for_a_case_closed_before_morning_is_not_told(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    clock.set(at(26, 19))
    card = await report(bot, RESIDENTS[0], "复兴南街有人摆摊卖菜，路都堵了")  # due 23:00
    start = await tick_at(bot, clock, at(26, 22))
    assert texts(bot, LIU.id, start) == []
    assert [r.kind for r in await held_rows(db_url)] == ["remind"]
    clock.set(at(26, 22, 30))
    await bot.exchange(bot.api.press_button(LIU, card, "处置完成"))
    exchange = await bot.exchange(bot.api.send_text(LIU, "已劝离"))
    [verify] = [r for r in exchange if r.chat_id == RESIDENTS[0].id]
    await bot.exchange(bot.api.press_button(RESIDENTS[0], verify, "已解决"))
    start = await tick_at(bot, clock, at(27, 8))
    assert texts(bot, LIU.id, start) == []
    [row] = await held_rows(db_url)
    assert row.outcome == HeldOutcome.DROPPED


async def test_three_escalations_for_one_coordinator_in_one_pass_are_one_message(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    for resident, alley in zip(RESIDENTS, ["复兴南街", "复兴街", "海月巷"], strict=True):
        await report(bot, resident, f"{alley}有人摆摊卖菜，路都堵了")  # due 14:00
    # Down until 18:00: each case reaches the coordinators (the third step) in this pass.
    start = await tick_at(bot, clock, at(26, 18, 1))
    [one] = texts(bot, CHEN.id, start)
    assert one.text.splitlines()[0] == "3 件案件已超时："
    assert [line.split("（")[0] for line in one.text.splitlines()[1:]] == [
        "• 升级督办：#1",
        "• 升级督办：#2",
        "• 升级督办：#3",
    ]
    assert [b["text"] for b in one.buttons()] == ["#1", "#2", "#3"]
    assert len(texts(bot, WANG.id, start)) == 1  # the unit head too: one message
    start = await tick_at(bot, clock, at(26, 18, 2))
    assert texts(bot, CHEN.id, start) == []


async def test_a_reminder_and_an_escalation_carry_the_case_buttons(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    await report(bot, RESIDENTS[0], "复兴南街有人摆摊卖菜，路都堵了")  # due 14:00
    start = await tick_at(bot, clock, at(26, 13, 1))
    [remind] = texts(bot, LIU.id, start)
    assert remind.text.startswith("提醒：案件 #1")
    assert [b["text"] for b in remind.buttons()] == ["✋ 接单", "✅ 处置完成", "⏳ 延期", "↩️ 退回"]
    await tick_at(bot, clock, at(26, 14, 1))
    start = await tick_at(bot, clock, at(26, 16, 1))
    [head] = texts(bot, WANG.id, start)
    assert head.text.startswith("升级督办：案件 #1")
    assert "✋ 接单" in [b["text"] for b in head.buttons()]
    start = await tick_at(bot, clock, at(26, 18, 1))
    [coordinator] = texts(bot, CHEN.id, start)
    assert [b["callback_data"] for b in coordinator.buttons()] == [
        f"cs:t:{await case_id(db_url, 1)}"
    ]
    # The button works: the coordinator is offered the parties to give the case to.
    [parties] = [
        r
        for r in await bot.exchange(
            bot.api.press(CHEN, coordinator, coordinator.buttons()[0]["callback_data"])
        )
        if r.method == "sendMessage"
    ]
    assert "南星执法中队" in [b["text"] for b in parties.buttons()]


async def case_id(db_url: str, number: int) -> int:
    database = Database(db_url)
    try:
        async with database.session() as session:
            case = (await session.exec(select(Case).where(Case.number == number))).one()
            assert case.id is not None
            return case.id
    finally:
        await database.dispose()


async def test_a_restart_between_holding_and_the_digest_loses_nothing(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> None:
    for user in STAFF:
        api.open_chat(user)
    async with bot_running(db_url, api, clock=clock) as first:
        card = await report(first, RESIDENTS[0], "复兴南街路灯不亮了")
        await tick_at(first, clock, at(27, 22))
    assert [r.kind for r in await held_rows(db_url)] == ["remind"]
    async with bot_running(db_url, api, clock=clock) as second:  # a new process, same database
        start = await tick_at(second, clock, at(28, 8))
        [digest] = texts(second, card.chat_id, start)
        assert digest.text.splitlines()[0] == HEADING
        await tick_at(second, clock, at(28, 8, 1))
    [row] = await held_rows(db_url)
    assert row.outcome == HeldOutcome.TOLD
    assert len([r for r in api.requests if r.text.startswith(HEADING)]) == 1


async def test_a_held_new_case_whose_assignee_cannot_be_told_goes_to_the_coordinators(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    clock.set(at(26, 23))
    await bot.exchange(bot.api.send_text(RESIDENTS[0], "复兴街12号门口垃圾好几天没人清理了"))
    [dispatch] = [r for r in await held_rows(db_url) if r.kind == "dispatch"]
    bot.api.block(dispatch.chat_id)  # the assignee blocked the bot overnight
    start = await tick_at(bot, clock, at(27, 8))
    asked = [r for r in texts(bot, CHEN.id, start) if "需要人工分派" in r.text]
    assert len(asked) == 1 and asked[0].text.startswith("案件 #1（暴露垃圾，复兴街）需要人工分派")
