"""The reporter is kept informed, in his language: who has his case after a reassignment, a
postponement's new date and reason, an apology when it is overdue; never the staff's notes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from fakegram import FakeBotApi, FakeUser, Recorded
from models.clock import ManualClock
from scheduler.deadlines import run_once
from tests.harness import BotHarness, bot_running

RESIDENT = FakeUser(900001, "小王")
VISITOR = FakeUser(900003, "Anna", language_code="en")
LIU = FakeUser(100011, "刘洋")  # enforcement liaison, fuxing blocks
WANG = FakeUser(100010, "王强")  # enforcement unit head
SUN = FakeUser(100012, "孙磊")  # enforcement liaison
CHEN = FakeUser(100001, "陈建国")  # street coordinator
VENDOR = "复兴南街有人摆摊卖菜，路都堵了"


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    for user in (LIU, WANG, SUN, CHEN, RESIDENT, VISITOR):
        api.open_chat(user)
    async with bot_running(db_url, api, clock=clock) as harness:
        yield harness


def to(records: list[Recorded], chat_id: int) -> list[Recorded]:
    return [
        r
        for r in records
        if r.chat_id == chat_id and r.method in ("sendMessage", "editMessageText")
    ]


async def report(bot: BotHarness, who: FakeUser = RESIDENT) -> Recorded:
    [dispatch] = to(await bot.exchange(bot.api.send_text(who, VENDOR)), LIU.id)
    return dispatch


async def test_a_reassignment_names_the_new_unit_and_deadline_not_the_reason(
    bot: BotHarness,
) -> None:
    dispatch = await report(bot)
    [reasons] = to(await bot.exchange(bot.api.press_button(LIU, dispatch, "退回")), LIU.id)
    exchange = await bot.exchange(bot.api.press_button(LIU, reasons, "不在我们的负责区域"))
    assert not to(exchange, RESIDENT.id)  # a hand-back is the staff's business
    [triage] = to(exchange, CHEN.id)
    [parties] = to(await bot.exchange(bot.api.press_button(CHEN, triage, "分派")), CHEN.id)
    [people] = to(await bot.exchange(bot.api.press_button(CHEN, parties, "南星执法中队")), CHEN.id)
    exchange = await bot.exchange(bot.api.press_button(CHEN, people, "孙磊"))
    [told] = to(exchange, RESIDENT.id)
    assert (
        told.text == "您反映的案件 #1 现由南星执法中队 孙磊处理，预计 11月26日 14:00 前处理完毕。"
    )
    assert "负责区域" not in told.text


async def test_a_postponement_tells_the_new_date_and_reason_in_the_readers_language(
    bot: BotHarness,
) -> None:
    dispatch = await report(bot, VISITOR)
    [menu] = to(await bot.exchange(bot.api.press_button(LIU, dispatch, "延期")), LIU.id)
    await bot.exchange(bot.api.press_button(LIU, menu, "11月27日"))
    exchange = await bot.exchange(bot.api.send_text(LIU, "摊主答应明天搬走"))
    [told] = to(exchange, VISITOR.id)
    assert told.text == (
        "Your case #1 needs more time: it should now be handled by Nov 27 14:00. "
        "Reason given: 摊主答应明天搬走"
    )


async def test_an_approved_postponement_is_told_a_refused_one_is_not(bot: BotHarness) -> None:
    dispatch = await report(bot)
    for answer, reason in (("驳回", "等统一行动"), ("批准", "要等执法中队统一行动")):
        [menu] = to(await bot.exchange(bot.api.press_button(LIU, dispatch, "延期")), LIU.id)
        await bot.exchange(bot.api.press_button(LIU, menu, "12月7日"))
        exchange = await bot.exchange(bot.api.send_text(LIU, reason))
        assert not to(exchange, RESIDENT.id)  # asked, not yet decided
        [request] = to(exchange, CHEN.id)
        exchange = await bot.exchange(bot.api.press_button(CHEN, request, answer))
        told = to(exchange, RESIDENT.id)
        if answer == "驳回":
            assert told == []
        else:
            assert [t.text for t in told] == [
                "您反映的案件 #1 需要更多时间，现预计 12月7日 14:00 前处理完毕。"
                "原因：要等执法中队统一行动"
            ]


async def test_an_overdue_case_brings_the_reporter_one_apology(
    bot: BotHarness, clock: ManualClock
) -> None:
    await report(bot)  # due 14:00; the unit head hears at 16:00
    clock.advance(timedelta(hours=4, minutes=1))
    await bot.tick(run_once)
    assert not bot.api.sent("sendMessage", RESIDENT.id)[1:]  # only the receipt so far
    clock.advance(timedelta(hours=2))
    await bot.tick(run_once)
    [_receipt, sorry] = bot.api.sent("sendMessage", RESIDENT.id)
    assert sorry.text == (
        "很抱歉：您反映的案件 #1 原定 11月26日 14:00 前处理完毕，目前尚未完成。"
        "已升级督办，将尽快处理。"
    )
    clock.advance(timedelta(hours=2))
    await bot.tick(run_once)
    assert len(bot.api.sent("sendMessage", RESIDENT.id)) == 2  # once, not at every level
