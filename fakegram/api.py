"""The fake Bot API's state and methods, independent of how requests reach it."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Parameters Telegram takes as free text: never JSON-decoded, even when they look like numbers.
_TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "parse_mode",
        "url",
        "description",
        "short_description",
        "title",
        "query",
        "secret_token",
        "emoji",
        "address",
        "first_name",
        "last_name",
        "phone_number",
        "file_id",
    }
)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64


@dataclass(frozen=True)
class FakeUser:
    id: int
    first_name: str
    language_code: str | None = "zh-hans"
    username: str | None = None
    last_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("username", "last_name", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass(frozen=True)
class FakeChat:
    id: int
    title: str
    type: str = "supergroup"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "title": self.title}


@dataclass
class Recorded:
    """One request the bot made: the method, its decoded parameters and any uploaded files."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    result: Any = None

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    def buttons(self) -> list[dict[str, Any]]:
        """The inline buttons of the message, row by row flattened."""
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


# Faults -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryAfter:
    seconds: int = 1


@dataclass(frozen=True)
class ServerError:
    status: int = 502
    description: str = "Bad Gateway"


@dataclass(frozen=True)
class Slow:
    seconds: float


@dataclass(frozen=True)
class Drop:
    """The connection closes before any answer."""


@dataclass(frozen=True)
class TimeOut:
    """No answer in time: the bot's read times out, and Telegram never acted on the call."""


@dataclass(frozen=True, eq=False)
class Hold:
    """The answer waits until the test releases it: a call in flight, for as long as needed."""

    released: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        self.released.set()


Fault = RetryAfter | ServerError | Slow | Drop | Hold | TimeOut


class ConnectionDropped(Exception):
    """Raised to the front end, which then closes the connection without answering."""


class CallTimedOut(Exception):
    """Raised to the front end, which then behaves as a read that timed out."""


@dataclass
class _FaultRule:
    fault: Fault
    method: str | None
    remaining: int | None
    chat_id: int | None = None


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def decode_params(raw: dict[str, str]) -> dict[str, Any]:
    """Undo python-telegram-bot's encoding: non-string values are sent JSON-encoded."""
    decoded: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _TEXT_PARAMS:
            decoded[key] = value
            continue
        try:
            decoded[key] = json.loads(value)
        except (ValueError, TypeError):
            decoded[key] = value
    return decoded


class FakeBotApi:
    """One bot's view of Telegram: its updates, chats, messages and files."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "LaneKeeperBot",
        bot_name: str = "巷管家 LaneKeeper",
        clock: Callable[[], float] = time.time,
        first_update_id: int = 1,
        flood_limit: float | None = None,
    ) -> None:
        self.token = token
        self.bot = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.clock = clock
        self.requests: list[Recorded] = []
        self.files: dict[str, bytes] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] | None = None
        self.polled = asyncio.Event()  # set at the first getUpdates
        # Telegram answers 429 past about 30 messages a second; None: no limit emulated.
        # Emulated as a token bucket (a second's worth of burst, refilled at the rate).
        self.flood_limit = flood_limit
        self.flood_hits = 0
        self._tokens = flood_limit or 0.0
        self._tokens_at = time.monotonic()
        self._pending: list[dict[str, Any]] = []
        self._confirmed_below = 0
        # Telegram's update ids only grow; a bot restarted against a new fake must see
        # ids past those it already stored.
        self._update_ids = itertools.count(first_update_id)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._faults: list[_FaultRule] = []
        self.faults_hit = 0  # faults served so far
        self._signal = asyncio.Event()
        self.listeners: list[Callable[[Recorded], None]] = []

    # -- updates in ---------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        update_id = next(self._update_ids)
        self._pending.append({"update_id": update_id, **update})
        self._notify()
        return update_id

    def take(self, update_id: int) -> dict[str, Any]:
        """Remove a queued update and return it, to be delivered some other way (webhooks)."""
        for index, update in enumerate(self._pending):
            if update["update_id"] == update_id:
                return self._pending.pop(index)
        raise LookupError(update_id)

    def continue_from(self, update_id: int) -> None:
        """Number the next updates from here (past what a restarted bot has stored)."""
        self._update_ids = itertools.count(update_id)

    def confirmed(self, update_id: int) -> bool:
        """Whether the bot has confirmed the update (asked for a later offset)."""
        return update_id < self._confirmed_below

    @property
    def pending_updates(self) -> int:
        return len(self._pending)

    def _message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _remember_chat(self, chat: dict[str, Any]) -> None:
        self.chats[chat["id"]] = chat

    def _user_message(
        self, user: FakeUser, chat: FakeChat | None, **content: Any
    ) -> dict[str, Any]:
        chat_dict = chat.to_dict() if chat else {"id": user.id, "type": "private", **_names(user)}
        self._remember_chat(chat_dict)
        message = {
            "message_id": self._message_id(chat_dict["id"]),
            "date": int(self.clock()),
            "chat": chat_dict,
            "from": user.to_dict(),
            **content,
        }
        self.messages[(chat_dict["id"], message["message_id"])] = message
        return message

    def send_text(self, user: FakeUser, text: str, chat: FakeChat | None = None) -> int:
        return self.push({"message": self._user_message(user, chat, text=text)})

    def edit_text(self, user: FakeUser, text: str, message_id: int | None = None) -> int:
        """The user edits a message he sent in his private chat (by default his latest one):
        Telegram sends the whole message again, with the new text, as an edited_message."""
        if message_id is None:
            message_id = max(
                mid
                for (chat_id, mid), message in self.messages.items()
                if chat_id == user.id and message.get("from", {}).get("id") == user.id
            )
        original = self.messages[(user.id, message_id)]
        edited = {**original, "text": text, "edit_date": int(self.clock())}
        self.messages[(user.id, message_id)] = edited
        return self.push({"edited_message": edited})

    def send_command(
        self, user: FakeUser, command: str, args: str = "", chat: FakeChat | None = None
    ) -> int:
        """A command with its bot_command entity, e.g. ('/start', 'abc') or ('/help@Bot',)."""
        command = command if command.startswith("/") else f"/{command}"
        text = f"{command} {args}".strip()
        entities = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.push({"message": self._user_message(user, chat, text=text, entities=entities)})

    def new_file(self, content: bytes, prefix: str = "file") -> tuple[str, str]:
        unique = secrets.token_hex(6)
        file_id = f"{prefix}-{unique}"
        self.files[file_id] = content
        return file_id, unique

    def send_photo(
        self,
        user: FakeUser,
        caption: str | None = None,
        chat: FakeChat | None = None,
        media_group_id: str | None = None,
        content: bytes = b"\xff\xd8\xff fake jpeg",
    ) -> int:
        sizes = []
        for width, height in ((90, 67), (320, 240), (1280, 960)):
            file_id, unique = self.new_file(content, "photo")
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": unique,
                    "width": width,
                    "height": height,
                    "file_size": len(content),
                }
            )
        extra: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            extra["caption"] = caption
        if media_group_id is not None:
            extra["media_group_id"] = media_group_id
        return self.push({"message": self._user_message(user, chat, **extra)})

    def send_location(
        self, user: FakeUser, latitude: float, longitude: float, chat: FakeChat | None = None
    ) -> int:
        location = {"latitude": latitude, "longitude": longitude}
        return self.push({"message": self._user_message(user, chat, location=location)})

    def send_contact(self, user: FakeUser, phone_number: str) -> int:
        contact = {"phone_number": phone_number, "first_name": user.first_name, "user_id": user.id}
        return self.push({"message": self._user_message(user, None, contact=contact)})

    def send_voice(self, user: FakeUser, duration: int = 3) -> int:
        file_id, unique = self.new_file(b"OggS fake voice", "voice")
        voice = {"file_id": file_id, "file_unique_id": unique, "duration": duration}
        return self.push({"message": self._user_message(user, None, voice=voice)})

    def send_document(
        self,
        user: FakeUser,
        file_name: str = "file.pdf",
        mime_type: str = "application/pdf",
        file_size: int = 1000,
        caption: str | None = None,
    ) -> int:
        """A file sent as a file (📎 → File), e.g. a photo sent uncompressed."""
        file_id, unique = self.new_file(b"fake file", "document")
        document = {
            "file_id": file_id,
            "file_unique_id": unique,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": file_size,
        }
        extra: dict[str, Any] = {"document": document}
        if caption is not None:
            extra["caption"] = caption
        return self.push({"message": self._user_message(user, None, **extra)})

    def send_venue(
        self, user: FakeUser, latitude: float, longitude: float, title: str, address: str
    ) -> int:
        location = {"latitude": latitude, "longitude": longitude}
        venue = {"location": location, "title": title, "address": address}
        message = self._user_message(user, None, venue=venue, location=location)
        return self.push({"message": message})

    def send_sticker(self, user: FakeUser) -> int:
        file_id, unique = self.new_file(b"RIFF fake sticker", "sticker")
        sticker = {
            "file_id": file_id,
            "file_unique_id": unique,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self.push({"message": self._user_message(user, None, sticker=sticker)})

    def press(self, user: FakeUser, message: Recorded | dict[str, Any], data: str) -> int:
        """A callback query on a message the bot sent, carrying `data` (forged or not)."""
        msg = message.result if isinstance(message, Recorded) else message
        if not isinstance(msg, dict):
            raise ValueError("press() needs a message the bot sent")
        query = {
            "id": secrets.token_hex(8),
            "from": user.to_dict(),
            "chat_instance": str(msg["chat"]["id"]),
            "message": msg,
            "data": data,
        }
        return self.push({"callback_query": query})

    def press_button(self, user: FakeUser, message: Recorded, text: str) -> int:
        """Press the inline button whose label contains `text`."""
        for button in message.buttons():
            if text in button["text"] and "callback_data" in button:
                return self.press(user, message, button["callback_data"])
        labels = [b["text"] for b in message.buttons()]
        raise LookupError(f"no button with {text!r} in {labels}")

    def open_chat(self, user: FakeUser) -> None:
        """As if the user had started the bot: it may now write to them first."""
        self._remember_chat({"id": user.id, "type": "private", **_names(user)})

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to them fail with 403 from now on."""
        self.blocked.add(user_id)

    # -- faults -------------------------------------------------------------------------

    def inject(
        self,
        fault: Fault,
        method: str | None = None,
        times: int | None = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next `times` calls (of `method`, or any; to `chat_id`, or any) fail this
        way; None: until cleared."""
        self._faults.append(_FaultRule(fault, method, times, chat_id))

    def clear_faults(self) -> None:
        self._faults.clear()

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        for rule in self._faults:
            if rule.chat_id is not None and str(params.get("chat_id")) != str(rule.chat_id):
                continue
            if rule.method in (None, method):
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._faults.remove(rule)
                return rule.fault
        return None

    # -- what the bot did ---------------------------------------------------------------

    def sent(
        self, method: str | None = "sendMessage", chat_id: int | None = None
    ) -> list[Recorded]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (chat_id is None or r.chat_id == chat_id)
        ]

    def last(self, method: str | None = "sendMessage", chat_id: int | None = None) -> Recorded:
        found = self.sent(method, chat_id)
        if not found:
            raise LookupError(f"the bot made no {method} call to chat {chat_id}")
        return found[-1]

    async def wait_for(
        self, predicate: Callable[[Recorded], bool], timeout: float = 60.0, start: int = 0
    ) -> Recorded:
        """Wait until the bot makes a matching request (looking from index `start`)."""

        def find() -> Recorded | None:
            return next((r for r in self.requests[start:] if predicate(r)), None)

        async with asyncio.timeout(timeout):
            while (found := find()) is None:
                await self._signal.wait()
            return found

    def _notify(self) -> None:
        # Wake every waiter at once: each waits on the event current when it looked.
        signal, self._signal = self._signal, asyncio.Event()
        signal.set()

    # -- the HTTP-facing entry point ----------------------------------------------------

    async def call(
        self, token: str, method: str, params: dict[str, Any], files: dict[str, bytes]
    ) -> tuple[int, dict[str, Any]]:
        """Handle one Bot API call; returns the HTTP status and Telegram's JSON answer."""
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        fault = self._take_fault(method, params)
        if fault is not None:
            self.faults_hit += 1
            self._notify()
        if isinstance(fault, Slow):
            await asyncio.sleep(fault.seconds)
        elif isinstance(fault, Hold):
            fault.arrived.set()
            await fault.released.wait()
        elif isinstance(fault, Drop):
            raise ConnectionDropped(method)
        elif isinstance(fault, TimeOut):
            raise CallTimedOut(method)
        elif isinstance(fault, RetryAfter):
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {fault.seconds}",
                "parameters": {"retry_after": fault.seconds},
            }
        elif isinstance(fault, ServerError):
            return fault.status, {
                "ok": False,
                "error_code": fault.status,
                "description": fault.description,
            }
        if self.flood_limit is not None and method.startswith("send"):
            moment = time.monotonic()
            self._tokens = min(
                self.flood_limit, self._tokens + (moment - self._tokens_at) * self.flood_limit
            )
            self._tokens_at = moment
            if self._tokens < 1:
                self.flood_hits += 1
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                }
            self._tokens -= 1
        if method == "getUpdates":
            self.polled.set()
        record = Recorded(method, params, files)
        if method != "getUpdates":
            self.requests.append(record)
        try:
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            record.result = await handler(params, files)
        except ApiError as err:
            record.result = err
            body: dict[str, Any] = {
                "ok": False,
                "error_code": err.code,
                "description": err.description,
            }
            if err.parameters:
                body["parameters"] = err.parameters
            return err.code, body
        finally:
            if method != "getUpdates":
                for listener in self.listeners:
                    listener(record)
                self._notify()
        return 200, {"ok": True, "result": record.result}

    def file_content(self, token: str, file_path: str) -> bytes | None:
        if token != self.token:
            return None
        return self.files.get(file_path.removeprefix("files/"))

    # -- methods --------------------------------------------------------------------------

    async def _m_getMe(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        return self.bot

    async def _m_getUpdates(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        offset = int(p.get("offset") or 0)
        limit = max(1, min(100, int(p.get("limit") or 100)))
        timeout = float(p.get("timeout") or 0)
        if offset > 0:
            self._confirmed_below = max(self._confirmed_below, offset)
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]
        if not self._pending and timeout > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    while not self._pending:
                        await self._signal.wait()
        return self._pending[:limit]

    async def _m_deleteWebhook(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        if p.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook = None
        return True

    async def _m_setWebhook(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        url = str(p.get("url") or "")
        if not url.startswith(("https://", "http://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        self.webhook = {
            "url": url,
            "secret_token": p.get("secret_token"),
            "allowed_updates": p.get("allowed_updates"),
        }
        return True

    async def _m_getWebhookInfo(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        url = self.webhook["url"] if self.webhook else ""
        return {
            "url": url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    @staticmethod
    def _menu_key(p: dict[str, Any]) -> str:
        """The default menus by language ("zh", "en", ""); a chat's own as "chat:ID:LANG"."""
        language = str(p.get("language_code") or "")
        scope = p.get("scope") or {}
        if scope.get("type") == "chat":
            return f"chat:{scope.get('chat_id')}:{language}"
        return language

    async def _m_setMyCommands(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        self.commands[self._menu_key(p)] = list(p.get("commands") or [])
        return True

    async def _m_getMyCommands(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        return self.commands.get(self._menu_key(p), [])

    async def _m_deleteMyCommands(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        self.commands.pop(self._menu_key(p), None)
        return True

    async def _m_setChatMenuButton(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        return True

    async def _m_sendChatAction(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        self._target_chat(p)
        return True

    def _target_chat(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = p.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _check_markup(self, p: dict[str, Any]) -> None:
        markup = p.get("reply_markup")
        if not isinstance(markup, dict):
            return
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _bot_message(self, p: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat = self._target_chat(p)
        self._check_markup(p)
        message: dict[str, Any] = {
            "message_id": self._message_id(chat["id"]),
            "date": int(self.clock()),
            "chat": chat,
            "from": self.bot,
            **content,
        }
        if p.get("reply_markup") and "inline_keyboard" in p["reply_markup"]:
            message["reply_markup"] = p["reply_markup"]
        self.messages[(chat["id"], message["message_id"])] = message
        return message

    async def _m_sendMessage(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        text = str(p.get("text") or "")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return self._bot_message(p, text=text)

    def _upload(self, p: dict[str, Any], f: dict[str, bytes], field_name: str) -> tuple[str, str]:
        value = p.get(field_name)
        if isinstance(value, str) and value.startswith("attach://"):
            content = f.get(value.removeprefix("attach://"), b"")
        elif field_name in f:
            content = f[field_name]
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            # Telegram fetches a file given by its address; here the address stands for it.
            content = value.encode()
        elif isinstance(value, str) and value in self.files:
            # File ids are typed: a document's id is no photo (Telegram: "wrong file type").
            if value.split("-", 1)[0] != field_name:
                raise ApiError(400, f"Bad Request: can't use file of another type as {field_name}")
            return value, value.rsplit("-", 1)[-1]
        else:
            raise ApiError(400, f"Bad Request: there is no {field_name} in the request")
        return self.new_file(content, field_name)

    def _caption(self, p: dict[str, Any]) -> dict[str, Any]:
        caption = p.get("caption")
        if caption is None:
            return {}
        if len(str(caption)) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        return {"caption": str(caption)}

    async def _m_sendPhoto(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        file_id, unique = self._upload(p, f, "photo")
        size = {"file_id": file_id, "file_unique_id": unique, "width": 800, "height": 600}
        return self._bot_message(p, photo=[size], **self._caption(p))

    async def _m_sendDocument(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        file_id, unique = self._upload(p, f, "document")
        document = {"file_id": file_id, "file_unique_id": unique}
        return self._bot_message(p, document=document, **self._caption(p))

    async def _m_sendVoice(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        file_id, unique = self._upload(p, f, "voice")
        voice = {"file_id": file_id, "file_unique_id": unique, "duration": 1}
        return self._bot_message(p, voice=voice, **self._caption(p))

    async def _m_sendVideo(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        file_id, unique = self._upload(p, f, "video")
        video = {"file_id": file_id, "file_unique_id": unique, "width": 1, "height": 1}
        return self._bot_message(p, video={**video, "duration": 1}, **self._caption(p))

    async def _m_sendMediaGroup(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        media = p.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of media in the group (2-10)")
        self._target_chat(p)
        group = secrets.token_hex(6)
        messages = []
        for item in media:
            kind = item.get("type")
            if kind not in ("photo", "video"):
                raise ApiError(400, f"Bad Request: media of type {kind} in an album")
            file_id, unique = self._upload({kind: item.get("media")}, f, kind)
            content: dict[str, Any] = {"media_group_id": group}
            if kind == "photo":
                content["photo"] = [
                    {"file_id": file_id, "file_unique_id": unique, "width": 800, "height": 600}
                ]
            else:
                content["video"] = {
                    "file_id": file_id,
                    "file_unique_id": unique,
                    "width": 1,
                    "height": 1,
                    "duration": 1,
                }
            content.update(self._caption(item))
            messages.append(self._bot_message(p, **content))
        return messages

    async def _m_sendLocation(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        location = {"latitude": p.get("latitude"), "longitude": p.get("longitude")}
        return self._bot_message(p, location=location)

    async def _m_sendVenue(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        location = {"latitude": p.get("latitude"), "longitude": p.get("longitude")}
        if not p.get("title"):
            raise ApiError(400, "Bad Request: venue title is empty")
        venue = {"location": location, "title": p["title"], "address": p.get("address") or ""}
        return self._bot_message(p, location=location, venue=venue)

    def _existing(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(p)
        message = self.messages.get((chat["id"], int(p.get("message_id") or 0)))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    async def _m_editMessageText(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        message = self._existing(p)
        text = str(p.get("text") or "")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        self._check_markup(p)
        if text == message.get("text") and p.get("reply_markup") == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"] = text
        message["edit_date"] = int(self.clock())
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return message

    async def _m_editMessageReplyMarkup(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        message = self._existing(p)
        self._check_markup(p)
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return message

    async def _m_deleteMessage(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        chat = self._target_chat(p)
        if self.messages.pop((chat["id"], int(p.get("message_id") or 0)), None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    async def _m_answerCallbackQuery(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        if len(str(p.get("text") or "")) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    async def _m_getFile(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        file_id = str(p.get("file_id"))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": file_id.rsplit("-", 1)[-1],
            "file_size": len(self.files[file_id]),
            "file_path": f"files/{file_id}",
        }

    async def _m_getChat(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        return self._target_chat(p)

    async def _m_leaveChat(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        self._target_chat(p)
        return True


def _names(user: FakeUser) -> dict[str, Any]:
    names: dict[str, Any] = {"first_name": user.first_name}
    if user.username:
        names["username"] = user.username
    return names
