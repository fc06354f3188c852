"""What nothing else took: stale buttons, unknown commands, messages not understood."""

from __future__ import annotations

from telegram import Update

from handlers.context import LaneKeeperContext
from views.callbacks import stale


async def stale_button(update: Update, context: LaneKeeperContext) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.answer(stale(context.i18n), show_alert=True)


async def unknown_command(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0][:64]
    await message.reply_text(
        context.i18n.gettext(
            "I don't know the command {command}. /help lists what I can do."
        ).format(command=command)
    )
