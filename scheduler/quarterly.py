"""At each quarter's end, every street's scorecard goes to its coordinators and the admins.

Once per quarter and street: a Delivery row, written under a unique constraint, says it
was done; after downtime across the quarter's end, the next pass delivers it then.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from telegram.ext import Application, ContextTypes

from models.assessment import previous_quarter
from models.meetings import Delivery
from models.messaging import Priority
from models.org import Street
from notify.messenger import Messenger, street_coordinators
from services.registry import Services
from services.scorecards import build
from views.scorecard import chart, text, xlsx

log = logging.getLogger(__name__)
KIND = "scorecard"


async def run_once(application: Application) -> list[str]:  # type: ignore[type-arg]
    """Deliver the last complete quarter's scorecards not yet delivered; returns street codes."""
    services: Services = application.services  # type: ignore[attr-defined]
    if not services.config.assessment.deliver_quarterly:
        return []
    delivered = []
    async with services.db.session() as session:
        for street in list(await session.exec(select(Street))):
            assert street.id is not None
            today = services.clock.now().astimezone(ZoneInfo(street.timezone)).date()
            start, end, label = previous_quarter(today)
            try:
                async with session.begin_nested():
                    session.add(
                        Delivery(
                            street_id=street.id,
                            kind=KIND,
                            period=label,
                            delivered_at=services.clock.now(),
                        )
                    )
            except IntegrityError:
                continue  # already delivered
            card = await build(session, services.config, street, start, end, label)
            recipients = await street_coordinators(session, street.id)
            recipients += [a for a in services.config.app.admins if a not in recipients]
            messenger = Messenger(application.bot, session, services)
            for telegram_id in recipients:
                i18n = await services.i18n_for(session, telegram_id, street.timezone)
                await messenger.send(telegram_id, text(card, i18n), priority=Priority.BULK)
                if card.empty:
                    continue
                await messenger.send_file(
                    telegram_id,
                    xlsx(card, i18n, services.clock.now()),
                    filename=f"scorecard-{street.code}-{label}.xlsx",
                )
                png = chart(card, i18n)
                if png is not None:
                    await messenger.send_file(
                        telegram_id,
                        png,
                        photo=True,
                        filename=f"scorecard-{street.code}-{label}.png",
                    )
            await session.commit()  # "delivered" and the messages, together
            delivered.append(street.code)
    services.poke_sender()
    return delivered


async def job(context: ContextTypes.DEFAULT_TYPE) -> None:
    # With several processes on one database, only the leader does time-driven work.
    if not await context.application.services.leadership.hold():  # type: ignore[attr-defined]
        return
    try:
        await run_once(context.application)
    except Exception:  # the next pass tries again
        log.exception("the quarterly delivery failed")


def schedule(application: Application) -> None:  # type: ignore[type-arg]
    assert application.job_queue is not None
    application.job_queue.run_repeating(job, interval=3600, first=30, name="quarterly")
