"""Runs before every handler: find or record the user, and settle the language to answer in."""

from __future__ import annotations

from telegram import Update

from handlers.access import current_actor
from handlers.context import LaneKeeperContext
from handlers.menu import keep_menu
from locales.i18n import resolve_locale
from models.users import sync_user


async def identify(update: Update, context: LaneKeeperContext) -> None:
    tg_user = update.effective_user
    if tg_user is None or tg_user.is_bot:
        return
    user = await sync_user(
        context.session,
        tg_user.id,
        first_name=tg_user.first_name,
        last_name=tg_user.last_name,
        username=tg_user.username,
        language_code=tg_user.language_code,
    )
    context.user = user
    default = context.services.config.app.default_locale
    context.i18n = context.services.i18n(
        resolve_locale(user.locale, tg_user.language_code, default)
    )
    chat = update.effective_chat
    if chat is not None and chat.id == tg_user.id:  # his own chat: its menu is his
        actor = await current_actor(update, context)
        if await keep_menu(context.bot, user, actor, context.i18n):
            context.session.add(user)
            await context.session.commit()
