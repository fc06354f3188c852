"""Report intake over the fake Bot API, with the sample roster loaded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import col, select

from fakegram import FakeBotApi, FakeUser, Recorded
from models.cases import Assignment, AssignmentRole, Case, CaseAttachment, CaseEvent, CaseState
from models.clock import ManualClock
from models.db import Database
from tests.harness import T0, BotHarness, bot_running

RESIDENT = FakeUser(900001, "小王")
NEIGHBOUR = FakeUser(900002, "Alice", "en")
FENG = 100021  # sanitation liaison for fuxing
LIN = 100080  # street chief of 复兴街 and 桥直巷
CHEN = 100001  # street coordinator
SUN = 100012  # enforcement liaison for haiyue and shuicheng


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    async with bot_running(db_url, api, clock=clock) as harness:
        yield harness


async def cases(db_url: str) -> list[Case]:
    database = Database(db_url)
    try:
        async with database.session() as session:
            return list((await session.exec(select(Case).order_by(col(Case.id)))).all())
    finally:
        await database.dispose()


def to(records: list[Recorded], chat_id: int) -> list[Recorded]:
    return [r for r in records if r.chat_id == chat_id and r.method == "sendMessage"]


async def test_a_text_report_with_an_alley_is_acknowledged_and_dispatched(
    bot: BotHarness, db_url: str
) -> None:
    exchange = await bot.exchange(
        bot.api.send_text(RESIDENT, "复兴街12号门口的垃圾好几天没人清理了，臭死了")
    )
    [ack] = to(exchange, RESIDENT.id)
    assert ack.text.splitlines() == [
        "已受理，案件编号 #1。",
        "类别：暴露垃圾",
        "地点：复兴街",
        "处理：南星环卫所，预计 11月27日 10:00 前处理完毕。",
        "/case 1 查看进展；/my 查看您反映的全部问题。",
    ]
    assert [b["text"] for b in ack.buttons()] == [
        "🙈 不向处理人员透露我的身份",
        "📞 处理人员可以打电话给我",
    ]
    [dispatch] = to(exchange, FENG)
    assert dispatch.text.startswith("新案件 #1：暴露垃圾\n地点：复兴街\n内容：复兴街12号门口")
    assert "反映人：小王" in dispatch.text
    [copy] = to(exchange, LIN)
    assert copy.text == "告知：您负责的复兴街有新案件 #1（暴露垃圾），已派给南星环卫所 冯军。"
    [case] = await cases(db_url)
    assert case.number == 1 and case.state == CaseState.DISPATCHED
    assert case.due_at == T0 + timedelta(hours=24)
    database = Database(db_url)
    async with database.session() as session:
        events = (
            await session.exec(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.id))
            )
        ).all()
        assert [(e.action, e.to_state) for e in events] == [
            ("create", CaseState.NEW),
            ("route", CaseState.DISPATCHED),
        ]
        roles = sorted(a.role for a in (await session.exec(select(Assignment))).all())
        assert roles == [AssignmentRole.ASSIST, AssignmentRole.COPY, AssignmentRole.LEAD]
    await database.dispose()


async def test_english_report_gets_an_english_acknowledgement(bot: BotHarness) -> None:
    exchange = await bot.exchange(
        bot.api.send_text(NEIGHBOUR, "Cars parked on the pavement in Haiyue Lane")
    )
    [ack] = to(exchange, NEIGHBOUR.id)
    assert ack.text.splitlines()[:3] == [
        "Received: case #1.",
        "What: Illegal parking",
        "Where: 海月巷",
    ]
    assert "by Nov 26 12:00" in ack.text  # two hours, in Shanghai time


async def test_a_photo_with_caption_then_a_location_makes_one_case(
    bot: BotHarness, db_url: str
) -> None:
    [question] = await bot.replies(bot.api.send_photo(RESIDENT, caption="这里垃圾堆了好几天"))
    assert question.text.startswith("在哪里？")
    exchange = await bot.exchange(bot.api.send_location(RESIDENT, 30.2209, 120.1815))
    [ack] = to(exchange, RESIDENT.id)
    assert "地点：海月巷" in ack.text
    assert to(exchange, 100022)  # 何静, sanitation for haiyue
    [case] = await cases(db_url)
    assert case.lat == pytest.approx(30.2209)
    database = Database(db_url)
    async with database.session() as session:
        [photo] = (await session.exec(select(CaseAttachment))).all()
        assert photo.kind == "photo" and photo.caption == "这里垃圾堆了好几天"
    await database.dispose()


async def test_an_album_is_one_report(bot: BotHarness, db_url: str) -> None:
    first = bot.api.send_photo(
        RESIDENT, caption="江城巷地砖松动，好几块翘起来了", media_group_id="g1"
    )
    second = bot.api.send_photo(RESIDENT, media_group_id="g1")
    third = bot.api.send_photo(RESIDENT, media_group_id="g1")
    acks = to(await bot.exchange(first), RESIDENT.id)
    assert acks[0].text.startswith("已受理，案件编号 #1。")
    assert to(await bot.exchange(second), RESIDENT.id) == []
    assert to(await bot.exchange(third), RESIDENT.id) == []
    [case] = await cases(db_url)
    database = Database(db_url)
    async with database.session() as session:
        photos = (
            await session.exec(select(CaseAttachment).where(CaseAttachment.case_id == case.id))
        ).all()
        assert len(photos) == 3
    await database.dispose()


async def test_no_place_asks_and_the_answer_completes_the_report(
    bot: BotHarness, db_url: str
) -> None:
    [question] = await bot.replies(bot.api.send_text(RESIDENT, "路灯坏了，晚上很黑"))
    assert question.text.startswith("在哪里？")
    exchange = await bot.exchange(bot.api.send_text(RESIDENT, "在复兴南街"))
    [ack] = to(exchange, RESIDENT.id)
    assert "类别：路灯不亮" in ack.text and "地点：复兴南街" in ack.text
    [case] = await cases(db_url)
    assert case.text == "路灯坏了，晚上很黑\n在复兴南街"


async def test_choosing_the_place_with_a_button(bot: BotHarness) -> None:
    [question] = await bot.replies(bot.api.send_text(RESIDENT, "复兴那边有人乱倒建筑垃圾"))
    labels = [b["text"] for b in question.buttons()]
    assert labels[:2] == ["复兴街", "复兴南街"]
    exchange = await bot.exchange(bot.api.press_button(RESIDENT, question, "复兴南街"))
    edited = [r for r in exchange if r.method == "editMessageText"]
    assert edited[0].text.endswith("✓ 复兴南街")
    [ack] = to(exchange, RESIDENT.id)
    assert "地点：复兴南街" in ack.text


async def test_two_alleys_named_is_a_question(bot: BotHarness) -> None:
    [question] = await bot.replies(bot.api.send_text(RESIDENT, "海月巷和小溪巷路口有个大坑"))
    assert question.text == "您提到了不止一个地点。是哪条街巷？"
    assert [b["text"] for b in question.buttons()] == ["海月巷", "小溪巷", "取消这次反映"]


async def test_an_unsure_category_is_offered_with_buttons(bot: BotHarness, db_url: str) -> None:
    [question] = await bot.replies(bot.api.send_text(RESIDENT, "桥直巷那里有点问题，麻烦来看看"))
    assert question.text == "这是什么问题？"
    labels = [b["text"] for b in question.buttons()]
    assert "其他" in labels and "取消这次反映" in labels
    exchange = await bot.exchange(bot.api.press_button(RESIDENT, question, "其他"))
    [ack] = to(exchange, RESIDENT.id)
    assert "处理：由街道分派给相应单位" in ack.text
    [triage] = to(exchange, CHEN)
    assert triage.text.startswith("案件 #1（其他，桥直巷）需要人工分派")
    [case] = await cases(db_url)
    assert case.state == CaseState.TRIAGE


async def test_a_duplicate_is_linked_not_dispatched_again(bot: BotHarness, db_url: str) -> None:
    await bot.exchange(bot.api.send_text(RESIDENT, "复兴街12号垃圾桶满了没人清"))
    exchange = await bot.exchange(bot.api.send_text(NEIGHBOUR, "Rubbish piling up on Fuxing St"))
    [reply] = to(exchange, NEIGHBOUR.id)
    assert reply.text.startswith("Thank you. This problem has already been reported as case #1")
    assert to(exchange, FENG) == [] and to(exchange, LIN) == []
    original, duplicate = await cases(db_url)
    assert original.report_count == 2 and original.state == CaseState.DISPATCHED
    assert duplicate.state == CaseState.VOID and duplicate.duplicate_of_id == original.id
    [mine] = await bot.replies(bot.api.send_command(NEIGHBOUR, "/my"))
    assert "#1 · Rubbish and dirty streets · 复兴街 · assigned" in mine.text
    [shown] = await bot.replies(bot.api.send_command(NEIGHBOUR, "/case", "1"))
    assert "Reported by 2 people" in shown.text


async def test_a_repeat_takes_no_number_and_one_person_counts_once(
    bot: BotHarness, db_url: str
) -> None:
    """Case numbers go to real cases only, and "reported by N people" counts people."""
    await bot.exchange(bot.api.send_text(RESIDENT, "复兴街12号垃圾桶满了没人清"))
    await bot.exchange(bot.api.send_text(NEIGHBOUR, "Rubbish piling up on Fuxing St"))
    [again] = await bot.replies(bot.api.send_text(NEIGHBOUR, "Still rubbish on Fuxing St"))
    assert again.text.startswith("You have reported this already: it is case #1")
    [self_again] = await bot.replies(bot.api.send_text(RESIDENT, "复兴街的垃圾还是没人清"))
    assert self_again.text.startswith("您已经反映过这个问题：案件 #1")
    [ack] = await bot.replies(bot.api.send_text(RESIDENT, "桥直巷路灯不亮了"), RESIDENT.id)
    assert ack.text.startswith("已受理，案件编号 #2。")  # not #5: the repeats took no number
    original, *repeats, lamp = await cases(db_url)
    assert original.report_count == 2  # 小王 and Alice, however often they wrote
    assert [r.number for r in repeats] == [None, None, None]
    assert all(r.duplicate_of_id == original.id for r in repeats)
    assert (original.number, lamp.number) == (1, 2)


async def test_a_location_far_away_is_not_guessed(bot: BotHarness, db_url: str) -> None:
    await bot.exchange(bot.api.send_text(RESIDENT, "这里有人乱扔垃圾"))
    [reply] = await bot.replies(bot.api.send_location(RESIDENT, 31.2304, 121.4737))  # Shanghai
    assert reply.text.startswith("这个位置不在我负责的街巷范围内")
    assert await cases(db_url) == []


async def test_rate_limit(db_url: str, api: FakeBotApi, roster: object, clock: ManualClock) -> None:
    async with bot_running(db_url, api, clock=clock, intake={"reports_per_hour": 2}) as bot:
        for alley in ("复兴街", "江城巷"):
            await bot.exchange(bot.api.send_text(RESIDENT, f"{alley}垃圾没人清"))
        [refused] = await bot.replies(bot.api.send_text(RESIDENT, "里新巷垃圾没人清"))
        assert refused.text.startswith("您一小时内已经反映了 2 个问题")
        clock.advance(timedelta(hours=1, minutes=1))
        [ack] = to(await bot.exchange(bot.api.send_text(RESIDENT, "里新巷垃圾没人清")), RESIDENT.id)
        assert ack.text.startswith("已受理，案件编号 #3。")


async def test_nonsense_gets_guidance_and_no_case(bot: BotHarness, db_url: str) -> None:
    for send in (
        lambda: bot.api.send_text(RESIDENT, "😀😀👍"),
        lambda: bot.api.send_text(RESIDENT, "。。。"),
        lambda: bot.api.send_sticker(RESIDENT),
    ):
        [reply] = await bot.replies(send())
        assert reply.text.startswith("反映问题时，请用文字描述问题并说明地点")
    assert await cases(db_url) == []


async def test_a_very_long_report_is_kept_whole(bot: BotHarness, db_url: str) -> None:
    text = "复兴街的垃圾问题：" + "垃圾越堆越多，" * 500
    exchange = await bot.exchange(bot.api.send_text(RESIDENT, text))
    [case] = await cases(db_url)
    assert case.text == text
    [dispatch] = to(exchange, FENG)
    assert len(dispatch.text) < 600 and dispatch.text.count("…") == 1


async def test_anonymity(bot: BotHarness, db_url: str) -> None:
    exchange = await bot.exchange(bot.api.send_text(RESIDENT, "匿名反映：海月巷有人占道经营卖水果"))
    [dispatch] = to(exchange, SUN)
    assert "反映人：匿名" in dispatch.text
    [ack] = to(exchange, RESIDENT.id)
    assert "处理人员将看不到您的身份。" in ack.text and ack.buttons() == []
    exchange = await bot.exchange(bot.api.send_text(RESIDENT, "江城巷路面塌陷了"))
    [ack] = to(exchange, RESIDENT.id)
    other = FakeUser(900005, "路人")
    [forged] = await bot.exchange(bot.api.press(other, ack, ack.buttons()[0]["callback_data"]))
    assert forged.method == "answerCallbackQuery" and forged.params["show_alert"] is True
    [answer, _edit] = await bot.exchange(bot.api.press_button(RESIDENT, ack, "不向处理人员透露"))
    assert answer.params["text"] == "好的，处理人员将看不到您的身份。"
    assert [c.anonymous for c in await cases(db_url)] == [True, True]


async def test_urgent_manhole_is_due_in_two_hours(bot: BotHarness, db_url: str) -> None:
    await bot.exchange(bot.api.send_text(RESIDENT, "里新巷井盖没了，很危险"))
    [case] = await cases(db_url)
    assert case.urgency == "urgent" and case.due_at == T0 + timedelta(hours=2)


async def test_working_day_deadline_skips_the_weekend(bot: BotHarness, db_url: str) -> None:
    await bot.exchange(bot.api.send_text(RESIDENT, "水澄南街有人破墙开店"))
    [case] = await cases(db_url)
    # Thursday 10:00 + 5 working days = next Thursday 10:00
    assert case.due_at == T0 + timedelta(days=7)


async def test_street_chief_and_inspector_reports_are_marked(bot: BotHarness, db_url: str) -> None:
    [ack] = to(
        await bot.exchange(bot.api.send_text(FakeUser(LIN, "林老伯"), "桥直巷路灯不亮")), LIN
    )
    assert "已标记为街长反映。" in ack.text
    inspector = FakeUser(100090, "钱师傅")
    [ack] = to(await bot.exchange(bot.api.send_text(inspector, "小溪巷有小广告")), inspector.id)
    assert "已标记为街道巡查发现：由职能单位整改（块查条改）。" in ack.text
    chief_case, inspector_case = await cases(db_url)
    assert chief_case.reporter_role == "street_chief"
    assert (
        inspector_case.inspection_level == "street" and inspector_case.reporter_role == "inspector"
    )


async def test_a_voice_note_is_kept_and_the_bot_asks_what_is_missing(
    bot: BotHarness, db_url: str
) -> None:
    [question] = await bot.replies(bot.api.send_voice(RESIDENT))
    # Kept, and the bot asks in words for what and where: nothing is created yet.
    assert question.text.startswith("您的语音已随反映保存，但我听不了语音。")
    assert await cases(db_url) == []
    [question] = await bot.replies(bot.api.send_text(RESIDENT, "桥直巷"))
    assert question.text == "这是什么问题？"
    exchange = await bot.exchange(bot.api.press_button(RESIDENT, question, "噪音油烟"))
    assert "类别：噪音油烟" in to(exchange, RESIDENT.id)[0].text
    database = Database(db_url)
    async with database.session() as session:
        [voice] = (await session.exec(select(CaseAttachment))).all()
        assert voice.kind == "voice"
    await database.dispose()


async def test_cancelling_and_forged_draft_buttons(bot: BotHarness, db_url: str) -> None:
    [question] = await bot.replies(bot.api.send_text(RESIDENT, "路灯坏了"))
    stranger = FakeUser(900009, "陌生人")
    [forged] = await bot.exchange(
        bot.api.press(stranger, question, question.buttons()[-1]["callback_data"])
    )
    assert forged.params["text"] == "这个按钮已失效。"
    [_answer, edit] = await bot.exchange(bot.api.press_button(RESIDENT, question, "取消这次反映"))
    assert edit.text == "已取消，没有记录任何内容。"
    [question] = await bot.replies(bot.api.send_text(RESIDENT, "复兴街"))
    assert question.text == "这是什么问题？"  # a fresh report, not the cancelled one
    assert await cases(db_url) == []


async def test_case_is_shown_only_to_those_concerned(bot: BotHarness) -> None:
    await bot.exchange(bot.api.send_text(RESIDENT, "复兴南街有人摆摊卖菜"))
    [mine] = await bot.replies(bot.api.send_command(RESIDENT, "/case", "1"))
    assert mine.text.startswith(
        "案件 #1：占道经营\n地点：复兴南街\n状态：已派遣\n处理单位：南星执法中队 刘洋"
    )
    [refused] = await bot.replies(bot.api.send_command(NEIGHBOUR, "/case", "1"))
    assert refused.text == "I cannot show you case #1."
    [missing] = await bot.replies(bot.api.send_command(NEIGHBOUR, "/case", "999"))
    assert missing.text == "I cannot show you case #999."
    for who in (FakeUser(CHEN, "陈建国"), FakeUser(100011, "刘洋"), FakeUser(100002, "周丽")):
        [shown] = await bot.replies(bot.api.send_command(who, "/case", "#1"))
        assert shown.text.startswith("案件 #1")
    [other_coordinator] = await bot.replies(
        bot.api.send_command(FakeUser(100003, "吴海"), "/case", "1")
    )
    assert other_coordinator.text == "无法向您显示案件 #1。"
    [usage] = await bot.replies(bot.api.send_command(RESIDENT, "/case", "abc"))
    assert usage.text == "哪个案件？例如：/case 12"
    [listing] = await bot.replies(bot.api.send_command(RESIDENT, "/my"))
    assert listing.text.splitlines()[1].startswith("#1 · 占道经营 · 复兴南街 · 已派遣 · ")


async def test_a_district_inspection_finding_goes_to_the_street(
    bot: BotHarness, db_url: str
) -> None:
    database = Database(db_url)
    async with database.session() as session:
        from models.org import Member

        inspector = (await session.exec(select(Member).where(Member.telegram_id == 100090))).one()
        inspector.level = "district"
        session.add(inspector)
        await session.commit()
    await database.dispose()
    inspector_user = FakeUser(100090, "钱师傅")
    exchange = await bot.exchange(bot.api.send_text(inspector_user, "江城巷有违章搭建"))
    [ack] = to(exchange, inspector_user.id)
    assert "已标记为区级巡查发现：由街道整改（区查街改）。" in ack.text
    assert "处理：由街道分派给相应单位" in ack.text
    assert to(exchange, CHEN)  # the street coordinator's triage
    [case] = await cases(db_url)
    assert case.state == CaseState.TRIAGE and case.inspection_level == "district"


async def test_a_members_word_is_not_a_report_but_his_report_is(
    bot: BotHarness, db_url: str
) -> None:
    """A liaison's "收到，马上去处理" creates nothing and is never asked where; a street chief
    on patrol who names a place reports as anyone would."""
    feng = FakeUser(FENG, "冯军")
    [answer] = await bot.replies(bot.api.send_text(feng, "收到，马上去处理"), FENG)
    assert answer.text.startswith("收到。这条消息我不当作新的问题反映。")
    assert not answer.text.startswith("在哪里") and answer.buttons() == []  # not asked where
    assert await cases(db_url) == []
    chief = FakeUser(LIN, "林老伯")
    [ack] = await bot.replies(bot.api.send_text(chief, "桥直巷路灯不亮了"), LIN)
    assert ack.text.startswith("已受理，案件编号 #1。")


async def test_cancel_words_drop_a_report_waiting_for_its_place(
    bot: BotHarness, db_url: str
) -> None:
    [where] = await bot.replies(bot.api.send_text(RESIDENT, "门口垃圾好几天没人清理了"))
    assert where.text.startswith("在哪里")
    [dropped] = await bot.replies(bot.api.send_text(RESIDENT, "算了！"))
    assert dropped.text == "已取消，没有记录任何内容。"
    assert await cases(db_url) == []
    # The next message is a report of its own, not the end of the dropped one.
    [where_again] = await bot.replies(bot.api.send_text(RESIDENT, "路灯坏了"))
    assert where_again.text.startswith("在哪里")
