"""In-process transport: httpx hands requests straight to the fake, with no socket at all."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from telegram.request import HTTPXRequest

from fakegram.api import CallTimedOut, ConnectionDropped, FakeBotApi
from fakegram.wire import match_path, parse_body


class FakeTransport(httpx.AsyncBaseTransport):
    def __init__(self, api: FakeBotApi) -> None:
        self.api = api

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        match, file_match = match_path(request.url.path)
        if file_match:
            content = self.api.file_content(file_match["token"], file_match["path"])
            if content is None:
                return httpx.Response(404, content=b"Not Found", request=request)
            return httpx.Response(200, content=content, request=request)
        if match is None:
            return httpx.Response(
                404,
                json={"ok": False, "error_code": 404, "description": "Not Found"},
                request=request,
            )
        params, files = parse_body(
            request.headers.get("content-type", ""), body, request.url.query.decode()
        )
        # A socket would enforce the read timeout; with no socket, this transport must.
        read_timeout = request.extensions.get("timeout", {}).get("read")
        try:
            async with asyncio.timeout(read_timeout):
                status, answer = await self.api.call(match["token"], match["method"], params, files)
        except (TimeoutError, CallTimedOut):
            raise httpx.ReadTimeout("fake Bot API answered too slowly", request=request) from None
        except ConnectionDropped:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None
        return httpx.Response(status, json=answer, request=request)


def fake_request(api: FakeBotApi, **kwargs: Any) -> HTTPXRequest:
    """A python-telegram-bot request object whose HTTP goes to `api`, through real httpx."""
    kwargs.setdefault("connection_pool_size", 8)
    return HTTPXRequest(httpx_kwargs={"transport": FakeTransport(api)}, **kwargs)
