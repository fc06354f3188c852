"""A meeting as people read it: its title, and the .ics file for their calendars."""

from __future__ import annotations

from datetime import UTC, timedelta
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
) -> bytes:
    """The occurrence as an iCalendar file, for the members' own calendars: its times in the
    street's time zone, described by a VTIMEZONE (RFC 5545, so that any calendar reads them
    right), the place as LOCATION and the agenda as DESCRIPTION."""
    calendar = Calendar()
    calendar.add("prodid", "-//LaneKeeper//巷管家//ZH")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"occurrence-{occurrence.id}@{street.code}.lanekeeper")
    tz = ZoneInfo(street.timezone)
    event.add("dtstart", occurrence.starts_at.astimezone(tz))
    event.add(
        "dtend", (occurrence.starts_at + timedelta(minutes=series.duration_min)).astimezone(tz)
    )
    event.add("dtstamp", occurrence.original_start.astimezone(UTC))
    event.add("summary", summary)
    if occurrence.place or series.place:
        event.add("location", occurrence.place or series.place)
    if description:
        event.add("description", description)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
