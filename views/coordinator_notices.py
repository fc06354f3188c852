"""What the street's coordinators are asked or told about cases: a case nobody was found for,
and where a departed member's cases went."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import I18n
from models.cases import Case, Category
from models.departure import Departure
from models.org import Alley
from views.callbacks import pack
from views.case_endings import close_row
from views.case_text import alley_name, category_name, preview


def _assign_button(label: str, case: Case) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=pack("cs", "t", case.id))


def triage_question(
    i18n: I18n, case: Case, category: Category | None, alley: Alley | None, why: str
) -> tuple[str, InlineKeyboardMarkup]:
    """A coordinator is asked to assign the case; `why` is an untranslated message id."""
    text = i18n.gettext(
        "Case #{number} ({category}, {alley}) needs assigning: {why}\n{text}"
    ).format(
        number=case.number,
        category=category_name(i18n, category),
        alley=alley_name(alley, i18n),
        why=i18n.gettext(why),
        text=preview(case.text),
    )
    rows = [[_assign_button(i18n.gettext("Assign"), case)], close_row(i18n, case)]
    return text, InlineKeyboardMarkup(rows)


def departure_summary(
    i18n: I18n,
    departure: Departure,
    names: Sequence[tuple[Category | None, Alley | None]],
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Which of a departed member's cases went where (`names`: category and alley of each
    moved case, in order), with a button to assign each one left in triage."""
    _ = i18n.gettext
    lines = [
        _("{name} was deactivated. The open cases they held were moved:").format(
            name=departure.member.name
        )
    ]
    rows = []
    for moved, (category, alley) in zip(departure.moved, names, strict=True):
        where = (
            _("to {name}, the unit head").format(name=moved.to.name)
            if moved.to is not None
            else _("to triage, waiting to be assigned")
        )
        lines.append(
            _("#{number} ({category}, {alley}): {where}").format(
                number=moved.case.number,
                category=category_name(i18n, category),
                alley=alley_name(alley, i18n),
                where=where,
            )
        )
        if moved.to is None:
            label = _("Assign #{number}").format(number=moved.case.number)
            rows.append([_assign_button(label, moved.case)])
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None
