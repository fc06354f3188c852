"""Quantified assessment: every indicator and score against hand-computed values."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from fakegram import FakeBotApi, FakeUser
from models import assessment
from models.case_opening import category_row
from models.cases import (
    Assignment,
    AssignmentRole,
    AssignmentState,
    Case,
    CaseAction,
    CaseEvent,
    CaseState,
)
from models.classify import Classifier, load_categories
from models.clock import ManualClock
from models.db import Database
from models.org import Community, Member, Party, Street
from scheduler import quarterly
from tests.harness import BotHarness, bot_running

SH = ZoneInfo("Asia/Shanghai")
CHEN, ADMIN = 100001, 424242


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=SH)


async def seed(db_url: str) -> None:
    """The hand-counted history (see each case's comment)."""
    database = Database(db_url)
    async with database.session() as session:
        street = (await session.exec(select(Street))).one()
        communities = {c.code: c for c in await session.exec(select(Community))}
        parties = {p.code: p for p in await session.exec(select(Party))}
        members = {m.name: m for m in await session.exec(select(Member))}
        garbage = await category_row(session, Classifier(load_categories()).categories["garbage"])

        async def case(
            number: int,
            community: str,
            satisfaction: int | None,
            leads: list[tuple[str, str, datetime, datetime, AssignmentState]],
            events: list[tuple[CaseAction, datetime]],
        ) -> None:
            row = Case(
                number=number,
                street_id=street.id,
                community_id=communities[community].id,
                category_id=garbage.id,
                state=CaseState.CLOSED,
                created_at=leads[0][2],
                due_at=leads[-1][3],
                satisfaction=satisfaction,
                text=str(number),
            )
            session.add(row)
            await session.flush()
            for party, member, assigned, due, state in leads:
                session.add(
                    Assignment(
                        case_id=row.id,
                        party_id=parties[party].id,
                        member_id=members[member].id,
                        role=AssignmentRole.LEAD,
                        assigned_at=assigned,
                        due_at=due,
                        state=state,
                    )
                )
            for action, when in events:
                session.add(CaseEvent(case_id=row.id, action=action, at=when))

        done = AssignmentState.DONE
        # 1: sanitation, on time (10 h), closed, marked 5.
        await case(
            1,
            "fuxing",
            5,
            [("sanitation", "冯军", at(7, 1), at(7, 2), done)],
            [(CaseAction.FINISH, at(7, 1, 20)), (CaseAction.CONFIRM, at(7, 2))],
        )
        # 2: sanitation, late (48 h), reopened, done again, closed by default.
        await case(
            2,
            "fuxing",
            None,
            [("sanitation", "冯军", at(7, 10), at(7, 11), done)],
            [
                (CaseAction.FINISH, at(7, 12)),
                (CaseAction.REOPEN, at(7, 13)),
                (CaseAction.FINISH, at(7, 14)),
                (CaseAction.CLOSE_BY_DEFAULT, at(7, 17)),
            ],
        )
        # 3: sanitation, spans two quarters: handled in Q3, due in Q4.
        await case(
            3,
            "fuxing",
            None,
            [("sanitation", "冯军", at(9, 30, 12), at(10, 1, 12), done)],
            [(CaseAction.FINISH, at(9, 30, 20))],
        )
        # 4: enforcement, postponed from 08-01 14:00 to 08-03 14:00, done on time (48 h), marked 3.
        await case(
            4,
            "haiyue",
            3,
            [("enforcement", "孙磊", at(8, 1), at(8, 3, 14), done)],
            [
                (CaseAction.POSTPONE, at(8, 1, 13)),
                (CaseAction.FINISH, at(8, 3)),
                (CaseAction.CONFIRM, at(8, 4)),
            ],
        )
        # 5: handed back by enforcement, reassigned to construction, done late (96 h).
        await case(
            5,
            "haiyue",
            None,
            [
                ("enforcement", "孙磊", at(8, 5), at(8, 5, 14), AssignmentState.HANDED_BACK),
                ("construction", "许波", at(8, 6, 9), at(8, 9, 9), done),
            ],
            [
                (CaseAction.HAND_BACK, at(8, 5, 11)),
                (CaseAction.ASSIGN, at(8, 6, 9)),
                (CaseAction.FINISH, at(8, 10, 9)),
            ],
        )
        # 6: enforcement, due in Q3, never handled.
        await case(
            6,
            "haiyue",
            None,
            [("enforcement", "孙磊", at(9, 1), at(9, 1, 14), AssignmentState.PENDING)],
            [],
        )
        await session.commit()
    await database.dispose()


async def figures_of(
    db_url: str, start: date, end: date, by: str = "party"
) -> dict[str, assessment.Indicators]:
    database = Database(db_url)
    async with database.session() as session:
        street = (await session.exec(select(Street))).one()
        since, until = assessment.period_bounds(start, end, SH)
        rows = await assessment.indicators(session, street, since, until, by)
    await database.dispose()
    assessment.score(rows, assessment.Weights())
    return {r.key: r for r in rows}


Q3 = (date(2026, 7, 1), date(2026, 9, 30))
Q4 = (date(2026, 10, 1), date(2026, 12, 31))


async def test_party_indicators_and_scores_match_hand_counts(db_url: str, roster: object) -> None:
    await seed(db_url)
    q3 = await figures_of(db_url, *Q3)
    s, e, c = q3["sanitation"], q3["enforcement"], q3["construction"]
    assert (s.due, s.handled, s.on_time, s.reworked, s.closed, s.postponed) == (2, 2, 1, 1, 2, 0)
    assert (
        s.handling_rate,
        s.on_time_rate,
        s.rework_rate,
        s.closure_rate,
        s.postponement_rate,
    ) == (100.0, 50.0, 50.0, 100.0, 0.0)
    assert (s.mean_hours, s.median_hours, s.satisfaction) == (29.0, 29.0, 5.0)
    assert (s.band, s.score, s.grade) == (4.0, 64.0, "C")  # 4 + 30 + 15 + 15
    # Case 5 was handed back: not enforcement's; case 4's postponed deadline counts.
    assert (e.due, e.handled, e.on_time, e.reworked, e.closed, e.postponed) == (2, 1, 1, 0, 1, 1)
    assert (
        e.handling_rate,
        e.on_time_rate,
        e.rework_rate,
        e.closure_rate,
        e.postponement_rate,
    ) == (50.0, 50.0, 0.0, 50.0, 50.0)
    assert (e.mean_hours, e.satisfaction, e.score, e.grade) == (48.0, 3.0, 64.0, "C")
    assert (c.due, c.handled, c.on_time, c.closed, c.mean_hours) == (1, 1, 0, 0, 96.0)
    assert (c.score, c.grade) == (34.0, "E")  # 4 + 0 + 0 + 30
    nobody = q3["planning"]  # a party with no cases
    assert (nobody.due, nobody.handling_rate, nobody.score, nobody.grade) == (0, None, None, None)
    # The case that spans two quarters is Q4's: due then, handled (before Q4's end) on time.
    q4 = await figures_of(db_url, *Q4)
    assert (q4["sanitation"].due, q4["sanitation"].handled, q4["sanitation"].on_time) == (1, 1, 1)
    assert (q4["sanitation"].score, q4["sanitation"].grade) == (64.0, "C")  # 4 + 0 + 30 + 30
    # Recomputing a past period later gives the same figures.
    assert (await figures_of(db_url, *Q3))["sanitation"].as_dict() == s.as_dict()


async def test_community_and_member_indicators(db_url: str, roster: object) -> None:
    await seed(db_url)
    q3 = await figures_of(db_url, *Q3, by="community")
    assert (q3["fuxing"].due, q3["fuxing"].handled) == (2, 2)
    haiyue = q3["haiyue"]
    assert (haiyue.due, haiyue.handled, haiyue.on_time, haiyue.closed, haiyue.postponed) == (
        3,
        2,
        1,
        1,
        1,
    )
    assert q3["shuicheng"].due == 0
    members = await figures_of(db_url, *Q3, by="member")
    by_name = {m.name: m for m in members.values()}
    assert (by_name["冯军"].due, by_name["孙磊"].due, by_name["许波"].due) == (2, 2, 1)


def test_bands_grades_and_length_weighting() -> None:
    weights = assessment.Weights()
    assert [assessment.band(v, weights) for v in (0, 1, 9, 10, 49, 50, 500)] == [
        0,
        4,
        4,
        7,
        7,
        10,
        10,
    ]
    long, short = assessment.Indicators("long", "L"), assessment.Indicators("short", "S")
    for f, length in ((long, 3000.0), (short, 1000.0)):
        f.due, f.handled, f.on_time, f.closed, f.length_m = 5, 5, 5, 5, length
    assessment.score([long, short], assessment.Weights(weight_by_length=True))
    # Mean length 2000: 5 cases weigh 7.5 on the long beat (band 4), 2.5 on the short (band 4);
    # with 10 cases, 15 against 5: bands 7 and 4.
    assert (long.band, short.band) == (4.0, 4.0)
    long.due = short.due = 10
    long.handled = long.on_time = long.closed = short.handled = short.on_time = short.closed = 10
    assessment.score([long, short], assessment.Weights(weight_by_length=True))
    assert (long.band, short.band, long.score, short.score) == (7.0, 4.0, 97.0, 94.0)
    assert (long.grade, short.grade) == ("A", "A")


def test_quarters() -> None:
    assert assessment.quarter_of(date(2026, 11, 26)) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
        "2026Q4",
    )
    assert assessment.previous_quarter(date(2026, 1, 15)) == (
        date(2025, 10, 1),
        date(2025, 12, 31),
        "2025Q4",
    )


async def test_yearly_ranking_and_fund(db_url: str, roster: object) -> None:
    await seed(db_url)
    quarters = [list((await figures_of(db_url, *q)).values()) for q in (Q3, Q4)]
    awards = assessment.yearly_awards(quarters, fund=100000, threshold=60)
    assert [(a.key, a.mean_score, a.rank, a.amount) for a in awards] == [
        ("enforcement", 64.0, 1, 50000.0),
        ("sanitation", 64.0, 1, 50000.0),  # a tie shares the rank
        ("construction", 34.0, 3, 0.0),
    ]


@pytest.fixture
async def bot(db_url: str, api: FakeBotApi, roster: object) -> AsyncIterator[BotHarness]:
    await seed(db_url)
    for telegram_id in (CHEN, ADMIN):
        api.open_chat(FakeUser(telegram_id, str(telegram_id)))
    clock = ManualClock(datetime(2026, 9, 29, 12, 0, tzinfo=SH))
    async with bot_running(db_url, api, clock=clock, app={"admins": [ADMIN]}) as harness:
        harness.clock = clock  # type: ignore[attr-defined]
        yield harness


async def test_quarterly_delivery_once_also_after_downtime(bot: BotHarness) -> None:
    clock: ManualClock = bot.clock  # type: ignore[attr-defined]
    assert await bot.tick(quarterly.run_once) == ["nanxing"]  # the last complete quarter: Q2
    bot.api.requests.clear()
    clock.set(datetime(2026, 11, 15, 8, 0, tzinfo=SH))  # down from September to November
    assert await bot.tick(quarterly.run_once) == ["nanxing"]
    assert await bot.tick(quarterly.run_once) == []
    for chat in (CHEN, ADMIN):
        (message,) = bot.api.sent("sendMessage", chat)
        assert message.text.startswith("南星街道量化考核，2026Q3")
        assert "南星环卫所：2 · 100% · 50% · 50% → 64 (C)" in message.text
        [sheet] = bot.api.sent("sendDocument", chat)
        assert (
            sheet.params["document"]["_file"]
            if isinstance(sheet.params.get("document"), dict)
            else True
        )
        [chart] = bot.api.sent("sendPhoto", chat)
        assert next(iter(chart.files.values())).startswith(b"\x89PNG")
    book = load_workbook(BytesIO(next(iter(bot.api.sent("sendDocument", CHEN)[0].files.values()))))
    units = book.worksheets[0]
    assert units["A1"].value == "南星街道量化考核，2026Q3（生成于 2026/11/15 08:00）"
    assert [c.value for c in units[2]][:5] == ["排名", "单位", "代码", "应处置", "处置"]
    assert units.freeze_panes == "C3"
    row = next(r for r in units.iter_rows(values_only=True) if r[1] == "南星环卫所")
    assert row[:6] == (1, "南星环卫所", "sanitation", 2, 2, 1) and row[-2:] == (64.0, "C")
    clock.set(datetime(2027, 1, 1, 0, 30, tzinfo=SH))
    assert await bot.tick(quarterly.run_once) == ["nanxing"]  # Q4, once


async def test_scorecard_command(bot: BotHarness) -> None:
    chen = FakeUser(CHEN, "陈建国")
    exchange = await bot.exchange(bot.api.send_command(chen, "/scorecard", "2026Q3"))
    assert [r.method for r in exchange] == ["sendMessage", "sendDocument", "sendPhoto"]
    assert exchange[0].text.splitlines()[:2] == [
        "南星街道量化考核，2026Q3",
        "单位：应处置 · 处置率 · 按期率 · 返工率 → 得分（等级）",
    ]
    assert "区建设局市政所：1 · 100% · 0% · 0% → 34 (E)" in exchange[0].text
    assert "区规划分局：本期无应处置案件" in exchange[0].text
    [reply] = await bot.replies(bot.api.send_command(chen, "/scorecard", "soon"))
    assert reply.text.startswith("哪个时段？")
    exchange = await bot.exchange(bot.api.send_command(chen, "/scorecard", "2026-08-01 2026-08-31"))
    assert "2026-08-01–2026-08-31" in exchange[0].text
    for who in (FakeUser(900001, "小王"), FakeUser(100002, "周丽"), FakeUser(100021, "冯军")):
        [refused] = await bot.replies(bot.api.send_command(who, "/scorecard"))
        assert refused.text.startswith("抱歉")


def test_cli_report_kpi(db_url: str, roster: object, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from bot.cli import main

    asyncio.run(seed(db_url))
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    base = [
        "report",
        "kpi",
        "--street",
        "nanxing",
        "--from",
        "2026-07-01",
        "--to",
        "2026-09-30",
        "--config",
        str(config),
    ]
    assert main([*base, "--format", "json"]) == 0
    rows = {r["key"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert (rows["sanitation"]["score"], rows["sanitation"]["grade"]) == (64.0, "C")
    assert rows["enforcement"]["postponement_rate"] == 50.0
    assert main([*base, "--format", "csv", "--by", "community"]) == 0
    out_text = capsys.readouterr().out
    assert out_text.startswith("\ufeff")  # UTF-8 with a BOM: Excel reads it as UTF-8
    lines = out_text[1:].splitlines()
    assert lines[0].startswith("排名,代码,社区,应处置,处置")
    assert any(",haiyue,海月社区,3,2,1,0,1,1," in line for line in lines)
    assert main([*base, "--format", "csv", "--lang", "en"]) == 0
    [header, first, *_rest] = capsys.readouterr().out[1:].splitlines()
    assert header.startswith("rank,code,unit,due,handled")
    assert first.startswith("1,")
    out = tmp_path / "q3.xlsx"
    assert main([*base, "--format", "xlsx", "-o", str(out)]) == 0
    book = load_workbook(out)
    assert book.sheetnames == ["各单位", "社区"]
    units = book["各单位"]
    assert str(units["A1"].value).startswith("南星街道量化考核，2026-07-01–2026-09-30（生成于 ")
    header = [c.value for c in units[2]]
    assert header[:4] == ["排名", "单位", "代码", "应处置"] and header[-2:] == ["得分", "等级"]
    assert units.freeze_panes == "C3"  # the title and the header stay in view
    ranked = [r[:3] for r in units.iter_rows(min_row=3, values_only=True)]
    assert ranked[:2] == [(1, "南星执法中队", "enforcement"), (1, "南星环卫所", "sanitation")]
    assert ranked[2] == (3, "区建设局市政所", "construction")
    # Fitted: the column of names is wider than the column of ranks, and both are set.
    assert units.column_dimensions["B"].width > units.column_dimensions["A"].width >= 6
    assert (
        main(
            [
                "report",
                "kpi",
                "--street",
                "nanxing",
                "--from",
                "2026-09-30",
                "--to",
                "2026-07-01",
                "--config",
                str(config),
            ]
        )
        == 2
    )


def test_cli_report_awards(db_url: str, roster: object, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from bot.cli import main

    asyncio.run(seed(db_url))
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n[assessment]\nfund = 80000\n', encoding="utf-8"
    )
    assert (
        main(["report", "awards", "--street", "nanxing", "--year", "2026", "--config", str(config)])
        == 0
    )
    assert capsys.readouterr().out.splitlines() == [
        "排名\t代码\t单位\t平均分\t奖金（元）",
        "1\tenforcement\t南星执法中队\t64\t40000.00",
        "1\tsanitation\t南星环卫所\t64\t40000.00",
        "3\tconstruction\t区建设局市政所\t34\t0.00",
    ]


async def test_the_city_pass_matches_each_streets_own_in_each_streets_zone(
    db_url: str, roster: object
) -> None:
    from benchmarks.synthetic import street_roster
    from models.roster import import_roster
    from models.roster_spec import parse_roster

    await seed(db_url)
    far_west = street_roster(7, alleys=3, communities=1)
    far_west["street"]["timezone"] = "Asia/Urumqi"  # UTC+6, two hours behind Shanghai
    database = Database(db_url)
    async with database.session() as session:
        await import_roster(session, parse_roster(far_west, "far_west"), now=at(7, 1))
        west = (await session.exec(select(Street).where(Street.code == "s007"))).one()
        enforcement = (
            await session.exec(
                select(Party).where(Party.street_id == west.id, Party.code == "enforcement")
            )
        ).one()
        # Due 1 October 01:30 in Shanghai, which is still 30 September in Urumqi: Q3 there.
        row = Case(street_id=west.id, state=CaseState.ACCEPTED, text="w", created_at=at(9, 29))
        session.add(row)
        await session.flush()
        session.add(
            Assignment(
                case_id=row.id,
                party_id=enforcement.id,
                role=AssignmentRole.LEAD,
                assigned_at=at(9, 29),
                due_at=datetime(2026, 10, 1, 1, 30, tzinfo=SH),
                state=AssignmentState.ACCEPTED,
            )
        )
        await session.commit()
    async with database.session() as session:
        streets = list(await session.exec(select(Street).order_by(Street.id)))
        for by in ("party", "community", "member"):
            city = await assessment.city_indicators(session, streets, *Q3, by=by)
            for street in streets:
                assert street.id is not None
                since, until = assessment.period_bounds(*Q3, ZoneInfo(street.timezone))
                alone = await assessment.indicators(session, street, since, until, by)
                assert [f.as_dict() for f in city[street.id]] == [f.as_dict() for f in alone]
        q3 = await assessment.city_indicators(session, streets, *Q3)
        q4 = await assessment.city_indicators(session, streets, *Q4)
    await database.dispose()
    assert west.id is not None
    west_q3 = {f.key: f for f in q3[west.id]}
    assert west_q3["enforcement"].due == 1 and west_q3["enforcement"].handled == 0
    assert sum(f.due for f in q4[west.id]) == 0
    home = next(s for s in streets if s.id != west.id)
    assert home.id is not None
    assert {f.key: f.due for f in q3[home.id]}["sanitation"] == 2  # the hand counts hold


def test_equal_scores_share_a_rank() -> None:
    assert assessment.competition_ranks([]) == []
    assert assessment.competition_ranks([90, 80, 80, 70]) == [1, 2, 2, 4]
    assert assessment.competition_ranks([50, 50, 50]) == [1, 1, 1]
    assert assessment.competition_ranks([90, 80, 80, 80, 10]) == [1, 2, 2, 2, 5]


async def test_an_empty_period_is_one_line_without_spreadsheet_or_chart(
    db_url: str, api: FakeBotApi, roster: object
) -> None:
    """A new installation: no case was due last quarter. The coordinators hear so, in one
    line, instead of a spreadsheet of zeros and a blank chart."""
    api.open_chat(FakeUser(CHEN, "陈建国"))
    clock = ManualClock(datetime(2026, 11, 26, 10, 0, tzinfo=SH))
    async with bot_running(db_url, api, clock=clock) as bot:
        assert await bot.tick(quarterly.run_once) == ["nanxing"]
        [line] = [r for r in api.requests if r.chat_id == CHEN]
        assert line.method == "sendMessage"
        assert line.text == "南星街道量化考核，2026Q3：本期没有到期的案件，无从评分。"
        before = len(api.requests)
        await bot.exchange(api.send_command(FakeUser(CHEN, "陈建国"), "/scorecard"))
        assert [r.method for r in api.requests[before:] if r.method != "setMyCommands"] == [
            "sendMessage"
        ]


def test_nothing_handled_earns_no_points_for_being_free_of_rework() -> None:
    """Three cases due, none handled: the volume band, and nothing else (it scored 34, E)."""
    idle = assessment.Indicators("idle", "闲置单位", due=3)
    nothing = assessment.Indicators("none", "无案件单位")
    assessment.score([idle, nothing], assessment.Weights())
    assert idle.rework_rate is None
    assert (idle.score, idle.grade) == (idle.band, "E") and idle.band > 0
    assert (nothing.score, nothing.grade) == (None, None)  # nothing due: no score at all
