"""The bot's Bot API client: python-telegram-bot's ExtBot, with answers that cannot fail an update.

A handler answers the person who wrote directly, while the update is handled, for speed.
Before, a failed answer (Telegram 5xx, a dropped connection, a time-out, the person having
blocked the bot) raised out of the handler: the update's transaction was rolled back with
the notices it had queued, while what the domain had already committed (a new case) stayed,
and nobody was told of the case. Now an answer that cannot be sent is never the update's
failure:
- a failure a retry can cure puts the same Bot API call in the outbox, committed with the
  update and sent by the sender like any notice (later answers to that chat in the same
  update follow it there, so they keep their order);
- a person who blocked the bot is recorded as such, and the update goes on;
- a callback answer or a chat action that cannot be sent is dropped: it expires anyway.
The handler gets a stand-in result (message id 0), so it goes on as if the answer had gone.
Telegram's "no" to the request itself (BadRequest) is still an error: it is a bug to see.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from telegram import (
    InputFile,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
)
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import JSONDict, ODVInput
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ExtBot
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from handlers.context import current_scope
from models import outbox
from models.clock import Clock, SystemClock
from models.messaging import Priority
from models.users import TelegramUser

log = logging.getLogger(__name__)

# Calls whose failure must not fail the update; the first set is worth sending later.
_DEFERRABLE = {
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "sendLocation",
    "sendVenue",
    "sendMediaGroup",
    "sendVoice",
    "sendVideo",
    "sendAudio",
    "sendVideoNote",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
}
_DROPPABLE = {"answerCallbackQuery", "sendChatAction", "deleteMessage"}
_RATE_LIMIT_ARGS = "rate_limit_args"
_INPUT_MEDIA: dict[str, Any] = {
    "photo": InputMediaPhoto,
    "video": InputMediaVideo,
    "document": InputMediaDocument,
    "audio": InputMediaAudio,
}


def encode_call(data: JSONDict) -> dict[str, Any]:
    """A Bot API call's parameters as JSON the outbox can keep, files included."""
    parameters = [
        RequestParameter.from_input(key, value)
        for key, value in data.items()
        if key != _RATE_LIMIT_ARGS and value is not None
    ]
    request = RequestData(parameters)
    files = {
        name: {
            "filename": filename,
            "data": base64.b64encode(
                content if isinstance(content, bytes) else content.read()
            ).decode(),
            "mimetype": mimetype,
        }
        for name, (filename, content, mimetype) in request.multipart_data.items()
    }
    return {"params": request.json_parameters, "files": files}


def decode_call(payload: dict[str, Any]) -> JSONDict:
    data: JSONDict = dict(payload.get("params") or {})
    for name, file in (payload.get("files") or {}).items():
        data[name] = InputFile(
            base64.b64decode(file["data"]), filename=file.get("filename"), attach=False
        )
    return data


def _stand_in(endpoint: str, data: JSONDict) -> Any:
    if not endpoint.startswith("send"):
        return True
    chat_id = _chat_id(data) or 0
    message = {
        "message_id": 0,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
    }
    return [message] if endpoint == "sendMediaGroup" else message


def _chat_id(data: JSONDict) -> int | None:
    value = data.get("chat_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):  # a channel's @username: not one of ours
        return None


class LaneKeeperBot(ExtBot[None]):
    def __init__(self, *args: Any, clock: Clock | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock or SystemClock()

    async def _do_post(
        self,
        endpoint: str,
        data: JSONDict,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> Any:
        scope = current_scope.get()
        guarded = scope is not None and (endpoint in _DEFERRABLE or endpoint in _DROPPABLE)
        if not guarded:
            return await super()._do_post(
                endpoint,
                data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        assert scope is not None
        chat_id = _chat_id(data)
        if chat_id is not None and chat_id in scope.deferred_chats and endpoint in _DEFERRABLE:
            await self._defer(endpoint, data, chat_id, "an earlier answer is waiting", None)
            return _stand_in(endpoint, data)
        try:
            return await super()._do_post(
                endpoint,
                data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except BadRequest:
            raise
        except Forbidden as err:
            log.info("%s to %s refused: %s", endpoint, chat_id, err)
            if chat_id is not None and chat_id > 0:
                user = await scope.session.get(TelegramUser, chat_id)
                if user is not None and user.blocked_at is None:
                    user.blocked_at = self._clock.now()
                    scope.session.add(user)
            return _stand_in(endpoint, data)
        except (NetworkError, RetryAfter) as err:
            if endpoint in _DROPPABLE or chat_id is None:
                log.info("%s failed and is dropped: %s", endpoint, err)
                return _stand_in(endpoint, data)
            delay = err.retry_after if isinstance(err, RetryAfter) else None
            await self._defer(endpoint, data, chat_id, str(err), delay)
            return _stand_in(endpoint, data)

    async def _defer(
        self,
        endpoint: str,
        data: JSONDict,
        chat_id: int,
        why: str,
        delay: int | timedelta | None,
    ) -> None:
        scope = current_scope.get()
        assert scope is not None
        log.warning(
            "%s to %s could not be sent now (%s); it waits in the outbox", endpoint, chat_id, why
        )
        now: datetime = self._clock.now()
        row = await outbox.enqueue(
            scope.session,
            chat_id,
            encode_call(data),
            now=now,
            method=endpoint,
            priority=Priority.REPLY,
        )
        if row is not None and delay is not None:
            row.not_before = now + (
                delay if isinstance(delay, timedelta) else timedelta(seconds=delay)
            )
        scope.deferred_chats.add(chat_id)

    async def replay(self, method: str, payload: dict[str, Any], **kwargs: Any) -> Any:
        """Make a call that was kept in the outbox by `encode_call`; returns Telegram's result."""
        data = decode_call(payload)
        if method == "sendMediaGroup" and isinstance(data.get("media"), str):
            # Kept as JSON; the library wants its media objects back (albums by file id).
            data["media"] = [_INPUT_MEDIA[m.pop("type")](**m) for m in json.loads(data["media"])]
        data.update(kwargs)
        return await self._post(method, data)

    async def get_raw_updates(
        self, offset: int | None, timeout: int, allowed_updates: list[str]
    ) -> list[dict[str, Any]]:
        """getUpdates without parsing: the inbox keeps every update, even one that this version
        of the library cannot read, and parses each on its own."""
        data: JSONDict = {"offset": offset, "timeout": timeout, "allowed_updates": allowed_updates}
        read_timeout = (self._request[0].read_timeout or 0) + timeout
        result = await self._post("getUpdates", data, read_timeout=read_timeout)
        return list(result or [])
