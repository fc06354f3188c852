"""Triage as coordinators see it: /triage's list of cases waiting, then the choice of a
unit and of a person in it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import I18n
from models.cases import Case, Category
from models.org import Alley, Member, Party
from views.callbacks import pack
from views.case_text import category_name, party_label

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
            f"#{case.number} · {category_name(i18n, category)} · {alley.name if alley else '—'}"
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
    i18n: I18n, case: Case, parties: Iterable[Party]
) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [InlineKeyboardButton(party_label(i18n, p), callback_data=pack("cs", "tp", case.id, p.id))]
        for p in parties
    ]
    text = i18n.gettext("Case #{number}: to which unit?").format(number=case.number)
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
