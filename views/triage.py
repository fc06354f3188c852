"""Triage as coordinators see it: /triage's list of cases waiting, then the choice of a
unit and of a person in it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import I18n
from models.cases import Case, Category
from models.classify import CategorySpec
from models.org import Alley, Member, Party
from views.callbacks import pack
from views.case_text import alley_name, category_name, party_label

# A chat message holds only so many buttons: the oldest cases first, the rest next time.
LISTED = 20


def nothing_waiting(i18n: I18n) -> str:
    return i18n.gettext("Nothing is waiting to be assigned.")


def waiting_list(
    i18n: I18n, count: int, shown: Sequence[tuple[Case, Category | None, Alley | None]]
) -> tuple[str, InlineKeyboardMarkup]:
    """How many cases wait, then the `shown` ones (at most LISTED) with their category, alley
    and an Assign button each."""
    _ = i18n.gettext
    lines = [_("Waiting to be assigned ({count}):").format(count=count)]
    rows = []
    for case, category, alley in shown:
        lines.append(
            f"#{case.number} · {category_name(i18n, category)} · {alley_name(alley, i18n)}"
        )
        rows.append(
            [
                InlineKeyboardButton(
                    _("Assign #{number}").format(number=case.number),
                    callback_data=pack("cs", "t", case.id),
                )
            ]
        )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def choose_party(
    i18n: I18n, case: Case, parties: Iterable[Party], category: Category | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The units to choose from; with the case's `category`, first a line and a button to
    correct it (the new assignee's deadline is counted from the category)."""
    rows = [
        [InlineKeyboardButton(party_label(i18n, p), callback_data=pack("cs", "tp", case.id, p.id))]
        for p in parties
    ]
    text = i18n.gettext("Case #{number}: to which unit?").format(number=case.number)
    if category is not None:
        text = (
            i18n.gettext("Category: {category}. If it is wrong, change it first.").format(
                category=category_name(i18n, category)
            )
            + "\n"
            + text
        )
        change = i18n.gettext("🏷 Change category")
        rows.insert(0, [InlineKeyboardButton(change, callback_data=pack("cs", "tc", case.id))])
    return text, InlineKeyboardMarkup(rows)


def choose_category(
    i18n: I18n, case: Case, categories: Iterable[CategorySpec], current: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    """The categories to correct the case's to, two a row; the `current` one is marked."""
    buttons = [
        InlineKeyboardButton(
            ("✓ " if c.code == current else "") + category_name(i18n, c),
            callback_data=pack("cs", "tk", case.id, c.code),
        )
        for c in categories
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    text = i18n.gettext("Case #{number}: which category is it?").format(number=case.number)
    return text, InlineKeyboardMarkup(rows)


def choose_person(
    i18n: I18n, case: Case, party: Party, people: Iterable[Member]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Who of `party` may take the case; no keyboard when nobody of it has joined."""
    rows = [
        [InlineKeyboardButton(m.name, callback_data=pack("cs", "tm", case.id, m.id))]
        for m in people
    ]
    if not rows:
        return (
            i18n.gettext("Nobody of {party} has joined yet.").format(
                party=party_label(i18n, party)
            ),
            None,
        )
    text = i18n.gettext("Case #{number}: to whom in {party}?").format(
        number=case.number, party=party_label(i18n, party)
    )
    return text, InlineKeyboardMarkup(rows)


def assigned(i18n: I18n, case: Case, member: Member) -> str:
    return i18n.gettext("Case #{number} assigned to {name}.").format(
        number=case.number, name=member.name
    )
