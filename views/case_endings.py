"""Words and buttons for a case closed without handling (不予立案, 转办) and for a closed case
that is back (又出现了). Button data: `cs:na:<case>` (not accepted: the reasons),
`cs:nr:<case>:<reason>`, `cs:tr:<case>` (transfer: the bodies), `cs:to:<case>:<body>`,
`cs:rc:<case>` (back after closure)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import N_, I18n
from models.cases import Case
from models.org import OutsideBody
from views.callbacks import pack
from views.cancel import with_cancel
from views.labels import local_name

# The English text is also what the event records as the reason.
NOT_ACCEPTED_REASONS = {
    "public": N_("Not a public matter"),
    "private": N_("A private dispute"),
    "info": N_("Not enough information"),
    "outside": N_("Outside the street"),
}


def body_name(i18n: I18n, body: OutsideBody) -> str:
    return local_name(i18n, body)


def reason_text(i18n: I18n, code: str | None, note: str | None) -> str:
    """A not-accepted reason in `i18n`'s language: a listed one translated, a typed one as is."""
    if code in NOT_ACCEPTED_REASONS:
        return i18n.gettext(NOT_ACCEPTED_REASONS[code])
    return note or "—"


def close_row(i18n: I18n, case: Case) -> list[InlineKeyboardButton]:
    """A coordinator's two ways to close a report without handling it."""
    _ = i18n.gettext
    return [
        InlineKeyboardButton(_("🚫 Not accepted"), callback_data=pack("cs", "na", case.id)),
        InlineKeyboardButton(_("↪️ Transfer"), callback_data=pack("cs", "tr", case.id)),
    ]


def reopen_row(i18n: I18n, case: Case) -> list[InlineKeyboardButton]:
    """For the reporter or the alley's street chief, on a case closed lately."""
    return [
        InlineKeyboardButton(i18n.gettext("🔁 It is back"), callback_data=pack("cs", "rc", case.id))
    ]


def with_rows(
    keyboard: InlineKeyboardMarkup | None, rows: Sequence[list[InlineKeyboardButton]]
) -> InlineKeyboardMarkup | None:
    """`keyboard`'s rows and then `rows`; None when there is nothing to press."""
    all_rows = [list(row) for row in keyboard.inline_keyboard] if keyboard is not None else []
    all_rows += [list(row) for row in rows]
    return InlineKeyboardMarkup(all_rows) if all_rows else None


def not_accepted_question(i18n: I18n, case: Case) -> tuple[str, InlineKeyboardMarkup]:
    _ = i18n.gettext
    rows = [
        [InlineKeyboardButton(_(label), callback_data=pack("cs", "nr", case.id, code))]
        for code, label in NOT_ACCEPTED_REASONS.items()
    ]
    rows.append(
        [
            InlineKeyboardButton(
                _("Another reason (type it)"), callback_data=pack("cs", "nr", case.id, "other")
            )
        ]
    )
    text = _(
        "Case #{number}: why is it not accepted? The reporter will be told this reason."
    ).format(number=case.number)
    return text, with_cancel(i18n, InlineKeyboardMarkup(rows), "not_accept", case.id, menu=True)


def type_not_accepted_reason(i18n: I18n, case: Case) -> str:
    return i18n.gettext(
        "Please type in one message why case #{number} is not accepted; the reporter will read it."
    ).format(number=case.number)


def transfer_question(
    i18n: I18n, case: Case, bodies: Sequence[OutsideBody]
) -> tuple[str, InlineKeyboardMarkup | None]:
    _ = i18n.gettext
    if not bodies:
        return (
            _(
                "No outside body is named in the roster yet: add [[outside_bodies]] to it "
                "to transfer cases."
            ),
            None,
        )
    rows = [
        [InlineKeyboardButton(body_name(i18n, b), callback_data=pack("cs", "to", case.id, b.id))]
        for b in bodies
    ]
    text = _("Case #{number}: transfer it to which body?").format(number=case.number)
    return text, with_cancel(i18n, InlineKeyboardMarkup(rows), "transfer", case.id, menu=True)


def transfer_note_question(i18n: I18n, case: Case, body: OutsideBody) -> str:
    return i18n.gettext(
        "Case #{number} goes to {body}. Please type a note for the record (a reference "
        "number, whom you contacted); the reporter is told only where it went."
    ).format(number=case.number, body=body_name(i18n, body))


def not_accepted_done(i18n: I18n, case: Case) -> str:
    return i18n.gettext(
        "Case #{number} is closed as not accepted. The reporter is told why."
    ).format(number=case.number)


def transferred_done(i18n: I18n, case: Case, body: OutsideBody) -> str:
    return i18n.gettext("Case #{number} is transferred to {body}. The reporter is told.").format(
        number=case.number, body=body_name(i18n, body)
    )


def not_accepted_notice(i18n: I18n, case: Case, reason: str) -> str:
    """To the reporter and who reported it again; `reason` in their language already."""
    return i18n.gettext(
        "Sorry, your case #{number} cannot be taken up by the street office: {reason}. "
        "If anything changes, you are welcome to report it again."
    ).format(number=case.number, reason=reason)


def transferred_notice(i18n: I18n, case: Case, body: OutsideBody) -> str:
    return i18n.gettext(
        "Your case #{number} is a matter for {body}: the street office has passed it on to them."
    ).format(number=case.number, body=body_name(i18n, body))


def released_notice(i18n: I18n, case: Case, transferred: bool) -> str:
    """To the member who held the case: nothing more is needed of them."""
    text = (
        i18n.gettext(
            "Case #{number} was transferred by the street office; you need do nothing more."
        )
        if transferred
        else i18n.gettext(
            "Case #{number} was closed as not accepted by the street office; "
            "you need do nothing more."
        )
    )
    return text.format(number=case.number)


def reopen_question(i18n: I18n, case: Case) -> str:
    return i18n.gettext(
        "Sorry to hear it. What is wrong again with case #{number}? Please type it; "
        "it goes back to the unit that handled it."
    ).format(number=case.number)


def reopen_too_late(i18n: I18n, case: Case, days: int) -> str:
    return i18n.ngettext(
        "Case #{number} was closed more than {days} day ago: please send it as a new report.",
        "Case #{number} was closed more than {days} days ago: please send it as a new report.",
        days,
    ).format(number=case.number, days=days)


def reopened_closed(i18n: I18n, case: Case, who: str) -> str:
    """To whoever said it is back; `who` the unit (and person) it went back to."""
    return i18n.gettext("Thank you. Case #{number} is reopened and sent back to {who}.").format(
        number=case.number, who=who
    )


def reopened_closed_notice(i18n: I18n, case: Case) -> str:
    """To the other followers of the case."""
    return i18n.gettext(
        "Your case #{number} has been reopened: the problem is back, and it is sent back to "
        "be fixed."
    ).format(number=case.number)


def reopened_closed_note(i18n: I18n, reason: str) -> str:
    """The note on the assignment sent anew to the unit."""
    return i18n.gettext("Reopened (返工): the problem is back after closure: {reason}").format(
        reason=reason
    )


def closure_line(i18n: I18n, code: str | None, note: str | None, body: OutsideBody | None) -> str:
    """/case's line for a case closed without handling."""
    if body is not None:
        return i18n.gettext("Transferred to: {body}").format(body=body_name(i18n, body))
    return i18n.gettext("Not accepted: {reason}").format(reason=reason_text(i18n, code, note))
