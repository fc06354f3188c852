"""A street's scorecard for a period, computed with the configured weights."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from models import assessment
from models.org import Street
from services.config import Config
from views.scorecard import Scorecard


def weights(config: Config) -> assessment.Weights:
    a = config.assessment
    return assessment.Weights(
        closure=a.closure_weight,
        on_time=a.on_time_weight,
        rework=a.rework_weight,
        volume_bands=tuple((int(t), float(p)) for t, p in a.volume_bands),
        grades=(("A", a.grade_a), ("B", a.grade_b), ("C", a.grade_c), ("D", a.grade_d)),
        weight_by_length=a.weight_by_length,
    )


async def build(
    session: AsyncSession, config: Config, street: Street, start: date, end: date, label: str
) -> Scorecard:
    tz = ZoneInfo(street.timezone)
    since, until = assessment.period_bounds(start, end, tz)
    parties = await assessment.indicators(session, street, since, until, "party")
    assessment.score(parties, weights(config))
    communities = await assessment.indicators(session, street, since, until, "community")
    assessment.score(communities, weights(config))
    return Scorecard(street, label, since, until, parties, communities)
