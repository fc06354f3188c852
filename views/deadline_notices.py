"""Reminders, overdue notices and escalations, as the people concerned read them."""

from __future__ import annotations

from locales.i18n import I18n
from models.cases import Case, Category
from models.org import Alley
from views.case_text import alley_name, category_name


def deadline_notice(
    i18n: I18n,
    case: Case,
    category: Category | None,
    alley: Alley | None,
    kind: str,
    level: int,
    who: str = "",
) -> str:
    """'remind' before the deadline; past it, 'overdue' to the assignee (level 1) or an
    escalation naming who handles the case (level 2 and up)."""
    names = {
        "number": case.number,
        "category": category_name(i18n, category),
        "alley": alley_name(alley, i18n),
        "when": i18n.format_when(case.due_at) if case.due_at else "—",
    }
    if kind == "remind":
        text = i18n.gettext("Reminder: case #{number} ({category}, {alley}) is due {when}.")
    elif level <= 1:
        text = i18n.gettext("Overdue: case #{number} ({category}, {alley}) was due {when}.")
    else:
        text = i18n.gettext(
            "Escalated to you: case #{number} ({category}, {alley}), handled by {who}, "
            "was due {when} and is not done."
        )
    return text.format(who=who, **names)
