"""How cases are told to people: names of categories and states, summaries, notices."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from locales.i18n import N_, I18n
from models.cases import Assignment, AssignmentRole, Case, CaseState, Category, Urgency
from models.classify import CategorySpec
from models.org import Alley, Member, Party
from models.places import Place
from models.users import TelegramUser
from views.labels import local_name, role_name
from views.staff_reports import caller_label

STATE_NAMES = {
    CaseState.NEW: N_("received"),
    CaseState.TRIAGE: N_("waiting to be assigned"),
    CaseState.DISPATCHED: N_("assigned"),
    CaseState.ACCEPTED: N_("being handled"),
    CaseState.DONE: N_("handled, to be checked"),
    CaseState.CLOSED: N_("closed"),
    CaseState.VOID: N_("void"),
    CaseState.NOT_ACCEPTED: N_("not accepted"),
    CaseState.TRANSFERRED: N_("transferred"),
}

URGENCY_NAMES = {
    Urgency.NORMAL: N_("normal"),
    Urgency.URGENT: N_("urgent"),
}

PREVIEW_CHARS = 300


def state_name(i18n: I18n, state: str) -> str:
    return i18n.gettext(STATE_NAMES[CaseState(state)])


def urgency_name(i18n: I18n, urgency: str) -> str:
    return i18n.gettext(URGENCY_NAMES[Urgency(urgency)])


def category_name(i18n: I18n, category: CategorySpec | Category | None) -> str:
    if category is None:
        return "—"
    return category.name_zh if i18n.locale == "zh_CN" else category.name_en


def preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def party_label(i18n: I18n, party: Party | None) -> str:
    return local_name(i18n, party)


def lead_label(i18n: I18n, party: Party | None, member: Member | None) -> str:
    """Who leads a case: the party, and the person when there is one."""
    return party_label(i18n, party) + (f" {member.name}" if member else "")


def alley_name(alley: Alley | None, i18n: I18n | None = None) -> str:
    """In the reader's language: the roster's `name_en` for an English reader, when given."""
    if i18n is None:
        return alley.name if alley else "—"
    return local_name(i18n, alley)


def reporter_label(i18n: I18n, case: Case, member: Member | None, user: TelegramUser | None) -> str:
    """Who reported the case, as members are told it: never a name when it was anonymous;
    a member by name and role, else the resident by their Telegram first name."""
    if case.anonymous:
        return i18n.gettext("anonymous")
    if case.channel is not None:  # taken by staff: the caller, without the phone
        return caller_label(i18n, case)
    if member is not None:
        return f"{member.name} ({role_name(i18n, member.role)})"
    return user.first_name if user else "?"


async def lead_of(session: AsyncSession, case: Case) -> tuple[Party | None, Member | None]:
    """The party and person currently leading the case."""
    row = (
        await session.exec(
            select(Assignment)
            .where(Assignment.case_id == case.id, Assignment.role == AssignmentRole.LEAD)
            .order_by(col(Assignment.id).desc())
        )
    ).first()
    if row is None:
        return None, None
    party = await session.get(Party, row.party_id) if row.party_id else None
    member = await session.get(Member, row.member_id) if row.member_id else None
    return party, member


async def summary(session: AsyncSession, i18n: I18n, case: Case, *, full: bool = False) -> str:
    """A case as its reporter or a member reads it."""
    _ = i18n.gettext
    category = await session.get(Category, case.category_id) if case.category_id else None
    alley = await session.get(Alley, case.alley_id) if case.alley_id else None
    lines = [
        _("Case #{number}: {category}").format(
            number=case.number, category=category_name(i18n, category)
        ),
        _("Place: {alley}").format(alley=alley_name(alley, i18n)),
        _("State: {state}").format(state=state_name(i18n, case.state)),
    ]
    party, member = await lead_of(session, case)
    if party is not None:
        lines.append(_("Handled by: {who}").format(who=lead_label(i18n, party, member)))
    if case.due_at and case.state not in (
        CaseState.CLOSED,
        CaseState.VOID,
        CaseState.NOT_ACCEPTED,
        CaseState.TRANSFERRED,
    ):
        lines.append(_("Due: {when}").format(when=i18n.format_when(case.due_at)))
    if case.report_count > 1:
        lines.append(
            i18n.ngettext(
                "Reported by {n} person", "Reported by {n} people", case.report_count
            ).format(n=case.report_count)
        )
    if full:
        lines.append(_("Reported: {when}").format(when=i18n.format_when(case.created_at)))
        lines.append(_("Report: {text}").format(text=preview(case.text) or "—"))
    return "\n".join(lines)


def place_label(i18n: I18n, place: Place) -> str:
    return local_name(i18n, place)
