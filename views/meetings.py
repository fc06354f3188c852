"""A meeting as people read it: its title, and the .ics file for their calendars."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from locales.i18n import I18n
from models.meetings import MeetingOccurrence, MeetingSeries
from models.org import Community, Street
from views.labels import community_name, street_name


def title(i18n: I18n, series: MeetingSeries, street: Street, community: Community | None) -> str:
    place = community_name(i18n, community) if community else street_name(i18n, street)
    if series.kind == "community_weekly":
        return i18n.gettext("{place} weekly meeting").format(place=place)
    if series.kind == "street_monthly":
        return i18n.gettext("{place} monthly review meeting").format(place=place)
    return i18n.gettext("{place} meeting").format(place=place)


def ics(
    occurrence: MeetingOccurrence,
    series: MeetingSeries,
    street: Street,
    summary: str,
    description: str | None = None,
    *,
    stamp: datetime | None = None,
) -> bytes:
    """The occurrence as an iCalendar file, for the members' own calendars: its times in the
    street's time zone, described by a VTIMEZONE (RFC 5545, so that any calendar reads them
    right), the place as LOCATION and the agenda as DESCRIPTION."""
    return calendar_file([occurrence], series, street, summary, description, stamp=stamp)


def calendar_file(
    occurrences: Sequence[MeetingOccurrence],
    series: MeetingSeries,
    street: Street,
    summary: str,
    description: str | None = None,
    *,
    stamp: datetime | None = None,
    method: str | None = None,
) -> bytes:
    """One event per occurrence, each with the UID its occurrence always has
    (occurrence-<id>@<street>.lanekeeper), so that a calendar which holds it updates it.
    `stamp`: when this version was made (DTSTAMP, and SEQUENCE as its Unix time, so a later
    version wins); `method`: "PUBLISH" for an update, "CANCEL" to have calendars remove the
    events (each then STATUS:CANCELLED)."""
    calendar = Calendar()
    calendar.add("prodid", "-//LaneKeeper//巷管家//ZH")
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    tz = ZoneInfo(street.timezone)
    for occurrence in occurrences:
        event = Event()
        event.add("uid", f"occurrence-{occurrence.id}@{street.code}.lanekeeper")
        event.add("dtstart", occurrence.starts_at.astimezone(tz))
        event.add(
            "dtend",
            (occurrence.starts_at + timedelta(minutes=series.duration_min)).astimezone(tz),
        )
        event.add("dtstamp", (stamp or occurrence.original_start).astimezone(UTC))
        if stamp is not None:
            event.add("sequence", max(0, int(stamp.timestamp())))
        event.add("summary", summary)
        if occurrence.place or series.place:
            event.add("location", occurrence.place or series.place)
        if description:
            event.add("description", description)
        if method == "CANCEL":
            event.add("status", "CANCELLED")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
