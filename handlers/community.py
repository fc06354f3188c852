"""A resident may tell which community they live in (optional)."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers.context import LaneKeeperContext
from models.org import Community, Street
from views.callbacks import as_int, pack, stale, unpack
from views.labels import community_name, street_name

PATTERN = r"^cm:"
MAX_CHOICES = 30


def community_button(context: LaneKeeperContext) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        context.i18n.gettext("🏘 My community"), callback_data=pack("cm", "list")
    )


async def any_community(session: AsyncSession) -> bool:
    return (await session.exec(select(Community.id).limit(1))).first() is not None


async def pressed(update: Update, context: LaneKeeperContext) -> None:
    query = update.callback_query
    assert query is not None
    _ = context.i18n.gettext
    fields = unpack(query.data, "cm", 1)
    if fields is None or context.user is None:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    [choice] = fields
    if choice == "list":
        rows = await context.session.exec(
            select(Community, Street)
            .join(Street, col(Street.id) == Community.street_id)
            .order_by(col(Street.code), col(Community.id))
            .limit(MAX_CHOICES)
        )
        buttons = [
            [
                InlineKeyboardButton(
                    f"{community_name(context.i18n, community)} · "
                    f"{street_name(context.i18n, street)}",
                    callback_data=pack("cm", community.id),
                )
            ]
            for community, street in rows
        ]
        await query.answer()
        if not buttons:
            await query.edit_message_reply_markup(None)
            await context.bot.send_message(query.from_user.id, _("No community is registered yet."))
            return
        await context.bot.send_message(
            query.from_user.id,
            _("Which community do you live in?"),
            reply_markup=InlineKeyboardMarkup(buttons),
        )
        return
    community_id = as_int(choice)
    community = await context.session.get(Community, community_id) if community_id else None
    if community is None:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    context.user.community_id = community.id
    context.session.add(context.user)
    await context.session.commit()
    await query.answer()
    await query.edit_message_text(
        _("Noted: you live in {community}.").format(
            community=community_name(context.i18n, community)
        )
    )
