"""Postponing a case to a date typed freely, over the fake Bot API: "📅 另选日期…" in the
postponement menu, the date read back to be confirmed, then the reason as after a day
button; within the category's limit applied at once, past it a coordinator asked. Dates
that cannot be one are refused in a sentence and the question stays open; a confirmation
that is forged, someone else's, superseded or overtaken by the case changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from fakegram import FakeBotApi, FakeUser, Recorded
from models.cases import CaseState
from models.clock import ManualClock
from tests.harness import T0, BotHarness, bot_running
from tests.test_cancel import (
    CANCELLED,
    STALE,
    cancel_by_button,
    cancel_by_word,
    dispatched,
    pending_of,
    snapshot,
    to,
)
from tests.test_lifecycle_flow import one_case

RESIDENT = FakeUser(900001, "小王")
LIU = FakeUser(100011, "刘洋")  # enforcement liaison: the vendor case goes to him
WANG = FakeUser(100010, "王强")  # his unit head
CHEN = FakeUser(100001, "陈建国")  # street coordinator
# The vendor case is due Thursday 11-26 14:00 (T0 + 4 h); one working day more, Friday
# 14:00, needs nobody's approval.
DUE = T0 + timedelta(hours=4)
MOVED_ON = "这一步已经完成，或案件已进入下一环节。"
EXAMPLES = "请重新输入日期。可以这样写：明天下午3点、12月10日 15:00、下周一 9:30。"


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    for user in (LIU, WANG, CHEN):
        api.open_chat(user)
    async with bot_running(db_url, api, clock=clock) as harness:
        yield harness


def labels(message: Recorded) -> list[str]:
    return [b["text"] for b in message.buttons()]


async def press(bot: BotHarness, user: FakeUser, message: Recorded, label: str) -> Recorded:
    [reply] = to(await bot.exchange(bot.api.press_button(user, message, label)), user.id)
    return reply


async def say(bot: BotHarness, user: FakeUser, text: str) -> Recorded:
    [reply] = await bot.replies(bot.api.send_text(user, text), user.id)
    return reply


async def date_question(bot: BotHarness, user: FakeUser, card: Recorded) -> Recorded:
    menu = await press(bot, user, card, "延期")
    assert labels(menu)[-2:] == ["📅 另选日期…", "✖️ 取消"]
    question = await press(bot, user, menu, "另选日期")
    assert question.method == "editMessageText"  # the menu becomes the question
    assert question.text == (
        "案件 #1 延期到什么时候？请直接输入新的期限，例如：12月10日下午3点、明天下午三点、"
        "下周一 9:30。只写日期不写时间的，按当天下班时间 18:00 计。"
    )
    assert labels(question) == ["✖️ 取消"]
    return question


async def test_a_typed_date_within_the_limit_is_confirmed_then_applied(
    bot: BotHarness, db_url: str
) -> None:
    card = await dispatched(bot)
    await date_question(bot, LIU, card)
    confirmation = await say(bot, LIU, "明天上午11点")
    assert confirmation.text == "新的期限：11月27日（周五）11:00，确认吗？"
    assert labels(confirmation) == ["✅ 确认", "✏️ 重新输入", "✖️ 取消"]
    assert await pending_of(db_url, LIU.id) == ("postpone_confirm", 1)
    case, _ = await one_case(db_url)
    assert case.due_at == DUE  # nothing changes before the reason

    reason = await press(bot, LIU, confirmation, "确认")
    assert reason.text == "案件 #1：为什么需要延期？请写明原因。"
    done = await say(bot, LIU, "摊主答应明天上午搬走")
    assert done.text == "案件 #1 的时限已延至 11月27日 11:00。"
    case, events = await one_case(db_url)
    assert case.due_at == T0 + timedelta(days=1, hours=1)
    assert events[-1].action == "postpone" and events[-1].note == "摊主答应明天上午搬走"
    assert datetime.fromisoformat(events[-1].data["to"]) == case.due_at
    assert datetime.fromisoformat(events[-1].data["from"]) == DUE
    assert await pending_of(db_url, LIU.id) is None


async def test_a_typed_date_past_the_limit_asks_the_coordinator(
    bot: BotHarness, db_url: str
) -> None:
    card = await dispatched(bot)
    await date_question(bot, LIU, card)
    # A day without a time: the end of that working day, said so.
    first = await say(bot, LIU, "下周三")
    assert first.text == (
        "新的期限：12月2日（周三）18:00（未写时间，按当天下班时间计），确认吗？\n"
        "这超过了该类别的期限，确认并写明原因后，需协调员审批。"
    )
    again = await press(bot, LIU, first, "重新输入")
    assert again.text.startswith("案件 #1 延期到什么时候？")
    confirmation = await say(bot, LIU, "12月10日下午3点")
    assert confirmation.text.startswith("新的期限：12月10日（周四）15:00，确认吗？\n")
    # The first confirmation's button named another date: stale now.
    [stale] = await bot.exchange(bot.api.press_button(LIU, first, "确认"))
    assert (stale.params["text"], stale.params["show_alert"]) == (STALE, True)

    await press(bot, LIU, confirmation, "确认")
    exchange = await bot.exchange(bot.api.send_text(LIU, "要等执法中队统一行动"))
    assert to(exchange, LIU.id)[0].text == "超过了该类别的期限，已请协调员审批。"
    [request] = to(exchange, CHEN.id)
    assert request.text.startswith("案件 #1 申请延期：从 11月26日 14:00 延至 12月10日 15:00。")
    case, events = await one_case(db_url)
    assert case.due_at == DUE
    assert events[-1].action == "postpone_request"
    await bot.exchange(bot.api.press_button(CHEN, request, "批准"))
    case, _ = await one_case(db_url)
    assert case.due_at == datetime(2026, 12, 10, 7, 0, tzinfo=DUE.tzinfo)  # 15:00 in Shanghai


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("随便", "没能从“随便”里看出日期。"),
        ("abc", "没能从“abc”里看出日期。"),
        ("2月30日 10:00", "读到了时间10:00，但日期不存在。"),
        ("11月25日 10:00", "11月25日（周三）10:00已经过去了。"),
        ("今天下午1点", "11月26日（周四）13:00不晚于现在的期限 11月26日（周四）14:00。"),
        ("2027-06-01", "6月1日（周二）18:00离现在超过 90 天，延期不能这么远。"),
    ],
)
async def test_dates_that_cannot_be_the_deadline_are_refused_and_asked_again(
    bot: BotHarness, db_url: str, typed: str, said: str
) -> None:
    card = await dispatched(bot)
    await date_question(bot, LIU, card)
    before = await snapshot(db_url)
    refusal = await say(bot, LIU, typed)
    assert refusal.text == said + EXAMPLES
    assert labels(refusal) == ["✖️ 取消"]
    assert await pending_of(db_url, LIU.id) == ("postpone_date", 1)  # still open
    assert await snapshot(db_url) == before
    # Still the question: a good date now is read and shown to be confirmed.
    assert (await say(bot, LIU, "明天上午11点")).text.startswith("新的期限：11月27日")


async def test_cancelled_at_the_date_and_at_the_confirmation(bot: BotHarness, db_url: str) -> None:
    card = await dispatched(bot)
    before = await snapshot(db_url)
    question = await date_question(bot, LIU, card)
    assert (await cancel_by_button(bot, LIU, question)).text == CANCELLED
    await date_question(bot, LIU, card)
    assert await cancel_by_word(bot, LIU, "取消") == CANCELLED
    await date_question(bot, LIU, card)
    confirmation = await say(bot, LIU, "明天上午11点")
    assert (await cancel_by_button(bot, LIU, confirmation)).text == CANCELLED
    await date_question(bot, LIU, card)
    await say(bot, LIU, "明天上午11点")
    assert await cancel_by_word(bot, LIU, "算了") == CANCELLED
    assert await snapshot(db_url) == before
    # Words that are no date leave a confirmation as it was.
    await date_question(bot, LIU, card)
    confirmation = await say(bot, LIU, "明天上午11点")
    assert (await say(bot, LIU, "好的")).text == (
        "请点上面的“确认”或“重新输入”，也可以直接输入另一个日期。"
    )
    assert (await press(bot, LIU, confirmation, "确认")).text.startswith("案件 #1：为什么")


async def test_a_forged_foreign_or_overtaken_confirmation_changes_nothing(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    card = await dispatched(bot)
    await date_question(bot, LIU, card)
    confirmation = await say(bot, LIU, "明天上午11点")
    [confirm_data] = [b["callback_data"] for b in confirmation.buttons() if "确认" in b["text"]]
    before = await snapshot(db_url)
    # Someone else pressing it (even a coordinator), another stamp, another case, a shape
    # no button has: the polite refusal, and nothing changes.
    for user, data in (
        (CHEN, confirm_data),
        (WANG, confirm_data),
        (LIU, "cs:Pc:1:1700000000"),
        (LIU, confirm_data.replace("cs:Pc:1:", "cs:Pc:2:")),
        (LIU, "cs:Pc:1:y"),
        (RESIDENT, "cs:Pt:1"),
    ):
        exchange = await bot.exchange(bot.api.press(user, confirmation, data))
        assert [r.method for r in exchange] == ["answerCallbackQuery"], data
        assert exchange[0].params["show_alert"] is True
    assert await snapshot(db_url) == before
    assert await pending_of(db_url, LIU.id) == ("postpone_confirm", 1)

    # Meanwhile his unit head postpones it by a day button: LIU's date no longer applies.
    menu = await press(bot, WANG, card, "延期")
    await press(bot, WANG, menu, "11月27日")
    await say(bot, WANG, "中队明天统一清理")
    after_wang = await snapshot(db_url)
    exchange = await bot.exchange(bot.api.press_button(LIU, confirmation, "确认"))
    alerts = [r for r in exchange if r.method == "answerCallbackQuery"]
    assert (alerts[0].params["text"], alerts[0].params["show_alert"]) == (MOVED_ON, True)
    assert [r.text for r in to(exchange, LIU.id)] == [MOVED_ON]
    assert await pending_of(db_url, LIU.id) is None  # his dead question is dropped
    now = await snapshot(db_url)
    assert (now.cases, now.events) == (after_wang.cases, after_wang.events)

    # A confirmation left open until the case was finished: refused, nothing changes.
    await date_question(bot, LIU, card)
    confirmation = await say(bot, LIU, "11月30日上午10点")
    [done] = to(await bot.exchange(bot.api.press_button(WANG, card, "处置完成")), WANG.id)
    await say(bot, WANG, "已清理完毕")
    case, _ = await one_case(db_url)
    assert case.state != CaseState.DISPATCHED
    finished = await snapshot(db_url)
    exchange = await bot.exchange(bot.api.press_button(LIU, confirmation, "确认"))
    [refused] = [r for r in exchange if r.method == "answerCallbackQuery"]
    assert (refused.params["text"], refused.params["show_alert"]) == (MOVED_ON, True)
    now = await snapshot(db_url)
    assert (now.cases, now.events) == (finished.cases, finished.events)
    assert await pending_of(db_url, LIU.id) is None  # his dead question is dropped
    assert done.text.startswith("案件 #1")
