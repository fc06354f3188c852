"""What handlers know of a reporter: the name hidden after the dispatch went out corrects the
card; the phone reaches the handler only with the reporter's leave. Over the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select

import fakegram
from fakegram import FakeBotApi, FakeUser, Recorded
from models.cases import Case
from models.clock import ManualClock
from models.db import Database
from models.users import TelegramUser
from tests.harness import BotHarness, bot_running

FENG = FakeUser(100021, "冯军")  # sanitation liaison, 复兴社区
RESIDENT = FakeUser(900001, "小王")
OTHER = FakeUser(900002, "小李")
REPORT = "复兴街12号门口垃圾没人清理"


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    for user in (FENG, RESIDENT, OTHER):
        api.open_chat(user)
    async with bot_running(db_url, api, clock=clock) as harness:
        yield harness


async def the_case(db_url: str) -> tuple[Case, TelegramUser | None]:
    database = Database(db_url)
    try:
        async with database.session() as session:
            [case] = (await session.exec(select(Case))).all()
            return case, await session.get(TelegramUser, RESIDENT.id)
    finally:
        await database.dispose()


async def report(bot: BotHarness) -> tuple[Recorded, Recorded]:
    """The resident's receipt and the liaison's card."""
    exchange = await bot.exchange(bot.api.send_text(RESIDENT, REPORT))
    [receipt] = [r for r in exchange if r.chat_id == RESIDENT.id and r.method == "sendMessage"]
    [card] = [r for r in exchange if r.chat_id == FENG.id and r.method == "sendMessage"]
    return receipt, card


def edits(records: list[Recorded], chat_id: int) -> list[Recorded]:
    return [r for r in records if r.method == "editMessageText" and r.chat_id == chat_id]


def alerts(records: list[Recorded]) -> list[str]:
    return [r.params.get("text", "") for r in records if r.method == "answerCallbackQuery"]


async def test_hiding_the_name_after_the_dispatch_corrects_the_card(
    bot: BotHarness, db_url: str
) -> None:
    receipt, card = await report(bot)
    assert "反映人：小王" in card.text
    assert [b["text"] for b in receipt.buttons()] == [
        "🙈 不向处理人员透露我的身份",
        "📞 处理人员可以打电话给我",
    ]

    exchange = await bot.exchange(bot.api.press_button(RESIDENT, receipt, "🙈"))
    [corrected] = edits(exchange, FENG.id)
    assert corrected.params["message_id"] == card.result["message_id"]
    assert "小王" not in corrected.text and "反映人：匿名" in corrected.text
    assert [b["text"] for b in corrected.buttons()] == [b["text"] for b in card.buttons()]
    assert any("已更正" in text for text in alerts(exchange))
    case, _user = await the_case(db_url)
    assert case.anonymous and not case.contact_allowed
    # The receipt offers nothing more: a hidden reporter is not to be called either.
    [markup] = [r for r in exchange if r.method == "editMessageReplyMarkup"]
    assert not markup.params.get("reply_markup")


async def test_a_card_not_yet_sent_goes_out_corrected(bot: BotHarness, db_url: str) -> None:
    bot.api.inject(fakegram.ServerError(502), method="sendMessage", chat_id=FENG.id)
    exchange = await bot.exchange(bot.api.send_text(RESIDENT, REPORT))
    [receipt] = [r for r in exchange if r.chat_id == RESIDENT.id and r.method == "sendMessage"]
    assert bot.api.faults_hit == 1

    exchange = await bot.exchange(bot.api.press_button(RESIDENT, receipt, "🙈"))
    assert not edits(exchange, FENG.id)  # nothing of it reached him: nothing to edit
    clock = bot.app.services.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=10))
    bot.app.services.poke_sender()
    await bot.settle()
    [card] = [
        r for r in bot.api.sent("sendMessage", FENG.id) if not isinstance(r.result, Exception)
    ]
    assert "小王" not in card.text and "反映人：匿名" in card.text


async def test_the_phone_reaches_the_handler_only_when_allowed(
    bot: BotHarness, db_url: str
) -> None:
    # A number shared with no case asking for it is not kept.
    exchange = await bot.exchange(bot.api.send_contact(RESIDENT, "13800138000"))
    [answer] = [r.text for r in exchange if r.method == "sendMessage"]
    assert "没有保存" in answer
    receipt, card = await report(bot)
    assert "13800138000" not in card.text
    _case, user = await the_case(db_url)
    assert user is not None and user.phone is None

    exchange = await bot.exchange(bot.api.press_button(RESIDENT, receipt, "📞"))
    [ask] = [r for r in exchange if r.method == "sendMessage" and r.chat_id == RESIDENT.id]
    assert "分享" in ask.text
    assert ask.params["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    assert not edits(exchange, FENG.id)  # no number yet: the card stays as it was

    exchange = await bot.exchange(bot.api.send_contact(RESIDENT, "13800138000"))
    [corrected] = edits(exchange, FENG.id)
    assert "13800138000" in corrected.text and "小王" in corrected.text
    [thanks] = [r for r in exchange if r.method == "sendMessage" and r.chat_id == RESIDENT.id]
    assert "#1" in thanks.text
    case, user = await the_case(db_url)
    assert case.contact_allowed and user is not None and user.phone == "13800138000"

    # Hiding the name afterwards takes the number away too.
    exchange = await bot.exchange(bot.api.press_button(RESIDENT, receipt, "🙈"))
    [hidden] = edits(exchange, FENG.id)
    assert "13800138000" not in hidden.text and "小王" not in hidden.text


async def test_only_the_reporter_decides(bot: BotHarness, db_url: str) -> None:
    receipt, _card = await report(bot)
    for button in receipt.buttons():
        exchange = await bot.exchange(bot.api.press(OTHER, receipt, button["callback_data"]))
        assert alerts(exchange) == ["这个按钮已失效。"]
        assert not edits(exchange, FENG.id)
    case, _user = await the_case(db_url)
    assert not case.anonymous and not case.contact_allowed
