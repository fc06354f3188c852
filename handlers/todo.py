"""/todo: a member's open cases, by role, most urgent first; pages with ◀ ▶ (td:<page>)."""

from __future__ import annotations

from telegram import Update

from handlers import case_press
from handlers.access import current_actor
from handlers.context import LaneKeeperContext
from locales.i18n import I18n
from models import todo
from models.org import Role, Street
from models.permissions import Actor
from views import todo as todo_view
from views.callbacks import as_int, stale, unpack

PATTERN = r"^td:"


async def _i18n(context: LaneKeeperContext, actor: Actor) -> I18n:
    """The reader's language in the time zone of (the first of) his streets."""
    street_id = actor.memberships[0].member.street_id if actor.memberships else None
    street = await context.session.get(Street, street_id) if street_id else None
    return context.services.i18n(context.i18n.locale, street.timezone if street else None)


async def _sections(
    context: LaneKeeperContext, actor: Actor, i18n: I18n
) -> list[todo_view.Section]:
    session, now = context.session, context.services.clock.now()
    roles = todo.roles(actor)
    mine = await todo.assigned(session, actor, now)
    return todo_view.sections(
        i18n,
        now,
        assigned=mine if Role.LIAISON in roles or mine else None,
        party=await todo.party_cases(session, actor, now) if Role.UNIT_HEAD in roles else None,
        alleys=await todo.alley_cases(session, actor, now) if Role.STREET_CHIEF in roles else None,
        coordinator=(
            await todo.coordinator(session, actor, now)
            if Role.COORDINATOR in roles or actor.is_admin
            else None
        ),
    )


async def todo_command(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    actor = await current_actor(update, context)
    if message is None or actor is None:
        return
    if not actor.is_member and not actor.is_admin:
        await message.reply_text(todo_view.not_a_member(context.i18n))
        return
    i18n = await _i18n(context, actor)
    shown = todo_view.page(i18n, await _sections(context, actor, i18n), 0)
    assert shown is not None
    text, keyboard = shown
    await message.reply_text(text, reply_markup=keyboard)


async def pressed(update: Update, context: LaneKeeperContext) -> None:
    query = update.callback_query
    actor = await current_actor(update, context)
    assert query is not None and actor is not None
    fields = unpack(query.data, todo_view.PREFIX, 1)
    number = as_int(fields[0]) if fields else None
    shown = None
    if number is not None and (actor.is_member or actor.is_admin):
        i18n = await _i18n(context, actor)
        shown = todo_view.page(i18n, await _sections(context, actor, i18n), number)
    if shown is None:  # forged, or the list has shrunk since
        await query.answer(stale(context.i18n), show_alert=True)
        return
    await query.answer()
    await case_press.edit(update, *shown)
