"""Group chats: tie a street's or community's Telegram group to it, and behave well there."""

from __future__ import annotations

from sqlmodel import select
from telegram import ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers.access import current_actor, not_allowed
from handlers.context import LaneKeeperContext
from models.members import load_street_map
from models.org import Community, Street
from models.permissions import can_link_group
from views.callbacks import as_int, pack, stale, unpack
from views.labels import community_name, local_name, street_name

PATTERN = r"^lg:"


async def link_command(update: Update, context: LaneKeeperContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    actor = await current_actor(update, context)
    if message is None or chat is None or actor is None:
        return
    _ = context.i18n.gettext
    if chat.type == "private":
        await message.reply_text(
            _("Send /linkgroup inside the group you want to tie to your street or community.")
        )
        return
    rows = []
    streets = (await context.session.exec(select(Street).order_by(Street.code))).all()
    for street in streets:
        street_map = await load_street_map(context.session, street)
        if can_link_group(actor, street_map, None):
            rows.append(
                [
                    InlineKeyboardButton(
                        street_name(context.i18n, street), callback_data=pack("lg", "s", street.id)
                    )
                ]
            )
        for community in street_map.communities.values():
            if can_link_group(actor, street_map, community.id):
                rows.append(
                    [
                        InlineKeyboardButton(
                            community_name(context.i18n, community),
                            callback_data=pack("lg", "c", community.id),
                        )
                    ]
                )
    if not rows:
        await message.reply_text(not_allowed(context))
        return
    await message.reply_text(_("Tie this group to:"), reply_markup=InlineKeyboardMarkup(rows))


async def link_pressed(update: Update, context: LaneKeeperContext) -> None:
    query, chat = update.callback_query, update.effective_chat
    actor = await current_actor(update, context)
    assert query is not None and actor is not None
    _ = context.i18n.gettext
    fields = unpack(query.data, "lg", 2)
    ident = as_int(fields[1]) if fields else None
    if fields is None or ident is None or chat is None or chat.type == "private":
        await query.answer(stale(context.i18n), show_alert=True)
        return
    target: Street | Community | None
    if fields[0] == "s":
        target = await context.session.get(Street, ident)
        street = target
        community_id = None
    else:
        target = await context.session.get(Community, ident)
        street = await context.session.get(Street, target.street_id) if target else None
        community_id = ident
    if target is None or street is None:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    if not can_link_group(actor, await load_street_map(context.session, street), community_id):
        await query.answer(not_allowed(context), show_alert=True)
        return
    target.group_chat_id = chat.id
    context.session.add(target)
    await context.session.commit()
    name = local_name(context.i18n, target)
    await query.answer()
    await query.edit_message_text(
        _(
            "This group is now the linkage group of {name}: dispatches and meeting agendas "
            "will be posted here."
        ).format(name=name)
    )


async def unlink_command(update: Update, context: LaneKeeperContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    actor = await current_actor(update, context)
    if message is None or chat is None or actor is None:
        return
    _ = context.i18n.gettext
    streets = (
        await context.session.exec(select(Street).where(Street.group_chat_id == chat.id))
    ).all()
    communities = (
        await context.session.exec(select(Community).where(Community.group_chat_id == chat.id))
    ).all()
    if not streets and not communities:
        await message.reply_text(_("This group is not tied to any street or community."))
        return
    for street in streets:
        if not can_link_group(actor, await load_street_map(context.session, street), None):
            await message.reply_text(not_allowed(context))
            return
    for community in communities:
        home = await context.session.get(Street, community.street_id)
        assert home is not None
        if not can_link_group(actor, await load_street_map(context.session, home), community.id):
            await message.reply_text(not_allowed(context))
            return
    for target in [*streets, *communities]:
        target.group_chat_id = None
        context.session.add(target)
    await context.session.commit()
    await message.reply_text(_("Done: this group is no longer tied to a street or community."))


async def bot_added(update: Update, context: LaneKeeperContext) -> None:
    change = update.my_chat_member
    if change is None or change.chat.type == "private":
        return
    was = change.old_chat_member.status
    now = change.new_chat_member.status
    joined = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR)
    if now in joined and was not in joined:
        await context.bot.send_message(
            change.chat.id,
            context.i18n.gettext(
                "Hello! I am LaneKeeper. A coordinator can tie this group to a street or a "
                "community with /linkgroup; then I post dispatches and meeting agendas here."
            ),
        )


async def private_only(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    if message is None:
        return
    await message.reply_text(
        context.i18n.gettext(
            "Let us do that in a private chat: open a chat with me and send the command there."
        )
    )
