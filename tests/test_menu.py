"""/help and the command menu list only what the reader may use; a member reports on patrol
with /report. Over the fake Bot API, with the sample roster."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from fakegram import FakeBotApi, FakeUser, Recorded
from models.cases import Case, ReportDraft
from models.clock import ManualClock
from models.db import Database
from tests.harness import BotHarness, bot_running

RESIDENT = FakeUser(900001, "小王")
LIU = FakeUser(100011, "刘洋")  # enforcement liaison
CHEN = FakeUser(100001, "陈建国")  # street coordinator
LIN = FakeUser(100080, "林老伯")  # street chief of 复兴街 and 桥直巷


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    for user in (RESIDENT, LIU, CHEN, LIN):
        api.open_chat(user)
    async with bot_running(db_url, api, clock=clock) as harness:
        yield harness


def commands(text: str) -> list[str]:
    return [line.split(" ")[0] for line in text.splitlines() if line.startswith("/")]


def menus(bot: BotHarness) -> list[Recorded]:
    """The menus set for a chat of its own (the default ones are set at start-up)."""
    return [r for r in bot.api.sent("setMyCommands") if r.params.get("scope")]


def texts(records: list[Recorded], chat_id: int) -> list[str]:
    return [r.text for r in records if r.method == "sendMessage" and r.chat_id == chat_id]


async def test_help_lists_what_each_reader_may_use(bot: BotHarness) -> None:
    [resident] = texts(await bot.exchange(bot.api.send_command(RESIDENT, "/help")), RESIDENT.id)
    assert commands(resident) == ["/start", "/help", "/my", "/case", "/language"]
    [liaison] = texts(await bot.exchange(bot.api.send_command(LIU, "/help")), LIU.id)
    assert commands(liaison) == [
        *commands(resident),
        "/todo",
        "/report",
        "/me",
        "/meetings",
    ]
    assert "/report — 上报巡查发现的问题" in liaison
    [coordinator] = texts(await bot.exchange(bot.api.send_command(CHEN, "/help")), CHEN.id)
    assert commands(coordinator)[: len(commands(liaison))] == commands(liaison)
    assert "/triage" in commands(coordinator) and "/report — 受理来电来访反映的问题" in coordinator


async def test_each_member_gets_his_own_menu_once(bot: BotHarness) -> None:
    await bot.exchange(bot.api.send_command(RESIDENT, "/help"))
    assert not menus(bot)
    assert not [key for key in bot.api.commands if key.startswith("chat:")]

    await bot.exchange(bot.api.send_command(LIU, "/help"))
    [menu] = menus(bot)
    assert menu.params["scope"] == {"type": "chat", "chat_id": LIU.id}
    mine = bot.api.commands[f"chat:{LIU.id}:"]
    assert [c["command"] for c in mine][-4:] == ["todo", "report", "me", "meetings"]
    assert mine[5]["description"] == "我的待办案件，最紧急的在前"
    await bot.exchange(bot.api.send_command(LIU, "/todo"))
    assert len(menus(bot)) == 1  # set once, remembered

    # A new language: the menu follows it.
    [choice] = texts(await bot.exchange(bot.api.send_command(LIU, "/language")), LIU.id)
    language = bot.api.last("sendMessage", LIU.id)
    await bot.exchange(bot.api.press_button(LIU, language, "English"))
    assert len(menus(bot)) == 2
    mine = bot.api.commands[f"chat:{LIU.id}:"]
    assert mine[5]["description"] == "My open cases, most urgent first"
    assert choice


async def test_a_member_reports_on_patrol_with_report(bot: BotHarness, db_url: str) -> None:
    # A member's word that names no problem is a word, not a report: he is told of /report.
    [word] = texts(await bot.exchange(bot.api.send_text(LIN, "好的，明天上午去看看")), LIN.id)
    assert "不当作新的问题反映" in word and "/report" in word
    [prompt] = texts(await bot.exchange(bot.api.send_command(LIN, "/report")), LIN.id)
    assert prompt.startswith("请发送要上报的问题")
    [where] = texts(await bot.exchange(bot.api.send_text(LIN, "路灯又坏了，晚上黑乎乎的")), LIN.id)
    assert "哪里" in where or "哪条" in where
    [receipt] = texts(await bot.exchange(bot.api.send_text(LIN, "桥直巷")), LIN.id)
    assert receipt.startswith("已受理，案件编号 #1。") and "已标记为街长反映。" in receipt
    database = Database(db_url)
    try:
        async with database.session() as session:
            [case] = (await session.exec(select(Case))).all()
            assert case.reporter_telegram_id == LIN.id and case.reporter_role == "street_chief"
    finally:
        await database.dispose()


async def test_patrol_report_can_be_cancelled_and_residents_are_not_offered_it(
    bot: BotHarness, db_url: str
) -> None:
    await bot.exchange(bot.api.send_command(LIN, "/report"))
    prompt = bot.api.last("sendMessage", LIN.id)
    [cancelled] = [
        r
        for r in await bot.exchange(bot.api.press_button(LIN, prompt, "取消"))
        if r.method == "editMessageText"
    ]
    assert cancelled.text == "已取消，没有记录任何内容。"
    [refused] = texts(await bot.exchange(bot.api.send_command(RESIDENT, "/report")), RESIDENT.id)
    assert refused.startswith("抱歉")
    database = Database(db_url)
    try:
        async with database.session() as session:
            assert (await session.exec(select(ReportDraft))).all() == []
            assert (await session.exec(select(Case))).all() == []
    finally:
        await database.dispose()
