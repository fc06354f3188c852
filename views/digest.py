"""What the quiet hours held, told in one message when they end; and several overdue cases
for one person, told in one message instead of one each. Each case gets a button that
opens it (`cs:o:<case id>`, as /case N does)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import I18n
from models.cases import Case, Category
from models.org import Alley
from views.callbacks import pack
from views.case_text import alley_name, category_name

# Buttons in a row, and at most this many cases get one (the rest are in the text).
PER_ROW = 4
MAX_BUTTONS = 24


@dataclass(frozen=True)
class Item:
    """One case in a digest or a list of overdue cases: what is said of it, and to whom it
    went (`who`, for escalations and posts)."""

    kind: str  # as HeldNotice.kind
    case: Case
    category: Category | None
    alley: Alley | None
    level: int = 0
    who: str = ""


def _line(i18n: I18n, item: Item) -> str:
    _ = i18n.gettext
    case = item.case
    names = {
        "number": case.number,
        "category": category_name(i18n, item.category),
        "alley": alley_name(item.alley, i18n),
        "when": i18n.format_when(case.due_at) if case.due_at else "—",
        "who": item.who,
    }
    if item.kind == "dispatch":
        text = _("New case #{number} ({category}, {alley}) for you, due {when}.")
    elif item.kind == "triage":
        text = _("New case #{number} ({category}, {alley}) waits to be assigned.")
    elif item.kind == "remind":
        text = _("Reminder: #{number} ({category}, {alley}) is due {when}.")
    elif item.kind == "escalate" and item.level <= 1:
        text = _("Overdue: #{number} ({category}, {alley}) was due {when}.")
    elif item.kind == "escalate":
        text = _("Escalated: #{number} ({category}, {alley}), handled by {who}, was due {when}.")
    elif item.kind == "copy":
        text = _("New case #{number} ({category}) in {alley}, your alley; it went to {who}.")
    elif item.kind == "group":
        text = _("Case #{number} ({category}, {alley}) went to {who}; due {when}.")
    elif item.kind == "overdue":
        text = _(
            "Sorry: your case #{number} was due {when} and is not handled yet; "
            "it has been escalated."
        )
    else:  # closed_by_default
        text = _("Your case #{number} was closed: handled, and nobody said otherwise in time.")
    return "• " + text.format(**names)


def digest(i18n: I18n, items: Sequence[Item], start: str, end: str) -> str:
    """The morning message: what came during the quiet hours from `start` to `end` (HH:MM)."""
    heading = i18n.gettext("While the quiet hours lasted ({start}–{end}):").format(
        start=start, end=end
    )
    return "\n".join([heading, *(_line(i18n, item) for item in items)])


def overdue_list(i18n: I18n, items: Sequence[Item]) -> str:
    """Several cases past their deadline for one person, found in one pass."""
    heading = i18n.ngettext(
        "{count} case is past its deadline:", "{count} cases are past their deadline:", len(items)
    ).format(count=len(items))
    return "\n".join([heading, *(_line(i18n, item) for item in items)])


def open_buttons(cases: Sequence[Case]) -> InlineKeyboardMarkup | None:
    """One button per case, '#12', opening it as /case 12 does."""
    distinct = list({case.id: case for case in cases}.values())
    buttons = [
        InlineKeyboardButton(f"#{case.number}", callback_data=pack("cs", "o", case.id))
        for case in distinct[:MAX_BUTTONS]
    ]
    rows = [buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
    return InlineKeyboardMarkup(rows) if rows else None
