"""Telegram adapters. Every handler is registered here, in one visible place."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import (
    cancel,
    case_router,
    cases,
    community,
    edits,
    errors,
    fallback,
    groups,
    identify,
    invite,
    join,
    language,
    me,
    meeting_list,
    meeting_router,
    members,
    outbox_status,
    report,
    scorecard,
    staff_report,
    start,
    todo,
    triage,
)
from locales.i18n import SUPPORTED_LOCALES, I18n


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    in_groups = filters.ChatType.GROUPS

    # Group -1 runs first for every update: who is this, and which language do they read.
    application.add_handler(TypeHandler(Update, identify.identify), group=-1)

    # An edited message is never a new report or a command run again: first, before all.
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, edits.on_edit))

    application.add_handler(CommandHandler("start", start.start))
    application.add_handler(CommandHandler("help", start.help_command))
    application.add_handler(CommandHandler("language", language.choose))
    application.add_handler(CommandHandler("me", me.me, filters=private))
    application.add_handler(CommandHandler("members", members.members_command, filters=private))
    application.add_handler(CommandHandler("invite", invite.invite_command, filters=private))
    application.add_handler(
        CommandHandler(
            [
                "me",
                "members",
                "invite",
                "my",
                "case",
                "triage",
                "todo",
                "meetings",
                "scorecard",
                "report",
            ],
            groups.private_only,
            filters=in_groups,
        )
    )
    application.add_handler(CommandHandler("my", cases.my_cases, filters=private))
    application.add_handler(CommandHandler("case", cases.show_case, filters=private))
    application.add_handler(CommandHandler("triage", triage.triage_command, filters=private))
    application.add_handler(CommandHandler("todo", todo.todo_command, filters=private))
    application.add_handler(
        CommandHandler("meetings", meeting_list.meetings_command, filters=private)
    )
    application.add_handler(
        CommandHandler("scorecard", scorecard.scorecard_command, filters=private)
    )
    application.add_handler(CommandHandler("outbox", outbox_status.outbox_command, filters=private))
    application.add_handler(CommandHandler("report", staff_report.report_command, filters=private))
    application.add_handler(CommandHandler("linkgroup", groups.link_command))
    application.add_handler(CommandHandler("unlinkgroup", groups.unlink_command, filters=in_groups))

    application.add_handler(CallbackQueryHandler(language.chosen, pattern=language.PATTERN))
    application.add_handler(CallbackQueryHandler(join.join_pressed, pattern=join.PATTERN))
    application.add_handler(CallbackQueryHandler(members.pressed, pattern=members.PATTERN))
    application.add_handler(CallbackQueryHandler(invite.pressed, pattern=invite.PATTERN))
    application.add_handler(CallbackQueryHandler(groups.link_pressed, pattern=groups.PATTERN))
    application.add_handler(CallbackQueryHandler(community.pressed, pattern=community.PATTERN))
    application.add_handler(CallbackQueryHandler(report.pressed, pattern=report.PATTERN))
    application.add_handler(
        CallbackQueryHandler(staff_report.pressed, pattern=staff_report.PATTERN)
    )
    application.add_handler(CallbackQueryHandler(todo.pressed, pattern=todo.PATTERN))
    application.add_handler(CallbackQueryHandler(case_router.pressed, pattern=case_router.PATTERN))
    application.add_handler(CallbackQueryHandler(cancel.pressed, pattern=cancel.PATTERN))
    application.add_handler(
        CallbackQueryHandler(meeting_router.pressed, pattern=meeting_router.PATTERN)
    )

    application.add_handler(MessageHandler(private & filters.CONTACT, join.contact_shared))
    skip = [I18n(locale).gettext("Skip") for locale in SUPPORTED_LOCALES]
    application.add_handler(MessageHandler(private & filters.Text(skip), join.phone_skipped))
    application.add_handler(ChatMemberHandler(groups.bot_added, ChatMemberHandler.MY_CHAT_MEMBER))

    # Last resorts: whatever nothing above took.
    application.add_handler(CallbackQueryHandler(fallback.stale_button))
    application.add_handler(MessageHandler(private & filters.COMMAND, fallback.unknown_command))
    # Anything else said in private is a report, or part of one.
    application.add_handler(
        MessageHandler(private & filters.UpdateType.MESSAGE & ~filters.COMMAND, report.on_message)
    )

    application.add_error_handler(errors.on_error)
