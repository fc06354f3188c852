"""python -m bot doctor: check configuration, database, schema and the Bot API, and say
what is wrong in words an operator can act on."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.commands.common import database_problem
from models import health, migrate
from models.db import Database, describe
from services.config import Config


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


async def _database(config: Config) -> list[Check]:
    checks = []
    database = Database(config.database.url)
    try:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        checks.append(Check("database", True, database.engine.url.render_as_string()))
    except Exception as exc:  # any failure to connect is the finding itself
        checks.append(Check("database", False, database_problem(config.database.url, exc)))
        return checks
    finally:
        await database.dispose()
    current = await asyncio.to_thread(migrate.current_revision, config.database.url)
    head = migrate.head_revision()
    if current == head:
        checks.append(Check("schema", True, f"at {head}"))
    else:
        checks.append(
            Check(
                "schema",
                False,
                f"at {current or 'nothing'}, latest is {head}: "
                "run 'python -m bot db upgrade'"
                + (
                    " (or start the bot: auto_upgrade is on)"
                    if config.database.auto_upgrade
                    else ""
                ),
            )
        )
    return checks


def _age(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


async def _progress(config: Config, now: datetime) -> list[Check]:
    """What the running bot(s) are doing: their tasks, and the oldest work still waiting."""
    database = Database(config.database.url)
    try:
        async with database.session() as session:
            status = await health.check(session, now)
    except Exception as exc:  # the database check above already says why
        return [Check("tasks", False, f"cannot read: {describe(exc)}")]
    finally:
        await database.dispose()
    checks = []
    if not status.tasks:
        checks.append(Check("tasks", True, "no bot running"))
    for task in status.tasks:
        detail = f"{task.name} in {task.process}: advanced {_age(task.idle)} ago"
        if task.restarts:
            detail += f", restarted {task.restarts} time(s), last: {task.last_error}"
        if not task.ok:
            detail += " (stalled, or its process is gone)"
        checks.append(Check("task", task.ok, detail))
    for name, waited in (("inbox", status.update_waiting), ("outbox", status.message_waiting)):
        if waited is None:
            checks.append(Check(name, True, "nothing waiting"))
        else:
            fine = waited <= health.WAITING_TOO_LONG
            checks.append(Check(name, fine, f"oldest waiting for {_age(waited)}"))
    return checks


async def _bot_api(config: Config) -> Check:
    if not config.token:
        return Check("bot api", False, "no token: set [telegram] token or LANEKEEPER_TOKEN")
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    try:
        async with Bot(config.token, base_url=config.telegram.base_url) as bot:
            me = bot.bot
            return Check("bot api", True, f"@{me.username} at {config.telegram.base_url}")
    except InvalidToken:
        return Check("bot api", False, "Telegram rejected the token")
    except TelegramError as exc:
        return Check("bot api", False, f"cannot reach {config.telegram.base_url}: {exc}")


def _categories(config: Config) -> Check:
    """Loading the configuration has read the file already; this says what it holds."""
    from models.classify import CategoryError, load_categories

    try:
        count = len(load_categories(config.intake.categories_file or None))
    except CategoryError as exc:  # the file changed since the configuration was read
        return Check("categories", False, str(exc))
    source = config.intake.categories_file or "the shipped table"
    return Check("categories", True, f"{count} categories from {source}")


def _web(config: Config) -> Check:
    """Where the HTTP server listens, and whether what it gives out can be reached."""
    web = config.web
    if not web.enabled:
        return Check("web", True, "off ([web] enabled = false): no Open311, no report pages")
    where = f"{web.listen}:{web.port}"
    if not web.public_url:
        return Check(
            "web",
            False,
            f"on {where}, but [web] public_url is empty: signboards cannot be printed, and "
            "Telegram cannot fetch the photos residents send from the report pages",
        )
    return Check("web", True, f"on {where}, reached as {web.public_url}")


async def run_checks(config: Config) -> list[Check]:
    checks = [Check("configuration", True, config.source), _categories(config), _web(config)]
    checks += await _database(config)
    if all(c.ok for c in checks):
        checks += await _progress(config, datetime.now(UTC))
    checks.append(await _bot_api(config))
    return checks


def doctor_command(config: Config) -> int:
    checks = asyncio.run(run_checks(config))
    for check in checks:
        print(f"{'ok ' if check.ok else 'BAD'} {check.name:<13} {check.detail}")
    return 0 if all(c.ok for c in checks) else 1
