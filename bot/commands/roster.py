"""python -m bot roster import|export."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.commands.common import (
    CommandError,
    SetupError,
    bot_username,
    cli_i18n,
    link,
    prepare_database,
    with_session,
)
from models.clock import SystemClock
from models.db import Database
from models.roster import ImportReport, dump_roster, export_roster, import_roster
from models.roster_spec import RosterError, load_roster
from notify.messenger import Messenger
from services.config import Config
from services.registry import Services
from views.roster_report import changes


def import_command(config: Config, path: str) -> int:
    try:
        roster = load_roster(path)
    except RosterError as exc:
        raise SetupError(str(exc)) from None
    prepare_database(config)

    async def work() -> tuple[ImportReport, str | None]:
        database = Database(config.database.url)
        try:
            services = Services(config=config, db=database, clock=SystemClock())
            async with database.session() as session:
                # The running bot's sender delivers what this queues in the outbox.
                messenger = Messenger(None, session, services)
                report = await import_roster(
                    session,
                    roster,
                    now=services.clock.now(),
                    default_timezone=config.app.timezone,
                    notify=messenger.departure,
                )
        finally:
            await database.dispose()
        username = await bot_username(config) if report.invites else None
        return report, username

    try:
        report, username = asyncio.run(work())
    except RosterError as exc:  # what only the database can tell, e.g. a chat taken elsewhere
        raise SetupError(f"{path}: {exc}") from None
    print_report(config, report, username)
    return 0


def print_report(config: Config, report: ImportReport, username: str | None) -> None:
    i18n = cli_i18n(config)
    _ = i18n.gettext
    if not report.changed:
        print(_("{street}: already up to date, nothing changed.").format(street=report.street))
    else:
        summary = changes(i18n, report.created, report.updated, len(report.deactivated))
        print(_("{street}: imported ({changes}).").format(street=report.street, changes=summary))
    for departure in report.departures:
        name = departure.member.name
        print("  " + _("deactivated (no longer in the file): {name}").format(name=name))
        for moved in departure.moved:
            where = moved.to.name if moved.to is not None else _("triage")
            print(
                "    "
                + _("case #{number} moved to {where}").format(number=moved.case.number, where=where)
            )
    for what in report.kept:
        print("  " + _("kept (in the database, not in the file): {what}").format(what=what))
    if report.invites:
        print(
            _(
                "Invitation links for members who have not joined yet (single use, valid "
                "until {date}):"
            ).format(date=i18n.format_datetime(report.invites[0][1].invite.expires_at, "short"))
        )
        for member, new in report.invites:
            print(f"  {member.name}: {link(username, new.code)}")
        if username is None:
            print(
                "  " + _("(set [telegram] bot_username in the configuration to complete the links)")
            )
    for member, expires in report.pending:
        pending = _(
            "{name} has an unused invitation, valid until {date}; "
            "'python -m bot invite create --member' issues a new one."
        )
        print("  " + pending.format(name=member.name, date=i18n.format_datetime(expires, "short")))


def export_command(config: Config, street: str, output: str | None) -> int:
    prepare_database(config)
    try:
        doc = asyncio.run(with_session(config, lambda s: export_roster(s, street)))
    except RosterError as exc:  # no such street: a request that cannot be met
        raise CommandError(str(exc)) from None
    text = dump_roster(doc)
    if output in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(output).write_text(text, encoding="utf-8")
    return 0
