"""Golden transcripts of the sandbox: everything the bot sends to anyone, byte for byte.

Each script below is played in the sandbox (bot/demo.py: the real bot, a fake Telegram, the
sample roster of 南星街道) with its clock started at a fixed moment, and the transcript is
compared with tests/golden/NAME.txt. A difference fails with a unified diff. These tests are
the safety net of refactors that must not change what a person sees: texts, buttons,
notices, who is told what and in which order.

When a change of what people see is intended, regenerate the golden files, read the diff
(`git diff tests/golden`) and commit them with the change:

    LANEKEEPER_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_transcript.py

The sandbox prints what a person would see, edits of earlier messages included (`🤖 ⌨ NAME:
[1] …` when the buttons of a message already sent change, `—` when they are taken away) and
a `🤖 · METHOD NAME` line for any other request. The transcript adds only (`observe` below)
`⟨…⟩` after a photo or document: a digest of the file (PNG dimensions; the sheets of a
spreadsheet with their header rows; a calendar file's readable lines), never raw bytes.

What is normalised (`normalise`), each because it changes from run to run and nobody reads it:
  - the sandbox's database path (a temporary directory) becomes `<tmp>/sandbox.db`;
  - invitation codes in t.me links (random, models/invites.py) become `<code>`.
Lines are kept exactly as the sandbox prints them, trailing spaces included (`🤖 → 小王: `).
Everything else is deterministic: the clock starts at T0 (2026-11-26 02:00 UTC, a Thursday
10:00 in Shanghai) and moves only on `:wait`; the fake Telegram's ids count from 1.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.demo import Sandbox
from fakegram import Recorded

GOLDEN = Path(__file__).resolve().parent / "golden"
README = Path(__file__).resolve().parent.parent / "README.md"
UPDATE = os.environ.get("LANEKEEPER_UPDATE_GOLDEN") == "1"


def readme_block(marker: str) -> str:
    """The fenced block that follows `<!-- marker: … -->` in the README, as typed there."""
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker}:[^>]*-->\n```\n(.*?)```\n", text, re.DOTALL)
    assert found is not None, f"the README has no block marked {marker}"
    return found.group(1)


T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # a Thursday, 10:00 in Shanghai

# The README's walkthrough (section "Try it: the sandbox"), exactly as it is written there.
WALKTHROUGH = readme_block("sandbox-walkthrough")

# A case from report to closing, and every turn it can take on the way: the community
# button, anonymity, a duplicate, cooperation, accept, done with a note, not fixed (返工),
# postponement within the limit and past it (approved), hand back with a reason typed and
# with a reason button, triage, a place to choose, a category to choose, a cancelled
# report, a location outside the street, a voice note, a contact, reminders, overdue
# notices, escalations and the close by default after verification time-out (at night:
# held, then told in the morning's digest).
LIFE_OF_A_CASE = """\
:who
:as Alice
/start
:press 3
:press 1
There is a pile of rubbish on 复兴街 near number 12
:press 1
:as 小王
复兴街上又有一堆垃圾没人管
/case 2
:as 周丽
:press 1
:as 冯军
:press 1
:press 1
清理完毕
:as Alice
:press 2
Still a bag left by the door
:as 冯军
:press 2
:press 1
垃圾车坏了，等维修
/case 1
:press 1
:photo 剩下的一袋也运走了
:as Alice
:press 1
:press 5
/case 1
:as 小王
复兴南街有人摆摊卖菜
:as 刘洋
:press 4
:press 4
这个摊位在海月社区一侧
:as 陈建国
/triage
:press 1
:press 4
:press 1
:as 王强
:press 1
:press 2
:press 3
需要联合执法，时间较长
:as 陈建国
:press 1
:as 王强
/case 3
:as 小王
复兴街和桥直巷路口路灯不亮
:press 2
:press 1
:as 许波
:press 4
:press 1
:as 小王
海月巷这里有点问题
:press 1
:as 何静
:press 2
:photo 已清理
:as Alice
Still a bag left by the door
:press 1
:press 1
:voice
:press 5
:contact +8613800000000
:loc 31.5 121.5
:press 1
/my
/case
/case 99
/frobnicate
:wait 3.5
:wait 30
:wait 200
:wait 5
:as 小王
/my
/case 1
"""

# The linkage group's side: help and identity by role, the member list (pages, a member,
# areas, deactivation), the invitation wizard (and revoking), joining by invitation (and
# declining), meetings (list, agenda with its chart, move, cancel, minutes, settings), the
# scorecard (message, spreadsheet, chart), the outbox, the street's group chat (commands,
# linking), refusals for residents, and the sandbox's own commands and usage messages.
MEMBERS_AND_MEETINGS = """\
:help
:new Bob en
/start
:press 1
/help
/me
/members
/language
:press 2
:as 陈建国
/help
/me
/members
:press 9
:press 10
:press 9
:press 1
:press 1
:press 1
:press 3
:press 6
/members
:press 8
:press 2
:press 1
:press 1
/invite
:press 3
:press 4
:press 2
:press 1
/invite
:press 4
:press 1
:press 5
:join 马超
:press 2
:join 马超
:press 1
/me
/help
/my
:as 周丽
/help
/members
/invite
:press 3
:as 郑红
/invite
:press 1
:press 1
:press 1
:as 陈建国
/meetings
:press 1
/meetings
:press 3
明天吧
12月2日 15:00
:press 1
/meetings
:press 9
:press 1
/meetings
:press 5
复兴街垃圾清运
:press 4
:press 1
/meetings
:press 28
:press 1
/scorecard
/scorecard 2026Q4
/scorecard 2099Q9
/outbox
:group 大家好
:group /help
:group /me
:group /linkgroup
:group /unlinkgroup
:group /unlinkgroup
:as 小王
/members
/triage
/scorecard
/meetings
/outbox
/invite
:as 林老伯
/meetings
:press 1
/me
:as 谁
:join 谁
:press 99
:wait
:wait 0
:loc
:contact
:group
:new
:bogus
"""

# The same scripts read in English: everyone the sandbox can speak as chooses English first.
ENGLISH_PRELUDE = "".join(
    f":as {name}\n/language en\n"
    for name in [
        "陈建国",
        "周丽",
        "吴海",
        "王强",
        "刘洋",
        "孙磊",
        "郑红",
        "冯军",
        "何静",
        "许波",
        "韩梅",
        "杨帆",
        "朱敏",
        "秦刚",
        "林老伯",
        "黄阿姨",
        "钱师傅",
        "小王",
    ]
)

SCRIPTS: dict[str, tuple[str, str]] = {
    "walkthrough_zh": ("zh_CN", WALKTHROUGH),
    "walkthrough_en": ("en", WALKTHROUGH),
    "life_of_a_case": ("zh_CN", LIFE_OF_A_CASE),
    "life_of_a_case_en": ("en", ENGLISH_PRELUDE + LIFE_OF_A_CASE),
    "members_and_meetings": ("zh_CN", MEMBERS_AND_MEETINGS),
    "members_and_meetings_en": ("en", ENGLISH_PRELUDE + MEMBERS_AND_MEETINGS),
}

_INVITE_CODE = re.compile(r"(https://t\.me/\w+\?start=)[A-Za-z0-9_-]+")


def normalise(transcript: str, db_path: Path) -> str:
    transcript = transcript.replace(str(db_path.resolve()), "<tmp>/sandbox.db")
    transcript = re.sub(r"http://127\.0\.0\.1:\d+/", "http://127.0.0.1:<port>/", transcript)
    return _INVITE_CODE.sub(r"\1<code>", transcript)


def digest(content: bytes) -> str:
    """A few readable, deterministic words about a file the bot sent."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        width = int.from_bytes(content[16:20], "big")
        height = int.from_bytes(content[20:24], "big")
        return f"⟨PNG {width}×{height}⟩"
    if content.startswith(b"BEGIN:VCALENDAR"):
        # Stamps and ids change at every export: the lines a person reads only.
        keep = (
            "METHOD",
            "STATUS",
            "SUMMARY",
            "DTSTART",
            "DTEND",
            "LOCATION",
            "DESCRIPTION",
            "RRULE",
        )
        lines = [
            line for line in content.decode().splitlines() if line.split(":")[0].startswith(keep)
        ]
        return "⟨ICS " + " | ".join(lines) + "⟩"
    if zipfile.is_zipfile(io.BytesIO(content)):
        book = load_workbook(io.BytesIO(content), read_only=True)
        sheets = []
        for sheet in book.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            header = " | ".join(str(v) for v in rows[0]) if rows else ""
            sheets.append(f"“{sheet.title}” {len(rows)} rows: {header}")
        book.close()
        return "⟨XLSX " + "; ".join(sheets) + "⟩"
    return f"⟨{len(content)} bytes⟩"


def observe(sandbox: Sandbox) -> None:
    """After the sandbox's own lines, a digest of each file it sent (never raw bytes)."""

    def show(record: Recorded) -> None:
        if isinstance(record.result, Exception):
            return
        for content in record.files.values():
            sandbox.say(f"     {digest(content)}")

    sandbox.api.listeners.append(show)


async def play(tmp_path: Path, lang: str, script: str) -> str:
    out = io.StringIO()
    db_path = tmp_path / "sandbox.db"
    sandbox = Sandbox(str(db_path), lang, out=out, start=T0)
    observe(sandbox)
    assert await sandbox.main(lines=io.StringIO(script)) == 0
    return normalise(out.getvalue(), db_path)


def compare(name: str, transcript: str) -> None:
    golden = GOLDEN / f"{name}.txt"
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(transcript, encoding="utf-8", newline="\n")
        return
    if not golden.exists():
        pytest.fail(
            f"{golden} is missing; LANEKEEPER_UPDATE_GOLDEN=1 writes it from this run",
            pytrace=False,
        )
    expected = golden.read_text(encoding="utf-8")
    if transcript != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            transcript.splitlines(keepends=True),
            fromfile=f"tests/golden/{name}.txt",
            tofile=f"{name} (this run)",
        )
        pytest.fail(
            f"the transcript of {name} differs from its golden file "
            "(LANEKEEPER_UPDATE_GOLDEN=1 rewrites it if the change is meant):\n" + "".join(diff),
            pytrace=False,
        )


@pytest.mark.parametrize("name", list(SCRIPTS))
async def test_transcript_matches_golden(name: str, tmp_path: Path) -> None:
    lang, script = SCRIPTS[name]
    compare(name, await play(tmp_path, lang, script))


def test_normalise_touches_only_what_changes_between_runs(tmp_path: Path) -> None:
    db_path = tmp_path / "sandbox.db"
    text = (
        f"数据库：{db_path.resolve()}\n"
        "     https://t.me/LaneKeeperBot?start=mZPF91_1ZmB8E6-C0M0WBg\n"
        "     案件 #12 时限 11月27日 10:00\n"
    )
    assert normalise(text, db_path) == (
        "数据库：<tmp>/sandbox.db\n"
        "     https://t.me/LaneKeeperBot?start=<code>\n"
        "     案件 #12 时限 11月27日 10:00\n"
    )


async def test_the_readme_sample_is_what_the_sandbox_prints(tmp_path: Path) -> None:
    """The README's sample output: its lines appear in this order in the walkthrough's
    transcript; a line ending in "……" stands for any line that begins the same."""
    transcript = (await play(tmp_path, "zh_CN", WALKTHROUGH)).splitlines()
    position = 0
    for wanted in readme_block("sandbox-sample").splitlines():
        prefix = wanted.removesuffix("……")
        for index in range(position, len(transcript)):
            line = transcript[index]
            if line == wanted or (prefix != wanted and line.startswith(prefix)):
                position = index + 1
                break
        else:
            pytest.fail(f"the README shows {wanted!r}, which the sandbox does not print there")
