"""What the members a case goes to are told: the dispatch card and its buttons, the request
to assist, the copy to the alley's street chief, the post in the group chat."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import I18n
from models.cases import Assignment, Case, Category
from models.org import Alley, Member, VendingSpot
from views.callbacks import pack
from views.case_buttons import assignee_keyboard
from views.case_text import alley_name, category_name, preview


def action_keyboard(i18n: I18n, case: Case) -> InlineKeyboardMarkup | None:
    """The assignee's buttons for the case's state, in their canonical places
    (views/case_buttons.py: the same on every card, in every state)."""
    return assignee_keyboard(i18n, case)


def dispatch_card(
    i18n: I18n,
    case: Case,
    category: Category | None,
    alley: Alley | None,
    reporter: str,
    spot: VendingSpot | None = None,
    note: str | None = None,
    rework: bool = False,
    contact: str | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The assignee's message, with the buttons to act on the case. `note` comes first: why
    the case came to him now (reassigned after someone left). A case sent back as not fixed
    is announced as rework, not as a new case, with the reporter's objection (`note`) after
    its heading. `contact`: the reporter's phone, given only with his leave."""
    _ = i18n.gettext
    heading = _("Rework #{number}: {category}") if rework else _("New case #{number}: {category}")
    lines = [
        heading.format(number=case.number, category=category_name(i18n, category)),
        (
            _("Where: {alley} ({address})").format(
                alley=alley_name(alley, i18n), address=case.address
            )
            if case.address
            else _("Where: {alley}").format(alley=alley_name(alley, i18n))
        ),
        _("Report: {text}").format(text=preview(case.text) or "—"),
        _("Reported by: {who}").format(who=reporter),
    ]
    if contact:
        lines.append(_("The reporter may be called: {phone}").format(phone=contact))
    if case.due_at is not None:
        lines.append(
            _("Please have it handled by {when}.").format(when=i18n.format_when(case.due_at))
        )
    if spot is not None:
        lines.append(
            _("Nearest designated vending spot (堵疏结合): {name}, {hours}").format(
                name=spot.name, hours=spot.hours or "—"
            )
        )
    if note:
        lines.insert(1 if rework else 0, note)
    return "\n".join(lines), action_keyboard(i18n, case)


def reassigned_note(i18n: I18n, departed: Member) -> str:
    """The first line of the dispatch card of a case that moved because its holder left."""
    return i18n.gettext("Reassigned to you: {name} has left the linkage group.").format(
        name=departed.name
    )


def assist_request(
    i18n: I18n,
    case: Case,
    category: Category | None,
    alley: Alley | None,
    assignment: Assignment,
) -> tuple[str, InlineKeyboardMarkup]:
    """To an assisting unit, with the button that says its part is done."""
    text = i18n.gettext(
        "Your unit is asked to assist with case #{number} ({category}, {alley}).\n{text}"
    ).format(
        number=case.number,
        category=category_name(i18n, category),
        alley=alley_name(alley, i18n),
        text=preview(case.text),
    )
    done = InlineKeyboardButton(
        i18n.gettext("✅ My part is done"), callback_data=pack("cs", "x", assignment.id)
    )
    return text, InlineKeyboardMarkup([[done]])


def street_chief_copy(
    i18n: I18n, case: Case, category: Category | None, alley: Alley | None, lead: str | None
) -> str:
    """For the information of the alley's street chief; `lead` None: nobody was found to
    send it to, so it waits for the street office's triage."""
    return i18n.gettext(
        "For your information: new case #{number} ({category}) in {alley}, your alley; "
        "it went to {who}."
    ).format(
        number=case.number,
        category=category_name(i18n, category),
        alley=alley_name(alley, i18n),
        who=lead if lead is not None else i18n.gettext("the street office's triage"),
    )


def group_post(
    i18n: I18n, case: Case, category: Category | None, alley: Alley | None, lead: str
) -> str:
    """The line in the community's (or street's) group chat: where a new case went."""
    return i18n.gettext("Case #{number} ({category}, {alley}) went to {who}; due {when}.").format(
        number=case.number,
        category=category_name(i18n, category),
        alley=alley_name(alley, i18n),
        who=lead,
        when=i18n.format_when(case.due_at) if case.due_at else "—",
    )
