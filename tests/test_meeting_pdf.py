"""The printable agenda and minutes: a PDF read back with a text extractor."""

from __future__ import annotations

import io
import sys
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from sqlmodel import select

from fakegram import FakeUser
from locales.i18n import I18n
from models.agenda import build_agenda
from models.classify import Classifier, load_categories
from models.clock import ManualClock
from models.db import Database
from models.meetings import ActionItem, MeetingOccurrence
from models.org import Community, Names, Party, Street
from models.schedule import plan
from tests.harness import BotHarness
from tests.test_meetings import CHEN, NOW, SHANGHAI, bot, seed, sunday  # noqa: F401
from views.agenda_chart import chart_png
from views.meeting_pdf import MeetingDocument, filename, render_pdf


def text_of(pdf: bytes) -> str:
    """The PDF's text, without whitespace: pypdf reads fpdf2's two-byte CID codes with a NUL
    before each character and spaces where the glyphs are set apart."""
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0].mediabox
    assert (round(float(page.width)), round(float(page.height))) == (595, 842)  # A4
    text = "".join(p.extract_text() for p in reader.pages)
    return "".join(text.replace("\x00", "").split())


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
async def test_the_agenda_pdf_has_the_street_the_cases_the_chart_and_the_items(
    db_url: str, english_roster: object, locale: str
) -> None:
    await seed(db_url)
    database = Database(db_url)
    async with database.session() as session:
        await plan(session, datetime(2026, 11, 20, tzinfo=SHANGHAI))
        street = (await session.exec(select(Street))).one()
        fuxing = (await session.exec(select(Community).where(Community.code == "fuxing"))).one()
        sanitation = (await session.exec(select(Party).where(Party.code == "sanitation"))).one()
        item = ActionItem(
            street_id=street.id,
            occurrence_id=(await session.exec(select(MeetingOccurrence))).first().id,  # type: ignore[union-attr]
            text="清理复兴街堆物",
            owner_party_id=sanitation.id,
            due_date=date(2026, 12, 6),
        )
        agenda = await build_agenda(session, street, fuxing, "community_weekly", NOW)
        agenda.action_items = [item]
        specs = Classifier(load_categories()).categories
        i18n = I18n(locale, "Asia/Shanghai")
        chart = chart_png(agenda, i18n, specs)
        assert chart is not None
        owner = Names(sanitation.name, sanitation.name_en)
        pdf = render_pdf(
            MeetingDocument(agenda, "复兴社区周会", NOW, chart=chart, owners={0: owner}),
            i18n,
            specs,
        )
        bare = render_pdf(MeetingDocument(agenda, "复兴社区周会", NOW), i18n, specs)
    await database.dispose()
    assert len(pdf) > len(bare) + 5_000  # the chart is embedded
    assert filename(i18n, MeetingDocument(agenda, "", NOW)) == "agenda-2026-11-30.pdf"
    text = text_of(pdf)
    assert [c.number for c in agenda.cases] == [1, 2, 3, 4, 6]  # 5 is a duplicate, 7 elsewhere
    for number in (1, 2, 3, 4, 6):
        assert f"#{number}" in text
    assert ("南星街道" if locale == "zh_CN" else "NanxingSubdistrict") in text
    assert "清理复兴街堆物" in text
    # The roster's names in the reader's language: alleys, units, the item's owner.
    if locale == "zh_CN":
        assert "复兴南街" in text and "南星环卫所" in text and "Fuxing" not in text
    else:
        assert "FuxingSouthStreet" in text and "NanxingEnforcementSquad" in text
        assert text.count("NanxingSanitationStation") >= 2  # a case's unit, the item's owner
        assert "复兴南街" not in text and "南星环卫所" not in text
    assert ("暴露垃圾" if locale == "zh_CN" else "Rubbishanddirtystreets") in text
    assert ("议程" if locale == "zh_CN" else "agenda") in text


async def test_the_pdf_button_sends_the_agenda_and_the_minutes_as_pdf(
    bot: BotHarness,  # noqa: F811
    sunday: ManualClock,  # noqa: F811
    db_url: str,
) -> None:
    await seed(db_url)
    chen = FakeUser(CHEN, "陈建国")
    [listing] = await bot.replies(bot.api.send_command(chen, "/meetings"))
    assert [b["text"] for b in listing.buttons()][:2] == ["议程 11月30日 09:30", "📄 PDF"]
    exchange = await bot.exchange(bot.api.press_button(chen, listing, "📄 PDF"))
    [document] = [r for r in exchange if r.method == "sendDocument"]
    [pdf] = document.files.values()
    text = text_of(pdf)
    assert "南星街道" in text and "复兴社区周会：议程" in text

    # After the meeting: its minutes, with the decision it made.
    sunday.set(datetime(2026, 11, 30, 11, 0, tzinfo=SHANGHAI))
    [listing] = await bot.replies(bot.api.send_command(chen, "/meetings"))
    await bot.replies(bot.api.press_button(chen, listing, "纪要 11月30日 09:30"))
    [owners] = await bot.replies(bot.api.send_text(chen, "复兴街夜间巡查"))
    [dates] = await bot.replies(bot.api.press_button(chen, owners, "南星环卫所"))
    await bot.exchange(bot.api.press_button(chen, dates, "12/7"))
    exchange = await bot.exchange(bot.api.press_button(chen, listing, "📄 PDF 11月30日 09:30"))
    [document] = [r for r in exchange if r.method == "sendDocument"]
    text = text_of(next(iter(document.files.values())))
    assert "复兴社区周会：会议纪要" in text
    assert "复兴街夜间巡查" in text and "南星环卫所" in text


def test_cli_agenda_as_pdf(db_url: str, tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main
    from tests.harness import SAMPLE_ROSTER

    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    assert main(["roster", "import", str(SAMPLE_ROSTER), "--config", str(config)]) == 0
    out = tmp_path / "agenda.pdf"
    args = ["agenda", "--street", "nanxing", "--kind", "street_monthly", "--config", str(config)]
    assert main([*args, "--format", "pdf", "-o", str(out), "--lang", "en"]) == 0
    text = text_of(out.read_bytes())
    assert "NanxingSubdistrict" in text and "monthlyreviewmeeting:agenda" in text
    assert "nocaseinthisperiod" in text
    capsys.readouterr()
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main([*args, "--format", "pdf"]) == 1  # not to a terminal
    assert "use -o FILE" in capsys.readouterr().err
