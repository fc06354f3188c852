"""Webhook mode: Telegram posts each update; it is stored before the HTTP answer.

The secret token Telegram sends with every request is checked first (in constant time);
a request without it changes nothing. An update Telegram delivers twice (it retries when
an answer is late) is stored once and handled once.
"""

from __future__ import annotations

import hmac
import json
import logging
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram import Update

from models import inbox

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1 << 20


class _UpdateHandler(tornado.web.RequestHandler):
    def initialize(self, bot_application, secret: str) -> None:  # type: ignore[no-untyped-def]
        # Tornado's handlers have an `application` of their own: the bot's goes by another name.
        self.application_ = bot_application
        self.secret = secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            self.set_status(403)
            return
        try:
            payload = json.loads(self.request.body)
            update = Update.de_json(payload, self.application_.bot)
        except (ValueError, TypeError, KeyError):
            self.set_status(400)
            return
        if update is None:
            self.set_status(400)
            return
        services = self.application_.services
        async with services.db.session() as session:
            new = await inbox.store(session, [(update.update_id, payload)], services.clock.now())
        self.set_status(200)
        await self.finish()
        if new:
            await self.application_.update_queue.put(update)


class WebhookServer:
    def __init__(self, application, url: str, listen: str, port: int, secret: str) -> None:  # type: ignore[no-untyped-def]
        self.application = application
        self.url = url
        self.listen = listen
        self.port = port
        self.secret = secret
        self.server: tornado.httpserver.HTTPServer | None = None

    async def start(self) -> None:
        path = urlsplit(self.url).path or "/"
        app = tornado.web.Application(
            [(path, _UpdateHandler, {"bot_application": self.application, "secret": self.secret})]
        )
        sockets = tornado.netutil.bind_sockets(self.port, self.listen)
        self.port = sockets[0].getsockname()[1]
        self.server = tornado.httpserver.HTTPServer(app, max_body_size=MAX_BODY)
        self.server.add_sockets(sockets)
        await self.application.bot.set_webhook(
            self.url, secret_token=self.secret, allowed_updates=Update.ALL_TYPES
        )
        log.info("webhook listening on %s:%d for %s", self.listen, self.port, path)

    async def stop(self) -> None:
        # The webhook stays registered: Telegram keeps what arrives meanwhile for the next start.
        if self.server is not None:
            self.server.stop()
            await self.server.close_all_connections()
