"""/todo over the fake Bot API: each role's list, paging, a forged page button, a resident."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select

from fakegram import FakeBotApi, FakeUser, Recorded
from models.cases import Case, CaseState
from models.clock import ManualClock
from models.db import Database
from models.org import Community, Street
from tests.harness import BotHarness, bot_running

RESIDENT = FakeUser(900001, "小王")
LIU = FakeUser(100011, "刘洋")  # enforcement liaison, fuxing blocks
WANG = FakeUser(100010, "王强")  # enforcement unit head
CHEN = FakeUser(100001, "陈建国")  # street coordinator
LIN = FakeUser(100080, "林老伯")  # street chief of 复兴街 and 桥直巷
HUANG = FakeUser(100081, "黄阿姨")  # street chief of 海月巷 and 小溪巷


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    for user in (RESIDENT, LIU, WANG, CHEN, LIN, HUANG):
        api.open_chat(user)
    async with bot_running(db_url, api, clock=clock) as harness:
        yield harness


async def todo(bot: BotHarness, user: FakeUser) -> Recorded:
    [listing] = await bot.replies(bot.api.send_command(user, "/todo"), user.id)
    return listing


async def test_each_role_sees_its_open_cases_overdue_first(
    bot: BotHarness, clock: ManualClock
) -> None:
    await bot.exchange(bot.api.send_text(RESIDENT, "复兴街有人摆摊卖菜，路都堵了"))
    clock.advance(timedelta(hours=1))
    await bot.exchange(bot.api.send_text(RESIDENT, "复兴南街有人摆摊卖菜，路都堵了"))

    listing = await todo(bot, LIU)
    lines = listing.text.splitlines()
    assert lines[0] == "您的待办："
    assert "交给您处理的案件：" in lines
    mine = [line for line in lines if line.startswith("#")]
    assert [line.split(" · ")[0] for line in mine] == ["#1", "#2"]  # by due time
    assert "复兴街" in mine[0] and mine[0].endswith("/case 1") and "截止" in mine[0]
    assert listing.buttons() == []

    clock.advance(timedelta(days=10))  # both are now late
    listing = await todo(bot, LIU)
    late = [line for line in listing.text.splitlines() if line.startswith("⚠️")]
    assert [line.split(" · ")[0] for line in late] == ["⚠️ #1", "⚠️ #2"]
    assert "已超期" in late[0]

    head = (await todo(bot, WANG)).text.splitlines()
    assert "本单位未办结的案件（按人员）：" in head
    assert head[head.index("本单位未办结的案件（按人员）：") + 1] == "👤 刘洋"
    assert sum(line.startswith("⚠️ #") for line in head) == 2

    chief = (await todo(bot, LIN)).text.splitlines()
    assert "您负责巷弄里未办结的案件：" in chief
    assert [line.split(" · ")[0] for line in chief if "#" in line] == ["⚠️ #1"]  # not 复兴南街
    other = (await todo(bot, HUANG)).text.splitlines()
    assert other[-1] == "暂无。"

    coordinator = (await todo(bot, CHEN)).text.splitlines()
    for title in ("等待分派的案件：", "已超期的案件：", "待您审批的延期申请："):
        assert title in coordinator
    overdue = coordinator.index("已超期的案件：")
    assert coordinator[overdue + 1].startswith("⚠️ #1")
    assert coordinator[overdue + 2].startswith("⚠️ #2")


async def test_a_resident_is_told_what_todo_is_for(bot: BotHarness) -> None:
    listing = await todo(bot, RESIDENT)
    assert listing.text.startswith("/todo 是联动小组成员查看待办用的")
    assert "/my" in listing.text


async def test_long_lists_are_paged_and_forged_pages_refused(bot: BotHarness, db_url: str) -> None:
    database = Database(db_url)
    async with database.session() as session:
        street = (await session.exec(select(Street))).first()
        community = (await session.exec(select(Community))).first()
        assert street is not None and community is not None
        for n in range(12):
            session.add(
                Case(
                    number=101 + n,
                    street_id=street.id,
                    community_id=community.id,
                    state=CaseState.TRIAGE,
                    text="路灯不亮",
                )
            )
        await session.commit()
    await database.dispose()

    first = await todo(bot, CHEN)
    assert first.text.startswith("您的待办（第 1 页，共 2 页）：")
    assert sum(line.startswith("#") for line in first.text.splitlines()) == 10
    assert [b["text"] for b in first.buttons()] == ["▶"]

    exchange = await bot.exchange(bot.api.press_button(CHEN, first, "▶"))
    [second] = [r for r in exchange if r.method == "editMessageText"]
    assert second.text.startswith("您的待办（第 2 页，共 2 页）：")
    assert "#112" in second.text and "已超期的案件：" in second.text
    assert [b["text"] for b in second.buttons()] == ["◀"]

    for forged in ("td:7", "td:x", "td:1:2", "td:-1", "td:１"):
        exchange = await bot.exchange(bot.api.press(CHEN, first, forged))
        assert [r.method for r in exchange] == ["answerCallbackQuery"]
        assert exchange[0].params["text"] == "这个按钮已失效。"
    # A resident pressing a member's page button changes nothing either.
    exchange = await bot.exchange(bot.api.press(RESIDENT, first, "td:1"))
    assert [r.method for r in exchange] == ["answerCallbackQuery"]
