"""/start (with or without an invitation) and /help."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from handlers import join
from handlers.access import current_actor
from handlers.community import any_community, community_button
from handlers.context import LaneKeeperContext
from handlers.language import language_buttons
from handlers.menu import audience_of, commands_for


async def start(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    if message is None:
        return
    if context.args and join.is_invite_payload(context.args[0]):
        await join.show_invitation(update, context, context.args[0])
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
    rows = []
    user = context.user
    if user is None or user.locale is None:
        rows.append(language_buttons())
    actor = await current_actor(update, context)
    resident = actor is not None and not actor.is_member
    if (
        user is not None
        and user.community_id is None
        and resident
        and await any_community(context.session)
    ):
        rows.append([community_button(context)])
    await message.reply_text(text, reply_markup=InlineKeyboardMarkup(rows) if rows else None)


async def help_command(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    if message is None:
        return
    _ = context.i18n.gettext
    actor = await current_actor(update, context)
    coordinator = actor is not None and actor.coordinates_anywhere
    commands = commands_for(audience_of(actor), coordinator)
    title = _("What I can do")
    lines = [f"<b>{title}</b>", ""]
    lines += [f"/{name} — {_(description)}" for name, description in commands]
    await message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)
