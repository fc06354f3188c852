"""/language: a user picks the language the bot speaks to them; the choice is stored."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers.context import LaneKeeperContext
from handlers.menu import keep_menu
from locales.i18n import SUPPORTED_LOCALES, language_name
from models.users import TelegramUser, set_locale
from views.callbacks import stale

PATTERN = r"^lang:"
_ALIASES = {
    "zh": "zh_CN",
    "zh_cn": "zh_CN",
    "zh-cn": "zh_CN",
    "cn": "zh_CN",
    "中文": "zh_CN",
    "en": "en",
    "english": "en",
}


def language_buttons() -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(language_name(code), callback_data=f"lang:{code}")
        for code in SUPPORTED_LOCALES
    ]


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([language_buttons()])


async def _keep_menu(context: LaneKeeperContext, user: TelegramUser) -> None:
    if await keep_menu(context.bot, user, context.scope.actor, context.i18n):
        context.session.add(user)
        await context.session.commit()


async def _apply(context: LaneKeeperContext, telegram_id: int, locale: str) -> str:
    await set_locale(context.session, telegram_id, locale)
    context.i18n = context.services.i18n(locale)
    user = context.user
    # His menu follows, in his language.
    if user is not None and user.telegram_id == telegram_id:
        await _keep_menu(context, user)
    return context.i18n.gettext("From now on I will speak English with you.")


async def choose(update: Update, context: LaneKeeperContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    _ = context.i18n.gettext
    if context.args:
        wanted = _ALIASES.get(" ".join(context.args).strip().lower())
        if wanted is None:
            await message.reply_text(
                _("I don't know that language. Choose one of these:"),
                reply_markup=language_keyboard(),
            )
            return
        await message.reply_text(await _apply(context, user.id, wanted))
        return
    await message.reply_text(_("Choose your language:"), reply_markup=language_keyboard())


async def chosen(update: Update, context: LaneKeeperContext) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    locale = query.data.removeprefix("lang:")
    if locale not in SUPPORTED_LOCALES:
        # Forged or from an old version: say so, change nothing.
        await query.answer(stale(context.i18n), show_alert=True)
        return
    confirmation = await _apply(context, query.from_user.id, locale)
    await query.answer()
    await query.edit_message_text(confirmation)
