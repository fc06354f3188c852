"""A participant's answer to a meeting reminder: coming or not (button mt:a)."""

from __future__ import annotations

from sqlmodel import select
from telegram import Update

from handlers.access import not_allowed
from handlers.context import LaneKeeperContext
from handlers.meeting_access import MeetingPress
from models import schedule
from models.meetings import MeetingAttendance, OccurrenceState
from models.permissions import Actor
from views.callbacks import stale
from views.meeting_texts import attendance_noted


async def answer(
    update: Update, context: LaneKeeperContext, actor: Actor, press: MeetingPress
) -> None:
    """Recorded for the invited only, while the meeting still stands; a second answer wins."""
    query = update.callback_query
    assert query is not None
    occurrence, series, street, now = press.occurrence, press.series, press.street, press.now
    invited = {m.telegram_id for m in await schedule.participants(context.session, series)}
    if actor.telegram_id not in invited or occurrence.state != OccurrenceState.SCHEDULED:
        await query.answer(
            not_allowed(context) if actor.telegram_id not in invited else stale(context.i18n),
            show_alert=True,
        )
        return
    row = (
        await context.session.exec(
            select(MeetingAttendance).where(
                MeetingAttendance.occurrence_id == occurrence.id,
                MeetingAttendance.telegram_id == actor.telegram_id,
            )
        )
    ).first()
    member = next((m.member for m in actor.memberships if m.member.street_id == street.id), None)
    row = row or MeetingAttendance(
        occurrence_id=occurrence.id or 0, telegram_id=actor.telegram_id, attending=True, at=now
    )
    row.attending, row.at, row.member_id = press.arg == "y", now, member.id if member else None
    context.session.add(row)
    await context.session.commit()
    await query.answer(attendance_noted(context.i18n, press.arg == "y"))
