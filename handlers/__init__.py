"""Telegram adapters. Every handler is registered here, in one visible place."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import errors, fallback, identify, language, start


def register(application: Application) -> None:  # type: ignore[type-arg]
    # Group -1 runs first for every update: who is this, and which language do they read.
    application.add_handler(TypeHandler(Update, identify.identify), group=-1)

    application.add_handler(CommandHandler("start", start.start))
    application.add_handler(CommandHandler("help", start.help_command))
    application.add_handler(CommandHandler("language", language.choose))
    application.add_handler(CallbackQueryHandler(language.chosen, pattern=language.PATTERN))

    # Last resorts: whatever nothing above took.
    application.add_handler(CallbackQueryHandler(fallback.stale_button))
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.COMMAND, fallback.unknown_command))
    application.add_handler(MessageHandler(private & ~filters.COMMAND, fallback.not_understood))

    application.add_error_handler(errors.on_error)
