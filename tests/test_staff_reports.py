"""Reports taken by staff (/report, 受理) over the fake Bot API, with the sample roster."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.cli import main
from fakegram import FakeBotApi, FakeUser, Recorded
from models.cases import Case, CaseEvent, CaseState, PendingInput, ReportDraft
from models.clock import ManualClock
from models.db import Database
from models.staff_reports import clean_name, clean_phone
from tests.harness import BotHarness, bot_running

CHEN = FakeUser(100001, "陈建国")  # street coordinator
ZHOU = FakeUser(100002, "周丽")  # community coordinator (fuxing)
FENG = FakeUser(100021, "冯军")  # sanitation liaison, fuxing
LIN = FakeUser(100080, "林老伯")  # street chief of 复兴街
RESIDENT = FakeUser(900001, "小王")
SAMPLE = Path(__file__).resolve().parent.parent / "bot" / "examples" / "nanxing.roster.toml"


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    for user in (CHEN, ZHOU, FENG, LIN):
        api.open_chat(user)
    async with bot_running(db_url, api, clock=clock) as harness:
        yield harness


def to(records: list[Recorded], chat_id: int) -> list[Recorded]:
    return [
        r
        for r in records
        if r.chat_id == chat_id and r.method in ("sendMessage", "editMessageText")
    ]


def answered(records: list[Recorded]) -> list[str]:
    return [r.params.get("text", "") for r in records if r.method == "answerCallbackQuery"]


async def load(db_url: str) -> tuple[list[Case], list[CaseEvent], int, int]:
    database = Database(db_url)
    try:
        async with database.session() as session:
            cases = list((await session.exec(select(Case).order_by(col(Case.id)))).all())
            events = list((await session.exec(select(CaseEvent).order_by(col(CaseEvent.id)))).all())
            drafts = len((await session.exec(select(ReportDraft))).all())
            pending = len((await session.exec(select(PendingInput))).all())
            return cases, events, drafts, pending
    finally:
        await database.dispose()


async def start_phone_call(bot: BotHarness, who: FakeUser = CHEN) -> Recorded:
    """/report, then the phone button: the name question."""
    [question] = to(await bot.exchange(bot.api.send_command(who, "/report")), who.id)
    assert [b["text"] for b in question.buttons()] == [
        "📞 电话",
        "🚶 来访",
        "🔍 巡查",
        "☎️ 12345热线",
        "✖️ 取消",
    ]
    exchange = await bot.exchange(bot.api.press_button(who, question, "电话"))
    [edited, name_question] = to(exchange, who.id)
    assert edited.text.endswith("✓ 电话反映")
    assert name_question.text.startswith("来源：电话反映。反映人怎么称呼？")
    return name_question


async def file_phone_call(bot: BotHarness) -> list[Recorded]:
    await start_phone_call(bot)
    [phone_question] = to(await bot.exchange(bot.api.send_text(CHEN, "张阿姨")), CHEN.id)
    assert phone_question.text.startswith("反映人的联系电话")
    [report_question] = to(await bot.exchange(bot.api.send_text(CHEN, "138 0013 8000")), CHEN.id)
    assert report_question.text.startswith("请像居民反映问题一样发送具体内容")
    assert [b["text"] for b in report_question.buttons()] == ["取消这次反映"]
    return await bot.exchange(bot.api.send_text(CHEN, "复兴街12号门口的垃圾好几天没人清理了"))


async def test_a_phone_call_becomes_a_case_verified_by_the_street_chief(
    bot: BotHarness, db_url: str
) -> None:
    exchange = await file_phone_call(bot)
    [receipt] = to(exchange, CHEN.id)
    lines = receipt.text.splitlines()
    assert lines[0] == "已受理，案件编号 #1。"
    assert lines[3].startswith("处理：南星环卫所，预计")
    assert "代为受理，反映人：张阿姨, 138 0013 8000 (电话反映)" in lines
    assert receipt.buttons() == []  # nobody can ask the caller whether to hide their name
    [dispatch] = to(exchange, FENG.id)
    assert "反映人：张阿姨 (电话反映)" in dispatch.text
    assert "138" not in dispatch.text  # the phone is for coordinators only
    assert to(exchange, LIN.id)  # the street chief's copy

    progress = to(await bot.exchange(bot.api.press_button(FENG, dispatch, "接单")), CHEN.id)
    assert progress and "#1" in progress[0].text  # the coordinator follows the case
    await bot.exchange(bot.api.press_button(FENG, dispatch, "处置完成"))
    exchange = await bot.exchange(bot.api.send_text(FENG, "已清运"))
    [verify] = to(exchange, LIN.id)
    assert verify.text.endswith("问题解决了吗？")
    # Not asked (the coordinator did not see it); told it is being verified, as a reporter.
    [told] = to(exchange, CHEN.id)
    assert told.text == "您的案件 #1 已报处置完成，正在核查。" and told.buttons() == []

    # The coordinator may not answer for the street chief.
    assert answered(await bot.exchange(bot.api.press_button(CHEN, verify, "已解决")))[0]
    exchange = await bot.exchange(bot.api.press_button(LIN, verify, "已解决"))
    [outcome] = to(exchange, CHEN.id)
    assert "#1" in outcome.text and "结案" in outcome.text
    assert to(exchange, FENG.id)

    [case], events, drafts, pending = await load(db_url)
    assert case.state == CaseState.CLOSED
    assert (case.channel, case.caller_name, case.caller_phone) == (
        "phone",
        "张阿姨",
        "138 0013 8000",
    )
    assert case.reporter_telegram_id == CHEN.id and case.reporter_role == "coordinator"
    create = events[0]
    assert create.action == "create" and create.actor_telegram_id == CHEN.id
    assert [e.actor_telegram_id for e in events if e.action == "confirm"] == [LIN.id]
    assert (drafts, pending) == (0, 0)

    # /case: the phone for a coordinator, not for the assignee.
    [shown] = to(await bot.exchange(bot.api.send_command(CHEN, "/case", "1")), CHEN.id)
    assert "代为受理，反映人：张阿姨, 138 0013 8000 (电话反映)" in shown.text
    [shown] = to(await bot.exchange(bot.api.send_command(FENG, "/case", "1")), FENG.id)
    assert "代为受理，反映人：张阿姨 (电话反映)" in shown.text and "138" not in shown.text


async def test_skipped_name_and_phone_and_a_place_question(bot: BotHarness, db_url: str) -> None:
    [question] = to(await bot.exchange(bot.api.send_command(ZHOU, "/report")), ZHOU.id)
    exchange = await bot.exchange(bot.api.press_button(ZHOU, question, "来访"))
    name_question = to(exchange, ZHOU.id)[-1]
    exchange = await bot.exchange(bot.api.press_button(ZHOU, name_question, "跳过"))
    phone_question = to(exchange, ZHOU.id)[-1]
    assert phone_question.text.startswith("反映人的联系电话")
    exchange = await bot.exchange(bot.api.press_button(ZHOU, phone_question, "跳过"))
    assert to(exchange, ZHOU.id)[-1].text.startswith("请像居民反映问题")
    [where] = to(await bot.exchange(bot.api.send_text(ZHOU, "路灯坏了，晚上很黑")), ZHOU.id)
    assert where.text.startswith("在哪里？")
    [receipt] = to(await bot.exchange(bot.api.send_text(ZHOU, "在复兴南街")), ZHOU.id)
    assert "代为受理，反映人：未留姓名 (来访反映)" in receipt.text
    [case], _events, _drafts, _pending = await load(db_url)
    assert (case.channel, case.caller_name, case.caller_phone) == ("walk_in", None, None)


async def test_a_bad_phone_is_asked_again_and_a_long_name_refused(
    bot: BotHarness, db_url: str
) -> None:
    await start_phone_call(bot)
    [again] = to(await bot.exchange(bot.api.send_text(CHEN, "张" * 41)), CHEN.id)
    assert again.text.startswith("姓名请不超过 40 个字")
    to(await bot.exchange(bot.api.send_text(CHEN, "张阿姨")), CHEN.id)
    [again] = to(await bot.exchange(bot.api.send_text(CHEN, "打了两次")), CHEN.id)
    assert again.text.startswith("这似乎不是有效的电话号码")
    [report_question] = to(await bot.exchange(bot.api.send_text(CHEN, "0571-87654321")), CHEN.id)
    assert report_question.text.startswith("请像居民反映问题")


def test_names_and_phones_are_checked_loosely() -> None:
    assert clean_phone("138 0013 8000") == "138 0013 8000"
    assert clean_phone("＋86 (571) 8765-4321") == "+86 (571) 8765-4321"
    assert clean_phone("12345") == "12345"
    assert clean_phone("12") is None
    assert clean_phone("call me") is None
    assert clean_phone("1" * 21) is None
    assert clean_phone("+86 138-0013-8000 ext") is None
    assert clean_name("  张   阿姨 ") == "张 阿姨"
    assert clean_name("") is None and clean_name("x" * 41) is None


@pytest.mark.parametrize("step", ["channel", "name", "phone", "report", "place"])
async def test_cancel_at_each_step_records_nothing(bot: BotHarness, db_url: str, step: str) -> None:
    [question] = to(await bot.exchange(bot.api.send_command(CHEN, "/report")), CHEN.id)
    if step != "channel":
        question = to(await bot.exchange(bot.api.press_button(CHEN, question, "电话")), CHEN.id)[-1]
    if step not in ("channel", "name"):
        question = to(await bot.exchange(bot.api.send_text(CHEN, "张阿姨")), CHEN.id)[-1]
    if step not in ("channel", "name", "phone"):
        question = to(await bot.exchange(bot.api.send_text(CHEN, "13800138000")), CHEN.id)[-1]
    if step == "place":
        question = to(await bot.exchange(bot.api.send_text(CHEN, "路灯坏了")), CHEN.id)[-1]
        assert question.text.startswith("在哪里？")
    exchange = await bot.exchange(bot.api.press_button(CHEN, question, "取消"))
    [edited] = to(exchange, CHEN.id)
    assert edited.method == "editMessageText" and "没有记录任何内容" in edited.text
    cases, _events, drafts, pending = await load(db_url)
    assert (cases, drafts, pending) == ([], 0, 0)
    # Whatever is said next is a report of one's own, not the caller's.
    await bot.exchange(bot.api.send_text(CHEN, "复兴街垃圾没人清"))
    [case], _events, _drafts, _pending = await load(db_url)
    assert case.channel is None


async def test_only_coordinators_take_reports_for_others(bot: BotHarness, db_url: str) -> None:
    [refusal] = to(await bot.exchange(bot.api.send_command(RESIDENT, "/report")), RESIDENT.id)
    assert refusal.text.startswith("抱歉")
    # Other members report what they found themselves (tests/test_menu.py): no caller asked.
    for user in (FENG, LIN):
        [own] = to(await bot.exchange(bot.api.send_command(user, "/report")), user.id)
        assert own.text.startswith("请发送要上报的问题")
    _cases, _events, drafts, pending = await load(db_url)
    assert (drafts, pending) == (2, 0)


async def test_forged_and_stale_buttons_change_nothing(bot: BotHarness, db_url: str) -> None:
    [question] = to(await bot.exchange(bot.api.send_command(CHEN, "/report")), CHEN.id)
    # Someone else pressing the coordinator's buttons (or forging them).
    for data in ("sr:c:phone", "sr:s:name", "sr:x"):
        [reply] = answered(await bot.exchange(bot.api.press(FENG, question, data)))
        assert reply.startswith("抱歉")
    # The coordinator's own forged data: an unknown channel, a skip before its time, junk.
    for data in ("sr:c:fax", "sr:s:name", "sr:s", "sr:c", "sr:c:phone:1", "sr:zz"):
        [reply] = answered(await bot.exchange(bot.api.press(CHEN, question, data)))
        assert reply == "这个按钮已失效。", data
    name_question = to(await bot.exchange(bot.api.press_button(CHEN, question, "电话")), CHEN.id)[
        -1
    ]
    # The channel question pressed again: stale.
    [reply] = answered(await bot.exchange(bot.api.press(CHEN, question, "sr:c:walk_in")))
    assert reply == "这个按钮已失效。"
    await bot.exchange(bot.api.press_button(CHEN, name_question, "跳过"))
    # The name question's skip pressed again does not skip the phone.
    [reply] = answered(await bot.exchange(bot.api.press_button(CHEN, name_question, "跳过")))
    assert reply == "这个按钮已失效。"
    cases, _events, drafts, pending = await load(db_url)
    assert cases == [] and drafts == 0 and pending == 1
    # A coordinator's dialogue state is his alone: a resident's report stays the resident's.
    await bot.exchange(bot.api.send_text(RESIDENT, "复兴街垃圾没人清"))
    [case], _events, drafts, _pending = await load(db_url)
    assert case.channel is None and case.reporter_telegram_id == RESIDENT.id and drafts == 0


async def test_cases_export_shows_channel_and_caller(
    bot: BotHarness, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await file_phone_call(bot)
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    args = ["cases", "export", "--street", "nanxing", "--format", "json", "--config", str(config)]
    assert await asyncio.to_thread(main, args) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["channel"] == "phone"
    assert (row["caller_name"], row["caller_phone"]) == ("张阿姨", "138 0013 8000")
    assert row["reporter"] == CHEN.id and row["events"][0]["actor"] == CHEN.id
    args = ["cases", "export", "--format", "csv", "--config", str(config)]
    assert await asyncio.to_thread(main, args) == 0
    [line] = list(csv.DictReader(io.StringIO(capsys.readouterr().out.removeprefix("\ufeff"))))
    assert (line["受理渠道"], line["来电人"], line["来电人电话"]) == (
        "phone",
        "张阿姨",
        "138 0013 8000",
    )
