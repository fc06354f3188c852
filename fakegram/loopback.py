"""The fake over real HTTP on 127.0.0.1, for a bot running in another process."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import tornado.httpserver
import tornado.netutil
import tornado.web

from fakegram.api import CallTimedOut, ConnectionDropped, FakeBotApi
from fakegram.wire import match_path, parse_body


class _ApiHandler(tornado.web.RequestHandler):
    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    async def _handle(self) -> None:
        match, _file = match_path(self.request.path)
        if match is None:
            self.set_status(404)
            self.finish({"ok": False, "error_code": 404, "description": "Not Found"})
            return
        params, files = parse_body(
            self.request.headers.get("Content-Type", ""), self.request.body, self.request.query
        )
        try:
            status, answer = await self.api.call(match["token"], match["method"], params, files)
        except (ConnectionDropped, CallTimedOut):  # over a socket, the client sees no answer
            if self.request.connection is not None:
                self.request.connection.close()  # type: ignore[attr-defined]
            return
        self.set_status(status)
        self.finish(answer)

    async def get(self) -> None:
        await self._handle()

    async def post(self) -> None:
        await self._handle()


class _FileHandler(tornado.web.RequestHandler):
    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    def get(self) -> None:
        _api, match = match_path(self.request.path)
        content = self.api.file_content(match["token"], match["path"]) if match else None
        if content is None:
            self.set_status(404)
            self.finish("Not Found")
            return
        self.finish(content)


@dataclass
class LoopbackServer:
    server: tornado.httpserver.HTTPServer
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def close(self) -> None:
        self.server.stop()
        await self.server.close_all_connections()


def serve_loopback(api: FakeBotApi, port: int = 0) -> LoopbackServer:
    """Serve `api` on 127.0.0.1 (a free port when 0), on the running event loop."""
    app = tornado.web.Application(
        [
            (r"/bot[^/]+/[A-Za-z]+", _ApiHandler, {"api": api}),
            (r"/file/bot[^/]+/.+", _FileHandler, {"api": api}),
        ]
    )
    sockets = tornado.netutil.bind_sockets(port, "127.0.0.1", family=socket.AF_INET)
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    return LoopbackServer(server, sockets[0].getsockname()[1])
