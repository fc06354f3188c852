"""The meeting series as their managers set them: the list with each schedule in words and
rule and place buttons, the kinds of new series, the questions asked and why a typed rule
is refused."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import I18n
from models.meeting_rule import MAX_RULE_LENGTH, RuleProblem, RuleRefusal
from models.meetings import MeetingSeries
from models.org import Community, Street
from views.callbacks import pack
from views.cancel import cancel_button
from views.labels import community_name, street_name
from views.meetings import title
from views.rule_words import describe_rule


def series_list(
    i18n: I18n,
    street: Street,
    series: Iterable[tuple[MeetingSeries, Community | None]],
) -> tuple[str, InlineKeyboardMarkup]:
    """The series a manager may change, each with its rule and place, then "New series"."""
    _ = i18n.gettext
    rows = []
    lines = [_("Meeting series of {street}:").format(street=street_name(i18n, street))]
    for one, community in series:
        name = title(i18n, one, street, community)
        lines.append(f"• {name}: {describe_rule(i18n, one.rrule)} · {one.place or '—'}")
        rows.append(
            [
                InlineKeyboardButton(
                    _("{name}: rule").format(name=name), callback_data=pack("mt", "r", one.id)
                ),
                InlineKeyboardButton(
                    _("{name}: place").format(name=name), callback_data=pack("mt", "p", one.id)
                ),
            ]
        )
    rows.append([InlineKeyboardButton(_("New series"), callback_data=pack("mt", "w", street.id))])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def new_series_choice(
    i18n: I18n, street: Street, street_wide: bool, communities: Sequence[tuple[int, Community]]
) -> tuple[str, InlineKeyboardMarkup]:
    """The street's monthly meeting for street-wide managers; a weekly one per community."""
    _ = i18n.gettext
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
    for community_id, community in communities:
        rows.append(
            [
                InlineKeyboardButton(
                    _("{place} weekly meeting").format(place=community_name(i18n, community)),
                    callback_data=pack("mt", "k", street.id, community_id),
                )
            ]
        )
    return _("Which meeting?"), InlineKeyboardMarkup(rows)


def change_question(i18n: I18n, rule: bool) -> str:
    """The new rule when `rule`, else the new place."""
    return (
        i18n.gettext("Type the new rule (RFC 5545), e.g. FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30")
        if rule
        else i18n.gettext("Type the new place.")
    )


def new_series_question(i18n: I18n) -> str:
    return i18n.gettext(
        "Type the rule (RFC 5545) and, after a '|', the place, e.g. "
        "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30 | 社区二楼会议室"
    )


def rule_problem(i18n: I18n, refusal: RuleRefusal) -> str:
    _ = i18n.gettext
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
    return _(
        "it is not written as an RFC 5545 rule (like FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30). "
        "Easier: press “Set with buttons” below and choose the days and the time."
    )


def rule_refused(i18n: I18n, refusal: RuleRefusal) -> str:
    return i18n.gettext("That rule does not work: {problem}").format(
        problem=rule_problem(i18n, refusal)
    )


def days_without_time(i18n: I18n, days: str) -> str:
    """Words typed where a rule is asked, read as days with no time of day."""
    return i18n.gettext(
        "I read “{days}”, but no time of day: add one (e.g. 每周一 9:30), "
        "or press “Set with buttons”."
    ).format(days=days)


def refusal_keyboard(
    i18n: I18n, kind: str, ref: int, community: int | None
) -> InlineKeyboardMarkup:
    """Under a refused typed rule: back to the buttons, or cancel."""
    draft = f"c{community}" if community is not None else ""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    i18n.gettext("Set with buttons"), callback_data=pack("mt", "b", ref, draft)
                )
            ],
            [cancel_button(i18n, kind, ref)],
        ]
    )


def saved(i18n: I18n, next_starts: Sequence[datetime]) -> str:
    """`i18n` in the street's zone: the next meetings of the series as it now stands."""
    return i18n.gettext("Saved. Next: {list}").format(
        list=i18n.format_list([i18n.format_when(when) for when in next_starts]) or "—"
    )
