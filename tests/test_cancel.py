"""Cancelling works in every dialogue: the hand-back reasons and the typed reason, the
postponement dates and its reason, the photo or note after Done, the minutes, the meeting
settings, a staff report. The "✖️ Cancel" button and a cancel word typed alone each drop the
question, say so, and change nothing else; someone else's (forged) or a stale cancel is
refused and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlmodel import col, func, select

from fakegram import FakeBotApi, FakeUser, Recorded
from models.cases import Case, CaseEvent, CaseState, PendingInput, ReportDraft
from models.clock import ManualClock
from models.db import Database
from models.meetings import ActionItem, MeetingSeries
from tests.harness import BotHarness, bot_running

RESIDENT = FakeUser(900001, "小王")
LIU = FakeUser(100011, "刘洋")  # enforcement liaison: the vendor case goes to him
CHEN = FakeUser(100001, "陈建国")  # street coordinator
CANCEL = "✖️"
CANCELLED = "已取消，案件 #1 未作任何改动。"
NOTHING_CHANGED = "已取消，未作任何改动。"
STALE = "这个按钮已失效。"


@dataclass(frozen=True)
class Snapshot:
    cases: tuple[tuple[str, str | None], ...]  # state, due
    events: int
    pending: int
    items: int
    series: tuple[tuple[str, str | None], ...]  # rule, place
    drafts: int


async def snapshot(db_url: str) -> Snapshot:
    database = Database(db_url)

    async def count(table: type) -> int:
        return int((await session.exec(select(func.count()).select_from(table))).one())

    try:
        async with database.session() as session:
            cases = await session.exec(select(Case).order_by(col(Case.id)))
            series = await session.exec(select(MeetingSeries).order_by(col(MeetingSeries.id)))
            return Snapshot(
                tuple((str(c.state), str(c.due_at)) for c in cases),
                await count(CaseEvent),
                await count(PendingInput),
                await count(ActionItem),
                tuple((s.rrule, s.place) for s in series),
                await count(ReportDraft),
            )
    finally:
        await database.dispose()


async def pending_of(db_url: str, telegram_id: int) -> tuple[str, int | None] | None:
    database = Database(db_url)
    try:
        async with database.session() as session:
            pending = await session.get(PendingInput, telegram_id)
            return (pending.kind, pending.case_id) if pending else None
    finally:
        await database.dispose()


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    for user in (LIU, CHEN):
        api.open_chat(user)
    async with bot_running(db_url, api, clock=clock) as harness:
        yield harness


def to(records: list[Recorded], chat_id: int) -> list[Recorded]:
    return [
        r
        for r in records
        if r.chat_id == chat_id and r.method in ("sendMessage", "editMessageText")
    ]


async def dispatched(bot: BotHarness) -> Recorded:
    exchange = await bot.exchange(bot.api.send_text(RESIDENT, "复兴南街有人摆摊卖菜，路都堵了"))
    [card] = to(exchange, LIU.id)
    return card


async def ask(bot: BotHarness, user: FakeUser, message: Recorded, label: str) -> Recorded:
    """Press `label` on `message`: the question it brings (a new message or the edited one)."""
    [question] = to(await bot.exchange(bot.api.press_button(user, message, label)), user.id)
    return question


async def cancel_by_button(bot: BotHarness, user: FakeUser, question: Recorded) -> Recorded:
    assert [b["text"] for b in question.buttons()][-1] in ("✖️ 取消", "✖️ Cancel")
    exchange = await bot.exchange(bot.api.press_button(user, question, CANCEL))
    assert [r.params.get("text") for r in exchange if r.method == "answerCallbackQuery"] == [None]
    [edited] = to(exchange, user.id)
    assert edited.method == "editMessageText"
    assert not edited.buttons()  # the question is gone, and its buttons with it
    return edited


async def cancel_by_word(bot: BotHarness, user: FakeUser, word: str) -> str:
    [reply] = await bot.replies(bot.api.send_text(user, word), user.id)
    return reply.text


# The assignee's questions ----------------------------------------------------------------


async def test_hand_back_cancelled_at_the_reasons_and_at_the_typed_reason(
    bot: BotHarness, db_url: str
) -> None:
    card = await dispatched(bot)
    before = await snapshot(db_url)
    reasons = await ask(bot, LIU, card, "退回")
    assert reasons.text == "为什么案件 #1 不属于你们？"
    assert (await cancel_by_button(bot, LIU, reasons)).text == CANCELLED
    assert await snapshot(db_url) == before

    reasons = await ask(bot, LIU, card, "退回")
    typed = await ask(bot, LIU, reasons, "其他原因")
    assert typed.text == "案件 #1：请用一条消息写明原因。"  # names its case
    assert await pending_of(db_url, LIU.id) == ("hand_back", 1)
    assert (await cancel_by_button(bot, LIU, typed)).text == CANCELLED
    assert await snapshot(db_url) == before

    reasons = await ask(bot, LIU, card, "退回")
    await ask(bot, LIU, reasons, "其他原因")
    assert await cancel_by_word(bot, LIU, "算了") == CANCELLED
    assert await snapshot(db_url) == before
    # What he says next is no reason: the case stays his.
    await bot.exchange(bot.api.send_text(LIU, "这是菜场的固定摊位，归市场管理"))
    after = await snapshot(db_url)
    assert after.cases == before.cases and after.events == before.events
    assert after.cases[0][0] == CaseState.DISPATCHED


async def test_postponement_cancelled_at_the_dates_and_at_the_reason(
    bot: BotHarness, db_url: str
) -> None:
    card = await dispatched(bot)
    before = await snapshot(db_url)
    dates = await ask(bot, LIU, card, "延期")
    assert (await cancel_by_button(bot, LIU, dates)).text == CANCELLED
    assert await snapshot(db_url) == before

    dates = await ask(bot, LIU, card, "延期")
    reason = await ask(bot, LIU, dates, "11月27日")
    assert reason.text == "案件 #1：为什么需要延期？请写明原因。"
    assert (await cancel_by_button(bot, LIU, reason)).text == CANCELLED
    assert await snapshot(db_url) == before

    dates = await ask(bot, LIU, card, "延期")
    await ask(bot, LIU, dates, "11月27日")
    assert await cancel_by_word(bot, LIU, "取消") == CANCELLED
    assert await snapshot(db_url) == before  # the due date too


async def test_done_cancelled_before_the_photo_or_note(bot: BotHarness, db_url: str) -> None:
    card = await dispatched(bot)
    before = await snapshot(db_url)
    question = await ask(bot, LIU, card, "处置完成")
    assert question.text.startswith("案件 #1：请发送处置后的照片")
    assert (await cancel_by_button(bot, LIU, question)).text == CANCELLED
    assert await snapshot(db_url) == before

    await ask(bot, LIU, card, "处置完成")
    assert await cancel_by_word(bot, LIU, "不用了！") == CANCELLED
    assert await snapshot(db_url) == before
    # The button of an answered (here: cancelled) question is stale.
    [stale] = await bot.exchange(bot.api.press_button(LIU, question, CANCEL))
    assert (stale.params["text"], stale.params["show_alert"]) == (STALE, True)
    assert await snapshot(db_url) == before


async def test_english_reads_english_and_cancel_is_a_cancel_word(
    bot: BotHarness, db_url: str
) -> None:
    card = await dispatched(bot)
    [chosen] = await bot.replies(bot.api.send_command(LIU, "/language"), LIU.id)
    await bot.exchange(bot.api.press_button(LIU, chosen, "English"))
    before = await snapshot(db_url)
    await ask(bot, LIU, card, "处置完成")
    assert await cancel_by_word(bot, LIU, "Cancel") == "Cancelled; case #1 is unchanged."
    assert await snapshot(db_url) == before


async def test_someone_elses_or_a_forged_cancel_is_refused(bot: BotHarness, db_url: str) -> None:
    card = await dispatched(bot)
    question = await ask(bot, LIU, card, "处置完成")
    reasons = await ask(bot, LIU, card, "退回")  # the menu; his question stays open
    before = await snapshot(db_url)
    assert await pending_of(db_url, LIU.id) == ("finish", 1)
    [mine] = [b["callback_data"] for b in question.buttons()]
    [menu] = [b["callback_data"] for b in reasons.buttons() if b["text"].startswith(CANCEL)]
    assert (mine, menu) == ("qx:finish:1", "qx:hand_back:1:m")
    # The coordinator presses the liaison's cancel: it is not his question.
    [refused] = await bot.exchange(bot.api.press(CHEN, question, mine))
    assert (refused.params["text"], refused.params["show_alert"]) == (STALE, True)
    # A resident presses the menu's: he may not act on the case.
    [refused] = await bot.exchange(bot.api.press(RESIDENT, reasons, menu))
    assert refused.params["show_alert"] is True and refused.params["text"] != STALE
    for data in ("qx:finish:１", "qx:finish:2", "qx:nope:1", "qx:finish:1:m", "qx:finish:1:x"):
        [refused] = await bot.exchange(bot.api.press(LIU, question, data))
        assert (refused.params["text"], refused.params["show_alert"]) == (STALE, True), data
    assert await snapshot(db_url) == before
    assert await pending_of(db_url, LIU.id) == ("finish", 1)  # still his, still open
    # And his own question still takes his answer.
    await bot.exchange(bot.api.send_text(LIU, "已劝离"))
    after = await snapshot(db_url)
    assert after.cases[0][0] == CaseState.DONE


# The meetings' questions -----------------------------------------------------------------


async def test_minutes_cancelled_at_the_decision_and_at_its_owner(
    bot: BotHarness, db_url: str
) -> None:
    before = await snapshot(db_url)
    [listing] = await bot.replies(bot.api.send_command(CHEN, "/meetings"), CHEN.id)
    [question] = await bot.replies(bot.api.press_button(CHEN, listing, "纪要"), CHEN.id)
    assert (await cancel_by_button(bot, CHEN, question)).text == NOTHING_CHANGED
    assert await snapshot(db_url) == before

    await bot.replies(bot.api.press_button(CHEN, listing, "纪要"))
    assert await cancel_by_word(bot, CHEN, "算了") == NOTHING_CHANGED
    assert await snapshot(db_url) == before

    # The decision typed, then dropped while its owner is chosen, or its date.
    await bot.replies(bot.api.press_button(CHEN, listing, "纪要"))
    [owners] = await bot.replies(bot.api.send_text(CHEN, "清理复兴街堆物"), CHEN.id)
    assert (await snapshot(db_url)).items == 1
    # Someone else may not drop it.
    data = [b["callback_data"] for b in owners.buttons()][-1]
    [refused] = await bot.exchange(bot.api.press(LIU, owners, data))
    assert refused.params["show_alert"] is True
    assert (await cancel_by_button(bot, CHEN, owners)).text == NOTHING_CHANGED
    assert await snapshot(db_url) == before
    await bot.replies(bot.api.press_button(CHEN, listing, "纪要"))
    [owners] = await bot.replies(bot.api.send_text(CHEN, "清理复兴街堆物"), CHEN.id)
    [dates] = await bot.replies(bot.api.press_button(CHEN, owners, "南星环卫所"), CHEN.id)
    assert (await cancel_by_button(bot, CHEN, dates)).text == NOTHING_CHANGED
    assert await snapshot(db_url) == before


async def test_meeting_settings_cancelled(bot: BotHarness, db_url: str) -> None:
    before = await snapshot(db_url)
    [listing] = await bot.replies(bot.api.send_command(CHEN, "/meetings"), CHEN.id)
    [series] = await bot.replies(bot.api.press_button(CHEN, listing, "例会设置"), CHEN.id)
    [rule] = await bot.replies(bot.api.press_button(CHEN, series, "复兴社区周会：时间规则"))
    assert (await cancel_by_button(bot, CHEN, rule)).text == NOTHING_CHANGED
    assert await snapshot(db_url) == before

    await bot.replies(bot.api.press_button(CHEN, series, "复兴社区周会：地点"))
    assert await cancel_by_word(bot, CHEN, "cancel") == NOTHING_CHANGED
    assert await snapshot(db_url) == before

    # A refused rule is asked again, with its cancel.
    [pattern] = await bot.replies(bot.api.press_button(CHEN, series, "复兴社区周会：时间规则"))
    await bot.replies(bot.api.press_button(CHEN, pattern, "高级"))
    [again] = await bot.replies(bot.api.send_text(CHEN, "EVERY WEEK"), CHEN.id)
    assert again.text.startswith("这个规则不可用")
    assert (await cancel_by_button(bot, CHEN, again)).text == NOTHING_CHANGED
    [new] = await bot.replies(bot.api.press_button(CHEN, series, "新建例会"), CHEN.id)
    [question] = await bot.replies(bot.api.press_button(CHEN, new, "水澄桥社区周会"), CHEN.id)
    assert (await cancel_by_button(bot, CHEN, question)).text == NOTHING_CHANGED
    assert await snapshot(db_url) == before

    # The schedule's buttons: the typed time and the confirmation are cancelled alike.
    [pattern] = await bot.replies(bot.api.press_button(CHEN, series, "复兴社区周会：时间规则"))
    [days] = await bot.replies(bot.api.press_button(CHEN, pattern, "每月X日"))
    [times] = await bot.replies(bot.api.press_button(CHEN, days, "20"))
    await bot.replies(bot.api.press_button(CHEN, times, "输入其他时间"))
    assert await cancel_by_word(bot, CHEN, "算了") == NOTHING_CHANGED
    [confirm] = await bot.replies(bot.api.press_button(CHEN, times, "10:00"))
    assert (await cancel_by_button(bot, CHEN, confirm)).text == NOTHING_CHANGED
    assert await snapshot(db_url) == before


# A staff report -----------------------------------------------------------------------------


@pytest.mark.parametrize("step", ["channel", "name", "phone"])
async def test_staff_report_cancelled_by_a_word_at_each_step(
    bot: BotHarness, db_url: str, step: str
) -> None:
    before = await snapshot(db_url)
    [question] = to(await bot.exchange(bot.api.send_command(CHEN, "/report")), CHEN.id)
    if step != "channel":
        await bot.exchange(bot.api.press_button(CHEN, question, "电话"))
    if step == "phone":
        await bot.exchange(bot.api.send_text(CHEN, "张阿姨"))
    assert await cancel_by_word(bot, CHEN, "取消") == "已取消，没有记录任何内容。"
    assert await snapshot(db_url) == before
    # The next words are no caller's name: a report (or a word) of his own.
    await bot.exchange(bot.api.send_text(CHEN, "张阿姨"))
    assert (await snapshot(db_url)).pending == 0
