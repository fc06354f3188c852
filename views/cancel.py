"""The "✖️ Cancel" of every question the bot asks about a case or a meeting, and what is said
when one is cancelled (by the button, or by 取消, 算了, 不用了, "cancel"… typed alone while
the question waits: models.drafts.CANCEL_WORDS).

Button data names the question it drops:
  - `qx:<kind>:<ref>` on a question waiting for a typed answer: the presser's PendingInput of
    that kind about `ref` (the case, or the meeting occurrence, series or street);
  - `qx:<kind>:<ref>:m` on the choices before it (the hand-back reasons, the postponement
    dates, …), when nothing is stored yet: the presser must be one who may act on the case.
handlers/cancel.py checks both on every press; a forged, stale or someone else's press
changes nothing. Cancelling never changes the case: the question is dropped, and that is
all. (Staff reports have their own `sr:x`, views/staff_reports.py, with the same label.)
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import I18n
from models.cases import Case
from views.callbacks import pack

PREFIX = "qx"
# The questions about a case (PendingInput.case_id is the ref) ...
CASE_KINDS = (
    "hand_back",
    "postpone",
    "postpone_date",
    "postpone_confirm",
    "finish",
    "not_accept",
    "transfer",
    "reopen_closed",
    "reopen",
)
# ... those with choices before the typed answer (a menu that may be cancelled too) ...
MENU_KINDS = ("hand_back", "postpone", "not_accept", "transfer")
# ... and those about meetings (the ref is in PendingInput.data).
MEETING_KINDS = (
    "move_meeting",
    "move_confirm",
    "minutes",
    "series_rule",
    "series_place",
    "series_new",
    "series_time",
    "series_confirm",
)
KINDS = CASE_KINDS + MEETING_KINDS
MENU = "m"


def cancel_label(i18n: I18n) -> str:
    return i18n.gettext("✖️ Cancel")


def cancel_button(
    i18n: I18n, kind: str, ref: int | None, *, menu: bool = False
) -> InlineKeyboardButton:
    parts: tuple[object, ...] = (PREFIX, kind, ref or 0) + ((MENU,) if menu else ())
    return InlineKeyboardButton(cancel_label(i18n), callback_data=pack(*parts))


def cancel_keyboard(
    i18n: I18n, kind: str, ref: int | None, *, menu: bool = False
) -> InlineKeyboardMarkup:
    """A question's only button."""
    return InlineKeyboardMarkup([[cancel_button(i18n, kind, ref, menu=menu)]])


def with_cancel(
    i18n: I18n,
    keyboard: InlineKeyboardMarkup | None,
    kind: str,
    ref: int | None,
    *,
    menu: bool = False,
) -> InlineKeyboardMarkup:
    """`keyboard`'s rows, then the cancel alone in the last row (below every choice, so the
    choices keep their places)."""
    rows = [list(row) for row in keyboard.inline_keyboard] if keyboard is not None else []
    rows.append([cancel_button(i18n, kind, ref, menu=menu)])
    return InlineKeyboardMarkup(rows)


def cancelled(i18n: I18n, kind: str, case: Case | None) -> str:
    """What the one who cancelled reads: nothing changed."""
    if kind == "reopen" and case is not None:
        # The "not fixed" press already sent it back; only the words after it are dropped.
        return i18n.gettext(
            "Cancelled; nothing more is sent about case #{number}, which stays in rework."
        ).format(number=case.number)
    if case is not None:
        return i18n.gettext("Cancelled; case #{number} is unchanged.").format(number=case.number)
    return i18n.gettext("Cancelled; nothing was changed.")
