"""python -m bot report kpi: the indicators and scores of a period, as data."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.common import (
    CommandError,
    cli_i18n,
    prepare_database,
    with_session,
    write_output,
)
from models.assessment import Award, yearly_awards
from models.clock import SystemClock
from models.members import street_by_code
from models.org import Street
from services.config import Config
from services.scorecards import build
from views.exports import csv_bytes
from views.labels import local_name
from views.scorecard import COLUMNS, Scorecard, ranked, xlsx


async def _card(
    session: AsyncSession, config: Config, street_code: str, start: date, end: date
) -> Scorecard:
    street = await street_by_code(session, street_code)
    if street is None:
        raise CommandError(f"no street {street_code!r}")
    return await build(session, config, street, start, end, f"{start}–{end}")


def kpi_command(
    config: Config,
    street: str,
    start: str,
    end: str,
    fmt: str,
    by: str,
    output: str | None,
    locale: str | None = None,
) -> int:
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        print("error: --from and --to are dates, YYYY-MM-DD", file=sys.stderr)
        return 2
    if first > last:
        print("error: --from comes after --to", file=sys.stderr)
        return 2
    if fmt == "xlsx" and output in (None, "-") and sys.stdout.isatty():
        # Before any work: a spreadsheet on a terminal is garbage.
        raise CommandError("an XLSX file is not for the terminal; use -o FILE (or a pipe)")
    prepare_database(config)
    card = asyncio.run(with_session(config, lambda s: _card(s, config, street, first, last)))
    i18n = cli_i18n(config, locale, card.street.timezone)
    rows = card.parties if by == "party" else card.communities
    if fmt == "xlsx":
        write_output(xlsx(card, i18n, SystemClock().now()), output, binary=True)
        return 0
    if fmt == "json":
        text = json.dumps(
            {
                "street": street,
                "from": start,
                "to": end,
                "by": by,
                "rows": [r.as_dict() for r in rows],
            },
            ensure_ascii=False,
            indent=2,
        )
        write_output((text + "\n").encode("utf-8"), output)
        return 0
    _ = i18n.gettext
    header = [_("rank"), _("code"), _("unit") if by == "party" else _("community")]
    header += [_(label) for _key, label in COLUMNS[1:]]
    lines = [
        [rank, r.key, local_name(i18n, r), *[r.as_dict()[key] for key, _label in COLUMNS[1:]]]
        for rank, r in ranked(rows)
    ]
    write_output(csv_bytes(header, lines), output)
    return 0


async def _awards(
    session: AsyncSession, config: Config, street_code: str, year: int
) -> tuple[Street, list[Award]]:
    street = await street_by_code(session, street_code)
    if street is None:
        raise CommandError(f"no street {street_code!r}")
    quarters = []
    for q in range(4):
        start = date(year, 3 * q + 1, 1)
        end = date(year, 3 * q + 4, 1) - timedelta(days=1) if q < 3 else date(year, 12, 31)
        card = await build(session, config, street, start, end, f"{year}Q{q + 1}")
        quarters.append(card.parties)
    awards = yearly_awards(quarters, config.assessment.fund, config.assessment.reward_threshold)
    return street, awards


def awards_command(config: Config, street: str, year: int, locale: str | None = None) -> int:
    prepare_database(config)
    found, awards = asyncio.run(with_session(config, lambda s: _awards(s, config, street, year)))
    i18n = cli_i18n(config, locale, found.timezone)
    _ = i18n.gettext
    if not awards:
        print(_("Nobody had cases due this year."))
        return 0
    lines = ["\t".join([_("rank"), _("code"), _("unit"), _("mean score"), _("award (yuan)")])]
    lines += [
        f"{a.rank}\t{a.key}\t{local_name(i18n, a)}\t{a.mean_score:g}\t{a.amount:.2f}"
        for a in awards
    ]
    print("\n".join(lines))
    return 0
