"""The periodic job: reminders, escalations and verification time-outs, from the database.

It runs every minute and once at start-up; models/timers.py decides what is due, records
it, and this module tells the people concerned.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm.exc import StaleDataError
from telegram.ext import Application, ContextTypes

from models.cases import CaseState
from models.timers import Notice, TimerSettings, tick
from notify.messenger import Messenger
from views.deadline_notices import deadline_notice

log = logging.getLogger(__name__)
INTERVAL_S = 60


async def run_once(application: Application) -> list[Notice]:  # type: ignore[type-arg]
    """One pass: what fell due is recorded and told. Returns what was told (for tests)."""
    services = application.services  # type: ignore[attr-defined]
    settings = TimerSettings(
        verify_hours=services.config.dispatch.verify_hours,
        admins=tuple(services.config.app.admins),
    )
    async with services.db.session() as session:
        notices = await tick(session, services.clock.now(), settings)
        messenger = Messenger(application.bot, session, services)
        for notice in notices:
            await tell(messenger, notice)
        # The events and the messages they cause, in one transaction.
        await session.commit()
    services.poke_sender()
    return notices


async def tell(messenger: Messenger, notice: Notice) -> None:
    case = notice.case
    if notice.kind == "closed_by_default":
        await messenger.progress(case, "closed_by_default")
        return
    if notice.kind == "escalate" and notice.level == 2:
        # Past the deadline and gone above the assignee: the reporter hears it, once.
        await messenger.progress(case, "overdue")
    for telegram_id in notice.recipients:
        i18n = await messenger.i18n(telegram_id, case)
        category, alley = await messenger.names(case)
        escalated = notice.kind != "remind" and notice.level > 1
        if not escalated:
            who = ""
        elif case.state == CaseState.TRIAGE:  # handed back: nobody of a unit has it now
            who = i18n.gettext("the street office's triage")
        else:
            who = await messenger.lead_label(case, i18n)
        text = deadline_notice(i18n, case, category, alley, notice.kind, notice.level, who)
        key = f"{notice.kind}:{case.id}:{notice.level}:{case.due_at}:{telegram_id}"
        await messenger.send(telegram_id, text, dedupe=key)


async def job(context: ContextTypes.DEFAULT_TYPE) -> None:
    # With several processes on one database, only the leader does time-driven work.
    if not await context.application.services.leadership.hold():  # type: ignore[attr-defined]
        return
    try:
        await run_once(context.application)
    except StaleDataError as err:  # someone acted on a case meanwhile: all undone, redone
        log.info("a case changed during the deadline pass; the next pass redoes it: %s", err)
    except Exception:  # the next minute tries again; the database says what is left
        log.exception("the deadline pass failed")


def schedule(application: Application) -> None:  # type: ignore[type-arg]
    assert application.job_queue is not None
    application.job_queue.run_repeating(job, interval=INTERVAL_S, first=0, name="deadlines")
