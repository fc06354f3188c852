"""The monthly meeting's chart: new cases by category, and each unit's handling.

Drawn with matplotlib (Agg, no display). Chinese labels need a CJK font on the machine
(Debian: fonts-noto-cjk); without one the chart is labelled in English rather than with
empty boxes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import cache

from locales.i18n import I18n
from models.agenda import Agenda
from models.classify import CategorySpec
from views.case_text import category_name

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
)


@cache
def cjk_font() -> str | None:
    from matplotlib import font_manager

    available = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in available), None)


def chart_png(agenda: Agenda, i18n: I18n, categories: Mapping[str, CategorySpec]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    font = cjk_font()
    if i18n.locale == "zh_CN" and font is None:
        i18n = I18n("en", str(i18n.timezone))
    _ = i18n.gettext
    with plt.rc_context(
        {"font.family": [font] if font else ["DejaVu Sans"], "axes.unicode_minus": False}
    ):
        figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), dpi=100)
        labels = [category_name(i18n, categories.get(code)) for code, _n in agenda.new_by_category]
        left.barh(labels[::-1], [n for _c, n in agenda.new_by_category][::-1], color="#2f7ed8")
        left.set_title(_("New cases by category"))
        parties = agenda.parties
        names = [p.name if i18n.locale == "zh_CN" else p.code for p in parties]
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
        right.set_title(_("Units"))
        right.legend()
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
        plt.close(figure)
    return out.getvalue()
