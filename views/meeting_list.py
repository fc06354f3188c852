"""/meetings as people read it: a street's coming meetings, each with its agenda button, its
printable agenda (📄 PDF) and, for those who manage it, move, cancel and minutes; the recent
meetings with their printable minutes; the series settings for street managers.

Button data is `mt:<verb>:<occurrence or street id>` (handlers/meeting_router.py reads it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import I18n
from models.meetings import MeetingOccurrence, MeetingSeries, OccurrenceState
from models.org import Community, Member, Street
from models.schedule import Replies
from views.callbacks import pack
from views.labels import street_name
from views.meetings import title


@dataclass(frozen=True)
class Listed:
    """One coming meeting, and whether the person looking may change it."""

    occurrence: MeetingOccurrence
    series: MeetingSeries
    community: Community | None
    managed: bool
    replies: Replies | None = None  # for its organisers, before it: who answered what


def coming_meetings(
    i18n: I18n,
    street: Street,
    listed: Sequence[Listed],
    *,
    manages_street: bool,
    past: Sequence[Listed] = (),
) -> tuple[str, InlineKeyboardMarkup | None]:
    """`i18n` in the street's zone: the times are the street's. The coming meetings first,
    then the recent ones (`past`), whose managers may write their minutes."""
    _ = i18n.gettext
    lines = [_("Coming meetings of {street}:").format(street=street_name(i18n, street))]
    rows = []
    for item in listed:
        occurrence, series = item.occurrence, item.series
        name = title(i18n, series, street, item.community)
        state = "" if occurrence.state == OccurrenceState.SCHEDULED else " " + _("(cancelled)")
        lines.append(
            f"• {i18n.format_when(occurrence.starts_at)} {name}"
            f" · {occurrence.place or series.place or '—'}{state}"
        )
        if item.replies is not None:
            lines.append("   " + replies_line(i18n, item.replies))
        row = [
            InlineKeyboardButton(
                _("Agenda {when}").format(when=i18n.format_when(occurrence.starts_at)),
                callback_data=pack("mt", "g", occurrence.id),
            ),
            InlineKeyboardButton(_("📄 PDF"), callback_data=pack("mt", "P", occurrence.id)),
        ]
        if item.managed and occurrence.state == OccurrenceState.SCHEDULED:
            row += [
                InlineKeyboardButton(_("Move"), callback_data=pack("mt", "m", occurrence.id)),
                InlineKeyboardButton(_("Cancel"), callback_data=pack("mt", "c", occurrence.id)),
                InlineKeyboardButton(_("Minutes"), callback_data=pack("mt", "n", occurrence.id)),
            ]
        rows.append(row)
    if len(lines) == 1:
        lines.append(_("none planned"))
    if past:
        lines.append(_("Recent meetings:"))
    for item in past:
        name = title(i18n, item.series, street, item.community)
        lines.append(f"• {i18n.format_when(item.occurrence.starts_at)} {name}")
        row = []
        if item.managed:
            row.append(
                InlineKeyboardButton(
                    _("Minutes {when}").format(when=i18n.format_when(item.occurrence.starts_at)),
                    callback_data=pack("mt", "n", item.occurrence.id),
                )
            )
        row.append(
            InlineKeyboardButton(
                _("📄 PDF {when}").format(when=i18n.format_when(item.occurrence.starts_at)),
                callback_data=pack("mt", "P", item.occurrence.id),
            )
        )
        rows.append(row)
    if manages_street:
        rows.append(
            [InlineKeyboardButton(_("⚙ Meeting series"), callback_data=pack("mt", "S", street.id))]
        )
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


def replies_line(i18n: I18n, replies: Replies) -> str:
    """Who said yes, who no, who nothing: for the meeting's organisers."""

    def names(members: Sequence[Member]) -> str:
        return (i18n.gettext(", ")).join(m.name for m in members) or "—"

    return i18n.gettext("✅ {coming} · ❌ {not_coming} · no answer: {silent}").format(
        coming=names(replies.coming),
        not_coming=names(replies.not_coming),
        silent=names(replies.silent),
    )
