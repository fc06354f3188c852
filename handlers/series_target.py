"""What a schedule is set for, reloaded and checked on every press and answer: a series being
changed, or a new series of a street (for one of its communities, or the street's own,
community 0); and saving a rule for it, the same whichever way the rule came in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from handlers.access import not_allowed
from handlers.context import LaneKeeperContext
from handlers.meeting_access import manages, manages_street
from models import schedule
from models.meetings import MeetingKind, MeetingOccurrence, MeetingSeries
from models.members import load_street_map
from models.org import Community, Street
from models.permissions import Actor
from notify.meetings import tell_series_change
from notify.messenger import Messenger
from views import meeting_settings
from views.callbacks import as_int, stale
from views.meetings import title

PREVIEW = timedelta(days=400)  # long enough for three of any monthly rule


@dataclass(frozen=True)
class Target:
    street: Street
    series: MeetingSeries | None = None
    community: int | None = None  # a new series only: 0 for the street's own

    @property
    def ref(self) -> int:
        """The id the buttons and the PendingInput name: the series, else the street."""
        ident = self.series.id if self.series is not None else self.street.id
        assert ident is not None
        return ident

    def data(self) -> dict[str, object]:
        if self.series is not None:
            return {"series": self.series.id}
        return {"street": self.street.id, "community": self.community}

    async def name(self, context: LaneKeeperContext) -> str:
        """The meeting's name in the reader's language (a new series: what it will be)."""
        series = self.series or MeetingSeries(
            street_id=self.ref,
            community_id=self.community or None,
            code="",
            kind=MeetingKind.COMMUNITY_WEEKLY if self.community else MeetingKind.STREET_MONTHLY,
            rrule="",
        )
        community = (
            await context.session.get(Community, series.community_id)
            if series.community_id
            else None
        )
        return title(context.i18n, series, self.street, community)


async def reach(
    context: LaneKeeperContext, actor: Actor, ident: int | None, community: int | None
) -> Target | str:
    """The target a button or a question names, or the polite refusal to answer with: the
    series `ident` (community None), else a new series of street `ident` for `community`."""
    if community is None:
        series = await context.session.get(MeetingSeries, ident) if ident else None
        if series is None or not series.active:
            return stale(context.i18n)
        if not await manages(context, actor, series):
            return not_allowed(context)
        street = await context.session.get(Street, series.street_id)
        assert street is not None
        return Target(street, series=series)
    street = await context.session.get(Street, ident) if ident else None
    if street is None:
        return stale(context.i18n)
    if not await manages_street(context, actor, street):
        return not_allowed(context)
    street_map = await load_street_map(context.session, street)
    scope = actor.coordinated_communities(street_map) or set()
    street_wide = actor.is_admin or actor.is_street_coordinator(street_map)
    if (community == 0 and not street_wide) or (community != 0 and community not in scope):
        return not_allowed(context)
    return Target(street, community=community)


async def reach_stored(
    context: LaneKeeperContext, actor: Actor, data: dict[str, object]
) -> Target | str:
    """The target a PendingInput's data names (Target.data)."""
    if "series" in data:
        return await reach(context, actor, as_int(str(data.get("series"))), None)
    community = as_int(str(data.get("community")))
    if community is None:
        return stale(context.i18n)
    return await reach(context, actor, as_int(str(data.get("street"))), community)


async def save_rule(
    context: LaneKeeperContext,
    actor: Actor,
    target: Target,
    rule: str,
    place: str | None,
    key: str,
) -> tuple[MeetingSeries, str]:
    """The rule (already checked) saved: a new series created, or a series' rule changed,
    its future meetings redrawn and its participants told. Returns the series and the
    "Saved. Next: …" to reply."""
    now = context.services.clock.now()
    dropped: list[MeetingOccurrence] = []
    if target.series is None:
        assert target.street.id is not None
        series = await schedule.create_series(
            context.session, target.street.id, target.community or None, rule, place
        )
    else:
        series = target.series
        series.rrule = rule
        context.session.add(series)
        await context.session.commit()
        dropped = await schedule.replan_series(context.session, series, now)
    await schedule.plan(context.session, now)
    coming = await next_meetings(context, series)
    if target.series is not None:  # a changed series: its participants are told
        await tell_series_change(
            Messenger(context.bot, context.session, context.services),
            series,
            coming,
            dropped,
            key=key,
            besides=actor.telegram_id,
        )
    await context.services.meetings_changed()
    i18n = context.services.i18n(context.i18n.locale, target.street.timezone)
    return series, meeting_settings.saved(i18n, [o.starts_at for o in coming])


async def next_meetings(
    context: LaneKeeperContext, series: MeetingSeries
) -> list[MeetingOccurrence]:
    now = context.services.clock.now()
    return [
        o
        for o, s in await schedule.upcoming(context.session, series.street_id, now, 50)
        if s.id == series.id
    ][:3]
