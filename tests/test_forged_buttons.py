"""Forged button data with digits that are not ASCII ("¹", "٣", "１") across the handlers:
each press gets the polite "no longer valid" and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import func, select

from fakegram import FakeBotApi, FakeUser
from models.cases import Case, CaseEvent, CaseState
from models.clock import ManualClock
from models.db import Database
from models.org import Member
from tests.harness import BotHarness, bot_running

ADMIN = FakeUser(424242, "Admin")  # every right: only the data can be wrong
RESIDENT = FakeUser(900001, "小王")
LIU = FakeUser(100011, "刘洋")
STALE = "这个按钮已失效。"


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    api.open_chat(LIU)
    async with bot_running(db_url, api, clock=clock, app={"admins": [ADMIN.id]}) as harness:
        yield harness


async def snapshot(db_url: str) -> tuple[str, int, list[bool]]:
    database = Database(db_url)
    try:
        async with database.session() as session:
            case = (await session.exec(select(Case))).one()
            events = (await session.exec(select(func.count()).select_from(CaseEvent))).one()
            active = [m.active for m in await session.exec(select(Member).order_by(Member.id))]
            return str(case.state), int(events), active
    finally:
        await database.dispose()


def forged(member_id: int) -> list[str]:
    data = []
    for digit in ("¹", "٣", "１", "1¹", "²³"):
        data += [
            f"cs:a:{digit}",
            f"cs:b:{digit}",
            f"cs:d:{digit}",
            f"cs:P:1:{digit}",
            f"cs:s:1:{digit}",
            f"cs:tp:1:{digit}",
            f"cs:tm:1:{digit}",
            f"cs:x:{digit}",
            f"mb:m:{digit}",
            f"mb:D:{digit}",
            f"mb:s:{digit}:0",
            f"mb:s:1:{digit}",
            f"ma:e:{digit}",
            f"ma:t:{member_id}:c{digit}",
            f"iv:{digit}",
            f"iv:1:l:{digit}",
            f"iv:1:l:3:c{digit}",
            f"iv:x:{digit}",
            f"cm:{digit}",
            f"rp:anon:{digit}",
            f"rp:x:{digit}",
            f"rp:a:{digit}:1",
            f"mt:g:{digit}",
            f"mt:S:{digit}",
            f"mt:k:1:{digit}",
            f"mt:r:{digit}",
            f"mt:o:{digit}:1",
            f"mt:X:{digit}",
            f"qx:finish:{digit}",
            f"qx:hand_back:{digit}:m",
            f"qx:minutes:{digit}",
        ]
    return data


async def test_forged_digits_are_refused_politely_everywhere(bot: BotHarness, db_url: str) -> None:
    [dispatch] = [
        r
        for r in await bot.exchange(bot.api.send_text(RESIDENT, "复兴南街有人摆摊卖菜，路都堵了"))
        if r.chat_id == LIU.id
    ]
    [start] = await bot.replies(bot.api.send_command(ADMIN, "/start"))
    before = await snapshot(db_url)
    database = Database(db_url)
    async with database.session() as session:
        liu = (await session.exec(select(Member).where(Member.name == "刘洋"))).one()
    await database.dispose()
    assert liu.id is not None
    for data in forged(liu.id):
        answers = await bot.exchange(bot.api.press(ADMIN, start, data))
        assert [(a.method, a.params.get("text"), a.params.get("show_alert")) for a in answers] == [
            ("answerCallbackQuery", STALE, True)
        ], data
    # The assignee's own buttons, forged the same way.
    for data in ("cs:a:１", "cs:d:٣", "cs:p:¹"):
        [answer] = await bot.exchange(bot.api.press(LIU, dispatch, data))
        assert (answer.params.get("text"), answer.params.get("show_alert")) == (STALE, True)
    assert await snapshot(db_url) == before
    assert before[0] == CaseState.DISPATCHED


async def test_case_numbers_typed_in_other_digits(bot: BotHarness) -> None:
    await bot.exchange(bot.api.send_text(RESIDENT, "复兴南街有人摆摊卖菜，路都堵了"))
    [odd] = await bot.replies(bot.api.send_command(RESIDENT, "/case", "٣"))
    assert odd.text == "哪个案件？例如：/case 12"
    [other] = await bot.replies(bot.api.send_command(RESIDENT, "/case", "¹²"))
    assert other.text == "无法向您显示案件 #12。"
    # Full-width digits, as a Chinese input method types them, mean what they say.
    [shown] = await bot.replies(bot.api.send_command(RESIDENT, "/case", "＃１"))
    assert shown.text.startswith("案件 #1")
