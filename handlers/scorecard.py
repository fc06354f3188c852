"""/scorecard, and sending a scorecard (message, spreadsheet, chart) to one chat."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from telegram import Bot, Update
from telegram.error import TelegramError

from handlers.access import current_actor, not_allowed
from handlers.context import LaneKeeperContext
from locales.i18n import I18n
from models import assessment
from models.members import load_street_map
from models.permissions import manageable_streets
from services.scorecards import build
from views.scorecard import Scorecard, chart, text, xlsx


async def send(bot: Bot, chat_id: int, card: Scorecard, i18n: I18n, now: datetime) -> bool:
    try:
        await bot.send_message(chat_id, text(card, i18n))
        if card.empty:
            return True
        await bot.send_document(
            chat_id,
            document=xlsx(card, i18n, now),
            filename=f"scorecard-{card.street.code}-{card.label}.xlsx",
        )
        png = chart(card, i18n)
        if png is not None:
            await bot.send_photo(chat_id, photo=png)
    except TelegramError:
        return False
    return True


_QUARTER = re.compile(r"^(\d{4})\s*[Qq]([1-4])$")


def parse_period(args: Sequence[str], today: date) -> tuple[date, date, str] | None:
    """'2026Q3', 'YYYY-MM-DD YYYY-MM-DD', or nothing: the last complete quarter."""
    if not args:
        return assessment.previous_quarter(today)
    if len(args) == 1 and (match := _QUARTER.match(args[0])):
        return assessment.quarter_of(date(int(match[1]), 3 * int(match[2]) - 2, 1))
    if len(args) == 2:
        try:
            start, end = date.fromisoformat(args[0]), date.fromisoformat(args[1])
        except ValueError:
            return None
        if start <= end:
            return start, end, f"{start}–{end}"
    return None


async def scorecard_command(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    actor = await current_actor(update, context)
    if message is None or actor is None:
        return
    _ = context.i18n.gettext
    streets = [
        s
        for s in await manageable_streets(context.session, actor)
        if actor.is_street_coordinator(await load_street_map(context.session, s))
    ]
    if not streets:
        await message.reply_text(not_allowed(context))
        return
    today = context.services.clock.now().astimezone(ZoneInfo(streets[0].timezone)).date()
    period = parse_period(context.args or [], today)
    if period is None:
        await message.reply_text(
            _(
                "Which period? /scorecard 2026Q3, or /scorecard "
                "2026-07-01 2026-09-30; nothing: the last quarter."
            )
        )
        return
    for street in streets:
        card = await build(context.session, context.services.config, street, *period)
        i18n = context.services.i18n(context.i18n.locale, street.timezone)
        await send(context.bot, message.chat.id, card, i18n, context.services.clock.now())
