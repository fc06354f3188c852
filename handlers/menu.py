"""The command menu Telegram shows, one per language."""

from __future__ import annotations

from telegram import Bot, BotCommand

from bot.config import SUPPORTED_LOCALES
from bot.i18n import N_, I18n

COMMANDS: list[tuple[str, str]] = [
    ("start", N_("Welcome and what I do")),
    ("help", N_("Commands and how to use them")),
    ("language", N_("Choose your language")),
]

# Telegram's language_code is the two-letter ISO 639-1 code.
TELEGRAM_LANGUAGE = {"zh_CN": "zh", "en": "en"}


def command_list(i18n: I18n) -> list[BotCommand]:
    return [BotCommand(name, i18n.gettext(description)) for name, description in COMMANDS]


async def publish_commands(bot: Bot, default_locale: str) -> None:
    for locale in SUPPORTED_LOCALES:
        commands = command_list(I18n(locale))
        await bot.set_my_commands(commands, language_code=TELEGRAM_LANGUAGE[locale])
        if locale == default_locale:
            await bot.set_my_commands(commands)
