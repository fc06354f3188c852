"""An English reader sees the roster's English names wherever a street, community, alley or
unit is named; a Chinese reader sees the Chinese names, as ever. The sample roster gives no
English names but the street's, so these tests import it with English names added
(tests.harness.ENGLISH_NAMES)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.cli import main
from fakegram import FakeBotApi, FakeChat, FakeUser
from locales.i18n import I18n
from models import assessment
from models.agenda import build_agenda
from models.cases import Case, Category
from models.classify import Classifier, load_categories
from models.clock import ManualClock
from models.db import Database
from models.meetings import ActionItem
from models.members import AreaRef, load_street_map
from models.minutes import owner_labels
from models.org import Alley, Community, Member, Party, Role, Street
from tests.harness import BotHarness, bot_running
from tests.test_meeting_pdf import text_of
from tests.test_meetings import CHEN, LIU, NOW, SUNDAY, seed
from views.agenda_chart import unit_names
from views.agenda_text import render_agenda
from views.deadline_notices import deadline_notice
from views.digest import Item, digest
from views.invitations import invitation_text
from views.labels import area_choices, areas_text, member_line
from views.minutes import choose_due, choose_owner
from views.scorecard import Scorecard, xlsx
from views.scorecard import text as scorecard_text

EN, ZH = I18n("en", "Asia/Shanghai"), I18n("zh_CN", "Asia/Shanghai")
CHINESE_NAMES = ("复兴街", "江城巷", "南星环卫所", "南星执法中队", "复兴社区")


def no_chinese_names(text: str) -> bool:
    return not any(name in text for name in CHINESE_NAMES)


@pytest.fixture
async def bot(db_url: str, api: FakeBotApi, english_roster: object) -> AsyncIterator[BotHarness]:
    for telegram_id in (LIU, CHEN, 100021):
        api.open_chat(FakeUser(telegram_id, str(telegram_id)))
    async with bot_running(db_url, api, clock=ManualClock(SUNDAY)) as harness:
        yield harness


# -- the agenda ----------------------------------------------------------------------------


async def test_the_agenda_over_the_bot_in_each_readers_language(
    bot: BotHarness, db_url: str
) -> None:
    await seed(db_url)
    texts, pdfs = {}, {}
    for user, label in ((FakeUser(CHEN, "Chen", "en"), "Agenda"), (FakeUser(LIU, "刘洋"), "议程")):
        [listing] = await bot.replies(bot.api.send_command(user, "/meetings"))
        [agenda] = await bot.replies(bot.api.press_button(user, listing, label))
        texts[user.language_code] = agenda.text
        exchange = await bot.exchange(bot.api.press_button(user, listing, "PDF"))
        [document] = [r for r in exchange if r.method == "sendDocument"]
        [pdf] = document.files.values()
        pdfs[user.language_code] = text_of(pdf)
    en, zh = texts["en"].splitlines(), texts["zh-hans"].splitlines()
    assert en[0] == "Fuxing Community: weekly meeting agenda"
    assert en[5:] == [
        "   by unit: Nanxing Sanitation Station 2 · Nanxing Enforcement Squad 1",
        "2. Open cases: 5; overdue (difficult cases): 3",
        "   #6 Other · Jiangcheng Lane · waiting to be assigned · 8 days late",
        "   #2 Rubbish and dirty streets · Fuxing Street · being handled · 3 days late",
        "   #3 Street vendors blocking the way · Fuxing South Street · assigned · 3 days late",
        "3. Hot spots",
        "   Fuxing Street: 2 cases (repeated: Rubbish and dirty streets ×2)",
        "4. Units (handled / on time / reworked)",
        "   Nanxing Sanitation Station: 2 / 1 / 1",
        "5. Decisions of the last meeting",
        "   none recorded",
    ]
    assert no_chinese_names(texts["en"])
    # The printed agenda (its text without spaces): the same names, a case's unit too.
    assert "FuxingCommunityweeklymeeting:agenda" in pdfs["en"]
    for name in ("JiangchengLane", "FuxingSouthStreet", "NanxingEnforcementSquad"):
        assert name in pdfs["en"]
    assert no_chinese_names(pdfs["en"])
    assert "复兴社区周会：议程" in pdfs["zh-hans"] and "南星执法中队" in pdfs["zh-hans"]
    assert "Fuxing" not in pdfs["zh-hans"]
    assert zh[0] == "复兴社区周会议程"
    assert zh[5:] == [  # the Chinese agenda as it always was
        "   按单位：南星环卫所 2 · 南星执法中队 1",
        "二、未结案件 5 件，其中逾期（重点难点）3 件",
        "   #6 其他 · 江城巷 · 待分派 · 逾期 8 天",
        "   #2 暴露垃圾 · 复兴街 · 处置中 · 逾期 3 天",
        "   #3 占道经营 · 复兴南街 · 已派遣 · 逾期 3 天",
        "三、热点街巷",
        "   复兴街：2 件（重复：暴露垃圾 ×2）",
        "四、各单位情况（处置 / 按期 / 返工）",
        "   南星环卫所: 2 / 1 / 1",
        "五、上次会议决定事项",
        "   无",
    ]


async def test_the_agendas_units_hot_spots_owners_and_chart_axis(
    db_url: str, english_roster: object
) -> None:
    await seed(db_url)
    database = Database(db_url)
    async with database.session() as session:
        street = (await session.exec(select(Street))).one()
        fuxing = (await session.exec(select(Community).where(Community.code == "fuxing"))).one()
        sanitation = (await session.exec(select(Party).where(Party.code == "sanitation"))).one()
        agenda = await build_agenda(session, street, fuxing, "community_weekly", NOW)
        agenda.action_items = [
            ActionItem(
                id=1,
                street_id=street.id,
                occurrence_id=0,
                text="清理复兴街堆物",
                owner_party_id=sanitation.id,
                due_date=date(2026, 12, 6),
            )
        ]
        owners = await owner_labels(session, agenda.action_items)
    await database.dispose()
    specs = Classifier(load_categories()).categories
    en = render_agenda(agenda, EN, specs, owners).splitlines()
    zh = render_agenda(agenda, ZH, specs, owners).splitlines()
    assert "   Nanxing Sanitation Station: 2 / 1 / 1" in en
    assert "   ☐ 清理复兴街堆物 — Nanxing Sanitation Station, Dec 6, 2026" in en
    assert "   南星环卫所: 2 / 1 / 1" in zh
    assert "   ☐ 清理复兴街堆物 — 南星环卫所, 2026年12月6日" in zh
    assert unit_names(agenda, EN) == ["Nanxing Sanitation Station"]
    assert unit_names(agenda, ZH) == ["南星环卫所"]


# -- /case and /my -------------------------------------------------------------------------


async def test_case_and_my_name_the_alley_and_unit_in_the_readers_language(
    bot: BotHarness,
) -> None:
    alice = FakeUser(900002, "Alice", "en")
    wang = FakeUser(900001, "小王")
    [received] = await bot.replies(bot.api.send_text(alice, "复兴街垃圾没人清"), alice.id)
    assert "Where: Fuxing Street" in received.text
    [again] = await bot.replies(bot.api.send_text(wang, "复兴街垃圾好臭"), wang.id)
    assert "复兴街" in again.text and "Fuxing" not in again.text

    [card] = await bot.replies(bot.api.send_command(alice, "/case", "1"))
    lines = card.text.splitlines()
    assert lines[1:4] == [
        "Place: Fuxing Street",
        "State: assigned",
        "Handled by: Nanxing Sanitation Station 冯军",
    ]
    [mine] = await bot.replies(bot.api.send_command(alice, "/my"))
    assert "· Fuxing Street ·" in mine.text and no_chinese_names(mine.text)

    # The assignee's /todo: the alley in his language too.
    feng = 100021  # 冯军, sanitation's liaison for fuxing
    [todo] = await bot.replies(bot.api.send_command(FakeUser(feng, "Feng", "en"), "/todo"), feng)
    assert "#1 · Rubbish and dirty streets · Fuxing Street · assigned" in todo.text
    [todo] = await bot.replies(bot.api.send_command(FakeUser(feng, "冯军"), "/todo"), feng)
    assert "#1 · 暴露垃圾 · 复兴街 · 已派遣" in todo.text

    [card] = await bot.replies(bot.api.send_command(wang, "/case", "1"))
    assert card.text.splitlines()[1:4] == [
        "地点：复兴街",
        "状态：已派遣",
        "处理单位：南星环卫所 冯军",
    ]
    assert "Fuxing" not in card.text and "Sanitation" not in card.text


# -- notices, digests, pickers, minutes ----------------------------------------------------


async def test_notices_pickers_and_minutes_name_things_for_the_reader(
    db_url: str, english_roster: object
) -> None:
    database = Database(db_url)
    async with database.session() as session:
        street = (await session.exec(select(Street))).one()
        alley = (await session.exec(select(Alley).where(Alley.code == "fuxing-jie"))).one()
        category = (await session.exec(select(Category))).first()
        sanitation = (await session.exec(select(Party).where(Party.code == "sanitation"))).one()
        street_map = await load_street_map(session, street)
    await database.dispose()
    case = Case(number=3, street_id=street.id or 0, text="x", due_at=NOW)

    assert "Fuxing Street" in deadline_notice(EN, case, category, alley, "remind", 0)
    assert "复兴街" in deadline_notice(ZH, case, category, alley, "remind", 0)
    item = Item("remind", case, category, alley)
    assert "Fuxing Street" in digest(EN, [item], "22:00", "07:00")
    assert "复兴街" in digest(ZH, [item], "22:00", "07:00")

    # The area pickers of /members and /invite; the areas of a member and an invitation.
    fuxing = next(i for i, c in street_map.communities.items() if c.code == "fuxing")
    en_areas = dict(area_choices(EN, street_map, alleys=False))
    zh_areas = dict(area_choices(ZH, street_map, alleys=False))
    assert en_areas[AreaRef("community", fuxing)] == "Fuxing Community"
    assert zh_areas[AreaRef("community", fuxing)] == "复兴社区"
    blocks = [label for ref, label in en_areas.items() if ref.kind == "block"]
    assert blocks and all(label.startswith(("Fuxing Community · ", "Haiyue")) for label in blocks)
    en_alleys = [label for _ref, label in area_choices(EN, street_map, alleys=True)]
    assert "Fuxing Street" in en_alleys and no_chinese_names(" ".join(en_alleys))
    assert "复兴街" in [label for _r, label in area_choices(ZH, street_map, alleys=True)]
    refs = [AreaRef("community", fuxing), AreaRef("alley", alley.id or 0)]
    assert areas_text(EN, street_map, refs) == "Fuxing Community, Fuxing Street"
    assert areas_text(ZH, street_map, refs) == "复兴社区、复兴街"
    text = invitation_text(EN, street_map, Role.LIAISON, sanitation, refs, NOW)
    assert "Nanxing Sanitation Station" in text and "Fuxing Community, Fuxing Street" in text
    member = Member(street_id=street.id or 0, name="冯军", role=Role.LIAISON)
    member.party_id = sanitation.id
    assert member_line(EN, street_map, member, refs).startswith(
        "冯军 · liaison · Nanxing Sanitation Station · Fuxing Community, Fuxing Street"
    )

    # The minutes: the owning unit's buttons, and the question that follows.
    decision = ActionItem(id=5, street_id=street.id or 0, occurrence_id=1, text="清理堆物")
    _text, keyboard = choose_owner(EN, decision, [sanitation])
    assert keyboard.inline_keyboard[0][0].text == "Nanxing Sanitation Station"
    _text, keyboard = choose_owner(ZH, decision, [sanitation])
    assert keyboard.inline_keyboard[0][0].text == "南星环卫所"
    text, _keyboard = choose_due(EN, decision, sanitation, date(2026, 12, 1))
    assert "Owner: Nanxing Sanitation Station." in text
    text, _keyboard = choose_due(ZH, decision, sanitation, date(2026, 12, 1))
    assert "南星环卫所" in text


async def test_linking_a_group_offers_the_communities_by_the_readers_names(
    bot: BotHarness,
) -> None:
    group = FakeChat(-1001000000777, "Fuxing group")
    chen_en, chen_zh = FakeUser(CHEN, "Chen", "en"), FakeUser(CHEN, "陈建国")
    [offer] = await bot.replies(bot.api.send_command(chen_en, "/linkgroup", chat=group))
    labels = [b["text"] for b in offer.buttons()]
    assert labels[:2] == ["Nanxing Subdistrict", "Fuxing Community"]
    assert no_chinese_names(" ".join(labels))
    [done] = await bot.replies(bot.api.press_button(chen_en, offer, "Fuxing Community"))
    assert "linkage group of Fuxing Community" in done.text
    [offer] = await bot.replies(bot.api.send_command(chen_zh, "/linkgroup", chat=group))
    assert [b["text"] for b in offer.buttons()][:2] == ["南星街道", "复兴社区"]


# -- the scorecard ---------------------------------------------------------------------------


async def test_the_scorecard_names_units_and_communities_for_the_reader(
    db_url: str, english_roster: object
) -> None:
    database = Database(db_url)
    async with database.session() as session:
        street = (await session.exec(select(Street))).one()
        parties = await assessment.indicators(session, street, NOW, NOW, "party")
        communities = await assessment.indicators(session, street, NOW, NOW, "community")
    await database.dispose()
    by_key = {f.key: f for f in [*parties, *communities]}
    assert (by_key["sanitation"].name, by_key["sanitation"].name_en) == (
        "南星环卫所",
        "Nanxing Sanitation Station",
    )
    assert by_key["fuxing"].name_en == "Fuxing Community"
    sanitation = by_key["sanitation"]
    sanitation.due, sanitation.handled, sanitation.on_time = 2, 2, 1
    assessment.score(parties, assessment.Weights())
    card = Scorecard(street, "2026Q4", NOW, NOW, parties, communities)
    assert "\nNanxing Sanitation Station: 2 · " in scorecard_text(card, EN)
    assert "\nDistrict Planning Office: nothing due" in scorecard_text(card, EN)
    assert "\n南星环卫所：2 · " in scorecard_text(card, ZH)
    book = load_workbook(io.BytesIO(xlsx(card, EN, NOW)))
    units = [row[1] for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)]
    assert units[0] == "Nanxing Sanitation Station" and no_chinese_names(" ".join(units))
    places = [row[1] for row in book.worksheets[1].iter_rows(min_row=3, values_only=True)]
    assert "Fuxing Community" in places
    book = load_workbook(io.BytesIO(xlsx(card, ZH, NOW)))
    assert book.worksheets[0].cell(row=3, column=2).value == "南星环卫所"
    [award] = assessment.yearly_awards([parties], fund=1000.0, threshold=0.0)
    assert (award.name, award.name_en) == ("南星环卫所", "Nanxing Sanitation Station")


async def test_report_kpi_csv_names_units_and_communities_in_the_readers_language(
    db_url: str, english_roster: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    base = ["report", "kpi", "--street", "nanxing", "--from", "2026-10-01", "--to", "2026-12-31"]
    names = {}
    for lang in ("en", "zh_CN"):
        for by in ("party", "community"):
            args = [*base, "--format", "csv", "--by", by, "--lang", lang, "--config", str(config)]
            assert await asyncio.to_thread(main, args) == 0
            out = capsys.readouterr().out.removeprefix("\ufeff")
            names[lang, by] = {row[1]: row[2] for row in list(csv.reader(io.StringIO(out)))[1:]}
    assert names["en", "party"]["sanitation"] == "Nanxing Sanitation Station"
    assert names["en", "community"]["fuxing"] == "Fuxing Community"
    assert names["zh_CN", "party"]["sanitation"] == "南星环卫所"
    assert names["zh_CN", "community"]["fuxing"] == "复兴社区"
