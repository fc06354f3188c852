"""What the people who reported a case are told of it: its progress, and the question whether
it is fixed (asked of the alley's street chief when the reporter cannot be)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import N_, I18n
from models.cases import Case, Category
from models.org import Alley
from views.callbacks import pack
from views.case_text import alley_name, category_name, preview

PROGRESS: dict[str, str] = {
    "accepted": N_("Your case #{number} has been taken on by {who}."),
    "done": N_("Your case #{number} is reported handled; it is now being checked."),
    "closed": N_("Your case #{number} is closed. Thank you for reporting it."),
    "closed_by_default": N_(
        "Your case #{number} is closed: it was handled and nobody "
        "said otherwise within the time allowed."
    ),
    "reopened": N_("Your case #{number} has been reopened and sent back to be fixed."),
    "reassigned": N_("Your case #{number} is now with {who}; it should be handled by {when}."),
    "postponed": N_(
        "Your case #{number} needs more time: it should now be handled by {when}. "
        "Reason given: {reason}"
    ),
    "overdue": N_(
        "We are sorry: your case #{number} was to be handled by {when} and is not yet. "
        "It has been escalated, so that it is dealt with quickly."
    ),
}


# The steps whose notice names who has the case now.
NAMES_LEAD = frozenset({"accepted", "reassigned"})


def progress_notice(i18n: I18n, case: Case, kind: str, who: str = "", reason: str = "") -> str:
    """One step of the case, for a reporter: `kind` is one of PROGRESS; `who` has it now;
    `when` is its deadline as it stands, in the reader's language and the street's zone."""
    return i18n.gettext(PROGRESS[kind]).format(
        number=case.number,
        who=who,
        when=i18n.format_when(case.due_at) if case.due_at else "—",
        reason=preview(reason) if reason else "—",
    )


def verification_question(
    i18n: I18n, case: Case, category: Category | None, alley: Alley | None, note: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    """The case is reported handled: is it fixed? With the handler's note, if any."""
    _ = i18n.gettext
    text = _("Case #{number} ({category}, {alley}) is reported handled.").format(
        number=case.number, category=category_name(i18n, category), alley=alley_name(alley, i18n)
    )
    if note:
        text += "\n" + _("Note: {note}").format(note=preview(note))
    text += "\n" + _("Is it fixed?")
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("✅ Fixed"), callback_data=pack("cs", "v", case.id, "y")),
                InlineKeyboardButton(
                    _("❌ Not fixed"), callback_data=pack("cs", "v", case.id, "n")
                ),
            ]
        ]
    )
    return text, keyboard
