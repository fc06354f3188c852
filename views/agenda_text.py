"""A meeting's agenda as people read it, in their language."""

from __future__ import annotations

from collections.abc import Mapping

from locales.i18n import I18n
from models.agenda import Agenda
from models.classify import CategorySpec
from models.meetings import ActionItemState, MeetingKind
from models.org import Names
from views.case_text import category_name, state_name
from views.labels import community_name, local_name, street_name

LATE_SHOWN = 10


def render_agenda(
    agenda: Agenda,
    i18n: I18n,
    categories: Mapping[str, CategorySpec],
    owners: Mapping[int, Names] | None = None,
) -> str:
    _ = i18n.gettext
    owners = owners or {}

    def cat(code: str) -> str:
        return category_name(i18n, categories.get(code))

    def party(code: str | None) -> str:
        if code is None:
            return _("not yet assigned")
        names = agenda.party_names.get(code)
        return local_name(i18n, names) if names else code

    place = (
        community_name(i18n, agenda.community)
        if agenda.community
        else street_name(i18n, agenda.street)
    )
    title = (
        _("{place}: weekly meeting agenda")
        if agenda.kind == MeetingKind.COMMUNITY_WEEKLY
        else _("{place}: monthly review meeting agenda")
    ).format(place=place)
    period = _("Period: {start} to {end}").format(
        start=i18n.format_when(agenda.start), end=i18n.format_when(agenda.end)
    )
    lines = [title, period, ""]

    lines.append(_("1. New cases: {n}").format(n=agenda.new_total))
    if agenda.new_by_category:
        lines.append(
            "   "
            + _("by category: {list}").format(
                list=" · ".join(f"{cat(code)} {n}" for code, n in agenda.new_by_category)
            )
        )
        lines.append(
            "   "
            + _("by unit: {list}").format(
                list=" · ".join(f"{party(code)} {n}" for code, n in agenda.new_by_party)
            )
        )
    if agenda.not_accepted or agenda.transferred:
        lines.append(
            "   "
            + _("closed without handling: not accepted {n}, transferred {m}").format(
                n=agenda.not_accepted, m=agenda.transferred
            )
        )

    lines.append(
        _("2. Open cases: {open}; overdue (difficult cases): {late}").format(
            open=agenda.open_count, late=len(agenda.late)
        )
    )
    for late in agenda.late[:LATE_SHOWN]:
        lines.append(
            "   "
            + i18n.ngettext(
                "#{number} {category} · {alley} · {state} · {days} day late",
                "#{number} {category} · {alley} · {state} · {days} days late",
                late.days_late,
            ).format(
                number=late.number,
                category=cat(late.category),
                alley=local_name(i18n, late.alley),
                state=state_name(i18n, late.state),
                days=late.days_late,
            )
        )
    if len(agenda.late) > LATE_SHOWN:
        lines.append("   " + _("… and {n} more").format(n=len(agenda.late) - LATE_SHOWN))

    lines.append(_("3. Hot spots"))
    if not agenda.hotspots:
        lines.append("   " + _("none: no alley had more than one new case"))
    for spot in agenda.hotspots:
        text = i18n.ngettext("{alley}: {n} case", "{alley}: {n} cases", spot.reports).format(
            alley=local_name(i18n, spot.alley), n=spot.reports
        )
        if spot.repeats:
            text = _("{spot} (repeated: {list})").format(
                spot=text, list=", ".join(f"{cat(code)} ×{n}" for code, n in spot.repeats)
            )
        lines.append("   " + text)

    lines.append(_("4. Units (handled / on time / reworked)"))
    if not agenda.parties:
        lines.append("   " + _("no case was handled in this period"))
    for figures in agenda.parties:
        counts = f"{figures.handled} / {figures.on_time} / {figures.reworked}"
        lines.append(f"   {local_name(i18n, figures)}: {counts}")

    lines.append(_("5. Decisions of the last meeting"))
    if not agenda.action_items:
        lines.append("   " + _("none recorded"))
    for item in agenda.action_items:
        mark = {ActionItemState.DONE: "☑", ActionItemState.CANCELLED: "☒"}.get(
            ActionItemState(item.state), "☐"
        )
        owner = local_name(i18n, owners.get(item.id or 0))
        due = i18n.format_date(item.due_date) if item.due_date else "—"
        lines.append(f"   {mark} {item.text} — {owner}, {due}")
    return "\n".join(lines)
