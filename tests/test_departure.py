"""A member leaves (/members → deactivate, or a roster import without him): his rights end,
his open cases move on, and the coordinators hear where they went."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.cli import main
from fakegram import FakeBotApi, FakeUser, Recorded
from models.cases import Assignment, Case, CaseEvent, CaseState
from models.clock import ManualClock
from models.db import Database
from models.messaging import OutboxMessage
from models.org import Member
from tests.harness import SAMPLE_ROSTER, BotHarness, bot_running

RESIDENT = FakeUser(900001, "小王")
CHEN = FakeUser(100001, "陈建国")  # street coordinator
WANG = FakeUser(100010, "王强")  # enforcement unit head
LIU = FakeUser(100011, "刘洋")  # enforcement liaison, fuxing blocks
XU = FakeUser(100030, "许波")  # construction liaison; construction has no unit head


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    for user in (CHEN, WANG, LIU, XU):
        api.open_chat(user)
    async with bot_running(db_url, api, clock=clock) as harness:
        yield harness


def to(records: list[Recorded], chat_id: int) -> list[Recorded]:
    return [
        r
        for r in records
        if r.chat_id == chat_id and r.method in ("sendMessage", "editMessageText")
    ]


async def report(bot: BotHarness, text: str, assignee: FakeUser) -> Recorded:
    [dispatch] = to(await bot.exchange(bot.api.send_text(RESIDENT, text)), assignee.id)
    return dispatch


async def deactivate(bot: BotHarness, db_url: str, name: str) -> list[Recorded]:
    member_id = (await member_named(db_url, name)).id
    [page] = await bot.replies(bot.api.send_command(CHEN, "/members"))
    [detail] = await bot.replies(bot.api.press(CHEN, page, f"mb:m:{member_id}"))
    [confirm] = await bot.replies(bot.api.press_button(CHEN, detail, "停用"))
    return await bot.exchange(bot.api.press_button(CHEN, confirm, "确定停用"))


async def member_named(db_url: str, name: str) -> Member:
    database = Database(db_url)
    try:
        async with database.session() as session:
            return (await session.exec(select(Member).where(Member.name == name))).one()
    finally:
        await database.dispose()


async def case_and_events(db_url: str, number: int) -> tuple[Case, list[CaseEvent]]:
    database = Database(db_url)
    try:
        async with database.session() as session:
            case = (await session.exec(select(Case).where(Case.number == number))).one()
            events = await session.exec(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.id))
            )
            return case, list(events)
    finally:
        await database.dispose()


async def test_a_deactivated_assignee_loses_his_cases_to_the_unit_head(
    bot: BotHarness, db_url: str
) -> None:
    dispatch = await report(bot, "复兴南街有人摆摊卖菜，路都堵了", LIU)
    await bot.exchange(bot.api.press_button(LIU, dispatch, "接单"))

    exchange = await deactivate(bot, db_url, "刘洋")
    [handed] = to(exchange, WANG.id)
    assert handed.text.startswith("改派给您：刘洋已退出联动组。\n新案件 #1：占道经营")
    assert "✋ 接单" in [b["text"] for b in handed.buttons()]
    [told] = [r for r in to(exchange, CHEN.id) if r.method == "sendMessage"]
    assert told.text == (
        "刘洋已停用。其负责的未结案件已转出：\n#1（占道经营，复兴南街）：转给单位负责人王强"
    )
    case, events = await case_and_events(db_url, 1)
    assert case.state == CaseState.DISPATCHED
    last = events[-1]
    assert (last.action, last.from_state, last.to_state) == ("assign", "accepted", "dispatched")
    assert last.actor_telegram_id == CHEN.id
    assert last.data["reason"] == "deactivated"
    assert last.data["member"] == (await member_named(db_url, "王强")).id

    # His old buttons, and /case, no longer work for him.
    [refused] = await bot.exchange(bot.api.press_button(LIU, dispatch, "处置完成"))
    assert refused.method == "answerCallbackQuery" and refused.params["show_alert"] is True
    [hidden] = await bot.replies(bot.api.send_command(LIU, "/case", "1"))
    assert hidden.text == "无法向您显示案件 #1。"
    # The unit head now holds it.
    [accepted, *_rest] = await bot.exchange(bot.api.press_button(WANG, handed, "接单"))
    assert accepted.params["text"] == "已接单，已通知反映人。"


async def test_without_a_unit_head_the_cases_go_to_triage(bot: BotHarness, db_url: str) -> None:
    await report(bot, "桥直巷路灯不亮了", XU)
    exchange = await deactivate(bot, db_url, "许波")
    [told] = [r for r in to(exchange, CHEN.id) if r.method == "sendMessage"]
    assert told.text.startswith("许波已停用。")
    assert told.text.endswith("：转入待分派")
    assert [b["text"] for b in told.buttons()] == ["分派 #1"]
    case, events = await case_and_events(db_url, 1)
    assert case.state == CaseState.TRIAGE
    assert (events[-1].action, events[-1].to_state) == ("release", "triage")
    [parties] = to(await bot.exchange(bot.api.press_button(CHEN, told, "分派 #1")), CHEN.id)
    assert parties.text.endswith("案件 #1：派给哪个单位？")


async def test_an_inactive_lead_may_not_act_even_if_the_case_still_names_him(
    bot: BotHarness, db_url: str
) -> None:
    # A case left with a deactivated lead (as before deactivation moved cases on): the
    # buttons check the membership is active, not only who the lead is.
    dispatch = await report(bot, "复兴南街有人摆摊卖菜，路都堵了", LIU)
    database = Database(db_url)
    async with database.session() as session:
        liu = (await session.exec(select(Member).where(Member.name == "刘洋"))).one()
        liu.active = False
        session.add(liu)
        await session.commit()
    await database.dispose()
    for label in ("接单", "处置完成", "延期", "退回"):
        [refused] = await bot.exchange(bot.api.press_button(LIU, dispatch, label))
        assert refused.params["show_alert"] is True, label
    case, _events = await case_and_events(db_url, 1)
    assert case.state == CaseState.DISPATCHED


async def test_a_roster_import_without_him_moves_his_cases_and_tells_the_coordinators(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock, tmp_path: Path
) -> None:
    api.open_chat(LIU)
    async with bot_running(db_url, api, clock=clock) as bot:
        await report(bot, "复兴南街有人摆摊卖菜，路都堵了", LIU)
    text = SAMPLE_ROSTER.read_text(encoding="utf-8")
    entry = '[[members]]\nname = "刘洋"\ntelegram_id = 100011\n'
    start = text.index(entry)
    end = text.index("[[members]]", start + len(entry))
    without = tmp_path / "without-liu.toml"
    without.write_text(text[:start] + text[end:], encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\nbot_username = "LaneKeeperBot"\n[database]\nurl = "{db_url}"\n',
        encoding="utf-8",
    )

    code = await asyncio.to_thread(
        main, ["roster", "import", str(without), "--config", str(config)]
    )
    assert code == 0

    wang = await member_named(db_url, "王强")
    case, events = await case_and_events(db_url, 1)
    assert (events[-1].action, events[-1].data["reason"]) == ("assign", "deactivated")
    assert events[-1].actor_telegram_id is None  # the roster file, not a person
    database = Database(db_url)
    async with database.session() as session:
        lead = (
            await session.exec(
                select(Assignment)
                .where(Assignment.case_id == case.id)
                .order_by(col(Assignment.id).desc())
            )
        ).first()
        assert lead is not None and lead.member_id == wang.id
        queued = {
            row.chat_id: row.payload["text"]
            for row in await session.exec(
                select(OutboxMessage).where(col(OutboxMessage.chat_id).in_([WANG.id, CHEN.id]))
            )
        }
    await database.dispose()
    assert queued[WANG.id].startswith("改派给您：刘洋已退出联动组。")
    assert queued[CHEN.id].endswith("#1（占道经营，复兴南街）：转给单位负责人王强")
