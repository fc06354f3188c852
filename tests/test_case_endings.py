"""Not accepted (不予立案), transferred (转办) and back after closure (又出现了), over the fake
Bot API; and how they show in the figures."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import col, select

from fakegram import FakeBotApi, FakeUser, Recorded
from models.cases import Assignment, AssignmentState, Case, CaseEvent, CaseState
from models.clock import ManualClock
from models.db import Database
from models.org import OutsideBody
from models.roster import export_roster, import_roster
from models.roster_spec import parse_roster
from tests.harness import SAMPLE_ROSTER, T0, BotHarness, bot_running

RESIDENT = FakeUser(900001, "小王")
NEIGHBOUR = FakeUser(900002, "Alice", "en")
LIU = FakeUser(100011, "刘洋")  # enforcement liaison, fuxing blocks
CHEN = FakeUser(100001, "陈建国")  # street coordinator
FENG = FakeUser(100021, "冯军")  # sanitation liaison, fuxing
LIN = FakeUser(100080, "林老伯")  # street chief of fuxing-jie and qiaozhi-xiang
HUANG = FakeUser(100081, "黄阿姨")  # street chief of other alleys

# The sample roster is shared with other projects as it is; the bodies are added here.
OUTSIDE_BODIES = [
    {"code": "hotline", "name": "12345市民服务热线", "name_en": "the 12345 citizens' hotline"},
    {"code": "ziyang", "name": "紫阳街道", "name_en": "Ziyang Street office"},
    {"code": "district", "name": "上城区城管局"},
]


async def import_with_bodies(db_url: str, bodies: list[dict[str, str]]) -> None:
    with SAMPLE_ROSTER.open("rb") as fh:
        data = tomllib.load(fh)
    data["outside_bodies"] = bodies
    database = Database(db_url)
    try:
        async with database.session() as session:
            await import_roster(session, parse_roster(data, "test.toml"), now=T0)
    finally:
        await database.dispose()


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    await import_with_bodies(db_url, OUTSIDE_BODIES)
    for user in (LIU, CHEN, FENG, LIN, HUANG):
        api.open_chat(user)
    async with bot_running(db_url, api, clock=clock) as harness:
        yield harness


def to(records: list[Recorded], chat_id: int) -> list[Recorded]:
    return [
        r
        for r in records
        if r.chat_id == chat_id and r.method in ("sendMessage", "editMessageText")
    ]


async def the_case(db_url: str) -> tuple[Case, list[CaseEvent], list[Assignment]]:
    database = Database(db_url)
    try:
        async with database.session() as session:
            case = (await session.exec(select(Case).where(col(Case.number) == 1))).one()
            events = await session.exec(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.id))
            )
            leads = await session.exec(
                select(Assignment)
                .where(Assignment.case_id == case.id, Assignment.role == "lead")
                .order_by(col(Assignment.id))
            )
            return case, list(events), list(leads)
    finally:
        await database.dispose()


async def to_triage(bot: BotHarness) -> Recorded:
    """A report nobody's rule takes: the coordinator's triage question."""
    [ask] = await bot.replies(bot.api.send_text(RESIDENT, "桥直巷有点问题"))
    exchange = await bot.exchange(bot.api.press_button(RESIDENT, ask, "其他"))
    [question] = to(exchange, CHEN.id)
    return question


async def report_vendor(bot: BotHarness) -> Recorded:
    exchange = await bot.exchange(bot.api.send_text(RESIDENT, "复兴南街有人摆摊卖菜，路都堵了"))
    [dispatch] = to(exchange, LIU.id)
    return dispatch


async def test_not_accepted_from_triage_with_a_listed_reason(bot: BotHarness, db_url: str) -> None:
    question = await to_triage(bot)
    assert [b["text"] for b in question.buttons()] == ["分派", "🚫 不予立案", "↪️ 转办"]
    [reasons] = to(await bot.exchange(bot.api.press_button(CHEN, question, "不予立案")), CHEN.id)
    assert reasons.text.startswith("案件 #1：不予立案的原因是什么？")
    assert [b["text"] for b in reasons.buttons()] == [
        "不属于公共事务",
        "属于私人纠纷",
        "信息不足，无法核实",
        "不在本街道辖区",
        "其他原因（请输入）",
        "✖️ 取消",
    ]
    # A resident pressing the same button (forged) is refused and changes nothing.
    [refused] = await bot.exchange(bot.api.press_button(RESIDENT, reasons, "私人纠纷"))
    assert refused.params["show_alert"] is True
    exchange = await bot.exchange(bot.api.press_button(CHEN, reasons, "私人纠纷"))
    assert to(exchange, CHEN.id)[0].text == "案件 #1 已作不予立案处理，已向反映人说明原因。"
    [told] = to(exchange, RESIDENT.id)
    assert told.text == (
        "抱歉，您反映的案件 #1 街道暂不予立案：属于私人纠纷。如情况有变化，欢迎再次反映。"
    )
    case, events, _leads = await the_case(db_url)
    assert case.state == CaseState.NOT_ACCEPTED and case.closed_at is not None
    assert (events[-1].action, events[-1].note, events[-1].data) == (
        "not_accept",
        "A private dispute",
        {"reason": "private"},
    )
    # A second press is stale; /case shows why, with no buttons left.
    [again] = await bot.exchange(bot.api.press_button(CHEN, reasons, "私人纠纷"))
    assert again.params["show_alert"] is True
    [shown] = await bot.replies(bot.api.send_command(RESIDENT, "/case", "1"))
    assert "状态：不予立案" in shown.text and "不予立案：属于私人纠纷" in shown.text
    assert shown.buttons() == []


async def test_not_accepted_from_case_with_a_typed_reason_releases_the_assignee(
    bot: BotHarness, db_url: str
) -> None:
    dispatch = await report_vendor(bot)
    await bot.exchange(bot.api.send_text(NEIGHBOUR, "Vendors blocking Fuxing South Street"))
    await bot.exchange(bot.api.press_button(LIU, dispatch, "接单"))
    [shown] = await bot.replies(bot.api.send_command(CHEN, "/case", "1"))
    assert [b["text"] for b in shown.buttons()] == ["改派", "🚫 不予立案", "↪️ 转办"]
    # The assignee sees his own buttons, not the coordinator's.
    [his] = await bot.replies(bot.api.send_command(LIU, "/case", "1"))
    assert "🚫 不予立案" not in [b["text"] for b in his.buttons()]
    [reasons] = to(await bot.exchange(bot.api.press_button(CHEN, shown, "不予立案")), CHEN.id)
    [ask] = to(await bot.exchange(bot.api.press_button(CHEN, reasons, "其他原因")), CHEN.id)
    assert ask.text.startswith("请用一条消息写明案件 #1 不予立案的原因")
    exchange = await bot.exchange(bot.api.send_text(CHEN, "该处为菜场内部通道，由市场自行管理"))
    assert to(exchange, CHEN.id)[0].text.startswith("案件 #1 已作不予立案处理")
    assert to(exchange, RESIDENT.id)[0].text == (
        "抱歉，您反映的案件 #1 街道暂不予立案：该处为菜场内部通道，由市场自行管理。"
        "如情况有变化，欢迎再次反映。"
    )
    [english] = to(exchange, NEIGHBOUR.id)
    assert english.text.startswith("Sorry, your case #1 cannot be taken up by the street office")
    assert to(exchange, LIU.id)[0].text == "案件 #1 已由街道作不予立案处理，您无需再处理。"
    case, _events, leads = await the_case(db_url)
    assert case.state == CaseState.NOT_ACCEPTED
    assert [a.state for a in leads] == [AssignmentState.CANCELLED]
    # The assignee's old buttons no longer move it.
    [stale] = await bot.exchange(bot.api.press_button(LIU, dispatch, "处置完成"))
    assert stale.params["show_alert"] is True


async def test_transferred_to_an_outside_body_with_a_note(bot: BotHarness, db_url: str) -> None:
    await report_vendor(bot)
    await bot.exchange(bot.api.send_text(NEIGHBOUR, "Vendors blocking Fuxing South Street"))
    [shown] = await bot.replies(bot.api.send_command(CHEN, "/case", "1"))
    [bodies] = to(await bot.exchange(bot.api.press_button(CHEN, shown, "转办")), CHEN.id)
    assert bodies.text == "案件 #1：转办至哪个单位？"
    assert [b["text"] for b in bodies.buttons()] == [
        "12345市民服务热线",
        "紫阳街道",
        "上城区城管局",
        "✖️ 取消",
    ]
    [forged] = await bot.exchange(bot.api.press_button(FENG, bodies, "12345"))
    assert forged.params["show_alert"] is True
    [ask] = to(await bot.exchange(bot.api.press_button(CHEN, bodies, "12345")), CHEN.id)
    assert ask.text.startswith("案件 #1 将转至12345市民服务热线。请输入一条备注")
    exchange = await bot.exchange(bot.api.send_text(CHEN, "已转12345，工单号 2311280042"))
    assert to(exchange, CHEN.id)[0].text == "案件 #1 已转办至12345市民服务热线，已告知反映人。"
    [told] = to(exchange, RESIDENT.id)
    assert told.text == "您的案件 #1 属于12345市民服务热线的职责范围，街道已转交其办理。"
    assert "2311280042" not in told.text  # the staff's note stays with staff
    [english] = to(exchange, NEIGHBOUR.id)
    assert english.text == (
        "Your case #1 is a matter for the 12345 citizens' hotline: "
        "the street office has passed it on to them."
    )
    assert to(exchange, LIU.id)[0].text == "案件 #1 已由街道转办，您无需再处理。"
    case, events, _leads = await the_case(db_url)
    assert case.state == CaseState.TRANSFERRED
    assert events[-1].action == "transfer" and events[-1].note == "已转12345，工单号 2311280042"
    assert events[-1].data["body_code"] == "hotline"
    [shown] = await bot.replies(bot.api.send_command(CHEN, "/case", "1"))
    assert "已转办至：12345市民服务热线" in shown.text and shown.buttons() == []


async def test_a_body_of_another_street_or_a_done_case_is_refused(
    bot: BotHarness, db_url: str
) -> None:
    dispatch = await report_vendor(bot)
    [shown] = await bot.replies(bot.api.send_command(CHEN, "/case", "1"))
    [bodies] = to(await bot.exchange(bot.api.press_button(CHEN, shown, "转办")), CHEN.id)
    # A forged body id.
    [forged] = await bot.exchange(bot.api.press(CHEN, bodies, "cs:to:1:999"))
    assert forged.params["show_alert"] is True
    # Once reported done, it can no longer be closed without handling.
    await bot.exchange(bot.api.press_button(LIU, dispatch, "处置完成"))
    await bot.exchange(bot.api.send_text(LIU, "已劝离"))
    [late] = await bot.exchange(bot.api.press_button(CHEN, bodies, "12345"))
    assert late.params["text"] == "这一步已经完成，或案件已进入下一环节。"
    [late] = await bot.exchange(bot.api.press(CHEN, shown, "cs:nr:1:info"))
    assert late.params["show_alert"] is True
    case, _events, _leads = await the_case(db_url)
    assert case.state == CaseState.DONE


async def test_outside_bodies_from_the_roster(db_url: str, roster: None) -> None:
    await import_with_bodies(db_url, OUTSIDE_BODIES)
    # Left out of the next import: no longer offered, still there for the cases naming it.
    await import_with_bodies(db_url, OUTSIDE_BODIES[:2])
    database = Database(db_url)
    try:
        async with database.session() as session:
            bodies = (await session.exec(select(OutsideBody).order_by(col(OutsideBody.id)))).all()
            assert [(b.code, b.name_en, b.active) for b in bodies] == [
                ("hotline", "the 12345 citizens' hotline", True),
                ("ziyang", "Ziyang Street office", True),
                ("district", None, False),
            ]
            doc = await export_roster(session, "nanxing")
            assert doc["outside_bodies"] == OUTSIDE_BODIES[:2]
    finally:
        await database.dispose()


async def close_vendor_case(bot: BotHarness) -> Recorded:
    """A vendor case handled by 刘洋 and confirmed fixed by its reporter."""
    dispatch = await report_vendor(bot)
    await bot.exchange(bot.api.press_button(LIU, dispatch, "接单"))
    await bot.exchange(bot.api.press_button(LIU, dispatch, "处置完成"))
    [verify] = to(await bot.exchange(bot.api.send_text(LIU, "已劝离")), RESIDENT.id)
    await bot.exchange(bot.api.press_button(RESIDENT, verify, "已解决"))
    return dispatch


async def test_a_closed_case_that_is_back_goes_to_the_same_unit_as_rework(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    await close_vendor_case(bot)
    clock.advance(timedelta(days=3))
    # Someone else (a street chief of other alleys) has no such button, and a forged press
    # is refused.
    [other] = await bot.replies(bot.api.send_command(CHEN, "/case", "1"))
    assert other.buttons() == []
    [shown] = await bot.replies(bot.api.send_command(RESIDENT, "/case", "1"))
    assert [b["text"] for b in shown.buttons()] == ["🔁 又出现了"]
    [forged] = await bot.exchange(bot.api.press(HUANG, shown, "cs:rc:1"))
    assert forged.params["show_alert"] is True
    [ask] = to(await bot.exchange(bot.api.press_button(RESIDENT, shown, "又出现了")), RESIDENT.id)
    assert ask.text.startswith("很抱歉。案件 #1 又出现了什么问题？")
    exchange = await bot.exchange(bot.api.send_text(RESIDENT, "今天早上又摆出来了"))
    assert to(exchange, RESIDENT.id)[0].text == (
        "谢谢。案件 #1 已重新打开，退回南星执法中队 刘洋返工。"
    )
    [card] = to(exchange, LIU.id)
    assert card.text.startswith("返工：结案后问题又出现了：今天早上又摆出来了\n新案件 #1")
    assert [b["text"] for b in card.buttons()] == ["✅ 处置完成", "⏳ 延期", "↩️ 退回"]
    case, events, leads = await the_case(db_url)
    assert case.state == CaseState.ACCEPTED and case.closed_at is None
    assert case.satisfaction is None
    assert (events[-1].action, events[-1].from_state, events[-1].to_state) == (
        "reopen_closed",
        "closed",
        "accepted",
    )
    assert [(a.state, a.member_id == leads[0].member_id) for a in leads] == [
        (AssignmentState.DONE, True),
        (AssignmentState.ACCEPTED, True),
    ]
    # A fresh deadline: the category's four hours from now.
    assert case.due_at == clock.now() + timedelta(hours=4)
    assert leads[1].due_at == case.due_at and leads[1].assigned_at == events[-1].at
    # The old button no longer reopens an open case.
    [again] = await bot.exchange(bot.api.press_button(RESIDENT, shown, "又出现了"))
    assert again.params["show_alert"] is True


async def test_the_street_chief_may_say_it_is_back_but_not_after_the_period(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    await close_vendor_case(bot)
    [chief] = await bot.replies(bot.api.send_command(LIN, "/case", "1"))
    assert "又出现了" not in str(chief.buttons())  # 复兴南街 is not his alley
    clock.advance(timedelta(days=31))
    [shown] = await bot.replies(bot.api.send_command(RESIDENT, "/case", "1"))
    assert shown.buttons() == []
    [late] = await bot.exchange(bot.api.press(RESIDENT, shown, "cs:rc:1"))
    assert late.params["text"] == "案件 #1 结案已超过 30 天，请作为新问题重新反映。"
    case, _events, _leads = await the_case(db_url)
    assert case.state == CaseState.CLOSED


async def test_the_figures_count_each_ending_as_such(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    from bot.commands.cases import _export
    from models import assessment
    from models.agenda import build_agenda
    from models.meetings import MeetingKind
    from models.org import Street

    await close_vendor_case(bot)  # case 1: handled, closed, then back
    clock.advance(timedelta(days=1))
    [shown] = await bot.replies(bot.api.send_command(RESIDENT, "/case", "1"))
    await bot.exchange(bot.api.press_button(RESIDENT, shown, "又出现了"))
    await bot.exchange(bot.api.send_text(RESIDENT, "又摆出来了"))
    question = await to_triage(bot)  # case 2: not accepted
    [reasons] = to(await bot.exchange(bot.api.press_button(CHEN, question, "不予立案")), CHEN.id)
    await bot.exchange(bot.api.press_button(CHEN, reasons, "信息不足"))
    [dispatch] = to(await bot.exchange(bot.api.send_text(RESIDENT, "复兴街垃圾堆成山了")), FENG.id)
    assert dispatch.text.startswith("新案件 #3")  # to 冯军, then transferred
    [shown] = await bot.replies(bot.api.send_command(CHEN, "/case", "3"))
    [bodies] = to(await bot.exchange(bot.api.press_button(CHEN, shown, "转办")), CHEN.id)
    await bot.exchange(bot.api.press_button(CHEN, bodies, "紫阳街道"))
    await bot.exchange(bot.api.send_text(CHEN, "属紫阳街道辖区"))

    database = Database(db_url)
    try:
        async with database.session() as session:
            street = (await session.exec(select(Street))).one()
            since, until = clock.now() - timedelta(days=10), clock.now() + timedelta(days=10)
            parties = {f.key: f for f in await assessment.indicators(session, street, since, until)}
            enforcement = parties["enforcement"]
            # Due twice: the first handling, and the rework after it came back.
            assert (enforcement.due, enforcement.handled, enforcement.closed) == (2, 1, 1)
            assert (enforcement.reworked, enforcement.reopened) == (1, 1)
            assert parties["sanitation"].due == 0  # transferred: due for nobody
            assert parties["sanitation"].transferred == 1
            assert sum(f.not_accepted for f in parties.values()) in (0, 1)
            communities = await assessment.indicators(session, street, since, until, "community")
            assert sum(f.not_accepted for f in communities) == 1
            assert sum(f.transferred for f in communities) == 1
            assert {"reopened", "not_accepted", "transferred"} <= set(enforcement.as_dict())
            agenda = await build_agenda(
                session, street, None, MeetingKind.STREET_MONTHLY, clock.now() + timedelta(hours=1)
            )
            assert (agenda.not_accepted, agenda.transferred) == (1, 1)
            rows = {r["number"]: r for r in await _export(session, "nanxing")}
            assert [rows[n]["state"] for n in (1, 2, 3)] == [
                "accepted",
                "not_accepted",
                "transferred",
            ]
            assert rows[3]["events"][-1]["action"] == "transfer"
    finally:
        await database.dispose()


async def test_a_case_once_handled_is_never_not_accepted_after_it_is_back(
    bot: BotHarness, db_url: str
) -> None:
    """Found by tests/test_case_model.py: not filing a reopened case took from 刘洋's unit the
    case it had handled. A case a unit has reported handled stays filed."""
    await close_vendor_case(bot)
    [shown] = await bot.replies(bot.api.send_command(RESIDENT, "/case", "1"))
    await bot.exchange(bot.api.press_button(RESIDENT, shown, "又出现了"))
    await bot.exchange(bot.api.send_text(RESIDENT, "今天早上又摆出来了"))
    for data in ("cs:nr:1:info", "cs:to:1:1"):
        [refused] = await bot.exchange(bot.api.press(CHEN, shown, data))
        assert refused.params["show_alert"] is True or "已经完成" in refused.params["text"]
    case, events, _leads = await the_case(db_url)
    assert case.state == CaseState.ACCEPTED
    assert "not_accept" not in [e.action for e in events]
    assert "transfer" not in [e.action for e in events]
