"""`python -m bot run` as an operator starts it: a real process polling a Bot API over HTTP."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from fakegram import FakeBotApi, FakeUser, serve_loopback
from fakegram.process import start_bot, write_config
from models import migrate


async def test_run_polls_answers_upgrades_and_stops_cleanly(
    tmp_path: Path, api: FakeBotApi, db_url: str
) -> None:
    if db_url.startswith("sqlite"):
        db_url = f"sqlite:///{tmp_path / 'fresh.db'}"  # an empty store: run must migrate it
    server = serve_loopback(api)
    config = write_config(tmp_path, server, db_url, log_level="DEBUG")
    process = await start_bot(config, api.token, capture=True)
    try:
        api.send_command(FakeUser(900001, "小王", "zh-hans"), "/start")
        reply = await api.wait_for(lambda r: r.method == "sendMessage", timeout=60)
        assert "小王，您好！我是巷管家" in reply.text
        assert "zh" in api.commands and "en" in api.commands
        process.send_signal(signal.SIGINT)
        _out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await server.close()
    assert process.returncode == 0
    assert migrate.is_up_to_date(db_url)
    log = err.decode()
    assert "LaneKeeper 0.1.0 starting" in log
    assert api.token not in log
    assert api.token.split(":")[1] not in log
