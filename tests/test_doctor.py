"""python -m bot doctor: what is wrong, said plainly."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from fakegram import FakeBotApi, serve_loopback
from models import beats, inbox, outbox
from models.db import Database
from tests.harness import TOKEN, bot_running


async def doctor(
    tmp_path: Path, body: str, capsys: pytest.CaptureFixture[str], token: str = TOKEN
) -> tuple[int, str]:
    config = tmp_path / "config.toml"
    config.write_text(
        body + f'\n[telegram]\ntoken = "{token}"\n' if "[telegram]" not in body else body,
        encoding="utf-8",
    )
    code = await asyncio.to_thread(main, ["doctor", "--config", str(config)])
    return code, capsys.readouterr().out


async def test_all_well(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    server = serve_loopback(FakeBotApi(token=TOKEN))
    try:
        code, out = await doctor(
            tmp_path,
            f'[database]\nurl = "{db_url}"\n[telegram]\n'
            f'token = "{TOKEN}"\nbase_url = "{server.base_url}"\n',
            capsys,
        )
    finally:
        await server.close()
    assert code == 0, out
    lines = out.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["ok", "configuration"],
        ["ok", "categories"],
        ["ok", "web"],
        ["ok", "database"],
        ["ok", "schema"],
        ["ok", "tasks"],
        ["ok", "inbox"],
        ["ok", "outbox"],
        ["ok", "bot"],
    ]
    assert "@LaneKeeperBot" in lines[-1]


async def test_what_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = serve_loopback(FakeBotApi(token=TOKEN))
    try:
        fresh = tmp_path / "fresh.db"
        code, out = await doctor(
            tmp_path,
            f'[database]\nurl = "sqlite:///{fresh}"\n'
            f'auto_upgrade = false\n[telegram]\ntoken = "1:WRONG"\n'
            f'base_url = "{server.base_url}"\n',
            capsys,
        )
        assert code == 1
        assert "BAD schema        at nothing, latest is" in out
        assert "run 'python -m bot db upgrade'" in out and "auto_upgrade" not in out
        assert "BAD bot api       Telegram rejected the token" in out
        code, out = await doctor(
            tmp_path,
            '[database]\nurl = "postgresql://nobody@127.0.0.1:9/x"\n[telegram]\ntoken = ""\n'
            "[web]\nenabled = true\n",
            capsys,
        )
        assert code == 1
        assert "BAD database      cannot use the PostgreSQL database 127.0.0.1:9/x: " in out
        assert len(out.splitlines()) == 5  # one line a check, whatever the driver says
        assert "BAD web           on 127.0.0.1:8080, but [web] public_url is empty" in out
        assert "BAD bot api       no token" in out
    finally:
        await server.close()


async def test_stalled_tasks_and_old_work_are_reported(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A task that has not advanced for long, an update and a message waiting for long."""
    api = FakeBotApi(token=TOKEN)
    server = serve_loopback(api)
    body = (
        f'[database]\nurl = "{db_url}"\n[telegram]\n'
        f'token = "{TOKEN}"\nbase_url = "{server.base_url}"\n'
    )
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    try:
        async with bot_running(db_url, api) as bot:
            await bot.app.services.supervisor.write()
            code, out = await doctor(tmp_path, body, capsys)
            assert code == 0, out
            running = [line for line in out.splitlines() if line.startswith("ok  task ")]
            assert {line.split()[2] for line in running} >= {"poller", "sender", "inbox-retrier"}
        database = Database(db_url)
        async with database.session() as session:
            await beats.record(
                session,
                "gone-host:4242",
                [beats.TaskState("sender", long_ago, long_ago, 3, "OperationalError: boom")],
            )
            await inbox.store(session, [(5, {"update_id": 5})], long_ago)
            await outbox.enqueue(session, 1, {"text": "x"}, now=long_ago)
            await session.commit()
        await database.dispose()
        code, out = await doctor(tmp_path, body, capsys)
    finally:
        await server.close()
    assert code == 1
    bad = [line for line in out.splitlines() if line.startswith("BAD")]
    assert bad == [
        "BAD task          sender in gone-host:4242: advanced 3 h ago, restarted 3 time(s), "
        "last: OperationalError: boom (stalled, or its process is gone)",
        "BAD inbox         oldest waiting for 3 h",
        "BAD outbox        oldest waiting for 3 h",
    ]
