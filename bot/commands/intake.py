"""python -m bot intake retrain | status: the learned readers of reports."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.common import CommandError, prepare_database, with_session
from models.classify import Classifier, load_categories
from models.members import street_by_code
from models.org import Street
from models.reading import Readers, Retrained, cache_dir, models_in_force, retrain
from services.config import Config


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


async def _retrain(session: AsyncSession, config: Config, street_code: str | None) -> list[str]:
    if config.intake.reader != "learned":
        raise CommandError('[intake] reader = "keywords": there is no learned reader to retrain')
    classifier = Classifier(load_categories(config.intake.categories_file or None))
    readers = Readers(classifier)
    now = datetime.now(UTC)
    await readers.load(session, now)
    if street_code is not None:
        street = await street_by_code(session, street_code)
        if street is None:
            raise CommandError(f"no street {street_code!r}")
        streets = [street]
    else:
        streets = list((await session.exec(select(Street).order_by(Street.code))).all())
    lines = []
    for street in streets:
        assert street.id is not None
        result = await retrain(session, readers, street.id, now)
        assert result is not None  # asked for unconditionally
        lines.append(_retrained_line(street.code, result))
    return lines


def _retrained_line(code: str, result: Retrained) -> str:
    verdict = "in force" if result.replaced else "kept the previous model (the new one did worse)"
    extra = f", {result.ignored} ignored (unknown category)" if result.ignored else ""
    return (
        f"{code}: {result.examples} corrections{extra}, {result.held_back} held back; "
        f"held-back accuracy new {_percent(result.new_accuracy)}, "
        f"previous {_percent(result.old_accuracy)}: {verdict}"
    )


def retrain_command(config: Config, street: str | None) -> int:
    prepare_database(config)
    for line in asyncio.run(with_session(config, lambda s: _retrain(s, config, street))):
        print(line)
    return 0


async def _status(session: AsyncSession, config: Config) -> list[str]:
    if config.intake.reader != "learned":
        return ['[intake] reader = "keywords": reports are read by the keyword table alone']
    classifier = Classifier(load_categories(config.intake.categories_file or None))
    readers = Readers(classifier)
    await readers.load(session, datetime.now(UTC))
    streets = {s.id: s.code for s in await session.exec(select(Street))}
    lines = [
        "model        trained (UTC)     reports  street's  threshold  accuracy  asks  "
        "street's held back"
    ]
    shipped = readers.shipped
    assert shipped is not None
    when = f"{shipped.trained_at:%Y-%m-%d %H:%M}" if shipped.trained_at else "—"
    lines.append(
        f"{'shipped':<12} {when:<16}  {shipped.examples:>7}  {0:>8}  {shipped.threshold:>9.2f}  "
        f"{_percent(shipped.accuracy):>8}  {_percent(shipped.asks):>4}  —"
    )
    for row in await models_in_force(session):
        name = streets.get(row.street_id, "?")
        lines.append(
            f"{name:<12} {row.created_at:%Y-%m-%d %H:%M}  {row.examples:>7}  "
            f"{row.street_examples:>8}  {row.threshold:>9.2f}  {_percent(row.accuracy):>8}  "
            f"{_percent(row.asks):>4}  {_percent(row.street_accuracy)}"
        )
    lines.append(f"cache: {cache_dir()}")
    return lines


def status_command(config: Config) -> int:
    prepare_database(config)
    for line in asyncio.run(with_session(config, lambda s: _status(s, config))):
        print(line)
    return 0
