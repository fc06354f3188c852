"""The acting user as the permission rules see them, loaded once per update."""

from __future__ import annotations

from telegram import Update

from handlers.context import LaneKeeperContext
from models.permissions import Actor, load_actor


async def current_actor(update: Update, context: LaneKeeperContext) -> Actor | None:
    user = update.effective_user
    if user is None:
        return None
    scope = context.scope
    if scope.actor is None or scope.actor.telegram_id != user.id:
        scope.actor = await load_actor(context.session, user.id, context.services.is_admin(user.id))
    return scope.actor


def not_allowed(context: LaneKeeperContext) -> str:
    return context.i18n.gettext(
        "Sorry, that is not among the things you may do here. If you think it should be, "
        "ask your street office."
    )
