"""The reporter's say over what handlers know of him: the receipt's buttons and the answers."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import I18n
from models.cases import Case
from views.callbacks import pack


def privacy_keyboard(i18n: I18n, case: Case) -> InlineKeyboardMarkup | None:
    """Hide the name; let the handler call. Nothing left to offer once the name is hidden."""
    if case.anonymous or case.channel is not None:
        return None
    _ = i18n.gettext
    row = [
        InlineKeyboardButton(
            _("🙈 Hide my name from those handling it"), callback_data=pack("rp", "anon", case.id)
        )
    ]
    if not case.contact_allowed:
        row.append(
            InlineKeyboardButton(
                _("📞 The handler may call me"), callback_data=pack("rp", "call", case.id)
            )
        )
    return InlineKeyboardMarkup([[button] for button in row])


def hidden(i18n: I18n, corrected: int) -> str:
    if corrected:
        return i18n.gettext(
            "Done: those handling it will not see who you are; the message they already had "
            "was corrected."
        )
    return i18n.gettext("Done: those handling it will not see who you are.")


def contact_allowed(i18n: I18n, case: Case, phone: str) -> str:
    return i18n.gettext("Done: the handler of case #{number} may call you on {phone}.").format(
        number=case.number, phone=phone
    )


def share_phone(i18n: I18n, case: Case) -> str:
    return i18n.gettext(
        "To let the handler of case #{number} call you, share your number with the button "
        "below. It is shown only to those handling the cases where you allow it."
    ).format(number=case.number)


def phone_saved(i18n: I18n, cases: list[Case]) -> str:
    numbers = ", ".join(f"#{case.number}" for case in cases)
    return i18n.gettext("Thank you: the handler of {cases} may now call you.").format(cases=numbers)
