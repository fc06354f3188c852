"""The life of a case over the fake Bot API: dispatch, handling, verification, deadlines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from fakegram import FakeBotApi, FakeUser, Recorded
from models.cases import Assignment, Case, CaseAttachment, CaseEvent, CaseState
from models.clock import ManualClock
from models.db import Database
from scheduler.deadlines import run_once
from tests.harness import T0, BotHarness, bot_running

RESIDENT = FakeUser(900001, "小王")
LIU = FakeUser(100011, "刘洋")  # enforcement liaison, fuxing blocks
WANG = FakeUser(100010, "王强")  # enforcement unit head
SUN = FakeUser(100012, "孙磊")  # enforcement liaison, haiyue and shuicheng
CHEN = FakeUser(100001, "陈建国")  # street coordinator
FENG = FakeUser(100021, "冯军")  # sanitation liaison, fuxing
ADMIN = 424242


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    for user in (LIU, WANG, SUN, CHEN, FENG):
        api.open_chat(user)
    api.open_chat(FakeUser(ADMIN, "Admin"))
    async with bot_running(db_url, api, clock=clock, app={"admins": [ADMIN]}) as harness:
        yield harness


def to(records: list[Recorded], chat_id: int) -> list[Recorded]:
    return [
        r
        for r in records
        if r.chat_id == chat_id and r.method in ("sendMessage", "editMessageText")
    ]


async def one_case(db_url: str) -> tuple[Case, list[CaseEvent]]:
    database = Database(db_url)
    try:
        async with database.session() as session:
            case = (await session.exec(select(Case))).one()
            events = (
                await session.exec(
                    select(CaseEvent)
                    .where(CaseEvent.case_id == case.id)
                    .order_by(col(CaseEvent.id))
                )
            ).all()
            return case, list(events)
    finally:
        await database.dispose()


async def report_vendor(bot: BotHarness) -> Recorded:
    exchange = await bot.exchange(bot.api.send_text(RESIDENT, "复兴南街有人摆摊卖菜，路都堵了"))
    [dispatch] = to(exchange, LIU.id)
    return dispatch


async def test_report_dispatch_accept_done_confirm_close(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    dispatch = await report_vendor(bot)
    assert dispatch.text.startswith("新案件 #1：占道经营")
    assert "最近的便民疏导点（堵疏结合）：复兴街便民疏导点" in dispatch.text
    assert [b["text"] for b in dispatch.buttons()] == [
        "✋ 接单",
        "✅ 处置完成",
        "⏳ 延期",
        "↩️ 退回",
    ]

    clock.advance(timedelta(minutes=20))
    exchange = await bot.exchange(bot.api.press_button(LIU, dispatch, "接单"))
    assert exchange[0].params["text"] == "已接单，已通知反映人。"
    [progress] = to(exchange, RESIDENT.id)
    assert progress.text == "您的案件 #1 已由南星执法中队 刘洋接单处理。"
    [again] = await bot.exchange(bot.api.press_button(LIU, dispatch, "接单"))
    assert again.params["text"] == "这一步已经完成，或案件已进入下一环节。"  # a repeated press

    clock.advance(timedelta(hours=1))
    [ask] = to(await bot.exchange(bot.api.press_button(LIU, dispatch, "处置完成")), LIU.id)
    assert ask.text.startswith("案件 #1：请发送处置后的照片")
    exchange = await bot.exchange(bot.api.send_photo(LIU, caption="已劝离，引导到疏导点"))
    assert to(exchange, LIU.id)[0].text.startswith("谢谢。案件 #1 已标记为处置完成")
    [verify] = to(exchange, RESIDENT.id)
    assert verify.text == (
        "案件 #1（占道经营，复兴南街）已报处置完成。\n说明：已劝离，引导到疏导点\n问题解决了吗？"
    )

    clock.advance(timedelta(hours=2))
    exchange = await bot.exchange(bot.api.press_button(RESIDENT, verify, "已解决"))
    [stars] = [r for r in exchange if r.method == "editMessageText"]
    assert stars.text.startswith("谢谢！案件 #1 已结案。")
    assert to(exchange, LIU.id)[0].text == "案件 #1 已核查解决并结案。谢谢！"
    [rated, _removed] = await bot.exchange(bot.api.press_button(RESIDENT, stars, "⭐⭐⭐⭐⭐"))
    assert rated.params["text"] == "谢谢您的评价。"

    case, events = await one_case(db_url)
    assert case.state == CaseState.CLOSED and case.satisfaction == 5
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("create", None, "new"),
        ("route", "new", "dispatched"),
        ("accept", "dispatched", "accepted"),
        ("finish", "accepted", "done"),
        ("confirm", "done", "closed"),
    ]
    assert [e.actor_telegram_id for e in events[2:]] == [LIU.id, LIU.id, RESIDENT.id]
    assert [e.at - T0 for e in events[2:]] == [
        timedelta(minutes=20),
        timedelta(hours=1, minutes=20),
        timedelta(hours=3, minutes=20),
    ]
    database = Database(db_url)
    async with database.session() as session:
        [photo] = (await session.exec(select(CaseAttachment))).all()
        assert photo.event_id == events[3].id
    await database.dispose()


async def test_hand_back_triage_and_reassign(bot: BotHarness, db_url: str) -> None:
    dispatch = await report_vendor(bot)
    [reasons] = to(await bot.exchange(bot.api.press_button(LIU, dispatch, "退回")), LIU.id)
    exchange = await bot.exchange(bot.api.press_button(LIU, reasons, "不在我们的负责区域"))
    [triage] = to(exchange, CHEN.id)
    assert triage.text.startswith("案件 #1（占道经营，复兴南街）需要人工分派：不在我们的负责区域")
    case, _events = await one_case(db_url)
    assert case.state == CaseState.TRIAGE
    [parties] = to(await bot.exchange(bot.api.press_button(CHEN, triage, "分派")), CHEN.id)
    [people] = to(await bot.exchange(bot.api.press_button(CHEN, parties, "南星执法中队")), CHEN.id)
    assert [b["text"] for b in people.buttons()] == ["王强", "刘洋", "孙磊"]
    exchange = await bot.exchange(bot.api.press_button(CHEN, people, "孙磊"))
    assert to(exchange, CHEN.id)[0].text == "案件 #1 已分派给孙磊。"
    [new_dispatch] = to(exchange, SUN.id)
    assert new_dispatch.text.startswith("新案件 #1：占道经营")
    case, events = await one_case(db_url)
    assert case.state == CaseState.DISPATCHED
    assert [e.action for e in events][-2:] == ["hand_back", "assign"]
    assert events[-2].note == "Not in our area"
    # The old assignee's buttons are stale now: he is no longer the assignee.
    [stale] = await bot.exchange(bot.api.press_button(LIU, dispatch, "接单"))
    assert stale.params["show_alert"] is True


async def test_hand_back_with_a_typed_reason(bot: BotHarness, db_url: str) -> None:
    dispatch = await report_vendor(bot)
    [reasons] = to(await bot.exchange(bot.api.press_button(LIU, dispatch, "退回")), LIU.id)
    await bot.exchange(bot.api.press_button(LIU, reasons, "其他原因"))
    exchange = await bot.exchange(bot.api.send_text(LIU, "这是菜场的固定摊位，归市场管理"))
    assert to(exchange, LIU.id)[0].text == "已退回，街道将重新分派。"
    assert "这是菜场的固定摊位" in to(exchange, CHEN.id)[0].text
    _case, events = await one_case(db_url)
    assert events[-1].note == "这是菜场的固定摊位，归市场管理"


async def test_not_fixed_reopens_to_the_same_assignee(bot: BotHarness, db_url: str) -> None:
    dispatch = await report_vendor(bot)
    await bot.exchange(bot.api.press_button(LIU, dispatch, "处置完成"))
    [verify] = to(await bot.exchange(bot.api.send_text(LIU, "已清理")), RESIDENT.id)
    exchange = await bot.exchange(bot.api.press_button(RESIDENT, verify, "没解决"))
    [ask] = to(exchange, RESIDENT.id)
    assert ask.text == (
        "很抱歉。案件 #1 已退回返工。如您愿意，请用一条消息写下还有什么问题，我们会转告处置人。"
    )
    [rework] = to(exchange, LIU.id)  # at once: the press is the objection
    assert rework.text.startswith("返工 #1：占道经营\n反映人说问题没有解决。\n地点：复兴南街")
    assert "新案件" not in rework.text
    assert [b["text"] for b in rework.buttons()] == ["✅ 处置完成", "⏳ 延期", "↩️ 退回"]
    case, events = await one_case(db_url)
    assert case.state == CaseState.ACCEPTED
    assert (events[-1].action, events[-1].note) == ("reopen", None)
    exchange = await bot.exchange(bot.api.send_text(RESIDENT, "下午又摆出来了"))
    [reason] = to(exchange, LIU.id)
    assert reason.text == "返工 #1：反映人说还有这些问题：下午又摆出来了"
    assert [r.text for r in to(exchange, RESIDENT.id)] == ["谢谢。已将问题转告处置人。"]
    case, events = await one_case(db_url)
    assert case.state == CaseState.ACCEPTED
    assert (events[-1].action, events[-1].note) == ("reopen", "下午又摆出来了")


async def test_not_fixed_without_a_reason_never_closes_by_default(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    dispatch = await report_vendor(bot)
    await bot.exchange(bot.api.press_button(LIU, dispatch, "处置完成"))
    [verify] = to(await bot.exchange(bot.api.send_text(LIU, "已清理")), RESIDENT.id)
    await bot.exchange(bot.api.press_button(RESIDENT, verify, "没解决"))
    clock.advance(timedelta(hours=80))  # no reason typed, past the verification time
    notices = await bot.tick(run_once)
    assert "closed_by_default" not in [n.kind for n in notices]
    assert not any(
        r.text.startswith("您的案件 #1 已结案") for r in bot.api.sent("sendMessage", RESIDENT.id)
    )
    case, events = await one_case(db_url)
    assert case.state == CaseState.ACCEPTED and case.closed_at is None
    assert "close_by_default" not in [e.action for e in events]
    assert [e.action for e in events].count("reopen") == 1


async def test_overdue_escalates_up_the_chain_once_each(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    await report_vendor(bot)  # 4 hours: reminded 1 h before, then a step every 2 h
    assert await bot.tick(run_once) == []
    clock.advance(timedelta(hours=3, minutes=1))
    [remind] = await bot.tick(run_once)
    assert remind.kind == "remind" and remind.recipients == [LIU.id]
    assert bot.api.last("sendMessage", LIU.id).text.startswith(
        "提醒：案件 #1（占道经营，复兴南街）"
    )
    assert await bot.tick(run_once) == []  # nothing twice
    clock.advance(timedelta(hours=1))
    [overdue] = await bot.tick(run_once)
    assert (overdue.level, overdue.recipients) == (1, [LIU.id])
    assert bot.api.last("sendMessage", LIU.id).text.startswith("已超时：案件 #1")
    clock.advance(timedelta(hours=2))
    [head] = await bot.tick(run_once)
    assert (head.level, head.recipients) == (2, [WANG.id])
    assert bot.api.last("sendMessage", WANG.id).text.startswith(
        "升级督办：案件 #1（占道经营，复兴南街）由南星执法中队 刘洋处理"
    )
    clock.advance(timedelta(hours=10))  # downtime: both remaining steps fall due at once
    steps = await bot.tick(run_once)
    assert [(n.level, n.recipients) for n in steps] == [(3, [CHEN.id]), (4, [ADMIN])]
    assert await bot.tick(run_once) == []
    _case, events = await one_case(db_url)
    assert [e.action for e in events].count("escalate") == 4
    assert [e.action for e in events].count("remind") == 1


async def test_each_person_hears_a_missed_deadline_once(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    """Handed back after the deadline: the coordinators hear the case is overdue once, not at
    every later step, and the escalation does not name the liaison who gave it back."""
    dispatch = await report_vendor(bot)
    clock.advance(timedelta(hours=4, minutes=1))
    await bot.tick(run_once)  # reminded, then overdue: 刘洋
    [reasons] = to(await bot.exchange(bot.api.press_button(LIU, dispatch, "退回")), LIU.id)
    await bot.exchange(bot.api.press(LIU, reasons, reasons.buttons()[0]["callback_data"]))
    told: list[int] = []
    for _step in range(4):
        clock.advance(timedelta(hours=2))
        told += [r for n in await bot.tick(run_once) for r in n.recipients]
    assert told.count(CHEN.id) == 1 and LIU.id not in told
    texts = [r.text for r in bot.api.sent("sendMessage", CHEN.id) if "#1" in r.text]
    assert not any("刘洋处理" in t for t in texts)  # he gave it back: not "handled by 刘洋"


async def test_postponement_within_and_past_the_limit(bot: BotHarness, db_url: str) -> None:
    dispatch = await report_vendor(bot)
    [menu] = to(await bot.exchange(bot.api.press_button(LIU, dispatch, "延期")), LIU.id)
    assert [b["text"] for b in menu.buttons()] == [  # working days: not a Sunday
        "11月27日 14:00",
        "12月1日 14:00",
        "12月7日 14:00",
        "📅 另选日期…",
        "✖️ 取消",
    ]
    await bot.exchange(bot.api.press_button(LIU, menu, "11月27日"))
    exchange = await bot.exchange(bot.api.send_text(LIU, "摊主答应明天搬走"))
    assert to(exchange, LIU.id)[0].text == "案件 #1 的时限已延至 11月27日 14:00。"
    case, _ = await one_case(db_url)
    assert case.due_at == T0 + timedelta(hours=4, days=1)
    # One more day again is past one period from the original deadline (counted from it, not
    # from the postponed one): the coordinator decides.
    [menu] = to(await bot.exchange(bot.api.press_button(LIU, dispatch, "延期")), LIU.id)
    await bot.exchange(bot.api.press_button(LIU, menu, "11月30日"))
    exchange = await bot.exchange(bot.api.send_text(LIU, "要等执法中队统一行动"))
    assert to(exchange, LIU.id)[0].text == "超过了该类别的期限，已请协调员审批。"
    [request] = to(exchange, CHEN.id)
    assert request.text.startswith("案件 #1 申请延期：从 11月27日 14:00 延至 11月30日 14:00。")
    [forged] = await bot.exchange(bot.api.press_button(LIU, request, "批准"))
    assert forged.params["show_alert"] is True  # only a coordinator approves
    exchange = await bot.exchange(bot.api.press_button(CHEN, request, "批准"))
    assert to(exchange, LIU.id)[0].text == "案件 #1 的延期已批准：新时限 11月30日 14:00。"
    case, events = await one_case(db_url)
    assert case.due_at == T0 + timedelta(hours=4, days=4)
    assert [e.action for e in events][-3:] == ["postpone", "postpone_request", "postpone"]


async def test_postponing_an_overdue_case_offers_only_future_dates(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    dispatch = await report_vendor(bot)  # due Thursday 14:00
    clock.advance(timedelta(days=1, hours=6))  # Friday 16:00: overdue by more than a day
    [menu] = to(await bot.exchange(bot.api.press_button(LIU, dispatch, "延期")), LIU.id)
    assert [b["text"] for b in menu.buttons()] == [  # from now, on working days
        "11月30日 16:00",
        "12月2日 16:00",
        "12月8日 16:00",
        "📅 另选日期…",
        "✖️ 取消",
    ]
    await bot.exchange(bot.api.press_button(LIU, menu, "11月30日"))
    exchange = await bot.exchange(bot.api.send_text(LIU, "摊主周末不在"))
    # Past one period of the original deadline: not postponed without approval.
    assert to(exchange, LIU.id)[0].text == "超过了该类别的期限，已请协调员审批。"
    [request] = to(exchange, CHEN.id)
    assert request.text.startswith("案件 #1 申请延期：从 11月26日 14:00 延至 11月30日 16:00。")
    case, events = await one_case(db_url)
    assert case.due_at == T0 + timedelta(hours=4)
    assert events[-1].action == "postpone_request"
    assert datetime.fromisoformat(events[-1].data["to"]) == T0 + timedelta(days=4, hours=6)


async def test_verification_times_out_to_closed(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    dispatch = await report_vendor(bot)
    await bot.exchange(bot.api.press_button(LIU, dispatch, "处置完成"))
    await bot.exchange(bot.api.send_text(LIU, "已清理"))
    clock.advance(timedelta(hours=71))
    assert [n.kind for n in await bot.tick(run_once)] == []
    clock.advance(timedelta(hours=2))
    [closed] = await bot.tick(run_once)
    assert closed.kind == "closed_by_default"
    assert bot.api.last("sendMessage", RESIDENT.id).text.startswith(
        "您的案件 #1 已结案：已处置完成"
    )
    case, events = await one_case(db_url)
    assert case.state == CaseState.CLOSED and events[-1].action == "close_by_default"


async def test_a_forged_callback_from_a_resident_is_refused(bot: BotHarness, db_url: str) -> None:
    dispatch = await report_vendor(bot)
    [menu] = await bot.replies(bot.api.send_command(RESIDENT, "/language"))
    for data in (
        "cs:a:1",
        "cs:d:1",
        "cs:B:1:ours",
        "cs:P:1:7",
        "cs:Y:1:y",
        "cs:tm:1:5",
        "cs:tp:1:3",
        "cs:t:1",
        "cs:zz:1",
        "cs:a:999",
        "cs:a:abc:1:2",
    ):
        exchange = await bot.exchange(bot.api.press(RESIDENT, menu, data))
        assert [r.method for r in exchange] == ["answerCallbackQuery"], data
        assert exchange[0].params["show_alert"] is True
    case, events = await one_case(db_url)
    assert case.state == CaseState.DISPATCHED and len(events) == 2
    # Another liaison of the same party is not the assignee either.
    [refused] = await bot.exchange(bot.api.press_button(SUN, dispatch, "接单"))
    assert refused.params["text"].startswith("抱歉")
    # The unit head may act for his liaison.
    exchange = await bot.exchange(bot.api.press_button(WANG, dispatch, "接单"))
    assert exchange[0].params["text"] == "已接单，已通知反映人。"


async def test_assisting_party_reports_its_part(bot: BotHarness, db_url: str) -> None:
    community_coordinator = 100002  # 周丽: the community party's member for fuxing
    bot.api.open_chat(FakeUser(community_coordinator, "周丽"))
    exchange = await bot.exchange(bot.api.send_text(RESIDENT, "复兴街垃圾堆成山了"))
    [notice] = to(exchange, community_coordinator)
    assert notice.text.startswith("请贵单位配合处理案件 #1（暴露垃圾，复兴街）")
    [answer, _edit] = await bot.exchange(
        bot.api.press_button(FakeUser(community_coordinator, "周丽"), notice, "我方配合完成")
    )
    assert answer.params["text"] == "已记录：贵方配合部分已完成。"
    [again] = await bot.exchange(
        bot.api.press_button(FakeUser(community_coordinator, "周丽"), notice, "我方配合完成")
    )
    assert again.params["show_alert"] is True
    _case, events = await one_case(db_url)
    assert events[-1].action == "assist_done"


async def test_triage_command_and_case_buttons(bot: BotHarness) -> None:
    [ask] = await bot.replies(bot.api.send_text(RESIDENT, "桥直巷有点问题"))
    await bot.exchange(bot.api.press_button(RESIDENT, ask, "其他"))
    [listing] = await bot.replies(bot.api.send_command(CHEN, "/triage"))
    assert listing.text == "待分派（1 件）：\n#1 · 其他 · 桥直巷"
    assert [b["text"] for b in listing.buttons()] == ["分派 #1"]
    [refused] = await bot.replies(bot.api.send_command(RESIDENT, "/triage"))
    assert refused.text.startswith("抱歉")
    [shown] = await bot.replies(bot.api.send_command(CHEN, "/case", "1"))
    assert [b["text"] for b in shown.buttons()] == ["分派", "🚫 不予立案", "↪️ 转办"]


async def test_dispatches_are_posted_in_the_community_group(bot: BotHarness) -> None:
    group = -1001000000101  # 复兴社区's group in the sample roster
    bot.api.chats[group] = {"id": group, "type": "supergroup", "title": "复兴社区"}
    exchange = await bot.exchange(bot.api.send_text(RESIDENT, "复兴南街有人摆摊卖菜"))
    [post] = to(exchange, group)
    assert post.text.startswith("案件 #1（占道经营，复兴南街）已派给南星执法中队 刘洋，时限 ")
    assert post.buttons() == [] and "小王" not in post.text


async def test_followers_hear_progress(bot: BotHarness) -> None:
    neighbour = FakeUser(900002, "Alice", "en")
    dispatch = await report_vendor(bot)
    await bot.exchange(bot.api.send_text(neighbour, "Vendors blocking Fuxing South Street"))
    exchange = await bot.exchange(bot.api.press_button(LIU, dispatch, "接单"))
    [told] = to(exchange, neighbour.id)
    assert told.text == "Your case #1 has been taken on by 南星执法中队 刘洋."


async def test_everyone_hears_one_story_of_a_rework(bot: BotHarness) -> None:
    neighbour = FakeUser(900002, "Alice", "en")
    dispatch = await report_vendor(bot)
    await bot.exchange(bot.api.send_text(neighbour, "Vendors blocking Fuxing South Street"))
    start = len(bot.api.sent("sendMessage", neighbour.id))
    await bot.exchange(bot.api.press_button(LIU, dispatch, "处置完成"))
    exchange = await bot.exchange(bot.api.send_text(LIU, "已清理"))
    [verify] = to(exchange, RESIDENT.id)
    [done] = to(exchange, neighbour.id)  # told "done" as the reporter is, without the question
    assert done.text == "Your case #1 is reported handled; it is now being checked."
    assert done.buttons() == []
    exchange = await bot.exchange(bot.api.press_button(RESIDENT, verify, "没解决"))
    [rework] = to(exchange, LIU.id)
    assert rework.text.startswith("返工 #1：占道经营\n反映人说问题没有解决。")
    [reopened] = to(exchange, neighbour.id)
    assert reopened.text == "Your case #1 has been reopened and sent back to be fixed."
    exchange = await bot.exchange(bot.api.send_text(RESIDENT, "还在"))
    assert to(exchange, neighbour.id) == []  # the reason is for the assignee
    assert to(exchange, LIU.id)[0].text == "返工 #1：反映人说还有这些问题：还在"
    await bot.exchange(bot.api.press_button(LIU, rework, "处置完成"))
    exchange = await bot.exchange(bot.api.send_text(LIU, "这次清走了"))
    [verify] = to(exchange, RESIDENT.id)
    await bot.exchange(bot.api.press_button(RESIDENT, verify, "已解决"))
    heard = [r.text for r in bot.api.sent("sendMessage", neighbour.id)[start:]]
    assert heard == [
        "Your case #1 is reported handled; it is now being checked.",
        "Your case #1 has been reopened and sent back to be fixed.",
        "Your case #1 is reported handled; it is now being checked.",
        "Your case #1 is closed. Thank you for reporting it.",
    ]


async def test_reassigning_gives_the_full_time_from_now_and_may_correct_the_category(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    dispatch = await report_vendor(bot)  # a vendor: 4 hours, due Thursday 14:00
    [reasons] = to(await bot.exchange(bot.api.press_button(LIU, dispatch, "退回")), LIU.id)
    exchange = await bot.exchange(bot.api.press_button(LIU, reasons, "不在我们的负责区域"))
    [triage] = to(exchange, CHEN.id)
    clock.advance(timedelta(days=1))  # Friday 10:00: the old deadline has long passed
    [parties] = to(await bot.exchange(bot.api.press_button(CHEN, triage, "分派")), CHEN.id)
    assert parties.text.startswith("类别：占道经营。如有误，请先更改。\n案件 #1：派给哪个单位？")
    [kinds] = to(await bot.exchange(bot.api.press_button(CHEN, parties, "更改类别")), CHEN.id)
    assert "✓ 占道经营" in [b["text"] for b in kinds.buttons()]
    [parties] = to(await bot.exchange(bot.api.press_button(CHEN, kinds, "暴露垃圾")), CHEN.id)
    assert parties.text.startswith("类别：暴露垃圾。")
    [people] = to(await bot.exchange(bot.api.press_button(CHEN, parties, "南星环卫所")), CHEN.id)
    exchange = await bot.exchange(bot.api.press_button(CHEN, people, "冯军"))
    [card] = to(exchange, FENG.id)
    assert card.text.startswith("新案件 #1：暴露垃圾")
    assert "11月28日 10:00" in card.text  # rubbish: 24 hours from the assignment
    case, events = await one_case(db_url)
    assert case.due_at == T0 + timedelta(days=2)
    assert [e.action for e in events][-3:] == ["hand_back", "recategorise", "assign"]
    assert (events[-2].data, events[-2].from_state, events[-2].to_state) == (
        {"from": "street_vendor", "to": "garbage"},
        "triage",
        "triage",
    )
    database = Database(db_url)
    try:
        async with database.session() as session:
            [*_, lead] = (await session.exec(select(Assignment).order_by(col(Assignment.id)))).all()
            assert (lead.member_id is not None, lead.due_at) == (True, T0 + timedelta(days=2))
    finally:
        await database.dispose()
