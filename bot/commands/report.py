"""python -m bot report kpi: the indicators and scores of a period, as data."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
from datetime import date, timedelta
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.common import CommandError, cli_i18n, prepare_database, with_session
from models.assessment import yearly_awards
from models.members import street_by_code
from services.config import Config
from services.scorecards import build
from views.scorecard import COLUMNS, Scorecard, xlsx


async def _card(
    session: AsyncSession, config: Config, street_code: str, start: date, end: date
) -> Scorecard:
    street = await street_by_code(session, street_code)
    if street is None:
        raise CommandError(f"no street {street_code!r}")
    return await build(session, config, street, start, end, f"{start}–{end}")


def kpi_command(
    config: Config, street: str, start: str, end: str, fmt: str, by: str, output: str | None
) -> int:
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        print("error: --from and --to are dates, YYYY-MM-DD", file=sys.stderr)
        return 2
    if first > last:
        print("error: --from comes after --to", file=sys.stderr)
        return 2
    prepare_database(config)
    card = asyncio.run(with_session(config, lambda s: _card(s, config, street, first, last)))
    rows = card.parties if by == "party" else card.communities
    if fmt == "xlsx":
        data = xlsx(card, cli_i18n(config))
        if output in (None, "-"):
            sys.stdout.buffer.write(data)
        else:
            Path(output).write_bytes(data)
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
        text += "\n"
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["key", *[key for key, _title in COLUMNS]])
        for r in rows:
            values = r.as_dict()
            writer.writerow([r.key, *[values[key] for key, _title in COLUMNS]])
        text = out.getvalue()
    if output in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(output).write_text(text, encoding="utf-8")
    return 0


async def _awards(session: AsyncSession, config: Config, street_code: str, year: int) -> list[str]:
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
    return [f"{a.rank}\t{a.key}\t{a.name}\t{a.mean_score:g}\t{a.amount:.2f}" for a in awards]


def awards_command(config: Config, street: str, year: int) -> int:
    prepare_database(config)
    lines = asyncio.run(with_session(config, lambda s: _awards(s, config, street, year)))
    print(
        "\n".join(lines) if lines else cli_i18n(config).gettext("Nobody had cases due this year.")
    )
    return 0
