"""python -m bot signboards: the alleys' signboards (街巷长公示牌) as PDFs, with their QR codes
(docs/signboards.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.common import CommandError, prepare_database, with_session
from models.classify import load_categories
from models.members import street_by_code
from models.signboards import board, board_token, street_alleys
from services.config import Config, ConfigError
from views.signboard_pdf import filename, render_pdf


def public_url_of(config: Config) -> str:
    """The address the boards' QR codes open; a configuration error when there is none."""
    if not config.web.public_url:
        raise ConfigError(
            f"{config.source}: [web] public_url: required for signboards (their QR codes open "
            '{public_url}/r/...); set it, e.g. public_url = "https://lanekeeper.example.org"'
        )
    return config.web.public_url


def write_file(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}") from None


async def _signboards(
    session: AsyncSession,
    config: Config,
    street_code: str,
    alley_code: str | None,
    rotate: bool,
) -> tuple[list[str], list[tuple[str, bytes, str]]]:
    """What to say first, and each board: (file name, PDF, the address its code opens)."""
    public_url = public_url_of(config)
    street = await street_by_code(session, street_code)
    if street is None:
        raise CommandError(f"no street {street_code!r}")
    alleys = await street_alleys(session, street)
    if alley_code is not None:
        alleys = [a for a in alleys if a.code == alley_code]
        if not alleys:
            raise CommandError(f"no alley {alley_code!r} in {street_code}")
    if not alleys:
        raise CommandError(f"street {street_code!r} has no alleys")
    said = []
    if rotate:
        for alley in alleys:
            await board_token(session, alley, rotate=True)
        said.append(
            f"{street_code}: new codes for {len(alleys)} "
            f"{'alley' if len(alleys) == 1 else 'alleys'}: "
            "the boards printed before no longer open a report page; hang the new ones"
        )
    leads = [spec.lead for spec in load_categories(config.intake.categories_file or None)]
    boards = []
    for alley in alleys:
        shown = await board(session, street, alley, units=leads)
        boards.append((filename(shown), render_pdf(shown, public_url), shown.url(public_url)))
    return said, boards


def signboards_command(
    config: Config, street: str, alley: str | None, output: str, rotate: bool
) -> int:
    public_url_of(config)  # before any work
    folder = Path(output)
    if folder.exists() and not folder.is_dir():  # before codes are rotated for nothing
        raise CommandError(f"{folder}: not a directory")
    prepare_database(config)
    said, boards = asyncio.run(
        with_session(config, lambda s: _signboards(s, config, street, alley, rotate))
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"{folder}: {exc.strerror or exc}") from None
    for line in said:
        print(line)
    for name, data, url in boards:
        path = folder / name
        write_file(path, data)
        print(f"{path}  {url}")
    return 0
