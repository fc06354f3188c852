"""The sandbox: the real bot against the fake Bot API, with a person at the terminal.

Nothing leaves the machine. The person speaks as a resident or any member, presses the
buttons the bot shows, shares locations, and sees every message the bot sends to anyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import shlex
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import httpx
from sqlmodel import col, select

from bot.app import build_application, running
from fakegram import FakeBotApi, FakeChat, FakeUser, Recorded, fake_request
from locales.i18n import I18n
from models import inbox, migrate
from models.classify import Classifier, load_categories
from models.clock import ManualClock, SystemClock
from models.db import Database
from models.invites import invite_member
from models.members import street_by_code
from models.messaging import HeldNotice
from models.open311 import rotate_key
from models.org import Member
from models.reading import shipped_ready
from models.roster import import_roster
from models.roster_spec import load_roster
from models.signboards import alley_by_code_or_name, board
from scheduler import deadlines, meetings, quarterly, retraining
from services.config import load_config
from views.labels import role_name
from views.signboard_pdf import render_pdf as signboard_pdf

SANDBOX_TOKEN = "424242:SANDBOX"
SANDBOX_WEB_PORT = 8311  # Open311 on 127.0.0.1 (any free port when taken)
FILES_DIR = "sandbox-files"  # beside the sandbox's database
WAIT_STEP = timedelta(hours=1)
# Every time-driven pass of the bot, run at each step of :wait.
TIME_DRIVEN = (deadlines.run_once, meetings.run_once, quarterly.run_once, retraining.run_once)
SAMPLE_ROSTER = Path(__file__).resolve().parent / "examples" / "nanxing.roster.toml"
SAMPLE_STREET = "南星街道"
SAMPLE_STREET_CODE = "nanxing"
STREET_GROUP = FakeChat(-1001000000100, "南星街道十位一体联动群")
COMMUNITY_GROUP = FakeChat(-1001000000101, "复兴社区联动群")


@dataclass
class Persona:
    user: FakeUser
    label: str


# Requests nobody sees as a message: set-up, typing indicators, downloads, menus.
_QUIET = frozenset(
    {
        "getMe",
        "getUpdates",
        "setMyCommands",
        "getMyCommands",
        "deleteMyCommands",
        "deleteWebhook",
        "setChatMenuButton",
        "sendChatAction",
        "getFile",
        "getChat",
    }
)


class Sandbox:
    def __init__(
        self,
        db_path: str,
        lang: str | None,
        out: TextIO = sys.stdout,
        start: datetime | None = None,
        wall_clock: datetime | None = None,
        web_port: int = 0,
    ) -> None:
        self.db_url = f"sqlite:///{Path(db_path).resolve()}"
        self.config = load_config(None, environ={}).with_overrides(
            telegram={
                "token": SANDBOX_TOKEN,
                "base_url": "http://sandbox.invalid/bot",
                "base_file_url": "http://sandbox.invalid/file/bot",
                # A fake Telegram has no flood limits to respect: show replies at once.
                "chat_interval_s": 0,
                "group_interval_s": 0,
            },
            database={"url": self.db_url},
            # Open311 on this machine only: ':api' shows how to call it, ':file' does.
            web={"enabled": True, "listen": "127.0.0.1", "port": web_port},
            # Everything here is on this machine: callbacks to it are what one would try.
            open311={"allow_private_callbacks": True},
        )
        self.api_key = ""
        self.web_port = web_port  # the port really bound, once running
        self.pending_filings: list[str] = []
        self.pending_boards: list[str] = []  # alleys asked for by :signboard
        self.i18n = I18n(lang or self.config.app.default_locale, self.config.app.timezone)
        self.out = out
        self.api = FakeBotApi(token=SANDBOX_TOKEN)
        self.api.listeners.append(self._show)
        self.personas: list[Persona] = []
        self.current: Persona | None = None
        self.buttons: dict[int, dict[str, Any]] = {}
        self._processed: dict[int, asyncio.Event] = {}
        self.invitations: dict[str, str] = {}
        # The sandbox's time moves only when told (:wait), so deadlines can be played. It
        # starts now, or at `start` (tests replay a script at a fixed moment).
        self.moved_from: datetime | None = None
        if start is None:  # tests may give the wall clock's reading
            wall = wall_clock or SystemClock().now()
            start = self._daytime(wall)
            self.moved_from = wall if start != wall else None
        self.clock = ManualClock(start)
        # Time asked for by :wait and not yet played: stepped through by the passes.
        self.pending_wait = timedelta()
        # Every file the bot sends is saved beside the database, numbered in order.
        self.files_dir = Path(self.db_url.removeprefix("sqlite:///")).resolve().parent / FILES_DIR
        self.files_saved = 0
        # Notices held for the morning digest are shown as held (else a night-time sandbox
        # looks as if nobody were told): the last held row already shown.
        self.held_shown = 0
        _ = self.i18n.gettext
        self.add_persona(FakeUser(900001, "小王", "zh-hans"), _("resident"))
        self.add_persona(FakeUser(900002, "Alice", "en"), _("resident"))
        self.current = self.personas[0]

    def add_persona(self, user: FakeUser, label: str) -> Persona:
        persona = Persona(user, label)
        self.api.open_chat(user)  # every persona has started the bot
        self.personas.append(persona)
        return persona

    async def continue_update_ids(self) -> None:
        """A new fake Telegram must number its updates past those the database has seen."""
        database = Database(self.db_url)
        try:
            async with database.session() as session:
                first = await inbox.next_offset(session)
        finally:
            await database.dispose()
        if first is not None:
            self.api.continue_from(first)

    async def load_roster(self) -> None:
        """Import the sample roster (idempotent) and speak as its members.

        Members who join by invitation get a fresh link at every start: the sandbox is for
        trying the flow again.
        """
        database = Database(self.db_url)
        now = self.clock.now()
        try:
            async with database.session() as session:
                await import_roster(
                    session,
                    load_roster(SAMPLE_ROSTER),
                    now=now,
                    default_timezone=self.config.app.timezone,
                )
                members = (
                    await session.exec(
                        select(Member).where(col(Member.active).is_(True)).order_by(col(Member.id))
                    )
                ).all()
                for member in members:
                    assert member.id is not None
                    if member.telegram_id is not None:
                        if all(p.user.id != member.telegram_id for p in self.personas):
                            label = role_name(self.i18n, member.role)
                            user = FakeUser(member.telegram_id, member.name, "zh-hans")
                            self.add_persona(user, label)
                        continue
                    new = await invite_member(session, member, now)
                    self.invitations[member.name] = new.code
                await session.commit()
        finally:
            await database.dispose()
        for group in (STREET_GROUP, COMMUNITY_GROUP):
            self.api.chats[group.id] = group.to_dict()

    # -- output ---------------------------------------------------------------------------

    def say(self, line: str = "") -> None:
        print(line, file=self.out, flush=True)

    def _chat_name(self, chat_id: Any) -> str:
        for persona in self.personas:
            if persona.user.id == chat_id:
                return persona.user.first_name
        groups = {STREET_GROUP.id: STREET_GROUP.title, COMMUNITY_GROUP.id: COMMUNITY_GROUP.title}
        return groups.get(chat_id, str(chat_id))

    def _show(self, record: Recorded) -> None:
        """Everything a person would see: messages, files, edits of earlier messages (a
        button that moved shows), and one line for any other request."""
        result = record.result
        if isinstance(result, Exception):
            if record.method not in ("setMyCommands",):
                self.say(f"  ⚠ {record.method}: {result}")
            return
        name = self._chat_name(record.chat_id)
        if record.method in ("sendMessage", "sendPhoto", "sendDocument", "editMessageText"):
            mark = "✎" if record.method == "editMessageText" else "→"
            attachment = {"sendPhoto": "🖼 [photo] ", "sendDocument": "📎 "}.get(record.method, "")
            self.say(f"  🤖 {mark} {name}: {attachment}")
            text = record.text
            if record.params.get("parse_mode") == "HTML":
                text = html.unescape(re.sub(r"<[^>]+>", "", text))
            for line in text.splitlines() or [""]:
                self.say(f"     {line}")
            for field_name, content in record.files.items():
                self._save_file(field_name, content, getattr(record.files, "names", {}))
            if isinstance(result, dict) and result.get("reply_markup"):
                self.buttons[int(record.chat_id)] = result
                self._say_buttons(record)
            elif record.method == "editMessageText":
                self.buttons.pop(int(record.chat_id), None)
            self._say_reply_keyboard(record)
        elif record.method in ("sendMediaGroup", "sendLocation", "sendVenue", "sendVoice"):
            self._show_media(record)
        elif record.method == "editMessageReplyMarkup":
            rows = self._rows(record)
            self.say(f"  🤖 ⌨ {name}: " + (rows[0] if rows else "—"))
            for line in rows[1:]:
                self.say("     " + line)
            if isinstance(result, dict) and result.get("reply_markup"):
                self.buttons[int(record.chat_id)] = result
        elif record.method == "answerCallbackQuery":
            if record.params.get("text"):
                self.say(f"  🤖 💬 {record.params['text']}")
        elif record.method not in _QUIET:
            self.say(f"  🤖 · {record.method} {name}")

    def _save_file(self, field_name: str, content: bytes, names: dict[str, str]) -> None:
        """Into sandbox-files/ beside the database, as NNN-<the bot's filename>; the path is
        printed relative to the database's folder."""
        self.files_dir.mkdir(parents=True, exist_ok=True)
        if self.files_saved == 0:  # a sandbox reopened: number on from the files there
            self.files_saved = len(list(self.files_dir.iterdir()))
        self.files_saved += 1
        filename = Path(names.get(field_name) or field_name).name or "file"
        if content.startswith(b"\x89PNG") and not filename.endswith(".png"):
            filename = "photo.png"  # sent without a name of its own
        path = self.files_dir / f"{self.files_saved:03d}-{filename}"
        path.write_bytes(content)
        self.say(f"     💾 {FILES_DIR}/{path.name}")

    async def play_time(self, application: Any) -> None:
        """Step the clock through the hours :wait asked for, at most an hour at a time, and
        run every time-driven pass at each step, so that what falls due comes in order."""
        while self.pending_wait > timedelta():
            step = min(self.pending_wait, WAIT_STEP)
            self.pending_wait -= step
            self.clock.advance(step)
            for run_once in TIME_DRIVEN:
                await run_once(application)
            await application.services.sender.idle()
            await self.show_held(application)

    async def show_held(self, application: Any) -> None:
        """One line per notice newly held for the digest: who, and until when."""
        async with application.services.db.session() as session:
            rows = (
                await session.exec(
                    select(HeldNotice)
                    .where(col(HeldNotice.id) > self.held_shown)
                    .order_by(col(HeldNotice.id))
                )
            ).all()
        # One line per person: what a step holds is often several notices on one case.
        by_chat: dict[int, list[HeldNotice]] = {}
        for row in rows:
            assert row.id is not None
            self.held_shown = row.id
            by_chat.setdefault(row.chat_id, []).append(row)
        for chat_id, held in by_chat.items():
            cases = sorted({row.case_id for row in held})
            self.say(
                "  🌙 "
                + self.i18n.ngettext(
                    "{name}: a notice on {cases} waits for the morning digest ({when}).",
                    "{name}: {count} notices on {cases} wait for the morning digest ({when}).",
                    len(held),
                ).format(
                    name=self._chat_name(chat_id),
                    count=len(held),
                    cases=", ".join(f"#{case}" for case in cases),
                    when=self.i18n.format_when(min(row.release_at for row in held)),
                )
            )

    def _daytime(self, now: datetime) -> datetime:
        """Now, or at night an hour after the quiet hours end: the walkthrough's cards and
        buttons come at once, as they would by day (the sandbox's time is its own)."""
        hours = self.config.quiet_hours.hours()
        release = hours.release_at(now, ZoneInfo(self.config.app.timezone)) if hours else None
        return now if release is None else release + timedelta(hours=1)

    def say_if_quiet(self) -> None:
        """At night the sandbox says why its clock starts in the morning, or (started at a
        given night-time moment) why the handlers' cards do not come at once."""
        quiet = self.config.quiet_hours
        hours = quiet.hours()
        tz = ZoneInfo(self.config.app.timezone)
        if self.moved_from is not None:
            self.say(
                self.i18n.gettext(
                    "It is {now}, within the quiet hours ({start}–{end}) that hold notices for "
                    "the morning: the sandbox's clock starts at {clock} instead, so that the "
                    "bot's messages come at once. ':wait HOURS' moves it on."
                ).format(
                    now=self.i18n.format_when(self.moved_from),
                    start=quiet.start,
                    end=quiet.end,
                    clock=self.i18n.format_when(self.clock.now()),
                )
            )
            return
        if hours is None or not hours.is_quiet(self.clock.now(), tz):
            return
        self.say(
            self.i18n.gettext(
                "It is {now}, within quiet hours ({start}–{end}): notices that can wait are "
                "held for the morning digest (urgent cases still go out at once). "
                "':wait 10' moves the clock to the morning."
            ).format(now=self.i18n.format_when(self.clock.now()), start=quiet.start, end=quiet.end)
        )

    async def skip_held(self, application: Any) -> None:
        """Notices held in an earlier sandbox session are not news."""
        async with application.services.db.session() as session:
            last = (
                await session.exec(
                    select(HeldNotice.id).order_by(col(HeldNotice.id).desc()).limit(1)
                )
            ).first()
        self.held_shown = last or 0

    @staticmethod
    def _rows(record: Recorded) -> list[str]:
        """The buttons numbered in order, one line per row as Telegram lays them out."""
        markup = record.params.get("reply_markup") or {}
        lines, n = [], 0
        for row in markup.get("inline_keyboard", []):
            labels = []
            for button in row:
                n += 1
                labels.append(f"[{n}] {button['text']}")
            lines.append("  ".join(labels))
        return lines

    def _say_reply_keyboard(self, record: Recorded) -> None:
        """Buttons under the typing field (Telegram's reply keyboard): shown, with the
        sandbox command that does what they do."""
        markup = record.params.get("reply_markup") or {}
        for row in markup.get("keyboard", []):
            for button in row:
                label = button["text"] if isinstance(button, dict) else str(button)
                hint = ""
                if isinstance(button, dict) and button.get("request_contact"):
                    hint = "  (" + self.i18n.gettext(":contact PHONE presses it") + ")"
                self.say(f"     ⌨ [{label}]{hint}")

    def _say_buttons(self, record: Recorded) -> None:
        for line in self._rows(record):
            self.say("     " + line)

    def _show_media(self, record: Recorded) -> None:
        """A case's evidence sent on by file id: one line, and the captions."""
        p = record.params
        media: list[Any] = p["media"] if isinstance(p.get("media"), list) else []
        line = {
            "sendMediaGroup": f"🖼 [album: {len(media)} photos]",
            "sendLocation": f"📍 [location {p.get('latitude')},{p.get('longitude')}]",
            "sendVenue": f"📍 [location {p.get('latitude')},{p.get('longitude')}] {p.get('title')}",
            "sendVoice": "🎤 [voice]",
        }[record.method]
        self.say(f"  🤖 → {self._chat_name(record.chat_id)}: {line}")
        captions = [m.get("caption") for m in media] if media else [p.get("caption")]
        for caption in filter(None, captions):
            self.say(f"     {caption}")

    # -- input ----------------------------------------------------------------------------

    def _commands(self) -> dict[str, tuple[Callable[[list[str]], int | None], str]]:
        _ = self.i18n.gettext
        return {
            "help": (self._help, _("this list")),
            "who": (self._who, _("the personas you can speak as")),
            "as": (self._as, _("NUMBER|NAME: speak as another persona")),
            "new": (self._new, _("NAME [LANGUAGE]: a new resident persona (language e.g. en)")),
            "join": (self._join, _("NAME: open a roster member's invitation as them")),
            "press": (self._press, _("N: press button N of the last message with buttons")),
            "loc": (self._loc, _("LAT LON: share a location")),
            "photo": (self._photo, _("[CAPTION]: send a photo")),
            "voice": (self._voice, _("send a voice note")),
            "contact": (self._contact, _("PHONE: share a phone number")),
            "group": (self._group, _("TEXT: say TEXT in the street's group chat")),
            "wait": (self._wait, _("HOURS: let time pass (deadlines, reminders, escalations)")),
            "api": (self._api, _("how other systems call this bot (Open311), with a key")),
            "file": (self._file, _("TEXT: file TEXT through Open311, as the 12345 hotline would")),
            "signboard": (
                self._signboard,
                _("ALLEY: the alley's signboard (PDF) and the report page its QR code opens"),
            ),
            "quit": (self._quit, _("leave the sandbox")),
        }

    @property
    def user(self) -> FakeUser:
        assert self.current is not None
        return self.current.user

    def _help(self, args: list[str]) -> None:
        _ = self.i18n.gettext
        self.say(_("Type a message to send it to the bot as the current persona. Commands:"))
        for name, (_fn, text) in self._commands().items():
            self.say(f"  :{name:<9} {text}")

    def _who(self, args: list[str]) -> None:
        for n, persona in enumerate(self.personas, 1):
            here = "*" if persona is self.current else " "
            user = persona.user
            self.say(
                f" {here}{n:>3}. {user.first_name} ({persona.label}, {user.language_code}, "
                f"id {user.id})"
            )

    def _as(self, args: list[str]) -> None:
        _ = self.i18n.gettext
        wanted = " ".join(args)
        for n, persona in enumerate(self.personas, 1):
            if wanted in (str(n), persona.user.first_name, str(persona.user.id)):
                self.current = persona
                self.say(_("You are now {name}.").format(name=persona.user.first_name))
                return
        self.say(_("No persona “{name}”; :who lists them.").format(name=wanted))

    def _new(self, args: list[str]) -> None:
        _ = self.i18n.gettext
        if not args:
            self.say(_("Usage: :new NAME [LANGUAGE]"))
            return
        language = args[1] if len(args) > 1 else "zh-hans"
        user = FakeUser(900001 + len(self.personas), args[0], language)
        self.current = self.add_persona(user, _("resident"))
        self.say(_("You are now {name}.").format(name=user.first_name))

    def _join(self, args: list[str]) -> int | None:
        _ = self.i18n.gettext
        name = " ".join(args)
        code = self.invitations.get(name)
        if code is None:
            self.say(
                _("Nobody called “{name}” is waiting to join; they are: {names}").format(
                    name=name, names=", ".join(self.invitations) or "—"
                )
            )
            return None
        persona = next((p for p in self.personas if p.user.first_name == name), None)
        if persona is None:
            persona = self.add_persona(
                FakeUser(900001 + len(self.personas), name, "zh-hans"), _("resident")
            )
        self.current = persona
        return self.api.send_command(persona.user, "/start", code)

    def _press(self, args: list[str]) -> int | None:
        _ = self.i18n.gettext
        message = self.buttons.get(self.user.id)
        buttons = [
            b
            for row in (message or {}).get("reply_markup", {}).get("inline_keyboard", [])
            for b in row
        ]
        if not args or not args[0].isdigit() or not 1 <= int(args[0]) <= len(buttons):
            self.say(_("There is no such button here."))
            return None
        assert message is not None
        return self.api.press(self.user, message, buttons[int(args[0]) - 1]["callback_data"])

    def _loc(self, args: list[str]) -> int | None:
        try:
            lat, lon = float(args[0]), float(args[1])
        except (IndexError, ValueError):
            self.say(
                self.i18n.gettext("Usage: :loc LATITUDE LONGITUDE, e.g. :loc 30.2275 120.1755")
            )
            return None
        return self.api.send_location(self.user, lat, lon)

    def _photo(self, args: list[str]) -> int:
        return self.api.send_photo(self.user, caption=" ".join(args) or None)

    def _voice(self, args: list[str]) -> int:
        return self.api.send_voice(self.user)

    def _contact(self, args: list[str]) -> int | None:
        if not args:
            self.say(self.i18n.gettext("Usage: :contact PHONE"))
            return None
        return self.api.send_contact(self.user, " ".join(args))

    def _group(self, args: list[str]) -> int | None:
        if not args:
            self.say(self.i18n.gettext("Usage: :group TEXT"))
            return None
        text = " ".join(args)
        if text.startswith("/"):
            command, _sep, rest = text.partition(" ")
            return self.api.send_command(self.user, command, rest, chat=STREET_GROUP)
        return self.api.send_text(self.user, text, chat=STREET_GROUP)

    def _wait(self, args: list[str]) -> None:
        try:
            hours = float(args[0])
        except (IndexError, ValueError):
            self.say(self.i18n.gettext("Usage: :wait HOURS, e.g. :wait 5"))
            return
        if not 0 < hours <= 24 * 30:
            self.say(self.i18n.gettext("Usage: :wait HOURS, e.g. :wait 5"))
            return
        self.pending_wait += timedelta(hours=hours)
        self.say(
            self.i18n.gettext("It is now {when}.").format(
                when=self.i18n.format_when(self.clock.now() + self.pending_wait)
            )
        )

    def _quit(self, args: list[str]) -> None:
        raise EOFError

    @property
    def open311_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}/open311/v2"

    def _api(self, args: list[str]) -> None:
        _ = self.i18n.gettext
        self.say(_("Open311 GeoReport v2 (docs/open311.md): {url}").format(url=self.open311_url))
        self.say(_("API key of this sandbox: {key}").format(key=self.api_key))
        self.say(_("For example, from another terminal:"))
        self.say(
            f'  curl -s {self.open311_url}/requests.json --data-urlencode "api_key={self.api_key}"'
            ' --data-urlencode "description=复兴南街路灯不亮了"'
        )
        self.say(f'  curl -s "{self.open311_url}/requests.json?api_key={self.api_key}"')

    def _file(self, args: list[str]) -> None:
        if not args:
            self.say(self.i18n.gettext("Usage: :file TEXT, e.g. :file 复兴南街路灯不亮了"))
            return
        self.pending_filings.append(" ".join(args))

    async def file_pending(self, application: Any) -> None:
        """What :file asked for, POSTed to the running bot as another system would."""
        while self.pending_filings:
            text = self.pending_filings.pop(0)
            async with httpx.AsyncClient(timeout=60) as client:
                answer = await client.post(
                    f"{self.open311_url}/requests.json",
                    data={"api_key": self.api_key, "description": text},
                    headers={"Accept-Language": self.i18n.locale.replace("_", "-")},
                )
            self.say(f"  🌐 POST requests.json → {answer.status_code} {answer.text}")
            await application.services.sender.idle()

    @property
    def public_url(self) -> str:
        """The sandbox's web server, as signboards' QR codes address it."""
        return f"http://127.0.0.1:{self.web_port}"

    def _signboard(self, args: list[str]) -> None:
        if not args:
            self.say(self.i18n.gettext("Usage: :signboard ALLEY, e.g. :signboard 复兴街"))
            return
        self.pending_boards.append(" ".join(args))

    async def boards_pending(self, application: Any) -> None:
        """What :signboard asked for: the board's PDF saved with the bot's files, and the
        address of the alley's report page on this machine."""
        _ = self.i18n.gettext
        leads = [spec.lead for spec in application.services.classifier.categories.values()]
        while self.pending_boards:
            wanted = self.pending_boards.pop(0)
            async with application.services.db.session() as session:
                street = await street_by_code(session, SAMPLE_STREET_CODE)
                assert street is not None
                alley = await alley_by_code_or_name(session, street, wanted)
                if alley is None:
                    self.say(
                        _("No alley “{alley}” in {street}; e.g. :signboard 复兴街").format(
                            alley=wanted, street=street.name
                        )
                    )
                    continue
                shown = await board(session, street, alley, units=leads)
            name = f"signboard-{shown.alley_code}.pdf"
            self._save_file("document", signboard_pdf(shown, self.public_url), {"document": name})
            self.say(
                _("Signboard of {alley}: its QR code opens {url}").format(
                    alley=shown.alley.name, url=shown.url(self.public_url)
                )
            )

    def handle_line(self, line: str) -> int | None:
        """Turn one line typed at the terminal into an update; returns its update_id."""
        line = line.strip()
        if not line:
            return None
        if line.startswith(":"):
            try:
                name, *args = shlex.split(line[1:])
            except ValueError:
                name, *args = line[1:].split()
            known = self._commands().get(name)
            if known is None:
                self.say(self.i18n.gettext("Unknown sandbox command; :help lists them."))
                return None
            return known[0](args)
        if line.startswith("/"):
            command, _sep, rest = line.partition(" ")
            return self.api.send_command(self.user, command, rest)
        return self.api.send_text(self.user, line)

    # -- the loop -------------------------------------------------------------------------

    async def _mark_processed(self, update: object) -> None:
        update_id = getattr(update, "update_id", None)
        if isinstance(update_id, int):
            self._processed.setdefault(update_id, asyncio.Event()).set()

    async def wait_processed(self, update_id: int, timeout: float = 30.0) -> None:
        event = self._processed.setdefault(update_id, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await event.wait()
        self._processed.pop(update_id, None)

    async def main(self, lines: TextIO = sys.stdin) -> int:
        _ = self.i18n.gettext
        migrate.upgrade(self.db_url)
        await self.load_roster()
        await self.continue_update_ids()
        application = build_application(
            self.config,
            request=fake_request(self.api),
            get_updates_request=fake_request(self.api),
            clock=self.clock,
            run_timers=False,
        )
        application.update_listeners.append(self._mark_processed)
        interactive = lines.isatty()
        if self.config.intake.reader == "learned" and not shipped_ready(
            Classifier(load_categories(self.config.intake.categories_file or None))
        ):
            self.say(
                _(
                    "Preparing the report reader from the shipped examples: the first start "
                    "on this machine takes a minute or less; later ones load it."
                )
            )
        async with running(application, poll_timeout=10):
            self.say(
                _(
                    "LaneKeeper sandbox: the bot runs here against a fake Telegram; "
                    "nothing leaves this machine."
                )
            )
            self.say(_("Database: {path}").format(path=self.db_url.removeprefix("sqlite:///")))
            self.say(
                _(
                    "The sample roster of {street} is loaded: :who lists whom you can speak as."
                ).format(street=SAMPLE_STREET)
            )
            for name in self.invitations:
                self.say(
                    _(
                        "{name} has not joined yet: ':join {name}' opens the invitation as {name}."
                    ).format(name=name)
                )
            await self.skip_held(application)
            assert application.web_server is not None
            self.web_port = application.web_server.port
            async with application.services.db.session() as session:
                _key, self.api_key = await rotate_key(session, "sandbox", self.clock.now())
            self.say(
                _("Open311 for other systems: {url} (:api shows the key and an example).").format(
                    url=self.open311_url
                )
            )
            self.say_if_quiet()
            self.say(
                _(
                    "You are {name}. Type a message for the bot; :help lists the sandbox commands."
                ).format(name=self.user.first_name)
            )
            loop = asyncio.get_running_loop()
            while True:
                prompt = f"[{self.user.first_name}] > "
                if interactive:
                    line = await loop.run_in_executor(None, _read_tty, prompt)
                else:
                    line = await loop.run_in_executor(None, lines.readline)
                    if line:
                        self.say(prompt + line.rstrip("\n"))
                if not line:
                    break
                try:
                    update_id = self.handle_line(line)
                except EOFError:
                    break
                if update_id is not None:
                    await self.wait_processed(update_id)
                await self.file_pending(application)
                await self.boards_pending(application)
                await self.play_time(application)
                await application.services.sender.idle()
                await self.show_held(application)
        self.say(_("Bye."))
        return 0


def _free_port(preferred: int) -> int:
    """The preferred port when it is free here, else 0 (any)."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
        except OSError:
            return 0
    return preferred


def _read_tty(prompt: str) -> str:
    try:
        return input(prompt) + "\n"
    except EOFError:
        return ""


def run_demo(db_path: str = "sandbox.db", fresh: bool = False, lang: str | None = None) -> int:
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(db_path + suffix).unlink(missing_ok=True)
        files = Path(db_path).resolve().parent / FILES_DIR
        if files.is_dir():  # the files the last sandbox saved
            for saved in files.iterdir():
                if re.fullmatch(r"\d{3,}-.+", saved.name) and saved.is_file():
                    saved.unlink()
    return asyncio.run(Sandbox(db_path, lang, web_port=_free_port(SANDBOX_WEB_PORT)).main())
