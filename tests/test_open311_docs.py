"""docs/open311.md's curl examples, run as they are written against the bot's web server;
the answers it shows are what the server answers."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import fromstring

import pytest

from fakegram import FakeBotApi
from models.clock import ManualClock
from models.db import Database
from models.open311 import create_key
from tests.harness import T0, bot_running

DOC = Path(__file__).resolve().parent.parent / "docs" / "open311.md"
pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def without_ids(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for request in requests:
        for note in request.get("notes", []):
            note.pop("update_id", None)
    return requests


async def test_the_curl_examples(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> None:
    database = Database(db_url)
    async with database.session() as session:
        _key, secret = await create_key(session, "hotline-12345", ["nanxing"], False, T0)
    await database.dispose()
    commands = [c for b in blocks("sh") if "$LANEKEEPER" in b for c in split(b)]
    shown = [json.loads(b) for b in blocks("json")]
    assert len(commands) == 10 and len(shown) == 3
    async with bot_running(db_url, api, clock=clock, web={"enabled": True, "port": 0}) as bot:
        assert bot.app.web_server is not None
        env = {
            **os.environ,
            "LANEKEEPER": f"http://127.0.0.1:{bot.app.web_server.port}",
            "KEY": secret,
        }
        answers: list[Any] = []
        for command in commands:
            process = await asyncio.create_subprocess_exec(
                "bash", "-c", command, env=env, stdout=asyncio.subprocess.PIPE
            )
            out, _ = await process.communicate()
            assert process.returncode == 0, command
            text = out.decode("utf-8")
            answers.append(fromstring(out) if text.startswith("<?xml") else json.loads(text))
    filed = answers[4]
    assert filed == shown[0]
    assert without_ids(answers[5]) == without_ids(shown[1])
    assert answers[6].findtext("request/status_notes") == "Dispatched to the responsible unit."
    assert answers[-1] == shown[2]
    assert answers[0]["endpoints"][0]["url"].endswith("/open311/v2")
    assert [s["group"] for s in answers[1] if s["service_code"] == "garbage"] == ["南星环卫所"]
    assert [r["service_request_id"] for r in answers[7]] == ["1"]
    assert answers[8] == []  # page 2 of one case


def split(block: str) -> list[str]:
    """The block's commands, a continued line (ending in a backslash) joined to the next."""
    return [c.strip() for c in re.split(r"(?<!\\)\n", block.strip()) if c.strip()]
