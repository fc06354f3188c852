"""The buttons that set a series' schedule: the pattern (weekly, the Nth weekday of the month,
a day of the month), then its days, then the time, then a confirmation in words.

Button data is `mt:b:<id>:<draft>` (models.rule_builder.Draft's token, the choice so far):
the id is the series being changed, or, when the draft names a community (`c<id>`, 0 for
the street's own meeting), the street of a new series. `mt:T` asks for a typed time,
`mt:A` for a typed RFC 5545 rule, `mt:q` drops the dialogue, `mt:N` answers a new
series' place question "no fixed place"; the confirmation's `mt:Y:<id>:<rule tag>` acts on the
rule kept in the presser's PendingInput (when it is the rule that confirmation showed),
never on the button's data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.i18n import I18n
from models.rule_builder import (
    LAST,
    MAX_BUTTON_DAY,
    ORDINALS,
    Draft,
    Form,
    draft_token,
    rule_tag,
)
from views.callbacks import pack
from views.cancel import cancel_button, cancel_label
from views.rule_words import (
    describe_days,
    describe_rule,
    ordinal,
    weekday_letters,
    weekday_names,
)

COMMON_TIMES = tuple(
    time(hour, minute)
    for hour, minute in ((8, 30), (9, 0), (9, 30), (10, 0), (14, 0), (14, 30), (15, 0), (16, 0))
)


def _step(ident: int, draft: Draft, label: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=pack("mt", "b", ident, draft_token(draft)))


def _last_rows(i18n: I18n, ident: int, draft: Draft) -> list[list[InlineKeyboardButton]]:
    back = draft_token(Draft(community=draft.community))
    row = [InlineKeyboardButton(cancel_label(i18n), callback_data=pack("mt", "q", ident, back))]
    if draft.form is not None:
        row.insert(0, _step(ident, Draft(community=draft.community), i18n.gettext("« Back")))
    return [row]


def _pattern(i18n: I18n, ident: int, draft: Draft) -> list[list[InlineKeyboardButton]]:
    _ = i18n.gettext
    return [
        [_step(ident, draft.with_(form=Form.WEEKLY), _("Weekly"))],
        [_step(ident, draft.with_(form=Form.NTH_WEEKDAY), _("Monthly: the Nth weekday"))],
        [_step(ident, draft.with_(form=Form.MONTHDAY), _("Monthly: a day of the month"))],
        [
            InlineKeyboardButton(
                _("Advanced: type a rule"),
                callback_data=pack("mt", "A", ident, draft_token(draft)),
            )
        ],
    ]


def _weekdays(i18n: I18n, ident: int, draft: Draft) -> list[list[InlineKeyboardButton]]:
    letters = weekday_letters(i18n)
    row = [
        _step(
            ident,
            draft.with_(mask=draft.mask ^ (1 << day)),
            f"✓{letters[day]}" if draft.mask >> day & 1 else letters[day],
        )
        for day in range(7)
    ]
    rows = [row[:4], row[4:]]
    if draft.mask:
        rows.append([_step(ident, draft.with_(days_done=True), i18n.gettext("Next »"))])
    return rows


def _ordinals(i18n: I18n, ident: int, draft: Draft) -> list[list[InlineKeyboardButton]]:
    row = [_step(ident, draft.with_(nth=nth), ordinal(i18n, nth)) for nth in ORDINALS]
    return [row[:3], row[3:]]


def _nth_weekday(i18n: I18n, ident: int, draft: Draft) -> list[list[InlineKeyboardButton]]:
    row = [
        _step(ident, draft.with_(weekday=day), name) for day, name in enumerate(weekday_names(i18n))
    ]
    return [row[:4], row[4:]]


def _monthdays(i18n: I18n, ident: int, draft: Draft) -> list[list[InlineKeyboardButton]]:
    days = [_step(ident, draft.with_(monthday=day), str(day)) for day in range(1, 29)]
    rows = [days[start : start + 7] for start in range(0, MAX_BUTTON_DAY, 7)]
    rows.append([_step(ident, draft.with_(monthday=LAST), i18n.gettext("Last day of the month"))])
    return rows


def _times(i18n: I18n, ident: int, draft: Draft) -> list[list[InlineKeyboardButton]]:
    row = [_step(ident, draft.with_(clock=clock), f"{clock:%H:%M}") for clock in COMMON_TIMES]
    typed = InlineKeyboardButton(
        i18n.gettext("⌨ Type another time"),
        callback_data=pack("mt", "T", ident, draft_token(draft)),
    )
    return [row[:4], row[4:], [typed]]


def screen(
    i18n: I18n, ident: int, draft: Draft, name: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    """The step the draft has reached (one whose rule is complete is confirmed elsewhere)."""
    _ = i18n.gettext
    if draft.form is None:
        question, rows = _("How often does it meet?"), _pattern(i18n, ident, draft)
    elif draft.form == Form.WEEKLY and not draft.days_done:
        question = _("On which weekdays? Tap to choose one or more, then Next.")
        rows = _weekdays(i18n, ident, draft)
    elif draft.form == Form.NTH_WEEKDAY and draft.nth is None:
        question, rows = _("Which one in the month?"), _ordinals(i18n, ident, draft)
    elif draft.form == Form.NTH_WEEKDAY and draft.weekday is None:
        assert draft.nth is not None
        question = _("Which weekday (the {nth} in each month)?").format(
            nth=ordinal(i18n, draft.nth)
        )
        rows = _nth_weekday(i18n, ident, draft)
    elif draft.form == Form.MONTHDAY and draft.monthday is None:
        question, rows = _("Which day of the month?"), _monthdays(i18n, ident, draft)
    else:
        question = _("{days}: at what time? Choose one, or type it (14:30, 下午2点半, 2:30pm).")
        shape = draft.with_(clock=time(12)).shape()  # the days are all chosen: any time
        assert shape is not None
        days = describe_days(i18n, shape)
        question = question.format(days=days[:1].upper() + days[1:])  # a sentence's start
        rows = _times(i18n, ident, draft)
    heading = f"{name}\n" if name else ""
    return heading + question, InlineKeyboardMarkup(rows + _last_rows(i18n, ident, draft))


def time_question(i18n: I18n) -> str:
    return i18n.gettext("Type the time, e.g. 14:30, 下午2点半 or 2:30pm.")


def time_not_read(i18n: I18n, text: str) -> str:
    return i18n.gettext(
        "I could not read a time of day in “{text}”. Type it like 14:30, 下午2点半 or 2:30pm."
    ).format(text=text[:40])


def confirmation(
    i18n: I18n,
    ref: int,
    name: str | None,
    rule: str,
    next_starts: Sequence[datetime],
) -> tuple[str, InlineKeyboardMarkup]:
    """`i18n` in the street's zone: the rule in words and its next meetings, to confirm."""
    _ = i18n.gettext
    lines = [name] if name else []
    lines.append(describe_rule(i18n, rule))
    lines.append(
        _("Next: {list}").format(
            list=i18n.format_list([i18n.format_when(when) for when in next_starts]) or "—"
        )
    )
    lines.append(_("Save this schedule?"))
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("✅ Confirm"), callback_data=pack("mt", "Y", ref, rule_tag(rule))
                )
            ],
            [cancel_button(i18n, "series_confirm", ref)],
        ]
    )
    return "\n".join(lines), keyboard


def confirm_reminder(i18n: I18n) -> str:
    return i18n.gettext("Press ✅ Confirm above to save the schedule, or ✖️ Cancel.")


def place_question(i18n: I18n, series_id: int) -> tuple[str, InlineKeyboardMarkup]:
    _ = i18n.gettext
    return _("Where is it held? Type the place."), InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("No fixed place"), callback_data=pack("mt", "N", series_id))]]
    )


def no_place(i18n: I18n) -> str:
    return i18n.gettext("Saved without a fixed place; set one any time under ⚙ Meeting series.")
