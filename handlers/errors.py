"""The last line: log what broke, apologise to the person waiting, change nothing more."""

from __future__ import annotations

import logging

from sqlalchemy.orm.exc import StaleDataError
from telegram import Update
from telegram.ext import ApplicationHandlerStop

from handlers.context import LaneKeeperContext, current_scope
from models.db import describe, is_transient

log = logging.getLogger(__name__)


async def on_error(update: object, context: LaneKeeperContext) -> None:
    scope = current_scope.get()
    if scope is not None:
        # Whatever the handler wrote before it broke is undone: the update's last commit
        # (its inbox row) must not carry half a change with it.
        try:
            await scope.session.rollback()
        except Exception:  # a connection already gone: there is nothing left to undo
            log.debug("rollback after an error failed", exc_info=True)
        scope.error = (
            describe(context.error)
            if context.error is not None and is_transient(context.error)
            else repr(context.error)[:500]
        )
        if isinstance(context.error, StaleDataError) and scope.attempts_left:
            # Handlers change the case before they answer, so nothing was said yet: the
            # update is simply handled again (bot/app.py), and nobody hears of the race.
            scope.conflict = True
            log.info("a case changed under an update; trying it again: %s", context.error)
            raise ApplicationHandlerStop
        if context.error is not None and is_transient(context.error):
            # The database is away, locked or busy: the update is handled again, now or
            # later (bot/app.py), and its answer comes then; an apology now would be wrong.
            scope.transient = True
            log.warning(
                "database unavailable while handling an update: %s", describe(context.error)
            )
            raise ApplicationHandlerStop
    if isinstance(context.error, StaleDataError):
        log.info("a case changed under an update; nothing written: %s", context.error)
    else:
        log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    _ = context.i18n.gettext
    if isinstance(context.error, StaleDataError):
        text = _(
            "Someone else changed this case at the same moment, so nothing was done. "
            "Please look at the case again (/case) and repeat if it is still needed."
        )
    else:
        text = _("Sorry, something went wrong on our side. Please try again in a moment.")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, text)
    except Exception:  # the apology itself failing must not loop back here
        log.warning("could not tell the user about the error", exc_info=True)
