"""The buttons on a case for those who act on it: the assignee's buttons, /case's keyboard,
the hand-back reasons, the postponement choices, a coordinator's approval and the reporter's
stars.

Button data is `cs:<verb>:<case id>[:<argument>]` (handlers/case_router.py reads it back).

The assignee's buttons stay where they were. There is one canonical layout
(ASSIGNEE_LAYOUT), the same on the dispatch card, the rework card, /case N and the card's
keyboard edited after a press:

    row 1:  ✋ Accept    | ✅ Done
    row 2:  ⏳ Postpone  | ↩️ Not ours

In every state the buttons that apply are shown in their places and the others are left
out, within their row: a button that disappears leaves its row-mates in their row and in
their order (Telegram stretches a lone button across the row), and no row moves up or down.
A row is never emptied while a row below it still has buttons (no state calls for it, and
assignee_keyboard refuses it), so a button's row and its order in the row are the same in
every state. The one that undoes the dispatch, "Not ours", is last: never in the first
row, never where Accept or Done was, and the thumb that pressed Accept and then Done in
the same place never reaches it. The coordinator's rows come below, always in the same
order: assign, then close without handling (views/case_endings.py).

Every question these buttons open ends with a "✖️ Cancel" (views/cancel.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import N_, I18n
from models.cases import Case, CaseState
from views.callbacks import pack
from views.cancel import with_cancel
from views.postpone_dates import other_date_button

# The English text is also what is recorded as the reason, whoever reads it later.
HAND_BACK_REASONS = {
    "ours": N_("Not our unit's responsibility"),
    "place": N_("Not in our area"),
    "dup": N_("Already handled / duplicate"),
}
POSTPONE_DAYS = (1, 3, 7)
# Who may be given the case anew: before it is handled, not after.
REASSIGNABLE = (CaseState.TRIAGE, CaseState.DISPATCHED, CaseState.ACCEPTED)

# The assignee's buttons by verb (the `cs:<verb>` of their data), in their canonical places.
ASSIGNEE_LAYOUT: tuple[tuple[str, ...], ...] = (("a", "d"), ("p", "b"))
ASSIGNEE_LABELS = {
    "a": N_("✋ Accept"),
    "d": N_("✅ Done"),
    "p": N_("⏳ Postpone"),
    "b": N_("↩️ Not ours"),
}
# Which of them apply in which state; none in any other.
ASSIGNEE_VERBS: dict[CaseState, frozenset[str]] = {
    CaseState.DISPATCHED: frozenset({"a", "d", "p", "b"}),
    CaseState.ACCEPTED: frozenset({"d", "p", "b"}),
}


def placed(layout: Sequence[Sequence[str]], shown: frozenset[str]) -> list[list[str]]:
    """The `shown` verbs in `layout`'s places: each row keeps its index and its order, with
    what is not shown left out; trailing empty rows go. A row emptied above one that is not
    would move that one up: refused."""
    rows = [[verb for verb in row if verb in shown] for row in layout]
    while rows and not rows[-1]:
        rows.pop()
    if any(not row for row in rows):
        raise ValueError(f"an empty row above others would move them: {rows}")
    return rows


def assignee_keyboard(i18n: I18n, case: Case) -> InlineKeyboardMarkup | None:
    """The assignee's buttons for the case's state, in their canonical places."""
    rows = placed(ASSIGNEE_LAYOUT, ASSIGNEE_VERBS.get(CaseState(case.state), frozenset()))
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    i18n.gettext(ASSIGNEE_LABELS[verb]), callback_data=pack("cs", verb, case.id)
                )
                for verb in row
            ]
            for row in rows
        ]
    )


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
    return with_cancel(i18n, InlineKeyboardMarkup(rows), "hand_back", case.id, menu=True)


def postpone_keyboard(
    i18n: I18n, case: Case, choices: Sequence[tuple[int, datetime]]
) -> InlineKeyboardMarkup:
    """One button per (days, new due moment), labelled with the moment in `i18n`'s zone;
    below them "another date…", to type one (views/postpone_dates.py)."""
    row = [
        InlineKeyboardButton(i18n.format_when(due), callback_data=pack("cs", "P", case.id, days))
        for days, due in choices
    ]
    rows = [row, [other_date_button(i18n, case)]]
    return with_cancel(i18n, InlineKeyboardMarkup(rows), "postpone", case.id, menu=True)


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
