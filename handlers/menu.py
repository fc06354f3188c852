"""The commands: the menu Telegram shows (one per language) and what /help lists per role."""

from __future__ import annotations

from enum import StrEnum

from telegram import Bot, BotCommand, BotCommandScopeChat

from locales.i18n import N_, SUPPORTED_LOCALES, I18n
from models.org import Role
from models.permissions import Actor
from models.users import TelegramUser

# What everyone may use: the menu Telegram shows by default.
COMMANDS: list[tuple[str, str]] = [
    ("start", N_("Welcome and what I do")),
    ("help", N_("Commands and how to use them")),
    ("my", N_("My reports and how they are going")),
    ("case", N_("Show one case: /case NUMBER")),
    ("language", N_("Choose your language")),
]
# Added for the members of a linkage group, in their own chat's menu.
MEMBER_COMMANDS: list[tuple[str, str]] = [
    ("todo", N_("My open cases, most urgent first")),
    ("report", N_("Report a problem found on patrol")),
    ("me", N_("Who I am here: role, party, areas")),
    ("meetings", N_("Coming meetings, agendas and minutes")),
]
# Added for coordinators, unit heads and admins (checked again when used).
MANAGER_COMMANDS: list[tuple[str, str]] = [
    ("triage", N_("Cases waiting to be assigned")),
    ("members", N_("List the members of your linkage group")),
    ("scorecard", N_("The units' scorecard: /scorecard 2026Q3")),
    ("outbox", N_("Messages the bot could not deliver")),
    ("invite", N_("Make an invitation link for a new member")),
    ("linkgroup", N_("In a group: tie it to your street or community")),
]
# /report files for a caller when a coordinator uses it: said so in a coordinator's list.
REPORT_FOR_CALLER = N_("Take a report from a caller or visitor (受理)")


class Audience(StrEnum):
    RESIDENT = "resident"
    MEMBER = "member"
    MANAGER = "manager"


def audience_of(actor: Actor | None) -> Audience:
    if actor is None:
        return Audience.RESIDENT
    managers = (Role.COORDINATOR, Role.UNIT_HEAD)
    if actor.is_admin or any(m.member.role in managers for m in actor.memberships):
        return Audience.MANAGER
    return Audience.MEMBER if actor.is_member else Audience.RESIDENT


def commands_for(audience: Audience, coordinator: bool = False) -> list[tuple[str, str]]:
    """What a reader may use, in the order /help and the menu show it."""
    commands = list(COMMANDS)
    if audience != Audience.RESIDENT:
        commands += [
            (name, REPORT_FOR_CALLER if name == "report" and coordinator else description)
            for name, description in MEMBER_COMMANDS
        ]
    if audience == Audience.MANAGER:
        commands += MANAGER_COMMANDS
    return commands


async def keep_menu(bot: Bot, user: TelegramUser, actor: Actor | None, i18n: I18n) -> bool:
    """The menu of a person's own chat, for what he may use, in his language. Set once per
    change of role or language (remembered on his row, so a restart asks nothing anew); a
    resident has the default menu. True when the row changed (the caller commits)."""
    audience = audience_of(actor)
    coordinator = actor is not None and actor.coordinates_anywhere
    wanted = None if audience == Audience.RESIDENT else f"{audience}:{coordinator:d}:{i18n.locale}"
    if user.menu == wanted:
        return False
    scope = BotCommandScopeChat(user.telegram_id)
    if wanted is None:
        await bot.delete_my_commands(scope=scope)
    else:
        commands = [
            BotCommand(name, i18n.gettext(description))
            for name, description in commands_for(audience, coordinator)
        ]
        await bot.set_my_commands(commands, scope=scope)
    user.menu = wanted
    return True


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
