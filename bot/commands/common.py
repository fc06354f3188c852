"""What the subcommands share: the database, the clock, the bot's username, the language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config, ConfigError
from bot.i18n import I18n
from models import migrate
from models.db import Database

T = TypeVar("T")


class CommandError(Exception):
    """What was asked cannot be done; `python -m bot` prints it and exits 1."""


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


def cli_i18n(config: Config) -> I18n:
    return I18n(config.app.default_locale, config.app.timezone)


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
