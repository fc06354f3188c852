"""Review meetings: occurrences, reminders exactly once, agendas, attendance, minutes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlmodel import col, select

from fakegram import FakeBotApi, FakeUser
from locales.i18n import I18n
from models.agenda import build_agenda
from models.case_opening import category_row
from models.cases import (
    Assignment,
    AssignmentRole,
    Case,
    CaseAction,
    CaseEvent,
    CaseState,
)
from models.classify import Classifier, load_categories
from models.clock import ManualClock
from models.db import Database
from models.meetings import ActionItem, MeetingAttendance, MeetingNotice, MeetingOccurrence
from models.org import Alley, Community, Party, Street
from models.schedule import occurrences, plan
from scheduler.meetings import run_once
from tests.harness import BotHarness, bot_running
from views.agenda_text import render_agenda

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTHLY = "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=15;BYMINUTE=0"
WEEKLY = "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30"
# Sunday 2026-11-29 10:00 in Shanghai: the fuxing weekly meeting is 23.5 hours away.
SUNDAY = datetime(2026, 11, 29, 10, 0, tzinfo=SHANGHAI)
ZHOU, LIU, FENG, LIN = 100002, 100011, 100021, 100080  # fuxing's participants
CHEN = 100001


def local(starts: list[datetime]) -> list[str]:
    return [s.astimezone(SHANGHAI).strftime("%Y-%m-%d %a %H:%M") for s in starts]


def test_the_sample_rules_across_month_and_year_boundaries() -> None:
    after = datetime(2026, 11, 28, tzinfo=SHANGHAI)
    before = datetime(2027, 3, 1, tzinfo=SHANGHAI)
    assert local(occurrences(MONTHLY, SHANGHAI, after, before)) == [
        "2026-12-25 Fri 15:00",
        "2027-01-29 Fri 15:00",
        "2027-02-26 Fri 15:00",
    ]
    weekly = local(occurrences(WEEKLY, SHANGHAI, after, datetime(2027, 1, 12, tzinfo=SHANGHAI)))
    assert weekly == [
        "2026-11-30 Mon 09:30",
        "2026-12-07 Mon 09:30",
        "2026-12-14 Mon 09:30",
        "2026-12-21 Mon 09:30",
        "2026-12-28 Mon 09:30",
        "2027-01-04 Mon 09:30",
        "2027-01-11 Mon 09:30",
    ]
    # 15:00 in Shanghai is 07:00 UTC.
    [first] = occurrences(MONTHLY, SHANGHAI, after, datetime(2026, 12, 31, tzinfo=UTC))
    assert first == datetime(2026, 12, 25, 7, 0, tzinfo=UTC)


def test_a_start_exactly_at_the_window_is_included() -> None:
    start = datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI)
    assert local(occurrences(WEEKLY, SHANGHAI, start, start + timedelta(minutes=1))) == [
        "2026-11-30 Mon 09:30"
    ]


@pytest.fixture
def sunday() -> ManualClock:
    return ManualClock(SUNDAY)


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: object, sunday: ManualClock
) -> AsyncIterator[BotHarness]:
    for telegram_id in (ZHOU, LIU, FENG, LIN, CHEN):
        api.open_chat(FakeUser(telegram_id, str(telegram_id)))
    async with bot_running(db_url, api, clock=sunday) as harness:
        yield harness


async def test_planning_writes_the_sample_series(db_url: str, roster: object) -> None:
    database = Database(db_url)
    async with database.session() as session:
        await plan(session, SUNDAY.astimezone(UTC))
        starts = [
            o.starts_at
            for o in await session.exec(
                select(MeetingOccurrence).order_by(col(MeetingOccurrence.starts_at))
            )
        ]
        assert local(starts[:3]) == [
            "2026-11-30 Mon 09:30",
            "2026-12-01 Tue 14:00",
            "2026-12-07 Mon 09:30",
        ]
        assert await plan(session, SUNDAY.astimezone(UTC)) == 0  # nothing twice
    await database.dispose()


async def test_a_restart_between_two_reminders_sends_each_once(
    db_url: str, api: FakeBotApi, roster: object, sunday: ManualClock
) -> None:
    for telegram_id in (ZHOU, LIU, FENG, LIN):
        api.open_chat(FakeUser(telegram_id, str(telegram_id)))
    async with bot_running(db_url, api, clock=sunday) as bot:
        [day_before] = await bot.tick(run_once)
        assert day_before.offset_min == 1440
        reminders = [r for r in api.sent("sendMessage") if r.text.startswith("会议提醒")]
        assert sorted(r.chat_id for r in reminders) == sorted([ZHOU, LIU, FENG, LIN])
        assert (
            reminders[0].text
            == "会议提醒：复兴社区周会，11月30日 09:30，地点：复兴社区二楼会议室。"
        )
        assert len(api.sent("sendDocument")) == 4  # the .ics, with the first reminder
        assert await bot.tick(run_once) == []
    async with bot_running(db_url, api, clock=sunday) as bot:  # the restart
        assert await bot.tick(run_once) == []
        sunday.set(datetime(2026, 11, 30, 8, 31, tzinfo=SHANGHAI))
        [hour_before] = await bot.tick(run_once)
        assert hour_before.offset_min == 60
        assert await bot.tick(run_once) == []
    reminders = [r for r in api.sent("sendMessage") if r.text.startswith("会议提醒")]
    assert len(reminders) == 8  # 4 participants x 2 reminders, each once
    database = Database(db_url)
    async with database.session() as session:
        notices = (await session.exec(select(MeetingNotice))).all()
        assert sorted(n.offset_min for n in notices) == [60, 1440]
    await database.dispose()


async def test_a_reminder_missed_while_down_is_sent_late_but_not_after_the_start(
    db_url: str, api: FakeBotApi, roster: object, sunday: ManualClock
) -> None:
    api.open_chat(FakeUser(ZHOU, "周丽"))
    sunday.set(datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI))  # both reminders missed
    async with bot_running(db_url, api, clock=sunday) as bot:
        due = await bot.tick(run_once)
        assert sorted(d.offset_min for d in due) == [60, 1440]
        sunday.set(datetime(2026, 12, 1, 14, 30, tzinfo=SHANGHAI))  # haiyue's began at 14:00
        assert [d.series.code for d in await bot.tick(run_once)] == []


async def test_attendance_buttons_and_the_calendar_file(bot: BotHarness, db_url: str) -> None:
    await bot.tick(run_once)
    reminder = next(r for r in bot.api.sent("sendMessage", LIU) if r.text.startswith("会议提醒"))
    assert [b["text"] for b in reminder.buttons()] == ["✅ 参加", "❌ 不能参加"]
    ics = next(iter(bot.api.last("sendDocument", LIU).files.values()))
    assert b"BEGIN:VEVENT" in ics and "SUMMARY:复兴社区周会".encode() in ics
    assert b"DTSTART;TZID=Asia/Shanghai:20261130T093000" in ics
    agenda = bot.api.last("sendMessage", LIU)  # the agenda follows the first reminder
    assert agenda.text.startswith("复兴社区周会议程")
    # Read back as a calendar would: the zone described, the place, the agenda.
    calendar = Calendar.from_ical(ics)
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Shanghai"
    [event] = calendar.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start == datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI)
    assert start.utcoffset() == timedelta(hours=8)
    assert str(event["LOCATION"]) == "复兴社区二楼会议室"
    assert str(event["DESCRIPTION"]) == agenda.text
    [answer] = await bot.exchange(bot.api.press_button(FakeUser(LIU, "刘洋"), reminder, "参加"))
    assert answer.params["text"] == "谢谢，已记录：您将参加。"
    [answer] = await bot.exchange(bot.api.press_button(FakeUser(LIU, "刘洋"), reminder, "不能参加"))
    assert answer.params["text"] == "谢谢，已记录：您不能参加。"
    outsider = FakeUser(100012, "孙磊")  # enforcement liaison of haiyue: not invited
    [refused] = await bot.exchange(
        bot.api.press(outsider, reminder, reminder.buttons()[0]["callback_data"])
    )
    assert refused.params["show_alert"] is True
    database = Database(db_url)
    async with database.session() as session:
        [row] = (await session.exec(select(MeetingAttendance))).all()
        assert row.telegram_id == LIU and row.attending is False
    await database.dispose()


async def test_meetings_command_move_cancel_and_minutes(
    bot: BotHarness, db_url: str, sunday: ManualClock
) -> None:
    chen = FakeUser(CHEN, "陈建国")
    [listing] = await bot.replies(bot.api.send_command(chen, "/meetings"))
    assert listing.text.splitlines()[:2] == [
        "南星街道近期会议：",
        "• 11月30日 09:30 复兴社区周会 · 复兴社区二楼会议室",
    ]
    assert [b["text"] for b in listing.buttons()][:5] == [
        "议程 11月30日 09:30",
        "📄 PDF",
        "改期",
        "取消",
        "纪要",
    ]
    [ask] = await bot.replies(bot.api.press_button(chen, listing, "改期"))
    assert ask.text == "改到什么时候？例如：12-01 10:00"
    [bad] = await bot.replies(bot.api.send_text(chen, "明天吧"))
    assert bad.text == (
        "读到了日期2026年11月30日，但没有具体时间。"
        "可以这样写：明天下午3点、12月10日 15:00、下周一 9:30。"
    )
    [bad] = await bot.replies(bot.api.send_text(chen, "随便"))
    assert bad.text.startswith("没看懂这个时间")
    [confirm] = await bot.replies(bot.api.send_text(chen, "明天上午9点"))
    assert confirm.text == "改到2026年11月30日星期一 09:00，确定吗？"
    [again] = await bot.replies(bot.api.press_button(chen, confirm, "否"))
    assert again.text == "改到什么时候？例如：12-01 10:00"
    [confirm] = await bot.replies(bot.api.send_text(chen, "11月30日 10:30"))
    assert confirm.text == "改到2026年11月30日星期一 10:30，确定吗？"
    other = FakeUser(ZHOU, "周丽")  # not the one asked: the confirmation is not hers
    [refused] = await bot.exchange(bot.api.press_button(other, confirm, "是"))
    assert refused.params["show_alert"] is True
    exchange = await bot.exchange(bot.api.press_button(chen, confirm, "是"))
    assert exchange[1].text == "已改到 11月30日 10:30。"
    [stale] = await bot.exchange(bot.api.press_button(chen, confirm, "是"))  # pressed twice
    assert stale.params["show_alert"] is True
    assert any(r.chat_id == LIU and r.text == "复兴社区周会改到 11月30日 10:30。" for r in exchange)

    [listing] = await bot.replies(bot.api.send_command(chen, "/meetings"))
    assert "• 11月30日 10:30 复兴社区周会" in listing.text
    tuesday_cancel = listing.buttons()[8]  # the second meeting's 取消
    assert tuesday_cancel["text"] == "取消"
    [confirm] = await bot.replies(bot.api.press(chen, listing, tuesday_cancel["callback_data"]))
    exchange = await bot.exchange(bot.api.press_button(chen, confirm, "确定取消"))
    assert [r.text for r in exchange if r.method == "editMessageText"] == ["会议已取消。"]

    # Minutes: the Monday meeting decides, the owner hears of it.
    [ask] = await bot.replies(bot.api.press_button(chen, listing, "纪要"))
    [owners] = await bot.replies(bot.api.send_text(chen, "清理复兴街堆物"))
    assert owners.text == "由谁负责：清理复兴街堆物"
    [dates] = await bot.replies(bot.api.press_button(chen, owners, "南星环卫所"))
    exchange = await bot.exchange(bot.api.press_button(chen, dates, "12/6"))
    assert exchange[-2].text.startswith("已记录：清理复兴街堆物——2026年12月6日前完成")
    head = 100020  # 郑红, sanitation's unit head
    assert [r.text for r in exchange if r.chat_id == head] == [
        "会议给贵单位布置了一项任务：清理复兴街堆物，请于2026年12月6日前完成。"
    ]
    # Due: its owner is reminded, once.
    sunday.set(datetime(2026, 12, 6, 8, 0, tzinfo=SHANGHAI))
    bot.api.open_chat(FakeUser(head, "郑红"))
    await bot.tick(run_once)
    await bot.tick(run_once)
    due = [r for r in bot.api.sent("sendMessage", head) if r.text.startswith("任务到期")]
    assert len(due) == 1


async def test_a_resident_cannot_manage_meetings(bot: BotHarness) -> None:
    chen = FakeUser(CHEN, "陈建国")
    [listing] = await bot.replies(bot.api.send_command(chen, "/meetings"))
    resident = FakeUser(900001, "小王")
    [refused] = await bot.replies(bot.api.send_command(resident, "/meetings"))
    assert refused.text.startswith("抱歉")
    for button in listing.buttons()[:4]:
        [answer] = await bot.exchange(bot.api.press(resident, listing, button["callback_data"]))
        assert answer.params["show_alert"] is True
    liu = FakeUser(LIU, "刘洋")  # a member sees meetings and agendas, manages nothing
    [mine] = await bot.replies(bot.api.send_command(liu, "/meetings"))
    assert next(b["text"] for b in mine.buttons()).startswith("议程")
    assert "改期" not in [b["text"] for b in mine.buttons()]


# -- the agenda, against hand-counted figures ----------------------------------------------

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)


async def seed(db_url: str) -> None:
    """Fuxing's week: hand-counted in test_agenda_figures_match_hand_counts."""
    database = Database(db_url)
    async with database.session() as session:
        street = (await session.exec(select(Street))).one()
        fuxing = (await session.exec(select(Community).where(Community.code == "fuxing"))).one()
        haiyue = (await session.exec(select(Community).where(Community.code == "haiyue"))).one()
        alleys = {a.code: a for a in await session.exec(select(Alley))}
        parties = {p.code: p for p in await session.exec(select(Party))}
        specs = Classifier(load_categories()).categories
        categories = {code: await category_row(session, specs[code]) for code in specs}

        async def case(
            number: int,
            category: str,
            alley: str,
            community: Community,
            created: datetime,
            due: datetime,
            state: CaseState,
            party: str | None,
            events: list[tuple[CaseAction, datetime]] = (),
            reports: int = 1,
            duplicate_of: int | None = None,
        ) -> Case:
            row = Case(
                number=number,
                street_id=street.id,
                community_id=community.id,
                alley_id=alleys[alley].id,
                category_id=categories[category].id,
                state=state,
                created_at=created,
                due_at=due,
                report_count=reports,
                duplicate_of_id=duplicate_of,
                text=f"case {number}",
            )
            session.add(row)
            await session.flush()
            if party:
                session.add(
                    Assignment(
                        case_id=row.id,
                        party_id=parties[party].id,
                        role=AssignmentRole.LEAD,
                        assigned_at=created,
                    )
                )
            for action, when in events:
                session.add(CaseEvent(case_id=row.id, action=action, at=when))
            return row

        a = await case(
            1,
            "garbage",
            "fuxing-jie",
            fuxing,
            at(24),
            at(25),
            CaseState.DONE,
            "sanitation",
            [(CaseAction.FINISH, at(24, 20))],
            reports=2,
        )
        await case(
            2,
            "garbage",
            "fuxing-jie",
            fuxing,
            at(25),
            at(26),
            CaseState.ACCEPTED,
            "sanitation",
            [(CaseAction.FINISH, at(27)), (CaseAction.REOPEN, at(28))],
        )
        await case(
            3,
            "street_vendor",
            "fuxing-nanjie",
            fuxing,
            at(26),
            at(26, 14),
            CaseState.DISPATCHED,
            "enforcement",
        )
        await case(
            4,
            "street_light",
            "qiaozhi-xiang",
            fuxing,
            at(29),
            at(29) + timedelta(hours=48),
            CaseState.DISPATCHED,
            "construction",
        )
        await case(
            5,
            "garbage",
            "fuxing-jie",
            fuxing,
            at(24, 11),
            at(25, 11),
            CaseState.VOID,
            None,
            duplicate_of=a.id,
        )
        await case(6, "other", "jiangcheng-xiang", fuxing, at(20), at(21), CaseState.TRIAGE, None)
        await case(
            7,
            "garbage",
            "haiyue-xiang",
            haiyue,
            at(25),
            at(26),
            CaseState.DISPATCHED,
            "sanitation",
            [(CaseAction.FINISH, at(26))],
        )
        await session.commit()
    await database.dispose()


async def test_agenda_figures_match_hand_counts(db_url: str, roster: object) -> None:
    await seed(db_url)
    database = Database(db_url)
    async with database.session() as session:
        street = (await session.exec(select(Street))).one()
        fuxing = (await session.exec(select(Community).where(Community.code == "fuxing"))).one()
        agenda = await build_agenda(session, street, fuxing, "community_weekly", NOW)
        assert agenda.start == NOW - timedelta(days=7)  # no earlier meeting: the last week
        assert agenda.new_by_category == [("garbage", 2), ("street_light", 1), ("street_vendor", 1)]
        assert agenda.new_total == 4  # case 5 is a duplicate, case 6 older, case 7 elsewhere
        assert agenda.new_by_party == [("sanitation", 2), ("construction", 1), ("enforcement", 1)]
        assert agenda.open_count == 5  # 1 (done, unverified), 2, 3, 4, 6
        assert [(c.number, c.days_late) for c in agenda.late] == [(6, 9), (2, 4), (3, 4)]
        assert [(h.alley.name, h.reports, h.repeats) for h in agenda.hotspots] == [
            ("复兴街", 2, [("garbage", 2)])  # two cases; the repeat of one is not a third
        ]
        assert [(p.code, p.handled, p.on_time, p.reworked) for p in agenda.parties] == [
            ("sanitation", 2, 1, 1)
        ]
        specs = Classifier(load_categories()).categories
        zh = render_agenda(agenda, I18n("zh_CN", "Asia/Shanghai"), specs)
        en = render_agenda(agenda, I18n("en", "Asia/Shanghai"), specs)
    await database.dispose()
    assert zh.splitlines() == [
        "复兴社区周会议程",
        "统计时段：11月23日 09:00 至 11月30日 09:00",
        "",
        "一、新案件 4 件",
        "   按类别：暴露垃圾 2 · 路灯不亮 1 · 占道经营 1",
        "   按单位：南星环卫所 2 · 区建设局市政所 1 · 南星执法中队 1",
        "二、未结案件 5 件，其中逾期（重点难点）3 件",
        "   #6 其他 · 江城巷 · 待分派 · 逾期 9 天",
        "   #2 暴露垃圾 · 复兴街 · 处置中 · 逾期 4 天",
        "   #3 占道经营 · 复兴南街 · 已派遣 · 逾期 4 天",
        "三、热点街巷",
        "   复兴街：2 件（重复：暴露垃圾 ×2）",
        "四、各单位情况（处置 / 按期 / 返工）",
        "   南星环卫所: 2 / 1 / 1",
        "五、上次会议决定事项",
        "   无",
    ]
    assert en.splitlines()[:8] == [
        "复兴社区: weekly meeting agenda",
        "Period: Nov 23 09:00 to Nov 30 09:00",
        "",
        "1. New cases: 4",
        "   by category: Rubbish and dirty streets 2 · Street light out 1 · "
        "Street vendors blocking the way 1",
        "   by unit: 南星环卫所 2 · 区建设局市政所 1 · 南星执法中队 1",
        "2. Open cases: 5; overdue (difficult cases): 3",
        "   #6 Other · 江城巷 · waiting to be assigned · 9 days late",
    ]
    assert "   复兴街: 2 cases (repeated: Rubbish and dirty streets ×2)" in en


async def test_the_last_meetings_action_items_are_on_the_next_agenda(
    db_url: str, roster: object
) -> None:
    database = Database(db_url)
    async with database.session() as session:
        await plan(session, datetime(2026, 11, 20, tzinfo=UTC))
        street = (await session.exec(select(Street))).one()
        fuxing = (await session.exec(select(Community).where(Community.code == "fuxing"))).one()
        monday = (
            await session.exec(select(MeetingOccurrence).order_by(col(MeetingOccurrence.starts_at)))
        ).first()
        assert monday is not None
        sanitation = (await session.exec(select(Party).where(Party.code == "sanitation"))).one()
        session.add(
            ActionItem(
                street_id=street.id,
                occurrence_id=monday.id,
                text="清理复兴街堆物",
                owner_party_id=sanitation.id,
                due_date=date(2026, 11, 27),
            )
        )
        await session.commit()
        agenda = await build_agenda(
            session, street, fuxing, "community_weekly", monday.starts_at + timedelta(days=7)
        )
        assert agenda.start == monday.starts_at
        [item] = agenda.action_items
        assert item.text == "清理复兴街堆物"
    await database.dispose()


def test_cli_meetings_list_and_agenda(db_url: str, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main
    from tests.harness import SAMPLE_ROSTER

    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    assert main(["roster", "import", str(SAMPLE_ROSTER), "--config", str(config)]) == 0
    capsys.readouterr()
    assert (
        main(
            [
                "meetings",
                "list",
                "--street",
                "nanxing",
                "--lang",
                "en",
                "--count",
                "3",
                "--config",
                str(config),
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all("Asia/Shanghai" in line for line in lines)
    assert any("community_weekly\t复兴社区 weekly meeting" in line for line in lines)
    assert (
        main(
            [
                "agenda",
                "--street",
                "nanxing",
                "--community",
                "fuxing",
                "--kind",
                "community_weekly",
                "--config",
                str(config),
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith("复兴社区周会议程\n统计时段：")
    assert (
        main(
            [
                "agenda",
                "--street",
                "nanxing",
                "--kind",
                "street_monthly",
                "--lang",
                "en",
                "--config",
                str(config),
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith("Nanxing Subdistrict: monthly review meeting agenda")
    assert (
        main(
            ["agenda", "--street", "nanxing", "--kind", "community_weekly", "--config", str(config)]
        )
        == 1
    )
    assert "needs --community" in capsys.readouterr().err


async def test_series_changed_and_created_in_the_bot(bot: BotHarness, db_url: str) -> None:
    chen = FakeUser(CHEN, "陈建国")
    [listing] = await bot.replies(bot.api.send_command(chen, "/meetings"))
    [series] = await bot.replies(bot.api.press_button(chen, listing, "例会设置"))
    assert series.text.splitlines()[1] == "• 复兴社区周会: 每周一 09:30 · 复兴社区二楼会议室"
    # The typed RFC 5545 rule, behind the dialogue's "advanced" button (the buttons
    # themselves: tests/test_series_dialogue.py).
    [pattern] = await bot.replies(bot.api.press_button(chen, series, "复兴社区周会：时间规则"))
    await bot.replies(bot.api.press_button(chen, pattern, "高级"))
    [bad] = await bot.replies(bot.api.send_text(chen, "EVERY MONDAY"))
    assert bad.text.startswith("读到了“每周一”，但没有具体时间")  # and asked again
    [bad] = await bot.replies(bot.api.send_text(chen, "EVERY WEEK"))
    assert bad.text.startswith("这个规则不可用")
    [saved] = await bot.replies(
        bot.api.send_text(chen, "FREQ=WEEKLY;BYDAY=WE;BYHOUR=10;BYMINUTE=0"), CHEN
    )  # the participants are told too (tests/test_meeting_changes.py)
    assert saved.text == "已保存。接下来：12月2日 10:00、12月9日 10:00和12月16日 10:00"
    await bot.replies(bot.api.press_button(chen, series, "复兴社区周会：地点"))
    await bot.replies(bot.api.send_text(chen, "复兴社区一楼"))
    [new] = await bot.replies(bot.api.press_button(chen, series, "新建例会"))
    [pattern] = await bot.replies(bot.api.press_button(chen, new, "水澄桥社区周会"))
    await bot.replies(bot.api.press_button(chen, pattern, "高级"))
    [created] = await bot.replies(
        bot.api.send_text(chen, "FREQ=WEEKLY;BYDAY=TH;BYHOUR=15;BYMINUTE=0 | 水澄桥社区会议室")
    )
    assert created.text == "已保存。接下来：12月3日 15:00、12月10日 15:00和12月17日 15:00"
    [listing] = await bot.replies(bot.api.send_command(chen, "/meetings"))
    assert "• 12月2日 10:00 复兴社区周会 · 复兴社区一楼" in listing.text
    assert "• 12月3日 15:00 水澄桥社区周会 · 水澄桥社区会议室" in listing.text
    # A community coordinator manages only her community's series.
    zhou = FakeUser(ZHOU, "周丽")
    [mine] = await bot.replies(bot.api.send_command(zhou, "/meetings"))
    [hers] = await bot.replies(bot.api.press_button(zhou, mine, "例会设置"))
    assert [b["text"] for b in hers.buttons()] == [
        "复兴社区周会：时间规则",
        "复兴社区周会：地点",
        "新建例会",
    ]
    monthly = next(b for b in series.buttons() if b["text"].startswith("南星街道月度讲评会"))
    [refused] = await bot.exchange(bot.api.press(zhou, hers, monthly["callback_data"]))
    assert refused.params["show_alert"] is True


async def test_the_monthly_agenda_comes_with_a_chart(bot: BotHarness, db_url: str) -> None:
    await seed(db_url)
    chen = FakeUser(CHEN, "陈建国")
    [listing] = await bot.replies(bot.api.send_command(chen, "/meetings"))
    monthly = next(
        b for b in listing.buttons() if b["text"].startswith("议程") and "12月25日" in b["text"]
    )
    exchange = await bot.exchange(bot.api.press(chen, listing, monthly["callback_data"]))
    [agenda] = [r for r in exchange if r.method == "sendMessage"]
    assert agenda.text.startswith("南星街道月度讲评会议程")
    [chart] = [r for r in exchange if r.method == "sendPhoto"]
    png = next(iter(chart.files.values()))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert chart.params["caption"] == "本月数据一览"


async def test_minutes_are_written_after_the_meeting(
    bot: BotHarness, db_url: str, sunday: ManualClock
) -> None:
    chen = FakeUser(CHEN, "陈建国")
    await bot.replies(bot.api.send_command(chen, "/meetings"))  # planned from Sunday
    sunday.set(datetime(2026, 11, 30, 11, 0, tzinfo=SHANGHAI))  # Monday's meeting is over
    [listing] = await bot.replies(bot.api.send_command(chen, "/meetings"))
    lines = listing.text.splitlines()
    assert "• 11月30日 09:30 复兴社区周会" not in lines[1]  # no longer among the coming ones
    assert lines[lines.index("近期已开会议：") + 1] == "• 11月30日 09:30 复兴社区周会"
    past = next(b for b in listing.buttons() if b["text"] == "纪要 11月30日 09:30")
    # A past meeting can no longer be moved or cancelled, even with a forged button.
    occurrence = past["callback_data"].split(":")[2]
    [refused] = await bot.exchange(bot.api.press(chen, listing, f"mt:m:{occurrence}"))
    assert refused.params["show_alert"] is True
    [ask] = await bot.replies(bot.api.press(chen, listing, past["callback_data"]))
    assert ask.text.startswith("请输入决定事项")
    [owners] = await bot.replies(bot.api.send_text(chen, "复兴街夜间巡查"))
    [dates] = await bot.replies(bot.api.press_button(chen, owners, "南星环卫所"))
    exchange = await bot.exchange(bot.api.press_button(chen, dates, "12/7"))
    assert any(r.text.startswith("已记录：复兴街夜间巡查") for r in exchange)
    database = Database(db_url)
    async with database.session() as session:
        [item] = (await session.exec(select(ActionItem))).all()
        held = await session.get(MeetingOccurrence, int(occurrence))
        assert held is not None and item.occurrence_id == held.id
        assert held.starts_at == datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI)
        assert item.due_date == date(2026, 12, 7)
    await database.dispose()


async def test_the_organiser_sees_who_answered_and_answers_are_not_asked_again(
    bot: BotHarness, sunday: ManualClock
) -> None:
    await bot.tick(run_once)  # the day-before reminders, with the buttons
    for telegram_id, name, button in ((LIU, "刘洋", "参加"), (FENG, "冯军", "不能参加")):
        reminder = next(
            r for r in bot.api.sent("sendMessage", telegram_id) if r.text.startswith("会议提醒")
        )
        await bot.exchange(bot.api.press_button(FakeUser(telegram_id, name), reminder, button))
    chen = FakeUser(CHEN, "陈建国")
    [listing] = await bot.replies(bot.api.send_command(chen, "/meetings"))
    lines = listing.text.splitlines()
    assert lines[1] == "• 11月30日 09:30 复兴社区周会 · 复兴社区二楼会议室"
    assert lines[2].startswith("   ✅ 参加：刘洋 · ❌ 不参加：冯军 · 未答复：周丽、")
    [theirs] = await bot.replies(bot.api.send_command(FakeUser(LIU, "刘洋"), "/meetings"))
    assert "未答复" not in theirs.text  # a participant does not see the others' answers
    sunday.set(datetime(2026, 11, 30, 8, 31, tzinfo=SHANGHAI))
    [hour_before] = await bot.tick(run_once)
    assert hour_before.offset_min == 60

    def last_reminder(telegram_id: int) -> list[list[str]]:
        reminders = [
            r for r in bot.api.sent("sendMessage", telegram_id) if r.text.startswith("会议提醒")
        ]
        return [[b["text"] for b in r.buttons()] for r in reminders]

    assert last_reminder(LIU) == [["✅ 参加", "❌ 不能参加"], []]  # reminded, not asked
    assert last_reminder(FENG) == [["✅ 参加", "❌ 不能参加"]]  # not coming: left in peace
    assert last_reminder(ZHOU) == [["✅ 参加", "❌ 不能参加"]] * 2  # silent: asked again
