"""A meeting rule cannot freeze the bot: at most daily, over a bounded horizon, checked alike
in the roster, the /meetings dialogue and the command line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, func, select

from bot.cli import main
from fakegram import FakeBotApi, FakeUser
from models.clock import ManualClock
from models.db import Database
from models.meeting_rule import RuleProblem, check_rule
from models.meetings import MeetingOccurrence, MeetingSeries
from models.org import Street
from models.roster_spec import RosterError, parse_roster
from models.schedule import HORIZON, MAX_OCCURRENCES, occurrences, plan
from tests.harness import SAMPLE_ROSTER, BotHarness, bot_running
from tests.test_roster import bad

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
CHEN = 100001  # the street's coordinator


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("FREQ=SECONDLY", RuleProblem.TOO_FREQUENT),
        ("FREQ=MINUTELY", RuleProblem.TOO_FREQUENT),
        ("FREQ=HOURLY;BYDAY=MO", RuleProblem.TOO_FREQUENT),
        ("freq=minutely", RuleProblem.TOO_FREQUENT),
        ("FREQ=DAILY;BYHOUR=9,10", RuleProblem.SEVERAL_TIMES_A_DAY),
        ("FREQ=WEEKLY;BYDAY=MO;BYMINUTE=0,1,2,3", RuleProblem.SEVERAL_TIMES_A_DAY),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", RuleProblem.NEVER),
        ("EVERY MONDAY", RuleProblem.UNREADABLE),
        ("RRULE:FREQ=WEEKLY\nRRULE:FREQ=SECONDLY", RuleProblem.UNREADABLE),
        ("FREQ=WEEKLY;BYDAY=MO" + ";BYMONTH=1" * 60, RuleProblem.TOO_LONG),
    ],
)
def test_rules_that_would_flood_or_never_meet_are_refused(rule: str, problem: RuleProblem) -> None:
    refusal = check_rule(rule)
    assert refusal is not None and refusal.problem == problem


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30",
        "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=15;BYMINUTE=0",
        "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=9;BYMINUTE=0",
        "FREQ=DAILY;BYHOUR=8;BYMINUTE=45",
    ],
)
def test_daily_and_rarer_rules_are_accepted(rule: str) -> None:
    assert check_rule(rule) is None


def test_expansion_stops_at_the_cap() -> None:
    starts = occurrences("FREQ=DAILY", SHANGHAI, NOW, NOW + timedelta(days=400), limit=7)
    assert len(starts) == 7
    assert len(occurrences("FREQ=DAILY", SHANGHAI, NOW, NOW + HORIZON)) <= MAX_OCCURRENCES


def test_the_roster_refuses_a_secondly_meeting() -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster(bad(lambda d: d["meetings"][0].update(rrule="FREQ=SECONDLY")), "r.toml")
    assert str(caught.value) == (
        "r.toml: meetings[1] (community_weekly-fuxing): rrule: meetings are at most daily: "
        "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY"
    )


async def _store_series(db_url: str, rule: str) -> int:
    """A series as an older version let it in, before rules were checked."""
    database = Database(db_url)
    try:
        async with database.session() as session:
            street = (await session.exec(select(Street))).one()
            series = MeetingSeries(street_id=street.id or 0, code="flood", kind="other", rrule=rule)
            session.add(series)
            await session.commit()
            return series.id or 0
    finally:
        await database.dispose()


async def _count(db_url: str, series_id: int) -> int:
    database = Database(db_url)
    try:
        async with database.session() as session:
            return (
                await session.exec(
                    select(func.count(col(MeetingOccurrence.id))).where(
                        MeetingOccurrence.series_id == series_id
                    )
                )
            ).one()
    finally:
        await database.dispose()


async def test_a_stored_minutely_series_is_not_expanded(db_url: str, roster: object) -> None:
    flood = await _store_series(db_url, "FREQ=MINUTELY")
    database = Database(db_url)
    try:
        async with database.session() as session:
            added = await plan(session, NOW)
    finally:
        await database.dispose()
    assert 0 < added < 100  # the sample's weekly and monthly meetings only
    assert await _count(db_url, flood) == 0


def test_cli_lists_meetings_despite_a_stored_secondly_series(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    assert main(["roster", "import", str(SAMPLE_ROSTER), "--config", str(config)]) == 0
    capsys.readouterr()
    asyncio.run(_store_series(db_url, "FREQ=SECONDLY"))
    args = ["meetings", "list", "--street", "nanxing", "--count", "2", "--config", str(config)]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2 and "\tother\t" not in out
    assert err == (
        "warning: meeting series 'flood' is not planned: rrule: meetings are at most daily: "
        "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY; change it in the roster or in /meetings\n"
    )


def test_cli_roster_import_refuses_a_minutely_meeting(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    roster = tmp_path / "minutely.toml"
    roster.write_text(
        SAMPLE_ROSTER.read_text(encoding="utf-8").replace(
            'rrule = "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30"', 'rrule = "FREQ=MINUTELY"', 1
        ),
        encoding="utf-8",
    )
    assert main(["roster", "import", str(roster), "--config", str(config)]) != 0
    err = capsys.readouterr().err
    assert "rrule: meetings are at most daily" in err and err.count("\n") == 1


@pytest.fixture
async def bot(db_url: str, api: FakeBotApi, roster: object) -> AsyncIterator[BotHarness]:
    api.open_chat(FakeUser(CHEN, "陈建国"))
    async with bot_running(db_url, api, clock=ManualClock(NOW)) as harness:
        yield harness


async def test_the_dialogue_refuses_a_minutely_rule_politely(bot: BotHarness, db_url: str) -> None:
    chen = FakeUser(CHEN, "陈建国")
    [listing] = await bot.replies(bot.api.send_command(chen, "/meetings"))
    [series] = await bot.replies(bot.api.press_button(chen, listing, "例会设置"))
    [pattern] = await bot.replies(bot.api.press_button(chen, series, "复兴社区周会：时间规则"))
    await bot.replies(bot.api.press_button(chen, pattern, "高级"))
    [refused] = await bot.replies(bot.api.send_text(chen, "FREQ=MINUTELY"))
    assert refused.text == (
        "这个规则不可用：例会最多每天开一次，请使用 FREQ=DAILY、WEEKLY、MONTHLY 或 YEARLY。"
    )
    [refused] = await bot.replies(bot.api.send_text(chen, "FREQ=DAILY;BYHOUR=9,10,11"))
    assert "只写一个 BYHOUR" in refused.text
    # Still asked: a good rule now is saved.
    [saved] = await bot.replies(
        bot.api.send_text(chen, "FREQ=DAILY;BYHOUR=9;BYMINUTE=0"), CHEN
    )  # the participants are told too
    assert saved.text.startswith("已保存。")
    [new] = await bot.replies(bot.api.press_button(chen, series, "新建例会"))
    [pattern] = await bot.replies(bot.api.press_button(chen, new, "水澄桥社区周会"))
    await bot.replies(bot.api.press_button(chen, pattern, "高级"))
    [refused] = await bot.replies(bot.api.send_text(chen, "FREQ=SECONDLY | 会议室"))
    assert refused.text.startswith("这个规则不可用：例会最多每天开一次")
    database = Database(db_url)
    try:
        async with database.session() as session:
            rules = [s.rrule for s in await session.exec(select(MeetingSeries))]
            most = (
                await session.exec(
                    select(func.count(col(MeetingOccurrence.id))).group_by(
                        col(MeetingOccurrence.series_id)
                    )
                )
            ).all()
    finally:
        await database.dispose()
    assert not any("SECONDLY" in r or "MINUTELY" in r for r in rules)
    assert max(most) <= MAX_OCCURRENCES


@pytest.mark.parametrize(
    ("rule", "detail"),
    [
        (
            "EVERY MONDAY",
            "not an RFC 5545 rule ('EVERY MONDAY' is not NAME=VALUE; a rule reads like "
            "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30)",
        ),
        ("FREQ=WEEKLY;BYDAY=XX", "not an RFC 5545 rule (invalid 'BYDAY': XX)"),
    ],
)
def test_an_unreadable_rule_is_explained_in_words(rule: str, detail: str) -> None:
    refusal = check_rule(rule)
    assert refusal is not None and refusal.detail == detail
    assert "unpack" not in refusal.detail
