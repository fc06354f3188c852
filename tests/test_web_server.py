"""The bot's one HTTP server ([web]): /health always, the webhook in webhook mode on the same
port, and the routes the composition root hands in; none at all when polling without it."""

from __future__ import annotations

import signal
import socket

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Route

from bot.app import LaneKeeperApplication
from bot.polling import InboxPoller
from bot.webhook import SECRET_HEADER
from fakegram import FakeBotApi, FakeUser
from tests.harness import TOKEN, bot_running

SECRET = "s3cret-Token_for-tests"
RESIDENT = FakeUser(900002, "小李")
WEB = {"enabled": True, "listen": "127.0.0.1", "port": 0}


async def test_polling_without_web_has_no_server(db_url: str) -> None:
    async with bot_running(db_url, FakeBotApi(token=TOKEN)) as bot:
        assert bot.app.web_server is None
        assert isinstance(bot.app.receiver, InboxPoller)


async def test_polling_with_web_serves_health_and_no_webhook(db_url: str) -> None:
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    async with bot_running(db_url, FakeBotApi(token=TOKEN), web=WEB) as bot:
        # uvicorn installs no signal handlers: SIGTERM and SIGINT are the bot's (bot.app.serve).
        assert {sig: signal.getsignal(sig) for sig in handlers} == handlers
        server = bot.app.web_server
        assert server is not None and server.port != 0
        assert isinstance(bot.app.receiver, InboxPoller)
        base = f"http://127.0.0.1:{server.port}"
        await bot.app.services.supervisor.write()
        async with httpx.AsyncClient() as client:
            health = await client.get(f"{base}/health")
            assert health.status_code == 200 and health.json()["ok"] is True
            hook = await client.post(f"{base}/telegram", json={"update_id": 1})
            assert hook.status_code == 404
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):  # stopped with the bot
            await client.get(f"{base}/health")


async def test_webhook_with_web_is_served_on_the_web_port(db_url: str, roster: object) -> None:
    api = FakeBotApi(token=TOKEN)
    api.open_chat(RESIDENT)
    # Held for the whole test: the bot could not listen on it, and need not.
    with socket.create_server(("127.0.0.1", 0)) as taken:
        webhook_port = taken.getsockname()[1]
        telegram = {
            "mode": "webhook",
            "webhook_url": "https://bot.example.org/hooks/telegram",
            "webhook_listen": "127.0.0.1",
            "webhook_port": webhook_port,
            "webhook_secret": SECRET,
        }
        async with bot_running(db_url, api, telegram=telegram, web=WEB) as bot:
            server = bot.app.web_server
            assert server is not None and server.port != webhook_port
            assert bot.app.receiver is server
            assert api.webhook is not None
            assert api.webhook["url"] == "https://bot.example.org/hooks/telegram"
            base = f"http://127.0.0.1:{server.port}"
            update = api.take(api.send_text(RESIDENT, "复兴街12号门口垃圾没人清"))
            async with httpx.AsyncClient() as client:
                wrong = await client.post(
                    f"{base}/hooks/telegram", json=update, headers={SECRET_HEADER: "guess"}
                )
                assert wrong.status_code == 403
                right = await client.post(
                    f"{base}/hooks/telegram", json=update, headers={SECRET_HEADER: SECRET}
                )
                assert right.status_code == 200
                await bot.handled(update["update_id"])
                await bot.app.services.supervisor.write()
                assert (await client.get(f"{base}/health")).status_code == 200
        assert api.last(chat_id=RESIDENT.id).text.startswith("已受理")


async def test_routes_handed_in_are_served(db_url: str) -> None:
    given: list[LaneKeeperApplication] = []

    def routes(application: LaneKeeperApplication) -> list[BaseRoute]:
        given.append(application)

        async def ping(request: Request) -> PlainTextResponse:
            return PlainTextResponse(f"pong {request.client.host if request.client else ''}")

        return [Route("/open311/v2/ping", ping)]

    async with bot_running(db_url, FakeBotApi(token=TOKEN), web_routes=routes, web=WEB) as bot:
        assert given == [bot.app]
        assert bot.app.web_server is not None
        base = f"http://127.0.0.1:{bot.app.web_server.port}"
        async with httpx.AsyncClient() as client:
            ping = await client.get(f"{base}/open311/v2/ping")
            assert (ping.status_code, ping.text) == (200, "pong 127.0.0.1")
            # Behind the proxy (127.0.0.1 is trusted by default): the caller's address.
            forwarded = await client.get(
                f"{base}/open311/v2/ping", headers={"X-Forwarded-For": "203.0.113.7"}
            )
            assert forwarded.text == "pong 203.0.113.7"
            await bot.app.services.supervisor.write()
            assert (await client.get(f"{base}/health")).status_code == 200


async def test_routes_are_not_served_without_web(db_url: str) -> None:
    """Extra routes need [web]: in webhook mode without it, only the webhook and /health."""
    called: list[object] = []
    telegram = {
        "mode": "webhook",
        "webhook_url": "https://bot.example.org/telegram",
        "webhook_listen": "127.0.0.1",
        "webhook_port": 0,
        "webhook_secret": SECRET,
    }

    def routes(application: LaneKeeperApplication) -> list[BaseRoute]:
        called.append(application)
        return []

    async with bot_running(
        db_url, FakeBotApi(token=TOKEN), web_routes=routes, telegram=telegram
    ) as bot:
        assert bot.app.web_server is bot.app.receiver is not None
    assert called == []
