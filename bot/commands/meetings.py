"""python -m bot agenda | meetings list: the meetings from the command line."""

from __future__ import annotations

import asyncio
import sys

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.common import CommandError, prepare_database, with_session, write_output
from locales.i18n import I18n
from models import schedule
from models.agenda import build_agenda, find_series
from models.classify import Classifier, load_categories
from models.clock import SystemClock
from models.meeting_rule import check_rule
from models.meetings import MeetingSeries
from models.members import street_by_code
from models.minutes import owner_labels
from models.org import Community
from services.config import Config
from views.agenda_chart import chart_png
from views.agenda_text import render_agenda
from views.labels import community_name, street_name
from views.meeting_pdf import MeetingDocument, render_pdf
from views.meetings import title


async def _agenda(
    session: AsyncSession,
    config: Config,
    street_code: str,
    community_code: str | None,
    kind: str,
    locale: str,
    fmt: str = "text",
) -> bytes:
    street = await street_by_code(session, street_code)
    if street is None or street.id is None:
        raise CommandError(f"no street {street_code!r}")
    community = None
    if community_code is not None:
        community = (
            await session.exec(
                select(Community).where(
                    Community.street_id == street.id, Community.code == community_code
                )
            )
        ).first()
        if community is None:
            raise CommandError(f"no community {community_code!r} in {street_code}")
    if kind == "community_weekly" and community is None:
        raise CommandError("a community meeting needs --community")
    now = SystemClock().now()
    series = await find_series(session, street.id, community.id if community else None, kind)
    agenda = await build_agenda(session, street, community, kind, now, series)
    categories = Classifier(load_categories(config.intake.categories_file or None)).categories
    i18n = I18n(locale, street.timezone)
    owners = await owner_labels(session, agenda.action_items)
    if fmt == "pdf":
        name = (
            title(i18n, series, street, community)
            if series is not None
            else (community_name(i18n, community) if community else street_name(i18n, street))
        )
        document = MeetingDocument(
            agenda, name, now, chart=chart_png(agenda, i18n, categories), owners=owners
        )
        return render_pdf(document, i18n, categories)
    return (render_agenda(agenda, i18n, categories, owners) + "\n").encode("utf-8")


def agenda_command(
    config: Config,
    street: str,
    community: str | None,
    kind: str,
    locale: str | None,
    *,
    fmt: str = "text",
    output: str | None = None,
) -> int:
    binary = fmt == "pdf"
    if binary and output in (None, "-") and sys.stdout.isatty():
        # Before any work: a PDF on a terminal is garbage.
        raise CommandError("a PDF is not for the terminal; use -o FILE (or a pipe)")
    prepare_database(config)
    data = asyncio.run(
        with_session(
            config,
            lambda s: _agenda(
                s, config, street, community, kind, locale or config.app.default_locale, fmt
            ),
        )
    )
    write_output(data, output, binary=binary)
    return 0


async def _list(session: AsyncSession, street_code: str, locale: str, count: int) -> list[str]:
    street = await street_by_code(session, street_code)
    if street is None or street.id is None:
        raise CommandError(f"no street {street_code!r}")
    for series in await session.exec(
        select(MeetingSeries).where(
            MeetingSeries.street_id == street.id, col(MeetingSeries.active).is_(True)
        )
    ):
        if refusal := check_rule(series.rrule):  # stored before the rules were checked
            print(
                f"warning: meeting series {series.code!r} is not planned: rrule: {refusal}; "
                "change it in the roster or in /meetings",
                file=sys.stderr,
            )
    now = SystemClock().now()
    await schedule.plan(session, now)
    i18n = I18n(locale, street.timezone)
    lines = []
    for occurrence, series in await schedule.upcoming(session, street.id, now, count):
        community = (
            await session.get(Community, series.community_id) if series.community_id else None
        )
        local = occurrence.starts_at.astimezone(i18n.timezone)
        lines.append(
            f"{local:%Y-%m-%d %a %H:%M} {street.timezone}\t{series.kind}\t"
            f"{title(i18n, series, street, community)}\t"
            f"{occurrence.place or series.place or '-'}\t{occurrence.state}"
        )
    return lines


def list_command(config: Config, street: str, locale: str | None, count: int) -> int:
    prepare_database(config)
    lines = asyncio.run(
        with_session(config, lambda s: _list(s, street, locale or config.app.default_locale, count))
    )
    print("\n".join(lines))
    return 0
