"""The buttons on a case for those who act on it: /case's keyboard, the hand-back reasons,
the postponement choices, a coordinator's approval and the reporter's stars.

Button data is `cs:<verb>:<case id>[:<argument>]` (handlers/case_router.py reads it back).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import N_, I18n
from models.cases import Case, CaseState
from views.callbacks import pack

# The English text is also what is recorded as the reason, whoever reads it later.
HAND_BACK_REASONS = {
    "ours": N_("Not our unit's responsibility"),
    "place": N_("Not in our area"),
    "dup": N_("Already handled / duplicate"),
}
POSTPONE_DAYS = (1, 3, 7)
# Who may be given the case anew: before it is handled, not after.
REASSIGNABLE = (CaseState.TRIAGE, CaseState.DISPATCHED, CaseState.ACCEPTED)


def case_buttons(
    i18n: I18n, case: Case, actions: InlineKeyboardMarkup | None, *, coordinator: bool
) -> InlineKeyboardMarkup | None:
    """What /case offers the person looking: the assignee's `actions`, a coordinator's
    (re)assign while the case is open; None when there is nothing to press."""
    rows = [list(row) for row in actions.inline_keyboard] if actions is not None else []
    if coordinator and case.state in REASSIGNABLE:
        label = (
            i18n.gettext("Assign to someone else")
            if case.state != CaseState.TRIAGE
            else i18n.gettext("Assign")
        )
        rows.append([InlineKeyboardButton(label, callback_data=pack("cs", "t", case.id))])
    return InlineKeyboardMarkup(rows) if rows else None


def hand_back_keyboard(i18n: I18n, case: Case) -> InlineKeyboardMarkup:
    _ = i18n.gettext
    rows = [
        [InlineKeyboardButton(_(label), callback_data=pack("cs", "B", case.id, code))]
        for code, label in HAND_BACK_REASONS.items()
    ]
    rows.append(
        [
            InlineKeyboardButton(
                _("Another reason (type it)"), callback_data=pack("cs", "B", case.id, "other")
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


def postpone_keyboard(
    i18n: I18n, case: Case, choices: Sequence[tuple[int, datetime]]
) -> InlineKeyboardMarkup:
    """One button per (days, new due moment), labelled with the moment in `i18n`'s zone."""
    row = [
        InlineKeyboardButton(i18n.format_when(due), callback_data=pack("cs", "P", case.id, days))
        for days, due in choices
    ]
    return InlineKeyboardMarkup([row])


def approval_keyboard(i18n: I18n, case: Case) -> InlineKeyboardMarkup:
    """A coordinator's answer to a postponement past the category's limit."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    i18n.gettext("Approve"), callback_data=pack("cs", "Y", case.id, "y")
                ),
                InlineKeyboardButton(
                    i18n.gettext("Refuse"), callback_data=pack("cs", "Y", case.id, "n")
                ),
            ]
        ]
    )


def stars_keyboard(case: Case) -> InlineKeyboardMarkup:
    """The reporter's mark, one to five stars."""
    stars = [
        InlineKeyboardButton("⭐" * n, callback_data=pack("cs", "s", case.id, n))
        for n in range(1, 6)
    ]
    return InlineKeyboardMarkup([stars[:3], stars[3:]])
