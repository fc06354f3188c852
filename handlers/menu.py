"""The commands: the menu Telegram shows (one per language) and what /help lists per role."""

from __future__ import annotations

from telegram import Bot, BotCommand

from locales.i18n import N_, SUPPORTED_LOCALES, I18n

COMMANDS: list[tuple[str, str]] = [
    ("start", N_("Welcome and what I do")),
    ("help", N_("Commands and how to use them")),
    ("my", N_("My reports and how they are going")),
    ("case", N_("Show one case: /case NUMBER")),
    ("todo", N_("Members: my open cases, most urgent first")),
    ("me", N_("Who I am here: role, party, areas")),
    ("meetings", N_("Coming meetings, agendas and minutes")),
    ("language", N_("Choose your language")),
]
# Shown in /help to those who may use them (checked again when used).
MANAGER_COMMANDS: list[tuple[str, str]] = [
    ("triage", N_("Cases waiting to be assigned")),
    ("members", N_("List the members of your linkage group")),
    ("scorecard", N_("The units' scorecard: /scorecard 2026Q3")),
    ("outbox", N_("Messages the bot could not deliver")),
    ("invite", N_("Make an invitation link for a new member")),
    ("linkgroup", N_("In a group: tie it to your street or community")),
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
