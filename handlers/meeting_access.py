"""Who may change meetings, and the reply to a meeting button: what every meeting handler
shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardMarkup, Message, Update

from handlers.context import LaneKeeperContext
from models import dispatch as questions
from models.meetings import MeetingOccurrence, MeetingSeries
from models.members import load_street_map
from models.org import Street
from models.permissions import Actor
from views.cancel import cancel_keyboard


@dataclass(frozen=True)
class MeetingPress:
    """A press of a meeting's button: its occurrence, reloaded, with its series and street;
    the button's argument; the moment of the press."""

    occurrence: MeetingOccurrence
    series: MeetingSeries
    street: Street
    arg: str | None
    now: datetime


async def manages(context: LaneKeeperContext, actor: Actor, series: MeetingSeries) -> bool:
    """Street coordinators (and admins) manage every series; a community's coordinators, its
    own."""
    street = await context.session.get(Street, series.street_id)
    assert street is not None
    street_map = await load_street_map(context.session, street)
    if actor.is_street_coordinator(street_map):  # admins included
        return True
    scope = actor.coordinated_communities(street_map)
    return bool(scope) and series.community_id in (scope or set())


async def manages_street(context: LaneKeeperContext, actor: Actor, street: Street) -> bool:
    """May see the street's series and start one: admins and any of its coordinators."""
    street_map = await load_street_map(context.session, street)
    return actor.is_admin or bool(actor.coordinated_communities(street_map))


async def edit_or_send(
    update: Update,
    context: LaneKeeperContext,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
) -> None:
    """The pressed message becomes the next step; one that cannot be edited gets a new one."""
    query = update.callback_query
    assert query is not None
    if isinstance(query.message, Message):
        await query.edit_message_text(text, reply_markup=keyboard)
    else:
        await context.bot.send_message(query.from_user.id, text, reply_markup=keyboard)


async def ask_about(
    update: Update,
    context: LaneKeeperContext,
    actor: Actor,
    press: MeetingPress,
    kind: str,
    question: str,
) -> None:
    """A question whose typed answer concerns the pressed occurrence (kept in the database
    until answered), asked in the presser's private chat."""
    await questions.ask(
        context.session, actor.telegram_id, kind, None, press.now, occurrence=press.occurrence.id
    )
    query = update.callback_query
    assert query is not None
    await query.answer()
    await context.bot.send_message(
        query.from_user.id,
        question,
        reply_markup=cancel_keyboard(context.i18n, kind, press.occurrence.id),
    )
