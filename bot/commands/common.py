"""What the subcommands share: the database, the clock, the bot's username, the language."""

from __future__ import annotations

import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import make_url
from sqlmodel.ext.asyncio.session import AsyncSession

from locales.i18n import I18n
from models import migrate
from models.db import Database
from services.config import Config, ConfigError

T = TypeVar("T")
# What psycopg puts before the reason; the line names host and port itself.
_PG_PREFIX = re.compile(
    r'^connection to server (?:at|on) "[^"]*"(?: \([^)]*\))?,? (?:port \d+ )?failed: '
)


class CommandError(Exception):
    """What was asked cannot be done; `python -m bot` prints it and exits with `exit_code`."""

    exit_code = 1


class SetupError(CommandError):
    """The files, database or Bot API the command was pointed at cannot be used: like a
    configuration error, one line and exit 2, so that scripts and service managers can
    tell a set-up to fix from a request that failed."""

    exit_code = 2


def database_problem(url: str, exc: BaseException) -> str:
    """One line for a database that cannot be reached or opened; never the password."""
    reason = str(getattr(exc, "orig", None) or exc)
    # psycopg adds hints on further lines, SQLAlchemy a link to its docs.
    reason = reason.strip().splitlines()[0] if reason.strip() else exc.__class__.__name__
    reason = reason.removeprefix("connection failed: ")
    reason = " ".join(_PG_PREFIX.sub("", reason).split())
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"cannot open the SQLite file {parsed.database or ':memory:'!r}: {reason}"
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"
    return f"cannot use the PostgreSQL database {where}: {reason}"


def prepare_database(config: Config) -> None:
    if config.database.auto_upgrade:
        migrate.upgrade(config.database.url)
    elif not migrate.is_up_to_date(config.database.url):
        raise ConfigError(
            f"{config.source}: [database] the schema is out of date; "
            "run 'python -m bot db upgrade' or set auto_upgrade = true"
        )


async def with_session(config: Config, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    database = Database(config.database.url)
    try:
        async with database.session() as session:
            return await work(session)
    finally:
        await database.dispose()


def cli_i18n(config: Config, locale: str | None = None, timezone: str | None = None) -> I18n:
    """The reader's language: --lang, else the configuration's default_locale."""
    return I18n(locale or config.app.default_locale, timezone or config.app.timezone)


def write_output(data: bytes, output: str | None, *, binary: bool = False) -> None:
    """To the file, or to standard output ('-' or nothing). A binary file (a spreadsheet) is
    never written to a terminal, where it would be garbage: it goes through a pipe or to -o."""
    if output not in (None, "-"):
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise CommandError(f"{output}: {exc.strerror}") from None
        return
    if binary and sys.stdout.isatty():
        raise CommandError(
            "refusing to write a binary file to the terminal; use -o FILE (or a pipe)"
        )
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


async def bot_username(config: Config) -> str | None:
    """From the configuration, else asked of the Bot API; None when neither can tell."""
    if config.telegram.bot_username:
        return config.telegram.bot_username
    if not config.token:
        return None
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        async with Bot(config.token, base_url=config.telegram.base_url) as bot:
            return bot.username
    except TelegramError:
        return None


def link(username: str | None, code: str) -> str:
    from models.invites import deep_link

    return deep_link(username or "<bot_username>", code)
