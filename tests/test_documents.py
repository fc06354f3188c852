"""The files people open: charts in Chinese without system fonts, spreadsheets kept off the
terminal."""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from matplotlib import font_manager

from locales.i18n import I18n
from models import assessment
from models.agenda import Agenda, PartyFigures
from models.classify import Classifier, load_categories
from models.meetings import MeetingOccurrence, MeetingSeries
from models.org import Street
from tests.test_assessment import seed
from views import charts
from views.agenda_chart import chart_png
from views.meetings import ics
from views.scorecard import Scorecard, chart

SH = ZoneInfo("Asia/Shanghai")
STREET = Street(id=1, code="nanxing", name="南星街道", timezone="Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def only_matplotlibs_own_fonts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """A machine with no system fonts at all: matplotlib knows only the fonts it ships (and
    what views/charts.py registers). Yields the font files each text was drawn with."""
    manager = font_manager.fontManager
    own = [f for f in manager.ttflist if "mpl-data" in f.fname]
    monkeypatch.setattr(manager, "ttflist", own)
    charts.font_families.cache_clear()
    manager._findfont_cached.cache_clear()  # type: ignore[attr-defined]
    used: list[list[str]] = []
    find = manager._find_fonts_by_props  # type: ignore[attr-defined]

    def spy(*args: object, **kwargs: object) -> list[str]:
        paths: list[str] = find(*args, **kwargs)
        used.append([str(p) for p in paths])
        return paths

    monkeypatch.setattr(manager, "_find_fonts_by_props", spy)
    yield used
    charts.font_families.cache_clear()
    manager._findfont_cached.cache_clear()  # type: ignore[attr-defined]


def drawn_quietly(draw: object, caplog: pytest.LogCaptureFixture) -> bytes | None:
    """Draw, failing on any missing-glyph warning or font-manager complaint."""
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.DEBUG):
        warnings.simplefilter("always")
        png = draw()  # type: ignore[operator]
    assert [str(w.message) for w in caught] == []
    complaints = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("matplotlib") and r.levelno >= logging.WARNING
    ]
    assert complaints == []
    return png  # type: ignore[no-any-return]


def agenda(**figures: object) -> Agenda:
    start = datetime(2026, 10, 25, tzinfo=SH)
    return Agenda(
        STREET, None, "street_monthly", start, datetime(2026, 11, 25, tzinfo=SH), **figures
    )  # type: ignore[arg-type]


def test_the_monthly_chart_is_in_chinese_with_the_packaged_font(
    only_matplotlibs_own_fonts: list[list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    assert charts.FONT_FILE.is_file() and charts.FONT_FILE.stat().st_size < 5_000_000
    categories = Classifier(load_categories()).categories
    full = agenda(
        new_by_category=[("garbage", 7), ("illegal_parking", 2)],
        parties=[
            PartyFigures("sanitation", "南星环卫所", handled=5, on_time=4, reworked=1),
            PartyFigures("enforcement", "南星执法中队", handled=2, on_time=2),
        ],
    )
    png = drawn_quietly(lambda: chart_png(full, I18n("zh_CN"), categories), caplog)
    assert png is not None and png.startswith(PNG)
    used = only_matplotlibs_own_fonts
    assert used and all(paths[0] == str(charts.FONT_FILE) for paths in used)
    assert charts.font_families()[0] == charts.FAMILY
    assert font_manager.findfont(charts.FAMILY, fallback_to_default=False) == str(charts.FONT_FILE)
    # In English too: the units' names are Chinese, and drawn.
    png = drawn_quietly(lambda: chart_png(full, I18n("en"), categories), caplog)
    assert png is not None and png.startswith(PNG)


def test_a_month_with_nothing_has_no_chart() -> None:
    categories = Classifier(load_categories()).categories
    quiet = agenda(parties=[PartyFigures("sanitation", "南星环卫所")])
    assert chart_png(quiet, I18n("zh_CN"), categories) is None


def test_the_scorecard_chart_names_the_units(
    only_matplotlibs_own_fonts: list[list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    sanitation = assessment.Indicators("sanitation", "南星环卫所", due=2, handled=2, on_time=1)
    idle = assessment.Indicators("planning", "区规划分局")
    assessment.score([sanitation, idle], assessment.Weights())
    start, end = datetime(2026, 7, 1, tzinfo=SH), datetime(2026, 10, 1, tzinfo=SH)
    card = Scorecard(STREET, "2026Q3", start, end, [sanitation, idle], [])
    png = drawn_quietly(lambda: chart(card, I18n("zh_CN")), caplog)
    assert png is not None and png.startswith(PNG)
    assert all(paths[0] == str(charts.FONT_FILE) for paths in only_matplotlibs_own_fonts)
    nobody = Scorecard(STREET, "2026Q3", start, end, [idle], [])
    assert chart(nobody, I18n("zh_CN")) is None


def test_the_calendar_file_carries_its_zone_place_and_agenda() -> None:
    series = MeetingSeries(
        id=3,
        street_id=1,
        code="monthly",
        kind="street_monthly",  # type: ignore[arg-type]
        rrule="FREQ=MONTHLY;BYMONTHDAY=25",
        duration_min=90,
        place="街道三楼会议室",
    )
    starts = datetime(2026, 12, 25, 14, 0, tzinfo=SH)
    occurrence = MeetingOccurrence(id=7, series_id=3, original_start=starts, starts_at=starts)
    agenda_text = "南星街道月度讲评会议程\n一、本月新增案件 9 件\n二、逾期案件 1 件"
    data = ics(occurrence, series, STREET, "南星街道月度讲评会", agenda_text)
    calendar = Calendar.from_ical(data)
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Shanghai"
    [event] = calendar.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event.decoded("DTSTART") == starts
    assert event.decoded("DTEND") == datetime(2026, 12, 25, 15, 30, tzinfo=SH)
    assert str(event["LOCATION"]) == "街道三楼会议室"
    assert str(event["DESCRIPTION"]) == agenda_text
    assert str(event["SUMMARY"]) == "南星街道月度讲评会"
    # A moved occurrence's own place wins over the series'.
    occurrence.place = "复兴社区活动室"
    event = Calendar.from_ical(ics(occurrence, series, STREET, "x")).walk("VEVENT")[0]
    assert str(event["LOCATION"]) == "复兴社区活动室" and "DESCRIPTION" not in event


class _Terminal(io.TextIOWrapper):
    def isatty(self) -> bool:
        return True


def _kpi(config: Path, *extra: str) -> list[str]:
    return [
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
        *extra,
    ]


def test_a_spreadsheet_is_never_written_to_a_terminal(
    db_url: str,
    roster: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    import asyncio

    from bot.cli import main

    asyncio.run(seed(db_url))
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    # Piped (standard output is no terminal): the spreadsheet goes through.
    assert main(_kpi(config, "--format", "xlsx")) == 0
    piped = capsysbinary.readouterr().out
    assert piped.startswith(b"PK\x03\x04")
    # A terminal: refused, with what to do instead, and nothing written.
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    for extra in ([], ["-o", "-"]):
        assert main(_kpi(config, "--format", "xlsx", *extra)) == 1
        out, err = capsysbinary.readouterr()
        assert out == b""
        assert b"use -o FILE" in err
    # To a file, from a terminal: fine. Text formats still print.
    target = tmp_path / "q3.xlsx"
    assert main(_kpi(config, "--format", "xlsx", "-o", str(target))) == 0
    assert target.read_bytes().startswith(b"PK\x03\x04")
    assert main(_kpi(config, "--format", "json")) == 0
    assert capsysbinary.readouterr().out.startswith(b"{")
