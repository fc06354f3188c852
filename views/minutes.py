"""Minutes of a meeting: a decision typed, then its owning unit and its due date chosen with
buttons; the owners are told. Each step has its "✖️ Cancel": the typed question's drops the
question (views/cancel.py), the choices' (`mt:X:<item>`) drop the decision not yet given a
due date, which nobody has been told of."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import I18n
from models.meetings import ActionItem
from models.org import Party
from views.callbacks import pack
from views.cancel import cancel_label
from views.labels import party_name

# Due-date choices, in days from today in the street's zone.
DUE_DAYS = (3, 7, 14, 30)


def decision_question(i18n: I18n) -> str:
    return i18n.gettext("Type the decision, one per message; then choose who does it and by when.")


def decision_missing(i18n: I18n) -> str:
    return i18n.gettext("Please type the decision.")


def choose_owner(
    i18n: I18n, item: ActionItem, parties: Iterable[Party]
) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [InlineKeyboardButton(party_name(i18n, p), callback_data=pack("mt", "o", item.id, p.id))]
        for p in parties
    ]
    rows.append(_cancel_row(i18n, item))
    return i18n.gettext("Who does it: {text}").format(text=item.text), InlineKeyboardMarkup(rows)


def choose_due(
    i18n: I18n, item: ActionItem, owner: Party, today: date
) -> tuple[str, InlineKeyboardMarkup]:
    row = [
        InlineKeyboardButton(
            i18n.format_date(today + timedelta(days=d), "short"),
            callback_data=pack("mt", "d", item.id, d),
        )
        for d in DUE_DAYS
    ]
    text = i18n.gettext("{text}\nOwner: {owner}. Due by?").format(
        text=item.text, owner=party_name(i18n, owner)
    )
    return text, InlineKeyboardMarkup([row, _cancel_row(i18n, item)])


def _cancel_row(i18n: I18n, item: ActionItem) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(cancel_label(i18n), callback_data=pack("mt", "X", item.id))]


def recorded(i18n: I18n, item: ActionItem) -> str:
    assert item.due_date is not None
    return i18n.gettext("Recorded: {text} — due {date}.").format(
        text=item.text, date=i18n.format_date(item.due_date)
    )


def owner_notice(i18n: I18n, item: ActionItem) -> str:
    """To each member of the owning unit, in their language."""
    assert item.due_date is not None
    return i18n.gettext("A meeting gave your unit an action item: {text}, due {date}.").format(
        text=item.text, date=i18n.format_date(item.due_date)
    )
