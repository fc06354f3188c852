"""Webhook mode: Telegram posts each update; it is stored before the HTTP answer.

The secret token Telegram sends with every request is checked first (in constant time);
a request without it changes nothing. An update Telegram delivers twice (it retries when
an answer is late) is stored once and handled once. A body that is not a JSON object with
an integer update_id gets 400 and one over 1 MB gets 413, and neither is stored; an update
this library cannot read is stored, answered 200 (Telegram would only send it again) and
skipped.
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

from bot.polling import enqueue, has_update_id
from models import health, inbox
from models.db import describe

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1 << 20
HEALTH_PATH = "/health"


@tornado.web.stream_request_body
class _UpdateHandler(tornado.web.RequestHandler):
    """Streamed, so that a body too large is refused as it comes, never held in memory."""

    def initialize(self, bot_application, secret: str) -> None:  # type: ignore[no-untyped-def]
        # Tornado's handlers have an `application` of their own: the bot's goes by another name.
        self.application_ = bot_application
        self.secret = secret
        self.chunks: list[bytes] = []
        self.size = 0
        self.refusal: int | None = None

    def prepare(self) -> None:
        # Refused bodies are read to their end and dropped, so the client hears the answer.
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            self.refusal = 403
            return
        length = self.request.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > MAX_BODY:
            self.refusal = 413

    def data_received(self, chunk: bytes) -> None:
        if self.refusal is not None:
            return
        self.size += len(chunk)
        if self.size > MAX_BODY:  # sent without a length, and too large
            self.refusal, self.chunks = 413, []
        else:
            self.chunks.append(chunk)

    async def post(self) -> None:
        if self.refusal is not None:
            self.set_status(self.refusal)
            return
        try:
            payload = json.loads(b"".join(self.chunks).decode("utf-8"))
        except ValueError:  # not JSON, or not UTF-8
            payload = None
        # Only an object with an update id can be kept; anything else is the sender's mistake.
        if not has_update_id(payload):
            self.set_status(400)
            return
        services = self.application_.services
        async with services.db.session() as session:
            new = await inbox.store(
                session, [(payload["update_id"], payload)], services.clock.now()
            )
        self.set_status(200)
        await self.finish()
        if new:
            await enqueue(self.application_, payload["update_id"], inbox.storable(payload))


class _HealthHandler(tornado.web.RequestHandler):
    """GET /health: 200 and what models/health.py finds, or 503 when a task has stalled, work
    has waited too long, or the database cannot be read. For a load balancer or a monitor."""

    def initialize(self, bot_application) -> None:  # type: ignore[no-untyped-def]
        self.application_ = bot_application

    async def get(self) -> None:
        services = self.application_.services
        try:
            async with services.db.session() as session:
                status = await health.check(session, services.clock.now())
        except Exception as err:
            self.set_status(503)
            self.finish({"ok": False, "error": describe(err)})
            return
        self.set_status(200 if status.ok else 503)
        self.finish(status.as_json())


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
            [
                (
                    path,
                    _UpdateHandler,
                    {"bot_application": self.application, "secret": self.secret},
                ),
                (HEALTH_PATH, _HealthHandler, {"bot_application": self.application}),
            ]
        )
        sockets = tornado.netutil.bind_sockets(self.port, self.listen)
        self.port = sockets[0].getsockname()[1]
        # The handler refuses a body over MAX_BODY itself, with 413; tornado's own limit would
        # answer 400 and is only a backstop here.
        self.server = tornado.httpserver.HTTPServer(app, max_body_size=MAX_BODY * 4)
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
