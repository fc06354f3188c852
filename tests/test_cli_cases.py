"""explain and cases export, on the sample roster."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from fakegram import FakeUser
from tests.harness import bot_running

SAMPLE = Path(__file__).resolve().parent.parent / "bot" / "examples" / "nanxing.roster.toml"


@pytest.fixture
def config(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    assert main(["roster", "import", str(SAMPLE), "--config", str(path)]) == 0
    capsys.readouterr()
    return str(path)


def test_explain_one_text(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--street", "nanxing", "--config", config, "桥直巷路等不亮了"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["text"] == "桥直巷路等不亮了"
    assert line["category"] == "street_light" and line["categories"][0]["code"] == "street_light"
    assert line["alley"] == "qiaozhi-xiang" and line["party"] == "construction"
    assert line["assignee"] == {"name": "许波", "telegram_id": 100030}


def test_explain_a_file_and_a_location(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = tmp_path / "texts.txt"
    texts.write_text("复兴街12号门口垃圾\n\nCars parked in Haiyue Lane\n你好\n", encoding="utf-8")
    assert main(["explain", "--street", "nanxing", "--file", str(texts), "--config", config]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(x["category"], x["alley"]) for x in lines] == [
        ("garbage", "fuxing-jie"),
        ("illegal_parking", "haiyue-xiang"),
        ("other", None),
    ]
    assert lines[0]["assignee"]["name"] == "冯军"
    assert lines[2]["assignee"] is None and lines[2]["party"] == "street_office"
    assert (
        main(
            [
                "explain",
                "--street",
                "nanxing",
                "--lat",
                "30.2209",
                "--lon",
                "120.1815",
                "--config",
                config,
                "这里有垃圾",
            ]
        )
        == 0
    )
    line = json.loads(capsys.readouterr().out)
    assert line["alley"] == "haiyue-xiang" and line["assignee"]["name"] == "何静"


def test_explain_refuses_bad_arguments(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--street", "nanxing", "--config", config]) == 2
    assert main(["explain", "--street", "nowhere", "--config", config, "x"]) == 1
    assert "no street 'nowhere'" in capsys.readouterr().err


async def test_cases_export(config: str, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    async with bot_running(db_url) as bot:
        await bot.exchange(bot.api.send_text(FakeUser(900001, "小王"), "复兴街垃圾没人清"))
        await bot.exchange(bot.api.send_text(FakeUser(900002, "A"), "匿名：复兴街垃圾好臭"))
    # The command line runs its own event loop, so it runs in a thread here.
    args = ["cases", "export", "--street", "nanxing", "--format", "json", "--config", config]
    assert await asyncio.to_thread(main, args) == 0
    first, second = json.loads(capsys.readouterr().out)
    assert (
        first["number"] == 1 and first["category"] == "garbage" and first["alley"] == "fuxing-jie"
    )
    assert first["reporter"] == 900001 and first["state"] == "dispatched"
    assert first["assignees"] == [
        {"party": "sanitation", "party_name": "南星环卫所", "member": "冯军"}
    ]
    assert [e["action"] for e in first["events"]] == ["create", "route", "link_duplicate"]
    assert second["reporter"] is None and second["anonymous"] is True
    assert second["duplicate_of"] == 1 and second["state"] == "void"
    assert all(e["actor"] is None for e in second["events"])
    assert first["street_name"] == "南星街道" and first["category_name"] == "暴露垃圾"
    assert first["alley_name"] == "复兴街"
    assert first["created_at"].endswith("+08:00")  # the street's time, with its offset
    args = ["cases", "export", "--format", "csv", "--lang", "en", "--config", config]
    assert await asyncio.to_thread(main, args) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeff")  # UTF-8 with a BOM, for Excel
    rows = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff"))))
    assert [r["number"] for r in rows] == ["1", ""]  # a repeat takes no number
    assert rows[0]["assignees"] == "sanitation 南星环卫所 冯军"
    assert (rows[0]["category code"], rows[0]["category"]) == (
        "garbage",
        "Rubbish and dirty streets",
    )
    assert (rows[0]["alley code"], rows[0]["alley"]) == ("fuxing-jie", "复兴街")
    # States and urgencies in words, their codes beside for machines.
    assert (rows[0]["state code"], rows[0]["state"]) == ("dispatched", "assigned")
    assert (rows[0]["urgency code"], rows[0]["urgency"]) == ("normal", "normal")
    assert (rows[1]["state code"], rows[1]["state"]) == ("void", "void")
    assert rows[0]["reported at"].endswith("+08:00")
    assert datetime.fromisoformat(rows[0]["reported at"]).utcoffset() == timedelta(hours=8)
    assert "create new→new" in rows[0]["history"] or "create →new" in rows[0]["history"]
    # In Chinese by default (default_locale), to a file.
    path = Path(config).parent / "cases.csv"
    args = ["cases", "export", "--format", "csv", "-o", str(path), "--config", config]
    assert await asyncio.to_thread(main, args) == 0
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        [header, *lines] = list(csv.reader(f))
    assert header[:5] == ["编号", "街道代码", "街道", "类别代码", "类别"]
    assert lines[0][header.index("街巷")] == "复兴街"
    assert lines[0][header.index("状态")] == "已派遣"
    assert lines[0][header.index("状态代码")] == "dispatched"
    assert lines[0][header.index("紧急程度")] == "一般"


async def test_cases_export_names_things_in_the_readers_language(
    db_url: str, english_roster: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    async with bot_running(db_url) as bot:
        await bot.exchange(bot.api.send_text(FakeUser(900001, "小王"), "复兴街垃圾没人清"))
    exports = {}
    for lang in ("en", "zh_CN"):
        args = ["cases", "export", "--format", "csv", "--lang", lang, "--config", str(path)]
        assert await asyncio.to_thread(main, args) == 0
        out = capsys.readouterr().out.removeprefix("\ufeff")
        [header, row] = list(csv.reader(io.StringIO(out)))
        exports[lang] = dict(zip(header, row, strict=True))
    en, zh = exports["en"], exports["zh_CN"]
    assert (en["alley code"], en["alley"]) == ("fuxing-jie", "Fuxing Street")
    assert en["assignees"] == "sanitation Nanxing Sanitation Station 冯军"
    assert (en["state"], en["urgency"]) == ("assigned", "normal")
    assert (zh["街巷代码"], zh["街巷"]) == ("fuxing-jie", "复兴街")
    assert zh["承办人"] == "sanitation 南星环卫所 冯军"
    assert (zh["状态"], zh["紧急程度"]) == ("已派遣", "一般")
