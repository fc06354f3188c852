"""The monthly meeting's chart: new cases by category, and each unit's handling.

Drawn with matplotlib (Agg, no display) in the font shipped with the package
(views/charts.py), so it is labelled in the reader's language, Chinese included, on any
machine. Units are shown by their names.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from locales.i18n import I18n
from models.agenda import Agenda
from models.classify import CategorySpec
from views.case_text import category_name
from views.charts import style
from views.labels import local_name


def has_data(agenda: Agenda) -> bool:
    return any(n for _c, n in agenda.new_by_category) or any(
        p.handled or p.on_time or p.reworked for p in agenda.parties
    )


def unit_names(agenda: Agenda, i18n: I18n) -> list[str]:
    """The units along the chart's axis, in the reader's language."""
    return [local_name(i18n, p) for p in agenda.parties]


def chart_png(agenda: Agenda, i18n: I18n, categories: Mapping[str, CategorySpec]) -> bytes | None:
    """The chart as PNG; None when the period has nothing to show (the caller sends none)."""
    if not has_data(agenda):
        return None
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    _ = i18n.gettext
    with style():
        figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), dpi=100)
        labels = [category_name(i18n, categories.get(code)) for code, _n in agenda.new_by_category]
        left.barh(labels[::-1], [n for _c, n in agenda.new_by_category][::-1], color="#2f7ed8")
        left.set_title(_("New cases by category"))
        left.xaxis.set_major_locator(MaxNLocator(integer=True))
        parties = agenda.parties
        names = unit_names(agenda, i18n)
        positions = range(len(parties))
        right.bar(
            [x - 0.27 for x in positions],
            [p.handled for p in parties],
            0.27,
            label=_("handled"),
            color="#2f7ed8",
        )
        right.bar(
            list(positions), [p.on_time for p in parties], 0.27, label=_("on time"), color="#8bbc21"
        )
        right.bar(
            [x + 0.27 for x in positions],
            [p.reworked for p in parties],
            0.27,
            label=_("reworked"),
            color="#f28f43",
        )
        right.set_xticks(list(positions), names, rotation=30, ha="right")
        right.yaxis.set_major_locator(MaxNLocator(integer=True))
        right.set_title(_("Units"))
        right.legend()
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
        plt.close(figure)
    return out.getvalue()
