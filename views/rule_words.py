"""A meeting rule in the reader's words: "每周一、周三 09:30", "every Monday and Wednesday at
09:30", "每月最后一个周五 14:00". A rule of another shape is shown as it is written."""

from __future__ import annotations

from locales.i18n import I18n
from models.rule_builder import LAST, Form, Shape, shape_of


def weekday_names(i18n: I18n) -> tuple[str, ...]:
    _ = i18n.gettext
    return (
        _("Monday"),
        _("Tuesday"),
        _("Wednesday"),
        _("Thursday"),
        _("Friday"),
        _("Saturday"),
        _("Sunday"),
    )


def weekday_letters(i18n: I18n) -> tuple[str, ...]:
    """The weekdays on the narrow toggle buttons."""
    _ = i18n.gettext
    return (_("Mo"), _("Tu"), _("We"), _("Th"), _("Fr"), _("Sa"), _("Su"))


def ordinal(i18n: I18n, nth: int) -> str:
    """第1个 … 最后一个; 1st … last."""
    _ = i18n.gettext
    if nth == LAST:
        return _("last")
    return (_("1st"), _("2nd"), _("3rd"), _("4th"))[nth - 1]


def listed(i18n: I18n, names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    _ = i18n.gettext
    return _("{items} and {last}").format(
        items=_(", ").join(names[:-1]) if len(names) > 2 else names[0], last=names[-1]
    )


def describe_shape(i18n: I18n, shape: Shape) -> str:
    _ = i18n.gettext
    clock = f"{shape.clock:%H:%M}"
    names = weekday_names(i18n)
    if shape.form == Form.WEEKLY:
        days = listed(i18n, [names[day] for day in shape.weekdays])
        return _("every {days} at {time}").format(days=days, time=clock)
    if shape.form == Form.NTH_WEEKDAY and shape.nth is not None:
        return _("the {nth} {weekday} of every month at {time}").format(
            nth=ordinal(i18n, shape.nth), weekday=names[shape.weekdays[0]], time=clock
        )
    if shape.form == Form.MONTHDAY and shape.monthday == LAST:
        return _("the last day of every month at {time}").format(time=clock)
    if shape.form == Form.MONTHDAY:
        return _("day {day} of every month at {time}").format(day=shape.monthday, time=clock)
    return _("every day at {time}").format(time=clock)


def describe_days(i18n: I18n, shape: Shape) -> str:
    """The days alone, before a time is chosen: 每周一、周三 / 每月最后一个周五 / 每月15日."""
    _ = i18n.gettext
    names = weekday_names(i18n)
    if shape.form == Form.WEEKLY:
        return _("every {days}").format(days=listed(i18n, [names[d] for d in shape.weekdays]))
    if shape.form == Form.NTH_WEEKDAY and shape.nth is not None:
        return _("the {nth} {weekday} of every month").format(
            nth=ordinal(i18n, shape.nth), weekday=names[shape.weekdays[0]]
        )
    if shape.form == Form.MONTHDAY and shape.monthday == LAST:
        return _("the last day of every month")
    if shape.form == Form.MONTHDAY:
        return _("day {day} of every month").format(day=shape.monthday)
    return _("every day")


def describe_rule(i18n: I18n, rule: str) -> str:
    """The rule in words; as written when it is of a shape not said in words."""
    shape = shape_of(rule)
    return describe_shape(i18n, shape) if shape is not None else rule
