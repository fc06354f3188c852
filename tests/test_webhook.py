"""Webhook mode: the secret checked first, each update stored before the answer, once."""

from __future__ import annotations

import json

import httpx
from sqlmodel import select

from bot.webhook import SECRET_HEADER
from fakegram import FakeBotApi, FakeUser
from models.cases import Case
from models.db import Database
from models.messaging import InboxUpdate
from tests.harness import TOKEN, bot_running

SECRET = "s3cret-Token_for-tests"
RESIDENT = FakeUser(900001, "小王")


async def test_webhook_mode(db_url: str, roster: object) -> None:
    api = FakeBotApi(token=TOKEN)
    api.open_chat(RESIDENT)
    telegram = {
        "mode": "webhook",
        "webhook_url": "https://bot.example.org/telegram",
        "webhook_listen": "127.0.0.1",
        "webhook_port": 0,
        "webhook_secret": SECRET,
    }
    async with bot_running(db_url, api, telegram=telegram) as bot:
        assert api.webhook == {
            "url": "https://bot.example.org/telegram",
            "secret_token": SECRET,
            "allowed_updates": api.webhook["allowed_updates"],
        }
        port = bot.app.receiver.port  # type: ignore[union-attr]
        url = f"http://127.0.0.1:{port}/telegram"
        update = api.take(api.send_text(RESIDENT, "复兴街12号门口垃圾没人清"))
        async with httpx.AsyncClient() as client:
            wrong = await client.post(url, json=update, headers={SECRET_HEADER: "guess"})
            missing = await client.post(url, json=update)
            garbage = await client.post(url, content=b"{not json", headers={SECRET_HEADER: SECRET})
            assert (wrong.status_code, missing.status_code, garbage.status_code) == (403, 403, 400)
            database = Database(db_url)
            async with database.session() as session:
                assert (await session.exec(select(InboxUpdate))).all() == []
            first = await client.post(
                url, content=json.dumps(update), headers={SECRET_HEADER: SECRET}
            )
            assert first.status_code == 200
            await bot.handled(update["update_id"])
            again = await client.post(url, json=update, headers={SECRET_HEADER: SECRET})
            assert again.status_code == 200  # Telegram's retry: stored and handled once
        [ack] = [r for r in api.sent("sendMessage", RESIDENT.id)]
        assert ack.text.startswith("已受理，案件编号 #1。")
        async with database.session() as session:
            assert len((await session.exec(select(Case))).all()) == 1
            assert len((await session.exec(select(InboxUpdate))).all()) == 1
        await database.dispose()
    assert api.webhook is not None  # left registered: Telegram keeps updates while down


async def test_polling_removes_a_webhook(db_url: str) -> None:
    api = FakeBotApi(token=TOKEN)
    api.webhook = {"url": "https://old.example.org/hook"}
    async with bot_running(db_url, api):
        assert api.webhook is None


def test_webhook_mode_needs_a_url_and_a_secret(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main

    config = tmp_path / "config.toml"
    config.write_text('[telegram]\ntoken = "1:x"\nmode = "webhook"\n', encoding="utf-8")
    assert main(["run", "--config", str(config)]) == 2
    assert "[telegram] webhook_url: required in webhook mode" in capsys.readouterr().err
    config.write_text(
        '[telegram]\ntoken = "1:x"\nmode = "webhook"\nwebhook_url = "https://x.example/h"\n',
        encoding="utf-8",
    )
    assert main(["run", "--config", str(config)]) == 2
    assert "webhook_secret: required in webhook mode" in capsys.readouterr().err
    config.write_text('[telegram]\nwebhook_secret = "no spaces allowed"\n', encoding="utf-8")
    assert main(["run", "--config", str(config)]) == 2
    assert "[telegram] webhook_secret: 1-256 characters" in capsys.readouterr().err


async def test_webhook_refuses_what_is_not_an_update(db_url: str, roster: object) -> None:
    """Anything but a JSON object with an integer update_id: 400; a body over 1 MB: 413;
    never a 500, and nothing stored. An update the library cannot read: kept and skipped."""
    api = FakeBotApi(token=TOKEN)
    api.open_chat(RESIDENT)
    telegram = {
        "mode": "webhook",
        "webhook_url": "https://bot.example.org/telegram",
        "webhook_listen": "127.0.0.1",
        "webhook_port": 0,
        "webhook_secret": SECRET,
    }
    bodies = [
        b"[]",
        b'[{"update_id": 1}]',
        b"null",
        b"42",
        b'"text"',
        b'{"update_id": "7"}',
        b'{"update_id": 7.5}',
        b'{"update_id": true}',
        b'{"update_id": -3}',
        b'{"message": {}}',
        b'{"update_id": 1, "x": "\xed\xa0\x80"}',  # not UTF-8
        b"\xff\xfe",
    ]
    async with bot_running(db_url, api, telegram=telegram) as bot:
        url = f"http://127.0.0.1:{bot.app.receiver.port}/telegram"  # type: ignore[union-attr]
        headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
        async with httpx.AsyncClient() as client:
            for body in bodies:
                answer = await client.post(url, content=body, headers=headers)
                assert answer.status_code == 400, body
            huge = b'{"update_id": 5, "pad": "' + b"x" * (1 << 20) + b'"}'
            assert (await client.post(url, content=huge, headers=headers)).status_code == 413

            async def chunks():  # no Content-Length: refused all the same
                for _ in range(20):
                    yield b"x" * 65536

            streamed = await client.post(url, content=chunks(), headers=headers)
            assert streamed.status_code == 413
            wrong = await client.post(url, content=huge, headers={SECRET_HEADER: "guess"})
            assert wrong.status_code == 403
            database = Database(db_url)
            async with database.session() as session:
                assert (await session.exec(select(InboxUpdate))).all() == []
            odd = {"update_id": 9, "poll": {"id": "1", "question": "?", "options": []}}
            assert (await client.post(url, json=odd, headers=headers)).status_code == 200
            # What JSONB cannot hold (NUL, a lone surrogate) does not keep an update out.
            update = api.take(api.send_text(RESIDENT, "复兴街12号门口垃圾没人清\u0000\ud800"))
            body = json.dumps(update).encode()
            assert (await client.post(url, content=body, headers=headers)).status_code == 200
            await bot.handled(update["update_id"])
        assert api.last(chat_id=RESIDENT.id).text.startswith("已受理")
        async with database.session() as session:
            row = await session.get(InboxUpdate, 9)
            assert row is not None and row.state == "unreadable"
        await database.dispose()


async def test_health_endpoint(db_url: str) -> None:
    """GET /health: 200 with the tasks while all is well, 503 once a task has stalled."""
    from datetime import UTC, datetime, timedelta

    from models import beats

    api = FakeBotApi(token=TOKEN)
    telegram = {
        "mode": "webhook",
        "webhook_url": "https://bot.example.org/telegram",
        "webhook_listen": "127.0.0.1",
        "webhook_port": 0,
        "webhook_secret": SECRET,
    }
    async with bot_running(db_url, api, telegram=telegram) as bot:
        url = f"http://127.0.0.1:{bot.app.receiver.port}/health"  # type: ignore[union-attr]
        await bot.app.services.supervisor.write()
        async with httpx.AsyncClient() as client:
            well = await client.get(url)
            assert well.status_code == 200 and well.json()["ok"] is True
            assert {t["task"] for t in well.json()["tasks"]} == {"sender", "inbox-retrier"}
            long_ago = datetime.now(UTC) - timedelta(hours=1)
            async with bot.app.services.db.session() as session:
                await beats.record(
                    session, "gone:1", [beats.TaskState("sender", long_ago, long_ago, 0, None)]
                )
            stalled = await client.get(url)
        assert stalled.status_code == 503
        assert [t["process"] for t in stalled.json()["tasks"] if not t["ok"]] == ["gone:1"]
