"""The sandbox (python -m bot demo): a person at the terminal plays every side of the chat."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from bot.demo import Sandbox
from tests.harness import T0


async def play(tmp_path: Path, script: str, lang: str = "en", start: datetime = T0) -> str:
    out = io.StringIO()
    # At a fixed moment (Thursday 10:00 in Shanghai), not whenever the test runs: at night
    # the quiet hours would hold what the scripts expect to see at once.
    sandbox = Sandbox(str(tmp_path / "sandbox.db"), lang, out=out, start=start)
    assert await sandbox.main(lines=io.StringIO(script)) == 0
    return out.getvalue()


async def test_chat_switch_persona_and_press_buttons(tmp_path: Path) -> None:
    transcript = await play(
        tmp_path,
        "/start\n:press 2\n/help\n:as Alice\n/start\n:press 7\n:who\n:loc 30.2275 120.1755\n"
        ":photo 垃圾\n:group /help@LaneKeeperBot\n:nonsense\n:quit\n/never-sent\n",
    )
    assert "[小王] > /start" in transcript
    assert "🤖 → 小王:" in transcript and "小王，您好！我是巷管家" in transcript
    assert "[1] 中文  [2] English" in transcript
    assert "🤖 ✎ 小王:" in transcript and "From now on I will speak English with you." in transcript
    assert "/language — Choose your language" in transcript  # 小王 now reads English
    assert "<b>" not in transcript
    assert "You are now Alice." in transcript and "Hello Alice!" in transcript
    assert "There is no such button here." in transcript
    assert "*  2. Alice (resident, en, id 900002)" in transcript
    assert "🤖 → 南星街道十位一体联动群:" in transcript
    assert "Unknown sandbox command" in transcript
    assert "/never-sent" not in transcript
    assert transcript.rstrip().endswith("Bye.")


async def test_the_sample_roster_is_loaded_and_its_members_playable(tmp_path: Path) -> None:
    transcript = await play(tmp_path, ":as 陈建国\n/members\n:as 林老伯\n/me\n", lang="zh_CN")
    assert "已载入南星街道的示例名册" in transcript
    assert "马超尚未加入：输入 ':join 马超' 即以马超的身份打开邀请。" in transcript
    assert "南星街道成员（共 18 人），第 1/3 页：" in transcript
    assert "南星街道：林老伯 · 街长 · 复兴街、桥直巷" in transcript


async def test_joining_by_invitation_in_the_sandbox(tmp_path: Path) -> None:
    transcript = await play(tmp_path, ":join 马超\n:press 1\n/me\n:join 马超\n:join 谁\n")
    assert "邀请您以辖区单位联络组联络员的身份加入南星街道" in transcript
    assert "欢迎您，马超！您已作为联络员加入。" in transcript
    assert "南星街道：马超 · 联络员 · 辖区单位联络组 · 整个街道" in transcript
    assert "Nobody called “谁” is waiting to join" in transcript
    # The next session has nobody left to invite.
    assert ":join" not in (await play(tmp_path, "")).split("Database")[1].split("You are")[0]


async def test_state_survives_between_sandbox_sessions(tmp_path: Path) -> None:
    await play(tmp_path, "/language en\n")
    transcript = await play(tmp_path, "/start\n", lang="zh_CN")
    assert "Hello 小王!" in transcript
    assert "巷管家沙盒" in transcript  # the sandbox's own words follow --lang


def test_python_dash_m_bot_demo_reads_a_script_from_stdin(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--db", str(tmp_path / "s.db"), "--fresh"],
        input="/start\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=tmp_path,
    )
    assert "小王，您好！我是巷管家" in result.stdout
    assert not (tmp_path / "sandbox.db").exists()


async def test_time_passes_on_request_in_the_sandbox(tmp_path: Path) -> None:
    transcript = await play(
        tmp_path,
        "复兴南街有人摆摊卖菜\n:wait 3.5\n:wait 1\n:as 刘洋\n:press 1\n:wait x\n",
        lang="zh_CN",
    )
    assert "🤖 → 复兴社区联动群:" in transcript
    assert "提醒：案件 #1（占道经营，复兴南街）" in transcript
    assert "已超时：案件 #1" in transcript
    assert "您的案件 #1 已由南星执法中队 刘洋接单处理。" in transcript
    assert "用法：:wait 小时数" in transcript


async def test_wait_plays_the_meeting_reminders_and_saves_the_files(tmp_path: Path) -> None:
    # Thursday 10:00; the monthly meeting is Friday 15:00: its first reminder falls due at
    # Thursday 15:00, stepped through hour by hour, with its .ics, agenda and chart.
    transcript = await play(tmp_path, "复兴南街有人摆摊卖菜\n:wait 6\n", lang="zh_CN")
    lines = transcript.splitlines()
    assert "会议提醒：南星街道月度讲评会，11月27日 15:00，地点：南星街道三楼会议室。" in transcript
    saved = [line.strip().removeprefix("💾 ") for line in lines if "💾" in line]
    assert saved[0] == "sandbox-files/001-meeting.ics"
    assert any(name.endswith("-agenda-chart.png") for name in saved)
    for name in saved:  # printed relative to the database's folder, and there
        path = tmp_path / name
        assert path.is_file() and path.stat().st_size > 0
    ics = (tmp_path / saved[0]).read_bytes()
    assert ics.startswith(b"BEGIN:VCALENDAR") and "南星街道月度讲评会".encode() in ics
    chart = next(tmp_path / name for name in saved if name.endswith(".png"))
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    # Each path is printed under the message that carried its file.
    first = lines.index("     💾 sandbox-files/001-meeting.ics")
    assert "📎" in lines[first - 2]
    # A second session numbers on, overwriting nothing.
    again = await play(tmp_path, ":wait 80\n", lang="zh_CN")  # Monday's weekly meeting
    later = [line.strip().removeprefix("💾 ") for line in again.splitlines() if "💾" in line]
    assert later and int(later[0].split("/")[1][:3]) == len(saved) + 1


async def test_at_night_the_sandbox_says_what_waits_for_the_morning(tmp_path: Path) -> None:
    # Thursday 22:00 in Shanghai: a newcomer trying the sandbox after work sees why the
    # handler gets no card yet, and gets it with the morning digest.
    transcript = await play(
        tmp_path,
        "复兴南街垃圾好几天没人清了\n:wait 10\n",
        lang="zh_CN",
        start=T0 + timedelta(hours=12),
    )
    before, _sep, after = transcript.partition("] > :wait 10")
    assert "免打扰时段（20:00–08:00）" in before
    held = [line.strip() for line in before.splitlines() if "🌙" in line]
    assert "🌙 冯军：#1 的 1 条通知留到早间汇总（11月27日 08:00）再发。" in held
    assert "🤖 → 冯军" not in before  # the card itself waits
    card = after.index("🤖 → 冯军")
    assert "免打扰时段（20:00–08:00）内的消息" in after[card:]


async def test_started_at_night_the_sandbox_clock_starts_in_the_morning(tmp_path: Path) -> None:
    # A newcomer at 22:00 plays the README's walkthrough: the handler's card and its
    # buttons must come at once, so the sandbox's own clock starts at 09:00.
    out = io.StringIO()
    night = T0 + timedelta(hours=12)  # Thursday 22:00 in Shanghai
    sandbox = Sandbox(str(tmp_path / "sandbox.db"), "zh_CN", out=out, wall_clock=night)
    assert await sandbox.main(lines=io.StringIO("复兴南街垃圾好几天没人清了\n")) == 0
    transcript = out.getvalue()
    assert "沙盒的时钟从 11月27日 09:00 开始" in transcript
    assert "🤖 → 冯军" in transcript and "🌙" not in transcript


async def test_buttons_under_the_typing_field_are_shown_with_their_command(tmp_path: Path) -> None:
    transcript = await play(tmp_path, "复兴南街垃圾好几天没人清了\n:press 2\n", lang="zh_CN")
    shown = [line.strip() for line in transcript.splitlines() if line.strip().startswith("⌨ [")]
    assert shown[0].startswith("⌨ [📱") and ":contact" in shown[0]
    assert shown[1] == "⌨ [跳过]"


async def test_other_systems_file_cases_through_open311_in_the_sandbox(tmp_path: Path) -> None:
    transcript = await play(tmp_path, ":api\n:file 复兴南街路灯不亮了，晚上很黑\n:file\n:quit\n")
    assert "Open311 for other systems: http://127.0.0.1:" in transcript
    [key_line] = [line for line in transcript.splitlines() if "API key of this sandbox" in line]
    key = key_line.split(": ")[-1]
    assert key.startswith("lk_") and f'"api_key={key}"' in transcript  # the curl example
    assert '🌐 POST requests.json → 200 [{"service_request_id":"1"' in transcript
    assert "🤖 → 许波:" in transcript and "(sandbox)" in transcript  # the liaison's card
    assert "Usage: :file TEXT" in transcript
    # A later start gives a new key; the old one no longer works.
    again = await play(tmp_path, ":api\n:quit\n")
    assert key not in again and "API key of this sandbox: lk_" in again


async def test_a_signboard_in_the_sandbox(tmp_path: Path) -> None:
    """The board's PDF is saved with the bot's files; its code opens the local report page."""
    import zxingcpp
    from pypdf import PdfReader

    transcript = await play(
        tmp_path, ":signboard 复兴街\n:signboard nowhere\n:signboard\n:signboard 复兴街\n"
    )
    assert "💾 sandbox-files/001-signboard-fuxing-jie.pdf" in transcript
    [first, again] = [
        line.split(" opens ")[1]
        for line in transcript.splitlines()
        if line.startswith("Signboard of 复兴街: its QR code opens ")
    ]
    assert first.startswith("http://127.0.0.1:") and "/r/" in first
    assert again == first  # the same board, the same code
    assert "No alley “nowhere” in 南星街道; e.g. :signboard 复兴街" in transcript
    assert "Usage: :signboard ALLEY" in transcript
    pdf = PdfReader(tmp_path / "sandbox-files" / "001-signboard-fuxing-jie.pdf")
    [image] = pdf.pages[0].images
    assert [code.text for code in zxingcpp.read_barcodes(image.image)] == [first]
