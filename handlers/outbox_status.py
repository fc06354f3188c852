"""/outbox: what the bot could not deliver, for coordinators to follow up by other means."""

from __future__ import annotations

from telegram import Update

from handlers.access import current_actor, not_allowed
from handlers.context import LaneKeeperContext
from models import outbox
from models.users import TelegramUser


async def outbox_command(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    actor = await current_actor(update, context)
    if message is None or actor is None:
        return
    _ = context.i18n.gettext
    if not actor.coordinates_anywhere:
        await message.reply_text(not_allowed(context))
        return
    backlog = await outbox.backlog(context.session)
    lines = [
        _("Waiting to be sent: {pending}; failed: {failed}.").format(
            pending=backlog.pending, failed=backlog.failed
        )
    ]
    for row in await outbox.failures(context.session):
        user = await context.session.get(TelegramUser, row.chat_id)
        who = f"{user.first_name} ({row.chat_id})" if user else str(row.chat_id)
        lines.append(f"• {context.i18n.format_when(row.created_at)} {who}: {row.last_error}")
    await message.reply_text("\n".join(lines))
