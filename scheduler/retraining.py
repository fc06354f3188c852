"""Once a week, each street's reader is retrained from its corrections.

Hourly passes: after the configured weekday and time in the street's zone, a Delivery row
(kind "retrain", the ISO week), written once the week's retraining is done, makes it happen
once, also after downtime. A street with no correction since its model was trained is not
retrained. Only the leader runs it (one process), so two passes never race for a week.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select
from telegram.ext import Application, ContextTypes

from models.meetings import Delivery
from models.org import Street
from models.quiet import parse_hhmm
from models.reading import retrain
from services.registry import Services

log = logging.getLogger(__name__)
KIND = "retrain"


def week_due(now: datetime, tz: ZoneInfo, weekday: int, at: str) -> str | None:
    """The ISO week whose retraining is due at `now`, or None before this week's moment."""
    local = now.astimezone(tz)
    moment = datetime.combine(
        local.date() - timedelta(days=local.weekday() - weekday), parse_hhmm(at), tz
    )
    if local < moment:
        return None
    year, week, _day = local.isocalendar()
    return f"{year}-W{week:02d}"


async def run_once(application: Application) -> list[str]:  # type: ignore[type-arg]
    """Retrain the streets whose week has come; returns the codes of those retrained."""
    services: Services = application.services  # type: ignore[attr-defined]
    readers = services.readers
    if readers is None:
        return []
    config = services.config.intake
    done = []
    async with services.db.session() as session:
        for street in list(await session.exec(select(Street))):
            assert street.id is not None
            now = services.clock.now()
            period = week_due(
                now, ZoneInfo(street.timezone), config.retrain_weekday, config.retrain_time
            )
            if period is None:
                continue
            done_already = (
                await session.exec(
                    select(Delivery.id).where(
                        Delivery.street_id == street.id,
                        Delivery.kind == KIND,
                        Delivery.period == period,
                    )
                )
            ).first()
            if done_already is not None:
                continue
            # The week is marked done only after its retraining: a failure is tried again
            # at the next pass.
            result = await retrain(session, readers, street.id, now, only_if_new=True)
            session.add(Delivery(street_id=street.id, kind=KIND, period=period, delivered_at=now))
            await session.commit()
            if result is not None:
                log.info("street %s retrained: %s", street.code, result)
                done.append(street.code)
    return done


async def job(context: ContextTypes.DEFAULT_TYPE) -> None:
    # With several processes on one database, only the leader does time-driven work.
    if not await context.application.services.leadership.hold():  # type: ignore[attr-defined]
        return
    try:
        await run_once(context.application)
    except Exception:  # the next pass tries again
        log.exception("the weekly retraining failed")


def schedule(application: Application) -> None:  # type: ignore[type-arg]
    assert application.job_queue is not None
    application.job_queue.run_repeating(job, interval=3600, first=60, name="retraining")
