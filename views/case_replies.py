"""What the bot answers those who act on a case with its buttons, and the questions it asks
them to type an answer to: the assignee, the reporter checking the fix, a coordinator.

The notices sent to others (the reporter, the assignees) live in notify/; the words of the
few sent from a button press are here.
"""

from __future__ import annotations

from datetime import datetime

from locales.i18n import I18n
from models.cases import Case


def moved_on(i18n: I18n) -> str:
    return i18n.gettext("That has already been done, or the case has moved on.")


def accepted(i18n: I18n) -> str:
    return i18n.gettext("Accepted. The reporter is told.")


def hand_back_question(i18n: I18n, case: Case) -> str:
    return i18n.gettext("Why is case #{number} not yours?").format(number=case.number)


def type_reason(i18n: I18n, case: Case | None) -> str:
    if case is None:
        return i18n.gettext("Please type the reason in one message.")
    return i18n.gettext("Case #{number}: please type the reason in one message.").format(
        number=case.number
    )


def handed_back(i18n: I18n) -> str:
    return i18n.gettext("Handed back: the street office will reassign it.")


def finish_question(i18n: I18n, case: Case) -> str:
    return i18n.gettext(
        "Case #{number}: send a photo of the result, or write a short note on what was done."
    ).format(number=case.number)


def finish_needs_something(i18n: I18n, case: Case) -> str:
    return i18n.gettext("Case #{number}: please send a photo or a short note.").format(
        number=case.number
    )


def finished(i18n: I18n, case: Case) -> str:
    return i18n.gettext(
        "Thank you. Case #{number} is marked handled; the reporter is asked to confirm."
    ).format(number=case.number)


def assist_noted(i18n: I18n) -> str:
    return i18n.gettext("Noted: your part is done.")


def postpone_question(i18n: I18n, case: Case) -> str:
    return i18n.gettext(
        "Postpone case #{number} until when? (Past the category's limit, a coordinator approves.)"
    ).format(number=case.number)


def postpone_reason_question(i18n: I18n, case: Case) -> str:
    return i18n.gettext(
        "Case #{number}: why does it need more time? Please type the reason."
    ).format(number=case.number)


def postponed(i18n: I18n, case: Case, new_due: datetime) -> str:
    """`i18n` in the street's zone: the new due moment is read there."""
    return i18n.gettext("Case #{number} is now due {when}.").format(
        number=case.number, when=i18n.format_when(new_due)
    )


def postponement_needs_approval(i18n: I18n) -> str:
    return i18n.gettext("That is past the category's limit: a coordinator is asked to approve.")


def approval_request(i18n: I18n, case: Case, new_due: datetime, reason: str) -> str:
    """To a coordinator, with views.case_buttons.approval_keyboard."""
    return i18n.gettext(
        "Postponement asked for case #{number}: from {old} to {new}. Reason: {reason}"
    ).format(
        number=case.number,
        old=i18n.format_when(case.due_at) if case.due_at else "—",
        new=i18n.format_when(new_due),
        reason=reason,
    )


def postponement_decided(i18n: I18n, approve: bool) -> str:
    """To the coordinator who pressed."""
    return (
        i18n.gettext("Postponement approved.") if approve else i18n.gettext("Postponement refused.")
    )


def postponement_decision(i18n: I18n, case: Case, approve: bool) -> str:
    """To whoever asked for the postponement; the case is due as it now stands."""
    text = (
        i18n.gettext("Postponement of case #{number} approved: now due {when}.")
        if approve
        else i18n.gettext("Postponement of case #{number} refused: still due {when}.")
    )
    assert case.due_at is not None
    return text.format(number=case.number, when=i18n.format_when(case.due_at))


def closed_ask_mark(i18n: I18n, case: Case) -> str:
    """To the reporter who confirmed the fix, with views.case_buttons.stars_keyboard."""
    return i18n.gettext(
        "Thank you! Case #{number} is closed. How satisfied are you with how it was handled?"
    ).format(number=case.number)


def reopen_question(i18n: I18n, case: Case) -> str:
    """To the verifier who pressed "not fixed": the case is back in rework already."""
    return i18n.gettext(
        "Sorry to hear that. Case #{number} is sent back to be fixed. "
        "If you like, type in one message what is still wrong, and the handler will be told."
    ).format(number=case.number)


def objection_noted(i18n: I18n) -> str:
    return i18n.gettext("Thank you. The handler is told what is still wrong.")


def mark_noted(i18n: I18n) -> str:
    return i18n.gettext("Thank you for your mark.")


def closed_to_assignee(i18n: I18n, case: Case) -> str:
    return i18n.gettext("Case #{number} was confirmed fixed and is closed. Thank you.").format(
        number=case.number
    )


def reopened_note(i18n: I18n, reason: str) -> str:
    """The objection on the rework card sent anew to the assignee."""
    if not reason:
        return i18n.gettext("Not fixed, says the reporter.")
    return i18n.gettext("Not fixed, says the reporter: {reason}").format(reason=reason)


def objection_to_assignee(i18n: I18n, case: Case, reason: str) -> str:
    """What the verifier typed after "not fixed", sent on to the assignee."""
    return i18n.gettext("Rework #{number}: the reporter says what is still wrong: {reason}").format(
        number=case.number, reason=reason
    )
