"""/todo as a member reads it: sections per role, lines most urgent first, pages of ten."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import I18n
from models.todo import CoordinatorTodo, TodoRow, overdue
from views.callbacks import pack
from views.case_text import category_name, state_name
from views.labels import local_name

PREFIX = "td"
PAGE_SIZE = 10


@dataclass
class Section:
    title: str
    # (group label or None, line); a section with no lines says so.
    lines: list[tuple[str | None, str]] = field(default_factory=list)


def line(i18n: I18n, row: TodoRow, now: datetime) -> str:
    _ = i18n.gettext
    due = i18n.format_when(row.due_at) if row.due_at else _("no deadline")
    text = (
        f"#{row.number} · {category_name(i18n, row.category)} · {local_name(i18n, row.alley)} · "
        f"{state_name(i18n, row.state)} · " + _("due {when}").format(when=due)
    )
    if row.due_at is not None and overdue(row, now):
        late = i18n.format_duration(now - row.due_at)
        text = "⚠️ " + text + " · " + _("overdue by {time}").format(time=late)
    return text + f" · /case {row.number}"


def _plain(i18n: I18n, title: str, rows: list[TodoRow], now: datetime) -> Section:
    return Section(title, [(None, line(i18n, r, now)) for r in rows])


def sections(
    i18n: I18n,
    now: datetime,
    *,
    assigned: list[TodoRow] | None = None,
    party: list[TodoRow] | None = None,
    alleys: list[TodoRow] | None = None,
    coordinator: CoordinatorTodo | None = None,
) -> list[Section]:
    """The sections the member's roles call for (None: not one of his roles)."""
    _ = i18n.gettext
    found = []
    if assigned is not None:
        found.append(_plain(i18n, _("Assigned to you:"), assigned, now))
    if party is not None:
        grouped = Section(_("Your unit's open cases, by member:"))
        names = sorted({r.member or "" for r in party})
        for name in names:
            label = name or _("not yet given to a person")
            grouped.lines += [
                (label, line(i18n, r, now)) for r in party if (r.member or "") == name
            ]
        found.append(grouped)
    if alleys is not None:
        found.append(_plain(i18n, _("Open cases in your alleys:"), alleys, now))
    if coordinator is not None:
        found.append(_plain(i18n, _("Waiting to be assigned:"), coordinator.triage, now))
        found.append(_plain(i18n, _("Overdue:"), coordinator.overdue, now))
        found.append(
            _plain(i18n, _("Postponement requests to decide:"), coordinator.postponements, now)
        )
    return found


def _items(found: list[Section]) -> list[tuple[Section, str | None, str | None]]:
    items: list[tuple[Section, str | None, str | None]] = []
    for section in found:
        if not section.lines:
            items.append((section, None, None))
        items += [(section, group, text) for group, text in section.lines]
    return items


def page_count(found: list[Section]) -> int:
    return max(1, -(-len(_items(found)) // PAGE_SIZE))


def page(
    i18n: I18n, found: list[Section], number: int
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """Page `number` (from 0) with ◀ ▶, or None when there is no such page."""
    _ = i18n.gettext
    pages = page_count(found)
    if not 0 <= number < pages:
        return None
    if pages == 1:
        lines = [_("Your to-do list:")]
    else:
        lines = [
            _("Your to-do list (page {page} of {pages}):").format(page=number + 1, pages=pages)
        ]
    section: Section | None = None
    group: str | None = None
    for item_section, item_group, text in _items(found)[
        number * PAGE_SIZE : (number + 1) * PAGE_SIZE
    ]:
        if item_section is not section:
            section, group = item_section, None
            lines += ["", section.title]
        if text is None:
            lines.append(_("Nothing here."))
            continue
        if item_group is not None and item_group != group:
            group = item_group
            lines.append(f"👤 {group}")
        lines.append(text)
    nav = []
    if number > 0:
        nav.append(InlineKeyboardButton("◀", callback_data=pack(PREFIX, number - 1)))
    if number < pages - 1:
        nav.append(InlineKeyboardButton("▶", callback_data=pack(PREFIX, number + 1)))
    return "\n".join(lines), InlineKeyboardMarkup([nav]) if nav else None


def not_a_member(i18n: I18n) -> str:
    return i18n.gettext(
        "/todo is for members of the linkage group. To follow your own reports, use /my."
    )
