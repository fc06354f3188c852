"""Webhook mode: Telegram posts each update; it is stored before the HTTP answer.

The secret token Telegram sends with every request is checked first (in constant time);
a request without it changes nothing. An update Telegram delivers twice (it retries when
an answer is late) is stored once and handled once. A body that is not a JSON object with
an integer update_id gets 400 and one over 1 MB gets 413, and neither is stored; an update
this library cannot read is stored, answered 200 (Telegram would only send it again) and
skipped.

These are Starlette routes; bot/web_server.py serves them, with /health and whatever else
the composition root hands it, on the bot's own event loop.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.polling import enqueue, has_update_id
from models import health, inbox
from models.db import describe

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1 << 20
# A refused body is still read (and dropped) up to this much, so that the client hears the
# answer; past it the answer is sent and the connection closed.
DRAIN_LIMIT = MAX_BODY * 4
HEALTH_PATH = "/health"


def webhook_path(url: str) -> str:
    """The path of the webhook URL, where the route is served (behind the proxy)."""
    return urlsplit(url).path or "/"


async def _drain(request: Request) -> None:
    """Read a refused body and drop it, up to DRAIN_LIMIT."""
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > DRAIN_LIMIT:
            return


async def _read_body(request: Request) -> bytes | None:
    """The body, or None when it is over MAX_BODY; streamed, so that a body too large is
    refused as it comes and never held in memory (with or without a Content-Length)."""
    length = request.headers.get("Content-Length", "")
    refused = length.isdigit() and int(length) > MAX_BODY
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:  # perhaps sent without a length, and too large
            refused, chunks = True, []
        if refused:  # read on and dropped, so that the client hears the answer
            if size > DRAIN_LIMIT:
                break
            continue
        chunks.append(chunk)
    return None if refused else b"".join(chunks)


def webhook_route(application: Any, url: str, secret: str) -> Route:
    """POST at the webhook URL's path: check the secret, store the update, answer, queue it."""

    async def receive_update(request: Request) -> Response:
        try:
            return await _receive_update(request)
        except ClientDisconnect:  # gone before its body was read: nothing stored, no one to tell
            return Response(status_code=400)

    async def _receive_update(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            await _drain(request)
            return Response(status_code=403)
        body = await _read_body(request)
        if body is None:
            return Response(status_code=413)
        try:
            payload = json.loads(body.decode("utf-8"))
        except ValueError:  # not JSON, or not UTF-8
            payload = None
        # Only an object with an update id can be kept; anything else is the sender's mistake.
        if not has_update_id(payload):
            return Response(status_code=400)
        services = application.services
        async with services.db.session() as session:
            new = await inbox.store(
                session, [(payload["update_id"], payload)], services.clock.now()
            )
        if not new:
            return Response(status_code=200)
        # Queued once the answer is sent: Telegram need not wait for the parsing.
        task = BackgroundTask(enqueue, application, payload["update_id"], inbox.storable(payload))
        return Response(status_code=200, background=task)

    return Route(webhook_path(url), receive_update, methods=["POST"], name="telegram-webhook")


def health_route(application: Any) -> Route:
    """GET /health: 200 and what models/health.py finds, or 503 when a task has stalled, work
    has waited too long, or the database cannot be read. For a load balancer or a monitor."""

    async def health_check(request: Request) -> Response:
        services = application.services
        try:
            async with services.db.session() as session:
                status = await health.check(session, services.clock.now())
        except Exception as err:
            return JSONResponse({"ok": False, "error": describe(err)}, status_code=503)
        return JSONResponse(status.as_json(), status_code=200 if status.ok else 503)

    return Route(HEALTH_PATH, health_check, methods=["GET"], name="health")


async def register_webhook(application: Any, url: str, secret: str) -> None:
    """Tell Telegram where to post. The webhook stays registered when the bot stops:
    Telegram keeps what arrives meanwhile for the next start."""
    await application.bot.set_webhook(url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
