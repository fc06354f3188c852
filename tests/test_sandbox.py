"""The sandbox (python -m bot demo): a person at the terminal plays every side of the chat."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from bot.demo import Sandbox


async def play(tmp_path: Path, script: str, lang: str = "en") -> str:
    out = io.StringIO()
    sandbox = Sandbox(str(tmp_path / "sandbox.db"), lang, out=out)
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
