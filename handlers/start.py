"""/start and /help."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode

from bot.context import LaneKeeperContext
from handlers.language import language_keyboard
from handlers.menu import COMMANDS


async def start(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    if message is None:
        return
    _ = context.i18n.gettext
    name = update.effective_user.first_name if update.effective_user else ""
    text = _(
        "Hello {name}! I am LaneKeeper, the assistant of your street office and its "
        "ten-in-one linkage group for keeping the back streets and alleys in order."
    ).format(name=name)
    text += "\n\n" + _(
        "See something wrong in an alley (rubbish, a broken street light, a car on the "
        "pavement, a stall blocking the way)? Tell me in a message: words, a photo or a "
        "location. You will get a case number and know who handles it and by when."
    )
    text += "\n\n" + _("/help lists what I can do. /language changes the language.")
    chosen = context.user is not None and context.user.locale is not None
    keyboard = None if chosen else language_keyboard()
    await message.reply_text(text, reply_markup=keyboard)


async def help_command(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    if message is None:
        return
    _ = context.i18n.gettext
    title = _("What I can do")
    lines = [f"<b>{title}</b>", ""]
    lines += [f"/{name} — {_(description)}" for name, description in COMMANDS]
    await message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)
