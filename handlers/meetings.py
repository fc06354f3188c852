"""/meetings: the coming meetings, their agendas, attendance, moves, cancellations, minutes."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from handlers.access import current_actor, not_allowed
from handlers.context import LaneKeeperContext
from models import dispatch as questions
from models import schedule
from models.cases import PendingInput
from models.meeting_rule import MAX_RULE_LENGTH, RuleProblem, RuleRefusal, check_rule
from models.meetings import (
    ActionItem,
    MeetingAttendance,
    MeetingNotice,
    MeetingOccurrence,
    MeetingSeries,
    OccurrenceState,
)
from models.members import load_street_map
from models.minutes import add_item, owners_to_tell
from models.org import Community, Party, Street
from models.permissions import Actor
from notify.meetings import agenda_text, send_chart
from notify.messenger import Messenger
from views.callbacks import as_int, pack
from views.labels import street_name
from views.meetings import title

PATTERN = r"^mt:"
KINDS = ("move_meeting", "minutes", "series_rule", "series_place", "series_new")
SHOWN = 6
DUE_DAYS = (3, 7, 14, 30)
_WHEN = re.compile(
    r"(?:(\d{4})\s*[-/年.]\s*)?(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*[日号]?\s*"
    r"(\d{1,2})\s*[:：点时]\s*(\d{1,2})?"
)


def parse_when(text: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """'2026-12-01 10:00', '12-1 10:00', '12月1日 10:00', '12/1 10点' in the street's zone."""
    match = _WHEN.search(text)
    if match is None:
        return None
    year, month, day, hour, minute = match.groups()
    local_now = now.astimezone(tz)
    try:
        moment = datetime(
            int(year or local_now.year),
            int(month),
            int(day),
            int(hour),
            int(minute or 0),
            tzinfo=tz,
        )
    except ValueError:
        return None
    if year is None and moment < local_now - timedelta(days=1):
        moment = moment.replace(year=moment.year + 1)
    return moment


async def _manages(context: LaneKeeperContext, actor: Actor, series: MeetingSeries) -> bool:
    street = await context.session.get(Street, series.street_id)
    assert street is not None
    street_map = await load_street_map(context.session, street)
    if actor.is_street_coordinator(street_map):  # admins included
        return True
    scope = actor.coordinated_communities(street_map)
    return bool(scope) and series.community_id in (scope or set())


async def _streets(context: LaneKeeperContext, actor: Actor) -> list[Street]:
    if actor.is_admin:
        return list(await context.session.exec(select(Street).order_by(col(Street.code))))
    ids = {m.member.street_id for m in actor.memberships}
    return [
        s
        for s in await context.session.exec(select(Street).order_by(col(Street.code)))
        if s.id in ids
    ]


async def _shown(
    context: LaneKeeperContext, street_id: int, now: datetime
) -> list[tuple[MeetingOccurrence, MeetingSeries]]:
    """The next meeting of every series, then the soonest others, in time order."""
    coming = await schedule.upcoming(context.session, street_id, now, 40)
    first: dict[int | None, tuple[MeetingOccurrence, MeetingSeries]] = {}
    for occurrence, series in coming:
        first.setdefault(series.id, (occurrence, series))
    chosen = list(first.values())
    for pair in coming:
        if len(chosen) >= SHOWN:
            break
        if pair not in chosen:
            chosen.append(pair)
    return sorted(chosen, key=lambda pair: pair[0].starts_at)


async def meetings_command(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    actor = await current_actor(update, context)
    if message is None or actor is None:
        return
    _ = context.i18n.gettext
    streets = await _streets(context, actor)
    if not streets:
        await message.reply_text(not_allowed(context))
        return
    now = context.services.clock.now()
    await schedule.plan(context.session, now)
    for street in streets:
        assert street.id is not None
        i18n = context.services.i18n(context.i18n.locale, street.timezone)
        lines = [_("Coming meetings of {street}:").format(street=street_name(i18n, street))]
        rows = []
        for occurrence, series in await _shown(context, street.id or 0, now):
            community = (
                await context.session.get(Community, series.community_id)
                if series.community_id
                else None
            )
            name = title(i18n, series, street, community)
            state = "" if occurrence.state == OccurrenceState.SCHEDULED else " " + _("(cancelled)")
            lines.append(
                f"• {i18n.format_when(occurrence.starts_at)} {name}"
                f" · {occurrence.place or series.place or '—'}{state}"
            )
            row = [
                InlineKeyboardButton(
                    _("Agenda {when}").format(when=i18n.format_when(occurrence.starts_at)),
                    callback_data=pack("mt", "g", occurrence.id),
                )
            ]
            if (
                await _manages(context, actor, series)
                and occurrence.state == OccurrenceState.SCHEDULED
            ):
                row += [
                    InlineKeyboardButton(_("Move"), callback_data=pack("mt", "m", occurrence.id)),
                    InlineKeyboardButton(_("Cancel"), callback_data=pack("mt", "c", occurrence.id)),
                    InlineKeyboardButton(
                        _("Minutes"), callback_data=pack("mt", "n", occurrence.id)
                    ),
                ]
            rows.append(row)
        if len(lines) == 1:
            lines.append(_("none planned"))
        if await _manages_street(context, actor, street):
            rows.append(
                [
                    InlineKeyboardButton(
                        _("⚙ Meeting series"), callback_data=pack("mt", "S", street.id)
                    )
                ]
            )
        await message.reply_text(
            "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows) if rows else None
        )


async def pressed(update: Update, context: LaneKeeperContext) -> None:
    query = update.callback_query
    actor = await current_actor(update, context)
    assert query is not None and actor is not None
    _ = context.i18n.gettext
    stale = _("This button is no longer valid.")
    parts = (query.data or "").split(":")
    verb = parts[1] if len(parts) > 2 else ""
    ident = as_int(parts[2]) if len(parts) > 2 else None
    arg = parts[3] if len(parts) > 3 else None
    now = context.services.clock.now()
    if verb in ("o", "d"):  # owner and due date of an action item
        await _item_step(update, context, actor, ident, verb, arg)
        return
    if verb in ("S", "w", "k", "r", "p"):  # the series themselves
        await _series_step(update, context, actor, ident, verb, arg)
        return
    occurrence = await context.session.get(MeetingOccurrence, ident) if ident else None
    series = await context.session.get(MeetingSeries, occurrence.series_id) if occurrence else None
    if occurrence is None or series is None or len(parts) > 4:
        await query.answer(stale, show_alert=True)
        return
    street = await context.session.get(Street, series.street_id)
    assert street is not None
    if verb == "g":
        if not (
            await _manages(context, actor, series)
            or any(m.member.street_id == street.id for m in actor.memberships)
        ):
            await query.answer(not_allowed(context), show_alert=True)
            return
        i18n = context.services.i18n(context.i18n.locale, street.timezone)
        await query.answer()
        await context.bot.send_message(
            query.from_user.id,
            await agenda_text(context.session, context.services, series, i18n, now),
        )
        if series.kind == "street_monthly":
            messenger = Messenger(context.bot, context.session, context.services)
            await send_chart(messenger, query.from_user.id, series, i18n, now)
        return
    if verb == "a" and arg in ("y", "n"):
        invited = {m.telegram_id for m in await schedule.participants(context.session, series)}
        if actor.telegram_id not in invited or occurrence.state != OccurrenceState.SCHEDULED:
            await query.answer(
                not_allowed(context) if actor.telegram_id not in invited else stale, show_alert=True
            )
            return
        row = (
            await context.session.exec(
                select(MeetingAttendance).where(
                    MeetingAttendance.occurrence_id == occurrence.id,
                    MeetingAttendance.telegram_id == actor.telegram_id,
                )
            )
        ).first()
        member = next(
            (m.member for m in actor.memberships if m.member.street_id == street.id), None
        )
        row = row or MeetingAttendance(
            occurrence_id=occurrence.id or 0, telegram_id=actor.telegram_id, attending=True, at=now
        )
        row.attending, row.at, row.member_id = arg == "y", now, member.id if member else None
        context.session.add(row)
        await context.session.commit()
        await query.answer(
            _("Thank you, noted: you will come.")
            if arg == "y"
            else _("Thank you, noted: you cannot come.")
        )
        return
    if not await _manages(context, actor, series):
        await query.answer(not_allowed(context), show_alert=True)
        return
    if occurrence.state != OccurrenceState.SCHEDULED:
        await query.answer(stale, show_alert=True)
        return
    if verb == "m":
        await questions.ask(
            context.session, actor.telegram_id, "move_meeting", None, now, occurrence=occurrence.id
        )
        await query.answer()
        await context.bot.send_message(
            query.from_user.id, _("When should it be instead? For example: 12-01 10:00")
        )
    elif verb == "c":
        await query.answer()
        await context.bot.send_message(
            query.from_user.id,
            _("Cancel this meeting? The participants will be told."),
            reply_markup=InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            _("Yes, cancel it"), callback_data=pack("mt", "C", occurrence.id)
                        )
                    ]
                ]
            ),
        )
    elif verb == "C":
        occurrence.state = OccurrenceState.CANCELLED
        context.session.add(occurrence)
        await context.session.commit()
        await query.answer()
        if isinstance(query.message, Message):
            await query.edit_message_text(_("Meeting cancelled."))
        await _tell_participants(context, series, occurrence, "cancelled")
        await context.services.meetings_changed()
    elif verb == "n":
        await questions.ask(
            context.session, actor.telegram_id, "minutes", None, now, occurrence=occurrence.id
        )
        await query.answer()
        await context.bot.send_message(
            query.from_user.id,
            _("Type the decision, one per message; then choose who does it and by when."),
        )
    else:
        await query.answer(stale, show_alert=True)


async def _manages_street(context: LaneKeeperContext, actor: Actor, street: Street) -> bool:
    street_map = await load_street_map(context.session, street)
    return actor.is_admin or bool(actor.coordinated_communities(street_map))


async def _series_step(
    update: Update,
    context: LaneKeeperContext,
    actor: Actor,
    ident: int | None,
    verb: str,
    arg: str | None,
) -> None:
    """List the series; change one's rule or place; start a new one (street or community)."""
    query = update.callback_query
    assert query is not None
    _ = context.i18n.gettext
    stale = _("This button is no longer valid.")
    now = context.services.clock.now()
    if verb in ("r", "p"):
        series = await context.session.get(MeetingSeries, ident) if ident else None
        if series is None:
            await query.answer(stale, show_alert=True)
            return
        if not await _manages(context, actor, series):
            await query.answer(not_allowed(context), show_alert=True)
            return
        kind = "series_rule" if verb == "r" else "series_place"
        await questions.ask(context.session, actor.telegram_id, kind, None, now, series=series.id)
        await query.answer()
        await context.bot.send_message(
            query.from_user.id,
            _("Type the new rule (RFC 5545), e.g. FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30")
            if verb == "r"
            else _("Type the new place."),
        )
        return
    street = await context.session.get(Street, ident) if ident else None
    if street is None:
        await query.answer(stale, show_alert=True)
        return
    if not await _manages_street(context, actor, street):
        await query.answer(not_allowed(context), show_alert=True)
        return
    street_map = await load_street_map(context.session, street)
    scope = actor.coordinated_communities(street_map) or set()
    street_wide = actor.is_admin or actor.is_street_coordinator(street_map)
    if verb == "S":
        i18n = context.services.i18n(context.i18n.locale, street.timezone)
        rows = []
        lines = [_("Meeting series of {street}:").format(street=street_name(i18n, street))]
        for series in await context.session.exec(
            select(MeetingSeries)
            .where(MeetingSeries.street_id == street.id, col(MeetingSeries.active).is_(True))
            .order_by(col(MeetingSeries.id))
        ):
            if not await _manages(context, actor, series):
                continue
            community = (
                await context.session.get(Community, series.community_id)
                if series.community_id
                else None
            )
            name = title(i18n, series, street, community)
            lines.append(f"• {name}: {series.rrule} · {series.place or '—'}")
            rows.append(
                [
                    InlineKeyboardButton(
                        _("{name}: rule").format(name=name),
                        callback_data=pack("mt", "r", series.id),
                    ),
                    InlineKeyboardButton(
                        _("{name}: place").format(name=name),
                        callback_data=pack("mt", "p", series.id),
                    ),
                ]
            )
        rows.append(
            [InlineKeyboardButton(_("New series"), callback_data=pack("mt", "w", street.id))]
        )
        await query.answer()
        await context.bot.send_message(
            query.from_user.id, "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows)
        )
        return
    if verb == "w":
        rows = []
        if street_wide:
            rows.append(
                [
                    InlineKeyboardButton(
                        _("Street monthly review meeting"),
                        callback_data=pack("mt", "k", street.id, 0),
                    )
                ]
            )
        for community_id, community in street_map.communities.items():
            if community_id in scope:
                rows.append(
                    [
                        InlineKeyboardButton(
                            _("{place} weekly meeting").format(place=community.name),
                            callback_data=pack("mt", "k", street.id, community_id),
                        )
                    ]
                )
        await query.answer()
        await _edit_or_send(update, context, _("Which meeting?"), InlineKeyboardMarkup(rows))
        return
    chosen = as_int(arg)
    if chosen is None:
        await query.answer(stale, show_alert=True)
        return
    if (chosen == 0 and not street_wide) or (chosen != 0 and chosen not in scope):
        await query.answer(not_allowed(context), show_alert=True)
        return
    await questions.ask(
        context.session,
        actor.telegram_id,
        "series_new",
        None,
        now,
        street=street.id,
        community=chosen,
    )
    await query.answer()
    await _edit_or_send(
        update,
        context,
        _(
            "Type the rule (RFC 5545) and, after a '|', the place, e.g. "
            "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30 | 社区二楼会议室"
        ),
    )


async def _edit_or_send(
    update: Update,
    context: LaneKeeperContext,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
) -> None:
    query = update.callback_query
    assert query is not None
    if isinstance(query.message, Message):
        await query.edit_message_text(text, reply_markup=keyboard)
    else:
        await context.bot.send_message(query.from_user.id, text, reply_markup=keyboard)


def _rule_problem(context: LaneKeeperContext, refusal: RuleRefusal) -> str:
    _ = context.i18n.gettext
    if refusal.problem == RuleProblem.TOO_FREQUENT:
        return _(
            "meetings are held at most once a day; please use FREQ=DAILY, WEEKLY, MONTHLY "
            "or YEARLY."
        )
    if refusal.problem == RuleProblem.SEVERAL_TIMES_A_DAY:
        return _("a series meets at one time of day; please give one BYHOUR and one BYMINUTE.")
    if refusal.problem == RuleProblem.NEVER:
        return _("it never gives a meeting date.")
    if refusal.problem == RuleProblem.TOO_LONG:
        return _("it is too long (at most {count} characters).").format(count=MAX_RULE_LENGTH)
    return _("it is not an RFC 5545 rule, e.g. FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30.")


async def _rule_refused(
    context: LaneKeeperContext, message: Message, actor: Actor, pending: PendingInput, rule: str
) -> bool:
    """Say why a typed rule is refused and ask again; False when the rule may be used."""
    # A rule that never meets is only known as such after dateutil has walked the calendar
    # to year 9999 (seconds for a daily one): not on the event loop, which serves every chat.
    refusal = await asyncio.to_thread(check_rule, rule)
    if refusal is None:
        return False
    now = context.services.clock.now()
    await questions.ask(context.session, actor.telegram_id, pending.kind, None, now, **pending.data)
    await message.reply_text(
        context.i18n.gettext("That rule does not work: {problem}").format(
            problem=_rule_problem(context, refusal)
        )
    )
    return True


async def _series_answer(
    update: Update, context: LaneKeeperContext, actor: Actor, pending: PendingInput, text: str
) -> None:
    message = update.effective_message
    assert message is not None
    _ = context.i18n.gettext
    now = context.services.clock.now()
    if pending.kind == "series_new":
        street = await context.session.get(Street, as_int(str(pending.data.get("street"))) or 0)
        community_id = as_int(str(pending.data.get("community"))) or None
        if street is None or not await _manages_street(context, actor, street):
            await message.reply_text(not_allowed(context))
            return
        rule, _sep, place = text.partition("|")
        if await _rule_refused(context, message, actor, pending, rule.strip()):
            return
        series = await schedule.create_series(
            context.session, street.id or 0, community_id, rule.strip(), place.strip() or None
        )
    else:
        found = await context.session.get(
            MeetingSeries, as_int(str(pending.data.get("series"))) or 0
        )
        if found is None or not await _manages(context, actor, found):
            await message.reply_text(not_allowed(context))
            return
        series = found
        if pending.kind == "series_place":
            series.place = text or None
            context.session.add(series)
            await context.session.commit()
        else:
            if await _rule_refused(context, message, actor, pending, text):
                return
            series.rrule = text
            context.session.add(series)
            await context.session.commit()
            await schedule.replan_series(context.session, series, now)
    await schedule.plan(context.session, now)
    await context.services.meetings_changed()
    street = await context.session.get(Street, series.street_id)
    assert street is not None and street.id is not None
    i18n = context.services.i18n(context.i18n.locale, street.timezone)
    coming = [
        o
        for o, s in await schedule.upcoming(context.session, street.id, now, 20)
        if s.id == series.id
    ][:3]
    await message.reply_text(
        _("Saved. Next: {list}").format(
            list=", ".join(i18n.format_when(o.starts_at) for o in coming) or "—"
        )
    )


async def _tell_participants(
    context: LaneKeeperContext, series: MeetingSeries, occurrence: MeetingOccurrence, what: str
) -> None:
    messenger = Messenger(context.bot, context.session, context.services)
    street = await context.session.get(Street, series.street_id)
    community = (
        await context.session.get(Community, series.community_id) if series.community_id else None
    )
    assert street is not None
    for member in await schedule.participants(context.session, series):
        assert member.telegram_id is not None
        i18n = await context.services.i18n_for(context.session, member.telegram_id, street.timezone)
        name = title(i18n, series, street, community)
        text = (
            i18n.gettext("{meeting} of {when} is cancelled.")
            if what == "cancelled"
            else i18n.gettext("{meeting} is moved to {when}.")
        )
        await messenger.send(
            member.telegram_id,
            text.format(meeting=name, when=i18n.format_when(occurrence.starts_at)),
        )


async def _item_step(
    update: Update,
    context: LaneKeeperContext,
    actor: Actor,
    item_id: int | None,
    verb: str,
    arg: str | None,
) -> None:
    query = update.callback_query
    assert query is not None
    _ = context.i18n.gettext
    item = await context.session.get(ActionItem, item_id) if item_id else None
    occurrence = (
        await context.session.get(MeetingOccurrence, item.occurrence_id)
        if item and item.occurrence_id
        else None
    )
    series = await context.session.get(MeetingSeries, occurrence.series_id) if occurrence else None
    if item is None or series is None:
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    if not await _manages(context, actor, series):
        await query.answer(not_allowed(context), show_alert=True)
        return
    if verb == "o":
        party = await context.session.get(Party, as_int(arg) or 0)
        if party is None or party.street_id != item.street_id:
            await query.answer(_("This button is no longer valid."), show_alert=True)
            return
        item.owner_party_id = party.id
        context.session.add(item)
        await context.session.commit()
        street = await context.session.get(Street, item.street_id)
        assert street is not None
        i18n = context.services.i18n(context.i18n.locale, street.timezone)
        today = context.services.clock.now().astimezone(ZoneInfo(street.timezone)).date()
        row = [
            InlineKeyboardButton(
                i18n.format_date(today + timedelta(days=d), "short"),
                callback_data=pack("mt", "d", item.id, d),
            )
            for d in DUE_DAYS
        ]
        await query.answer()
        await query.edit_message_text(
            _("{text}\nOwner: {owner}. Due by?").format(text=item.text, owner=party.name),
            reply_markup=InlineKeyboardMarkup([row]),
        )
        return
    days = as_int(arg)
    if days not in DUE_DAYS:
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    street = await context.session.get(Street, item.street_id)
    assert street is not None
    today = context.services.clock.now().astimezone(ZoneInfo(street.timezone)).date()
    item.due_date = today + timedelta(days=days)
    context.session.add(item)
    await context.session.commit()
    await query.answer()
    i18n = context.services.i18n(context.i18n.locale, street.timezone)
    await query.edit_message_text(
        _("Recorded: {text} — due {date}.").format(
            text=item.text, date=i18n.format_date(item.due_date)
        )
    )
    messenger = Messenger(context.bot, context.session, context.services)
    for telegram_id in await owners_to_tell(context.session, item):
        their = await context.services.i18n_for(context.session, telegram_id, street.timezone)
        await messenger.send(
            telegram_id,
            their.gettext("A meeting gave your unit an action item: {text}, due {date}.").format(
                text=item.text, date=their.format_date(item.due_date)
            ),
        )


async def answer_pending(update: Update, context: LaneKeeperContext, pending: PendingInput) -> None:
    message = update.effective_message
    actor = await current_actor(update, context)
    assert message is not None and actor is not None
    _ = context.i18n.gettext
    text = (message.text or "").strip()
    if pending.kind.startswith("series_"):
        await _series_answer(update, context, actor, pending, text)
        return
    occurrence = await context.session.get(
        MeetingOccurrence, as_int(str(pending.data.get("occurrence", ""))) or 0
    )
    series = await context.session.get(MeetingSeries, occurrence.series_id) if occurrence else None
    if occurrence is None or series is None or not await _manages(context, actor, series):
        await message.reply_text(not_allowed(context))
        return
    street = await context.session.get(Street, series.street_id)
    assert street is not None
    now = context.services.clock.now()
    if pending.kind == "move_meeting":
        when = parse_when(text, ZoneInfo(street.timezone), now)
        if when is None or when <= now:
            await questions.ask(
                context.session, actor.telegram_id, pending.kind, None, now, **pending.data
            )
            await message.reply_text(
                _("I could not read that as a future date and time. For example: 12-01 10:00")
            )
            return
        occurrence.starts_at = when
        context.session.add(occurrence)
        for notice in await context.session.exec(
            select(MeetingNotice).where(MeetingNotice.occurrence_id == occurrence.id)
        ):
            await context.session.delete(notice)  # its reminders fall anew
        await context.session.commit()
        i18n = context.services.i18n(context.i18n.locale, street.timezone)
        await message.reply_text(_("Moved to {when}.").format(when=i18n.format_when(when)))
        await _tell_participants(context, series, occurrence, "moved")
        await context.services.meetings_changed()
    elif pending.kind == "minutes":
        if not text:
            await message.reply_text(_("Please type the decision."))
            await questions.ask(
                context.session, actor.telegram_id, pending.kind, None, now, **pending.data
            )
            return
        item = await add_item(context.session, occurrence, text, actor.telegram_id, now)
        parties = await context.session.exec(
            select(Party).where(Party.street_id == series.street_id).order_by(col(Party.id))
        )
        rows = [
            [InlineKeyboardButton(p.name, callback_data=pack("mt", "o", item.id, p.id))]
            for p in parties
        ]
        await message.reply_text(
            _("Who does it: {text}").format(text=text), reply_markup=InlineKeyboardMarkup(rows)
        )


def is_meeting_question(pending: PendingInput) -> bool:
    return pending.kind in KINDS
