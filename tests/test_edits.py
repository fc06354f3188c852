"""Editing a sent message (Telegram's edited_message) is never a second report."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, select

from fakegram import FakeBotApi, FakeUser
from models.cases import Case, CaseEvent, ReportDraft
from models.clock import ManualClock
from models.db import Database
from tests.harness import BotHarness, bot_running

RESIDENT = FakeUser(900001, "小王")
LIU = FakeUser(100011, "刘洋")  # enforcement liaison, fuxing blocks


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    api.open_chat(LIU)
    async with bot_running(db_url, api, clock=clock) as harness:
        yield harness


async def stored(db_url: str) -> tuple[list[Case], list[CaseEvent], list[ReportDraft]]:
    database = Database(db_url)
    try:
        async with database.session() as session:
            cases = list(await session.exec(select(Case).order_by(col(Case.id))))
            events = list(await session.exec(select(CaseEvent).order_by(col(CaseEvent.id))))
            drafts = list(await session.exec(select(ReportDraft)))
            return cases, events, drafts
    finally:
        await database.dispose()


async def test_an_edit_of_a_reported_message_updates_its_case(bot: BotHarness, db_url: str) -> None:
    await bot.exchange(bot.api.send_text(RESIDENT, "复兴南街有人摆摊卖菜，路都堵了"))
    exchange = await bot.exchange(bot.api.edit_text(RESIDENT, "复兴南街有人摆摊卖水果，路都堵了"))
    assert [(r.chat_id, r.text) for r in exchange if r.method == "sendMessage"] == [
        (RESIDENT.id, "已记下：案件 #1 已按您修改后的内容更新。")
    ]
    [case], events, _drafts = await stored(db_url)
    assert case.text == "复兴南街有人摆摊卖水果，路都堵了"
    edit = events[-1]
    assert (edit.action, edit.from_state, edit.to_state) == ("edit", "dispatched", "dispatched")
    assert (edit.actor_telegram_id, edit.note) == (RESIDENT.id, "复兴南街有人摆摊卖水果，路都堵了")
    assert edit.data["before"] == "复兴南街有人摆摊卖菜，路都堵了"

    # Edited again: the case follows the latest text; still one case.
    await bot.exchange(bot.api.edit_text(RESIDENT, "复兴南街有人摆摊卖早点，路都堵了"))
    [case], events, _drafts = await stored(db_url)
    assert case.text == "复兴南街有人摆摊卖早点，路都堵了"
    assert [e.action for e in events].count("edit") == 2


async def test_an_edit_of_a_draft_message_updates_the_draft(bot: BotHarness, db_url: str) -> None:
    [ask] = await bot.replies(bot.api.send_text(RESIDENT, "路灯不亮了，晚上很黑"))
    assert ask.text.startswith("在哪里？")
    [noted] = await bot.replies(bot.api.edit_text(RESIDENT, "路灯坏了好几天，晚上很黑"))
    assert noted.text == "已记下：您的报告已按修改后的内容更新。"
    cases, _events, [draft] = await stored(db_url)
    assert cases == [] and draft.text == "路灯坏了好几天，晚上很黑"
    replies = await bot.replies(bot.api.send_text(RESIDENT, "桥直巷"), RESIDENT.id)
    assert replies[0].text.startswith("已受理，案件编号 #1。")
    [case], _events, _drafts = await stored(db_url)
    assert case.text == "路灯坏了好几天，晚上很黑\n桥直巷"


async def test_other_edits_change_nothing(bot: BotHarness, db_url: str) -> None:
    await bot.exchange(bot.api.send_command(RESIDENT, "/help"))
    [word] = await bot.replies(bot.api.edit_text(RESIDENT, "复兴南街有人摆摊卖菜，路都堵了"))
    assert word.text == "我不会读取对之前消息的修改，请发一条新消息。"
    cases, _events, drafts = await stored(db_url)
    assert cases == [] and drafts == []
