"""The periodic job: reminders, escalations and verification time-outs, from the database.

It runs every minute and once at start-up; models/timers.py decides what is due, records
it, and this module tells the people concerned: at once, or, during the quiet hours and
for a case that can wait, in the digest when they end (notify/digest.py).
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from datetime import datetime

from sqlalchemy.orm.exc import StaleDataError
from telegram.ext import Application, ContextTypes

from locales.i18n import I18n
from models.cases import CaseState
from models.timers import Notice, TimerSettings, tick
from notify.digest import send_digests
from notify.messenger import Messenger
from views.case_buttons import case_buttons
from views.deadline_notices import deadline_notice
from views.digest import Item, open_buttons, overdue_list
from views.dispatch_notices import action_keyboard

log = logging.getLogger(__name__)
INTERVAL_S = 60


async def run_once(application: Application) -> list[Notice]:  # type: ignore[type-arg]
    """One pass: what fell due is recorded and told (or held for the quiet hours' digest),
    and the digests that are due go out. Returns what fell due (for tests)."""
    services = application.services  # type: ignore[attr-defined]
    settings = TimerSettings(
        verify_hours=services.config.dispatch.verify_hours,
        admins=tuple(services.config.app.admins),
    )
    async with services.db.session() as session:
        now = services.clock.now()
        notices = await tick(session, now, settings)
        messenger = Messenger(application.bot, session, services)
        await tell_all(messenger, notices)
        await send_digests(messenger, now)
        # The events and the messages they cause, in one transaction.
        await session.commit()
    services.poke_sender()
    return notices


async def tell_all(messenger: Messenger, notices: list[Notice]) -> None:
    """Each notice to its people; the escalations one person gets in one pass, in one
    message listing the cases."""
    overdue: dict[int, list[Notice]] = defaultdict(list)
    for notice in notices:
        case = notice.case
        until = await messenger.quiet_until(case)
        if notice.kind == "closed_by_default":
            await messenger.progress(case, "closed_by_default", until=until)
            continue
        if notice.kind == "escalate" and notice.level == 2:
            # Past the deadline and gone above the assignee: the reporter hears it, once.
            await messenger.progress(case, "overdue", until=until)
        for telegram_id in notice.recipients:
            if notice.kind == "escalate" and until is None:
                overdue[telegram_id].append(notice)
            else:
                await tell(messenger, notice, telegram_id, until)
    for telegram_id, batch in overdue.items():
        if len(batch) == 1:
            await tell(messenger, batch[0], telegram_id, None)
        else:
            await tell_overdue(messenger, batch, telegram_id)


def _key(notice: Notice, telegram_id: int) -> str:
    case = notice.case
    return f"{notice.kind}:{case.id}:{notice.level}:{case.due_at}:{telegram_id}"


async def _who(messenger: Messenger, notice: Notice, i18n: I18n) -> str:
    """Who handles the case, for those the case is escalated to."""
    if notice.kind == "remind" or notice.level <= 1:
        return ""
    if notice.case.state == CaseState.TRIAGE:  # handed back: nobody of a unit has it now
        return i18n.gettext("the street office's triage")
    return await messenger.lead_label(notice.case, i18n)


async def tell(
    messenger: Messenger, notice: Notice, telegram_id: int, until: datetime | None
) -> None:
    """One reminder or escalation, with the case's buttons for the one who reads it; held
    for the digest when `until` is set."""
    case = notice.case
    i18n = await messenger.i18n(telegram_id, case)
    category, alley = await messenger.names(case)
    who = await _who(messenger, notice, i18n)
    text = deadline_notice(i18n, case, category, alley, notice.kind, notice.level, who)
    # The assignee (and the unit head, who may act for him) gets the assignee's buttons;
    # coordinators and admins, those of a coordinator (assign).
    if case.state != CaseState.TRIAGE and (notice.kind == "remind" or notice.level <= 2):
        keyboard = action_keyboard(i18n, case)
    else:
        keyboard = case_buttons(i18n, case, None, coordinator=True)
    await messenger.hold_or_send(
        telegram_id,
        case,
        notice.kind,
        text,
        keyboard,
        until=until,
        dedupe=_key(notice, telegram_id),
        level=notice.level,
        data={"due": case.due_at.isoformat() if case.due_at else None},
    )


async def tell_overdue(messenger: Messenger, batch: list[Notice], telegram_id: int) -> None:
    """Several overdue cases for one person in one pass: one message, a button per case."""
    i18n = await messenger.i18n(telegram_id, batch[0].case)
    items = []
    for notice in batch:
        category, alley = await messenger.names(notice.case)
        who = await _who(messenger, notice, i18n)
        items.append(Item("escalate", notice.case, category, alley, notice.level, who))
    keys = "|".join(_key(notice, telegram_id) for notice in batch)
    digest = hashlib.sha256(keys.encode()).hexdigest()[:24]
    await messenger.send(
        telegram_id,
        overdue_list(i18n, items),
        open_buttons([notice.case for notice in batch]),
        dedupe=f"overdue:{telegram_id}:{digest}",
    )


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
