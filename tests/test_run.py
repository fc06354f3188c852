"""`python -m bot run` as an operator starts it: a real process polling a Bot API over HTTP."""

from __future__ import annotations

import asyncio
import signal
import socket
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


async def _failed_start(config: Path, token: str) -> tuple[int | None, str, str]:
    process = await start_bot(config, token, capture=True)
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return process.returncode, out.decode(), err.decode()


async def test_a_rejected_token_is_one_line_without_the_token(
    tmp_path: Path, api: FakeBotApi
) -> None:
    wrong = "999999:SECRET-WRONG-TOKEN"
    server = serve_loopback(api)  # answers 401 to any token but its own
    try:
        config = write_config(tmp_path, server, f"sqlite:///{tmp_path / 'bot.db'}")
        code, out, err = await _failed_start(config, wrong)
        assert code == 2
        assert err == (
            f"error: {config}: [telegram] token: Telegram rejected the token "
            "(see @BotFather, or set LANEKEEPER_TOKEN)\n"
        )
        # Logging everything, the traceback-free line and the log lines still hide it.
        config = write_config(
            tmp_path, server, f"sqlite:///{tmp_path / 'bot.db'}", log_level="DEBUG"
        )
        code, out, err = await _failed_start(config, wrong)
    finally:
        await server.close()
    assert code == 2
    assert "getMe" in err and "Traceback" not in err
    assert err.endswith("Telegram rejected the token (see @BotFather, or set LANEKEEPER_TOKEN)\n")
    for output in (out, err):
        assert wrong not in output and "SECRET-WRONG-TOKEN" not in output


async def test_an_unreachable_bot_api_is_one_line(tmp_path: Path, api: FakeBotApi) -> None:
    # A port bound but not listening refuses connections, and no one else can take it.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        server = serve_loopback(api)
        try:
            config = write_config(tmp_path, server, f"sqlite:///{tmp_path / 'bot.db'}")
        finally:
            await server.close()
        config.write_text(
            config.read_text(encoding="utf-8").replace(f":{server.port}/", f":{port}/"),
            encoding="utf-8",
        )
        code, out, err = await _failed_start(config, api.token)
    assert code == 2
    assert err.startswith(f"error: cannot use the Bot API at http://127.0.0.1:{port}/bot: ")
    assert err.count("\n") == 1
    assert api.token.split(":")[1] not in err + out
