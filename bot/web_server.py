"""The bot's one HTTP server: a Starlette app served by uvicorn on the bot's own event loop.

It serves /health always, the Telegram webhook in webhook mode (bot/webhook.py), and the
routes the composition root hands in (Open311). bot/app.py:running() builds it: on
[web] listen:port when [web] is enabled, else on [telegram] webhook_listen:webhook_port in
webhook mode, and not at all when polling without [web].

uvicorn's Server.serve() would install its own SIGINT/SIGTERM handlers; the bot handles
those itself (bot/app.py:serve), so the pieces of serve() are called here instead:
startup() on a socket bound here (so port 0 works and the real port is known at once),
main_loop() in a task (it keeps the Date header current), and shutdown() on stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Mapping, Sequence

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute

log = logging.getLogger(__name__)
# Requests still running at a stop get this long to finish; then they are cancelled.
GRACEFUL_STOP_S = 10


def _bind(host: str, port: int) -> list[socket.socket]:
    """Listening sockets for every address `host` names (as tornado's bind_sockets did);
    with port 0 the first gets a free port and the others the same one."""
    sockets: list[socket.socket] = []
    seen: set[tuple[int, str]] = set()  # (family, address)
    infos = socket.getaddrinfo(
        host or None, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
    )
    try:
        for family, kind, proto, _name, address in infos:
            key = (int(family), str(address[0]))
            if family not in (socket.AF_INET, socket.AF_INET6) or key in seen:
                continue
            seen.add(key)
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            if port == 0 and len(sockets) > 1:
                address = (address[0], sockets[0].getsockname()[1], *address[2:])
            sock.bind(address)
            sock.listen(128)
            sock.setblocking(False)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    if not sockets:
        raise OSError(f"no address to listen on for {host!r}")
    return sockets


class WebServer:
    """Starts and stops the server; `port` is the port really bound once started."""

    def __init__(
        self,
        groups: Mapping[str, Sequence[BaseRoute]],
        listen: str,
        port: int,
        forwarded_allow_ips: str = "127.0.0.1",
    ) -> None:
        # The groups in order (earlier routes win); their names are for the log only.
        self.groups = {name: list(routes) for name, routes in groups.items()}
        self.listen = listen
        self.port = port
        self.forwarded_allow_ips = forwarded_allow_ips
        self.app = Starlette(routes=[r for routes in self.groups.values() for r in routes])
        self._server: uvicorn.Server | None = None
        self._sockets: list[socket.socket] = []
        self._ticker: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._sockets = _bind(self.listen, self.port)
        self.port = self._sockets[0].getsockname()[1]
        config = uvicorn.Config(
            self.app,
            host=self.listen,
            port=self.port,
            # The process's logging is the bot's: uvicorn's loggers only get their level.
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            proxy_headers=True,
            forwarded_allow_ips=self.forwarded_allow_ips,
            timeout_graceful_shutdown=GRACEFUL_STOP_S,
        )
        server = uvicorn.Server(config)
        try:
            config.load()
            server.lifespan = config.lifespan_class(config)
            await server.startup(sockets=self._sockets)
        except BaseException:
            for sock in self._sockets:
                sock.close()
            self._sockets = []
            raise
        self._server = server
        self._ticker = asyncio.create_task(server.main_loop(), name="web-server-ticks")
        log.info(
            "web server listening on %s:%d: %s",
            self.listen,
            self.port,
            "; ".join(
                f"{name} {' '.join(getattr(r, 'path', '?') or '/' for r in routes)}"
                for name, routes in self.groups.items()
            ),
        )

    async def stop(self) -> None:
        """Stop listening, close idle connections, let running requests finish (at most
        GRACEFUL_STOP_S), then return. Does nothing when not started."""
        server, self._server = self._server, None
        if server is None:
            return
        server.should_exit = True
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        await server.shutdown(sockets=self._sockets)
        self._sockets = []
