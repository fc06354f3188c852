"""Meeting reminders and action-item reminders, driven from the database.

Occurrences are planned ahead in the database; reminders are APScheduler jobs (PTB's
JobQueue) rebuilt from the database at start-up and whenever a meeting changes. Each job
only asks the database what is due: the MeetingNotice rows make every reminder go out
once, and one missed while the bot was down goes out late while the meeting is still ahead.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application, ContextTypes

from models import schedule
from models.meetings import MeetingKind
from models.messaging import Priority
from models.minutes import due_items, owners_to_tell
from models.org import Community, Street
from notify.meetings import agenda_text, chart, send_chart
from notify.messenger import Messenger
from services.registry import Services
from views.callbacks import pack
from views.meetings import ics, title

log = logging.getLogger(__name__)
PLAN_EVERY_S = 3600


async def remind(messenger: Messenger, due: schedule.DueReminder, now: datetime) -> None:
    session, services = messenger.session, messenger.services
    occurrence, series = due.occurrence, due.series
    street = await session.get(Street, series.street_id)
    community = await session.get(Community, series.community_id) if series.community_id else None
    assert street is not None
    # The first reminder asks everyone; the later ones do not ask again one who answered:
    # who comes is reminded without the buttons, who does not come is left in peace.
    first = due.offset_min == max(series.reminder_minutes)
    said = {} if first else await schedule.answers(session, occurrence.id or 0)
    charts: dict[str, bytes | None] = {}
    for member in await schedule.participants(session, series):
        assert member.telegram_id is not None
        if said.get(member.telegram_id) is False:
            continue
        i18n = await services.i18n_for(session, member.telegram_id, street.timezone)
        _ = i18n.gettext
        name = title(i18n, series, street, community)
        text = _("Reminder: {meeting}, {when}, at {place}.").format(
            meeting=name,
            when=i18n.format_when(occurrence.starts_at),
            place=occurrence.place or series.place or "—",
        )
        keyboard: InlineKeyboardMarkup | None = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _("✅ I will come"), callback_data=pack("mt", "a", occurrence.id, "y")
                    ),
                    InlineKeyboardButton(
                        _("❌ I cannot"), callback_data=pack("mt", "a", occurrence.id, "n")
                    ),
                ]
            ]
        )
        if member.telegram_id in said:
            keyboard = None
        key = f"meeting:{occurrence.id}:{due.offset_min}:{member.telegram_id}"
        if not await messenger.send(member.telegram_id, text, keyboard, Priority.BULK, key):
            continue  # told before: this pass repeats one that was cut short
        if first:
            agenda = await agenda_text(session, services, series, i18n, now)
            await messenger.send_file(
                member.telegram_id,
                ics(occurrence, series, street, name, agenda, stamp=now),
                filename="meeting.ics",
            )
            await messenger.send(member.telegram_id, agenda, priority=Priority.BULK)
            if series.kind == MeetingKind.STREET_MONTHLY:  # the month in a chart, if any
                if i18n.locale not in charts:  # drawn once per language
                    charts[i18n.locale] = await chart(messenger, series, i18n, now)
                png = charts[i18n.locale]
                if png is not None:
                    await send_chart(messenger, member.telegram_id, series, i18n, now, png)


async def run_once(application: Application) -> list[schedule.DueReminder]:  # type: ignore[type-arg]
    """One pass: plan, send the reminders that are due, remind owners of action items."""
    services: Services = application.services  # type: ignore[attr-defined]
    now = services.clock.now()
    async with services.db.session() as session:
        await schedule.plan(session, now)
        due = await schedule.due_reminders(session, now)
        messenger = Messenger(application.bot, session, services)
        for reminder in due:
            await remind(messenger, reminder, now)
        tz = ZoneInfo(services.config.app.timezone)
        for item in await due_items(session, now.astimezone(tz).date(), now):
            for telegram_id in await owners_to_tell(session, item):
                i18n = await services.i18n_for(session, telegram_id)
                await messenger.send(
                    telegram_id,
                    i18n.gettext(
                        "Action item due: {text} (decided at a meeting; /meetings shows it)."
                    ).format(text=item.text),
                )
        # What was recorded as sent, and the messages themselves, in one transaction.
        await session.commit()
    services.poke_sender()
    return due


async def job(context: ContextTypes.DEFAULT_TYPE) -> None:
    # With several processes on one database, only the leader does time-driven work.
    if not await context.application.services.leadership.hold():  # type: ignore[attr-defined]
        return
    try:
        await run_once(context.application)
        await reschedule(context.application)
    except Exception:  # the next pass tries again: the database says what is left
        log.exception("the meetings pass failed")


async def reschedule(application: Application) -> None:  # type: ignore[type-arg]
    """One job per coming reminder time, rebuilt from the database."""
    queue = application.job_queue
    if queue is None:
        return
    services: Services = application.services  # type: ignore[attr-defined]
    for existing in queue.get_jobs_by_name("meeting-reminder"):
        existing.schedule_removal()
    async with services.db.session() as session:
        times = await schedule.next_reminder_times(session, services.clock.now())
    for when in times:
        queue.run_once(job, when=when, name="meeting-reminder")


def schedule_jobs(application: Application) -> None:  # type: ignore[type-arg]
    assert application.job_queue is not None
    application.job_queue.run_repeating(job, interval=PLAN_EVERY_S, first=0, name="meetings")
