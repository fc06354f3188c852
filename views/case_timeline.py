"""A case's history as /case shows it: its last steps, one short line each."""

from __future__ import annotations

from locales.i18n import N_, I18n
from models.cases import CaseAction
from models.evidence import History, Step
from views.labels import role_name

NOTE_CHARS = 40

ACTION_LABELS: dict[CaseAction, str] = {
    CaseAction.CREATE: N_("reported"),
    CaseAction.ROUTE: N_("routed"),
    CaseAction.TO_TRIAGE: N_("sent to the street office to assign"),
    CaseAction.ASSIGN: N_("assigned"),
    CaseAction.ACCEPT: N_("accepted"),
    CaseAction.HAND_BACK: N_("handed back"),
    CaseAction.POSTPONE: N_("postponed"),
    CaseAction.FINISH: N_("reported done"),
    CaseAction.CONFIRM: N_("confirmed fixed"),
    CaseAction.REOPEN: N_("sent back as not fixed"),
    CaseAction.CLOSE_BY_DEFAULT: N_("closed, nobody objected in time"),
    CaseAction.VOID: N_("voided"),
    CaseAction.LINK_DUPLICATE: N_("reported again by someone else"),
    CaseAction.RELEASE: N_("released: its holder left"),
    CaseAction.NOT_ACCEPT: N_("not accepted"),
    CaseAction.TRANSFER: N_("transferred"),
    CaseAction.REOPEN_CLOSED: N_("reopened after closure"),
    CaseAction.POSTPONE_REQUEST: N_("asked to postpone"),
    CaseAction.POSTPONE_REFUSED: N_("postponement refused"),
    CaseAction.ASSIST_DONE: N_("assisting unit done"),
    CaseAction.REMIND: N_("reminded of the deadline"),
    CaseAction.ESCALATE: N_("escalated: overdue"),
    CaseAction.VERIFY_REQUEST: N_("verification asked"),
    CaseAction.EDIT: N_("report edited"),
    CaseAction.RECATEGORISE: N_("category corrected"),
}


def actor(i18n: I18n, step: Step) -> str | None:
    """Who took the step: a name (with the role of a member); the reporter of an anonymous
    case only as "the reporter"; None for the bot's own steps."""
    if step.by_reporter and step.name is None:
        return i18n.gettext("the reporter")
    if step.name is None:
        return None
    return f"{step.name} ({role_name(i18n, step.role)})" if step.role else step.name


def short(note: str) -> str:
    note = " ".join(note.split())
    return note if len(note) <= NOTE_CHARS else note[: NOTE_CHARS - 1] + "…"


def timeline(i18n: I18n, history: History) -> str:
    """'History:' and one line a step: when (in the street's time), who, what, the note."""
    _ = i18n.gettext
    lines = [_("History:")]
    if history.earlier:
        lines.append(
            "  "
            + i18n.ngettext("({n} earlier step)", "({n} earlier steps)", history.earlier).format(
                n=history.earlier
            )
        )
    for step in history.steps:
        label = _(ACTION_LABELS.get(step.action, step.action.value))
        who = actor(i18n, step)
        line = f"  {i18n.format_when(step.at)} · " + (f"{who}: {label}" if who else label)
        if step.note:
            line += f" — {short(step.note)}"
        lines.append(line)
    return "\n".join(lines)
