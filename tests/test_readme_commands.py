"""The README's commands for running LaneKeeper for real, run as written (but `run`, which
needs a Telegram token, and the benchmark): each must succeed on a fresh database."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Run it on Telegram", 1)[1].split("\n## ", 1)[0]
    found = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        for command in re.split(r"(?<!\\)\n", block.strip()):
            command = " ".join(command.replace("\\\n", " ").split())
            if command.startswith(".venv/bin/python -m bot ") and " bot run " not in command:
                found.append(command)
    return found


def test_the_readmes_commands_run_as_written(tmp_path: Path, db_url: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\nbot_username = "LaneKeeperBot"\n[database]\nurl = "{db_url}"\n'
        "[web]\nenabled = true\n",
        encoding="utf-8",
    )
    (tmp_path / "texts.txt").write_text("桥直巷路灯不亮了\n复兴街垃圾没人清\n", encoding="utf-8")
    found = commands()
    assert [c.split()[3] for c in found] == [
        "roster",
        "invite",
        "apikey",
        "apikey",
        "explain",
        "explain",
        "cases",
        "intake",
        "intake",
    ]
    for command in found:
        argv = shlex.split(command)
        argv[0] = sys.executable
        argv = [str(config) if a == "config.toml" else a for a in argv]
        argv = [str(tmp_path / "texts.txt") if a == "texts.txt" else a for a in argv]
        result = subprocess.run(
            argv, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
        )
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout.strip(), command
