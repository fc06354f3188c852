"""What every press of a case button shares: the case it names, reloaded; whether the
presser may act on it; the pressed message, edited in place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from telegram import InlineKeyboardMarkup, Message, Update

from handlers.context import LaneKeeperContext
from models import dispatch as cases
from models.cases import CaseAction
from models.lifecycle import TransitionError
from models.permissions import Actor

# A verb's handler: (update, context, presser, case or assignment id, argument or None).
Verb = Callable[[Update, LaneKeeperContext, Actor, int, str | None], Awaitable[None]]


async def load(context: LaneKeeperContext, case_id: int) -> cases.CaseContext:
    """The case and its surroundings; a case that is gone has moved on as far as it can."""
    ctx = await cases.load(context.session, case_id)
    if ctx is None:
        raise TransitionError(CaseAction.ACCEPT, None)
    return ctx


async def acting(context: LaneKeeperContext, actor: Actor, case_id: int) -> cases.CaseContext:
    """The case, if this person may act on it (else NotAllowed)."""
    ctx = await load(context, case_id)
    if not await cases.may_act(context.session, actor, ctx):
        raise cases.NotAllowed
    return ctx


async def edit(
    update: Update, text: str | None = None, keyboard: InlineKeyboardMarkup | None = None
) -> None:
    """The pressed message: new text (and keyboard), or only a new keyboard."""
    query = update.callback_query
    assert query is not None
    message = query.message
    # An inaccessible message (deleted, or too old) or an inline one is left as it is.
    if not isinstance(message, Message):
        return
    if text is None:
        await query.edit_message_reply_markup(keyboard)
    else:
        await query.edit_message_text(text, reply_markup=keyboard)


def now(context: LaneKeeperContext) -> datetime:
    return context.services.clock.now()
