"""The last line: log what broke, apologise to the person waiting, change nothing more."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import LaneKeeperContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: LaneKeeperContext) -> None:
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    text = context.i18n.gettext(
        "Sorry, something went wrong on our side. Please try again in a moment."
    )
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, text)
    except Exception:  # the apology itself failing must not loop back here
        log.warning("could not tell the user about the error", exc_info=True)
