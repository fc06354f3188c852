"""Edited messages: Telegram sends them as updates of their own, and they are never a report.

An edit of a message of the reporter's draft or of one of his cases makes it read as
edited (models/edits.py); any other edit changes nothing, and says so in a word. Edits in
groups are ignored silently, so that an edited command does not run a second time.
"""

from __future__ import annotations

from telegram import Update

from handlers.context import LaneKeeperContext
from models.edits import CaseEdited, DraftEdited, Edit, apply_edit


async def on_edit(update: Update, context: LaneKeeperContext) -> None:
    message = update.edited_message
    if message is None or message.chat.type != "private":
        return
    _ = context.i18n.gettext
    edit = Edit(
        update_id=update.update_id,
        chat_id=message.chat.id,
        message_id=message.message_id,
        text=message.text or message.caption or "",
    )
    outcome = await apply_edit(context.session, edit, context.services.clock.now())
    await context.session.commit()
    if isinstance(outcome, DraftEdited):
        text = _("Noted: your report now reads as you edited it.")
    elif isinstance(outcome, CaseEdited):
        text = _("Noted: case #{number} now reads as you edited it.").format(
            number=outcome.case.number
        )
    else:
        text = _("I do not read edits of earlier messages; please send a new message.")
    await context.bot.send_message(message.chat.id, text)
