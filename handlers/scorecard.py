"""The quarterly scorecard as people receive it: a message, a spreadsheet, a chart; /scorecard."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, Update
from telegram.error import TelegramError

from bot.config import Config
from bot.context import LaneKeeperContext
from bot.i18n import N_, I18n
from handlers.access import current_actor, not_allowed
from handlers.agenda_chart import cjk_font
from models import assessment
from models.members import load_street_map
from models.org import Street
from models.permissions import manageable_streets

COLUMNS = [
    ("name", N_("unit")),
    ("due", N_("due")),
    ("handled", N_("handled")),
    ("on_time", N_("on time")),
    ("reworked", N_("reworked")),
    ("closed", N_("closed")),
    ("postponed", N_("postponed")),
    ("handling_rate", N_("handling %")),
    ("on_time_rate", N_("on time %")),
    ("rework_rate", N_("rework %")),
    ("closure_rate", N_("closure %")),
    ("postponement_rate", N_("postponed %")),
    ("mean_handling_hours", N_("mean hours")),
    ("median_handling_hours", N_("median hours")),
    ("satisfaction", N_("satisfaction")),
    ("band", N_("volume band")),
    ("score", N_("score")),
    ("grade", N_("grade")),
]


def weights(config: Config) -> assessment.Weights:
    a = config.assessment
    return assessment.Weights(
        closure=a.closure_weight,
        on_time=a.on_time_weight,
        rework=a.rework_weight,
        volume_bands=tuple((int(t), float(p)) for t, p in a.volume_bands),
        grades=(("A", a.grade_a), ("B", a.grade_b), ("C", a.grade_c), ("D", a.grade_d)),
        weight_by_length=a.weight_by_length,
    )


@dataclass
class Scorecard:
    street: Street
    label: str
    start: datetime
    end: datetime
    parties: list[assessment.Indicators]
    communities: list[assessment.Indicators]


async def build(
    session: AsyncSession, config: Config, street: Street, start: date, end: date, label: str
) -> Scorecard:
    tz = ZoneInfo(street.timezone)
    since, until = assessment.period_bounds(start, end, tz)
    parties = await assessment.indicators(session, street, since, until, "party")
    assessment.score(parties, weights(config))
    communities = await assessment.indicators(session, street, since, until, "community")
    assessment.score(communities, weights(config))
    return Scorecard(street, label, since, until, parties, communities)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"


def text(card: Scorecard, i18n: I18n) -> str:
    _ = i18n.gettext
    lines = [
        _("{street} scorecard, {period}").format(street=card.street.name, period=card.label),
        _("unit: due · handled · on time · reworked → score (grade)"),
    ]
    ranked = sorted(card.parties, key=lambda f: (f.score is None, -(f.score or 0), f.key))
    for f in ranked:
        if f.score is None:
            lines.append(_("{name}: nothing due").format(name=f.name))
            continue
        figures = (
            f"{f.due} · {_pct(f.handling_rate)} · {_pct(f.on_time_rate)} · "
            f"{_pct(f.rework_rate)} → {f.score:g} ({f.grade})"
        )
        lines.append(_("{name}: {figures}").format(name=f.name, figures=figures))
    lines.append(_("The spreadsheet has every indicator, per unit and per community."))
    return "\n".join(lines)


def xlsx(card: Scorecard, i18n: I18n) -> bytes:
    book = Workbook()
    for sheet_name, rows in (
        (i18n.gettext("Units"), card.parties),
        (i18n.gettext("Communities"), card.communities),
    ):
        sheet = book.active if sheet_name == i18n.gettext("Units") else book.create_sheet()
        assert sheet is not None
        sheet.title = sheet_name
        sheet.append([i18n.gettext(title) for _key, title in COLUMNS])
        for figures in rows:
            values = figures.as_dict()
            sheet.append([values[key] for key, _title in COLUMNS])
        sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def chart(card: Scorecard, i18n: I18n) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    font = cjk_font()
    scored = [f for f in card.parties if f.score is not None]
    names = [f.name if font else f.key for f in scored]
    label = i18n if font or i18n.locale != "zh_CN" else I18n("en", str(i18n.timezone))
    with plt.rc_context({"font.family": [font] if font else ["DejaVu Sans"]}):
        figure, axes = plt.subplots(figsize=(9, 4.5), dpi=100)
        axes.bar(names, [f.score or 0 for f in scored], color="#2f7ed8")
        for x, f in enumerate(scored):
            axes.text(x, (f.score or 0) + 1, f"{f.score:g} {f.grade}", ha="center")
        axes.set_ylim(0, 110)
        axes.set_title(label.gettext("Scores, {period}").format(period=card.label))
        axes.tick_params(axis="x", labelrotation=30)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
        plt.close(figure)
    return out.getvalue()


async def send(bot: Bot, chat_id: int, card: Scorecard, i18n: I18n) -> bool:
    try:
        await bot.send_message(chat_id, text(card, i18n))
        await bot.send_document(
            chat_id,
            document=xlsx(card, i18n),
            filename=f"scorecard-{card.street.code}-{card.label}.xlsx",
        )
        await bot.send_photo(chat_id, photo=chart(card, i18n))
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
        await send(context.bot, message.chat.id, card, i18n)
