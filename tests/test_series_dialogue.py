"""A series' schedule set with buttons over the fake Bot API: weekly on two days, the last
Friday of the month, day 15 with a time typed in Chinese; confirmed in words, saved as a
typed rule is, the participants told. Forged and foreign presses change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from fakegram import FakeBotApi, FakeUser, Recorded
from models.clock import ManualClock
from models.db import Database
from models.meetings import MeetingSeries
from tests.harness import BotHarness, bot_running
from tests.test_meetings import CHEN, FENG, LIN, LIU, SUNDAY, ZHOU

OTHERS = (LIU, FENG, LIN)  # fuxing's participants besides 周丽
STALE = "这个按钮已失效。"


@pytest.fixture
async def bot(db_url: str, api: FakeBotApi, roster: object) -> AsyncIterator[BotHarness]:
    for telegram_id in (ZHOU, LIU, FENG, LIN, CHEN):
        api.open_chat(FakeUser(telegram_id, str(telegram_id)))
    async with bot_running(db_url, api, clock=ManualClock(SUNDAY)) as harness:
        yield harness


async def rules(db_url: str) -> dict[str, tuple[str, str | None]]:
    database = Database(db_url)
    try:
        async with database.session() as session:
            return {s.code: (s.rrule, s.place) for s in await session.exec(select(MeetingSeries))}
    finally:
        await database.dispose()


async def settings(bot: BotHarness, user: FakeUser) -> Recorded:
    [listing] = await bot.replies(bot.api.send_command(user, "/meetings"))
    [series] = await bot.replies(bot.api.press_button(user, listing, "例会设置"))
    return series


async def step(bot: BotHarness, user: FakeUser, message: Recorded, label: str) -> Recorded:
    """Press the button labelled exactly `label`; the message as the bot left it."""
    [button] = [b for b in message.buttons() if b["text"] == label]
    [reply] = await bot.replies(bot.api.press(user, message, button["callback_data"]), user.id)
    return reply


def labels(message: Recorded) -> list[str]:
    return [b["text"] for b in message.buttons()]


async def test_weekly_on_two_days_through_the_buttons(bot: BotHarness, db_url: str) -> None:
    zhou = FakeUser(ZHOU, "周丽")
    series = await settings(bot, zhou)
    assert series.text.splitlines()[1] == "• 复兴社区周会: 每周一 09:30 · 复兴社区二楼会议室"
    pattern = await step(bot, zhou, series, "复兴社区周会：时间规则")
    assert pattern.text == "复兴社区周会\n这个例会多久开一次？"
    assert labels(pattern) == [
        "每周",
        "每月第N个星期X",
        "每月X日",
        "高级：直接输入规则（RFC 5545）",
        "✖️ 取消",
    ]
    days = await step(bot, zhou, pattern, "每周")
    assert "下一步 »" not in labels(days)  # no day chosen yet
    days = await step(bot, zhou, days, "一")
    days = await step(bot, zhou, days, "三")
    assert labels(days)[:7] == ["✓一", "二", "✓三", "四", "五", "六", "日"]
    days = await step(bot, zhou, days, "✓一")  # pressed again: off, then on
    assert labels(days)[0] == "一"
    days = await step(bot, zhou, days, "一")
    times = await step(bot, zhou, days, "下一步 »")
    assert times.text.splitlines()[1].startswith("每周一、周三，几点开？")
    assert labels(times)[:8] == [
        "08:30",
        "09:00",
        "09:30",
        "10:00",
        "14:00",
        "14:30",
        "15:00",
        "16:00",
    ]
    confirm = await step(bot, zhou, times, "09:30")
    assert confirm.text == (
        "复兴社区周会\n每周一、周三 09:30\n接下来：11月30日 09:30、12月2日 09:30和12月7日 09:30\n"
        "按这个时间保存吗？"
    )
    assert (await rules(db_url))["community_weekly-fuxing"][0] == (
        "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30"
    )  # nothing saved before the confirmation
    [button] = [b for b in confirm.buttons() if b["text"] == "✅ 确认"]
    exchange = await bot.exchange(bot.api.press(zhou, confirm, button["callback_data"]))
    [saved] = [r for r in exchange if r.chat_id == ZHOU and r.method == "editMessageText"]
    assert saved.text == "已保存。接下来：11月30日 09:30、12月2日 09:30和12月7日 09:30"
    for chat in OTHERS:
        [told] = [r.text for r in exchange if r.chat_id == chat and r.method == "sendMessage"]
        assert told.startswith("复兴社区周会有变动。接下来：11月30日 09:30、12月2日 09:30")
    assert (await rules(db_url))["community_weekly-fuxing"][0] == (
        "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=30"
    )
    # Pressed again: the confirmation was used up; nothing is saved or told twice.
    again = await bot.exchange(bot.api.press(zhou, confirm, button["callback_data"]))
    assert [(r.method, r.params.get("text")) for r in again] == [("answerCallbackQuery", STALE)]
    listing = await settings(bot, zhou)
    assert listing.text.splitlines()[1] == "• 复兴社区周会: 每周一、周三 09:30 · 复兴社区二楼会议室"


async def test_monthly_on_the_last_friday(bot: BotHarness, db_url: str) -> None:
    chen = FakeUser(CHEN, "陈建国")
    series = await settings(bot, chen)
    assert "• 南星街道月度讲评会: 每月最后一个周五 15:00 · 南星街道三楼会议室" in series.text
    pattern = await step(bot, chen, series, "南星街道月度讲评会：时间规则")
    which = await step(bot, chen, pattern, "每月第N个星期X")
    assert labels(which) == ["第1个", "第2个", "第3个", "第4个", "最后一个", "« 返回", "✖️ 取消"]
    weekday = await step(bot, chen, which, "最后一个")
    assert weekday.text.endswith("每月最后一个星期几？")
    times = await step(bot, chen, weekday, "周五")
    first = await step(bot, chen, times, "16:00")
    confirm = await step(bot, chen, times, "14:00")  # thought better of it
    assert confirm.text.splitlines()[1:3] == [
        "每月最后一个周五 14:00",
        "接下来：12月25日 14:00、1月29日 14:00和2月26日 14:00",
    ]
    # The older confirmation, of 16:00, cannot save the 14:00 it did not show.
    [older] = [b["callback_data"] for b in first.buttons() if b["text"] == "✅ 确认"]
    stale = await bot.exchange(bot.api.press(chen, first, older))
    assert [r.params.get("text") for r in stale] == [STALE]
    saved = await step(bot, chen, confirm, "✅ 确认")
    assert saved.text.startswith("已保存。接下来：12月25日 14:00")
    assert (await rules(db_url))["street_monthly"][0] == (
        "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=14;BYMINUTE=0"
    )


async def test_a_new_series_on_day_15_with_a_time_typed_in_chinese(
    bot: BotHarness, db_url: str
) -> None:
    chen = FakeUser(CHEN, "陈建国")
    series = await settings(bot, chen)
    new = await step(bot, chen, series, "新建例会")
    pattern = await step(bot, chen, new, "水澄桥社区周会")
    assert pattern.text.startswith("水澄桥社区周会\n")
    grid = await step(bot, chen, pattern, "每月X日")
    assert labels(grid)[:28] == [str(day) for day in range(1, 29)]
    assert "月末（每月最后一天）" in labels(grid)
    times = await step(bot, chen, grid, "15")
    asked = await step(bot, chen, times, "⌨ 输入其他时间")
    assert asked.text == "请输入时间，例如 14:30、下午2点半 或 2:30pm。"
    [unread] = await bot.replies(bot.api.send_text(chen, "找个时间"))
    assert unread.text == "没看懂“找个时间”是几点。请这样输入：14:30、下午2点半 或 2:30pm。"
    [confirm] = await bot.replies(bot.api.send_text(chen, "下午2点半"))
    assert confirm.text.splitlines()[:3] == [
        "水澄桥社区周会",
        "每月15日 14:30",
        "接下来：12月15日 14:30、1月15日 14:30和2月15日 14:30",
    ]
    before = set(await rules(db_url))
    [saved, where] = await bot.replies(bot.api.press_button(chen, confirm, "✅ 确认"), CHEN)
    assert saved.text.startswith("已保存。接下来：12月15日 14:30")
    assert where.text == "在哪里开？请输入地点。" and labels(where) == ["无固定地点"]
    [created] = set(await rules(db_url)) - before
    assert (await rules(db_url))[created] == (
        "FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=14;BYMINUTE=30",
        None,
    )
    [placed] = await bot.replies(bot.api.send_text(chen, "水澄桥社区会议室"))
    assert placed.text.startswith("已保存。接下来：12月15日 14:30")
    assert (await rules(db_url))[created][1] == "水澄桥社区会议室"
    # The place question already answered: "no fixed place" is stale now.
    late = await bot.exchange(bot.api.press_button(chen, where, "无固定地点"))
    assert [r.params.get("text") for r in late] == [STALE]


async def test_a_new_series_without_a_fixed_place(bot: BotHarness, db_url: str) -> None:
    chen = FakeUser(CHEN, "陈建国")
    new = await step(bot, chen, await settings(bot, chen), "新建例会")
    pattern = await step(bot, chen, new, "街道月度讲评会")
    assert pattern.text.startswith("南星街道月度讲评会\n")
    grid = await step(bot, chen, pattern, "每月X日")
    times = await step(bot, chen, grid, "月末（每月最后一天）")
    confirm = await step(bot, chen, times, "16:00")
    assert confirm.text.splitlines()[1] == "每月最后一天 16:00"
    [_saved, where] = await bot.replies(bot.api.press_button(chen, confirm, "✅ 确认"), CHEN)
    done = await step(bot, chen, where, "无固定地点")
    assert done.text == "已保存，暂无固定地点；以后可随时在“⚙ 例会设置”里填写。"
    assert ("FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=16;BYMINUTE=0", None) in (
        await rules(db_url)
    ).values()


async def test_forged_and_foreign_presses_change_nothing(bot: BotHarness, db_url: str) -> None:
    zhou, chen, liu = FakeUser(ZHOU, "周丽"), FakeUser(CHEN, "陈建国"), FakeUser(LIU, "刘洋")
    series = await settings(bot, chen)
    ids = {
        b["text"].split("：")[0]: b["callback_data"].split(":")[2]
        for b in series.buttons()
        if b["text"].endswith("时间规则")
    }
    fuxing, monthly = ids["复兴社区周会"], ids["南星街道月度讲评会"]
    street = series.buttons()[-1]["callback_data"].split(":")[2]
    before = await rules(db_url)
    for data in (
        f"mt:b:{fuxing}:d0",
        f"mt:b:{fuxing}:d40",
        f"mt:b:{fuxing}:w200",
        f"mt:b:{fuxing}:W0.t0930",
        f"mt:b:{fuxing}:W1.t2561",
        f"mt:b:{fuxing}:n7",
        f"mt:b:{fuxing}:w1.w2",
        f"mt:b:{fuxing}:x",
        "mt:b:99999:W1.t0930",
        "mt:b:99999:c0.W1.t0930",
        f"mt:Y:{fuxing}",  # nothing is waiting to be confirmed
        f"mt:T:{fuxing}:w1",  # days not settled: no time yet
        f"mt:N:{fuxing}",  # no place question open
    ):
        answers = await bot.exchange(bot.api.press(chen, series, data))
        assert [(a.method, a.params.get("text"), a.params.get("show_alert")) for a in answers] == [
            ("answerCallbackQuery", STALE, True)
        ], data
    # 周丽 manages fuxing's meeting only; 刘洋 (a liaison) manages none.
    for user, data in (
        (zhou, f"mt:b:{monthly}:nL4.t1400"),
        (zhou, f"mt:b:{street}:c0.W1.t0930"),
        (liu, f"mt:b:{fuxing}:W1.t0930"),
        (liu, f"mt:b:{fuxing}:"),
        (chen, f"mt:b:{street}:c99999.W1.t0930"),  # no community of his street
    ):
        [answer] = await bot.exchange(bot.api.press(user, series, data))
        assert (
            answer.params["show_alert"] is True and "没有这项操作的权限" in answer.params["text"]
        ), data
    assert await rules(db_url) == before


async def test_typed_rules_stay_for_power_users_and_are_refused_in_words(
    bot: BotHarness, db_url: str
) -> None:
    zhou = FakeUser(ZHOU, "周丽")
    pattern = await step(bot, zhou, await settings(bot, zhou), "复兴社区周会：时间规则")
    asked = await step(bot, zhou, pattern, "高级：直接输入规则（RFC 5545）")
    assert asked.text.startswith("请输入新的规则（RFC 5545）")
    for garbage in ("abc", "FREQ=WEEKLY;BYDAY"):
        [refused] = await bot.replies(bot.api.send_text(zhou, garbage))
        assert refused.text.startswith("这个规则不可用：这不是 RFC 5545 格式的规则")
        assert "用按钮设置" in refused.text and "Error" not in refused.text
        assert labels(refused) == ["用按钮设置", "✖️ 取消"]
    [refused] = await bot.replies(bot.api.send_text(zhou, "每周一"))  # days, but no time
    assert refused.text == (
        "读到了“每周一”，但没有具体时间：请加上时间（例如 每周一 9:30），或点“用按钮设置”。"
    )
    assert labels(refused) == ["用按钮设置", "✖️ 取消"]
    again = await step(bot, zhou, refused, "用按钮设置")
    assert again.text == "复兴社区周会\n这个例会多久开一次？"
    # Plain words where a rule is asked are understood, and confirmed first.
    await step(bot, zhou, again, "高级：直接输入规则（RFC 5545）")
    [confirm] = await bot.replies(bot.api.send_text(zhou, "每周二、周四上午9点半"))
    assert confirm.text.splitlines()[1] == "每周二、周四 09:30"
    await step(bot, zhou, confirm, "✅ 确认")
    assert (await rules(db_url))["community_weekly-fuxing"][0] == (
        "FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=9;BYMINUTE=30"
    )


async def test_at_the_time_screen_a_time_may_be_typed_straight_away(bot: BotHarness) -> None:
    zhou = FakeUser(ZHOU, "周丽")
    series = await settings(bot, zhou)
    pattern = await step(bot, zhou, series, "复兴社区周会：时间规则")
    days = await step(bot, zhou, pattern, "每周")
    days = await step(bot, zhou, days, "五")
    times = await step(bot, zhou, days, "下一步 »")
    assert "或直接输入" in times.text
    # The screen says "or type it": typed without pressing ⌨ first, it is read.
    [confirm] = await bot.replies(bot.api.send_text(zhou, "晚上7点"))
    assert confirm.text.splitlines()[1] == "每周五 19:00"
