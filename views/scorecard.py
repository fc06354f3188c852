"""The quarterly scorecard as people read it: a message, a spreadsheet, a chart."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook

from locales.i18n import N_, I18n
from models import assessment
from models.org import Street
from views.agenda_chart import cjk_font

COLUMNS = [
    ("name", N_("unit")),
    ("due", N_("due")),
    ("handled", N_("handled")),
    ("on_time", N_("on time")),
    ("reworked", N_("reworked")),
    ("closed", N_("closed")),
    ("postponed", N_("postponed")),
    ("reopened", N_("reopened")),
    ("not_accepted", N_("not accepted")),
    ("transferred", N_("transferred")),
    ("handling_rate", N_("handling %")),
    ("on_time_rate", N_("on time %")),
    ("rework_rate", N_("rework %")),
    ("closure_rate", N_("closure %")),
    ("postponement_rate", N_("postponed %")),
    ("mean_handling_hours", N_("mean hours")),
    ("median_handling_hours", N_("median hours")),
    ("satisfaction", N_("satisfaction")),
    ("band", N_("volume band")),
    ("score", N_("score")),
    ("grade", N_("grade")),
]


@dataclass
class Scorecard:
    street: Street
    label: str
    start: datetime
    end: datetime
    parties: list[assessment.Indicators]
    communities: list[assessment.Indicators]

    @property
    def empty(self) -> bool:
        """Nothing was due of anyone: a spreadsheet of zeros and a blank chart say nothing."""
        return not any(f.due for f in [*self.parties, *self.communities])


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"


def text(card: Scorecard, i18n: I18n) -> str:
    _ = i18n.gettext
    if card.empty:
        return _(
            "{street} scorecard, {period}: no case was due in this period, so there is "
            "nothing to score."
        ).format(street=card.street.name, period=card.label)
    lines = [
        _("{street} scorecard, {period}").format(street=card.street.name, period=card.label),
        _("unit: due · handled · on time · reworked → score (grade)"),
    ]
    # Best first; equal scores, and units with nothing due, in the roster's order.
    ranked = sorted(card.parties, key=lambda f: (f.score is None, -(f.score or 0)))
    for f in ranked:
        if f.score is None:
            lines.append(_("{name}: nothing due").format(name=f.name))
            continue
        figures = (
            f"{f.due} · {_pct(f.handling_rate)} · {_pct(f.on_time_rate)} · "
            f"{_pct(f.rework_rate)} → {f.score:g} ({f.grade})"
        )
        lines.append(_("{name}: {figures}").format(name=f.name, figures=figures))
    lines.append(_("The spreadsheet has every indicator, per unit and per community."))
    return "\n".join(lines)


def xlsx(card: Scorecard, i18n: I18n) -> bytes:
    book = Workbook()
    for sheet_name, rows in (
        (i18n.gettext("Units"), card.parties),
        (i18n.gettext("Communities"), card.communities),
    ):
        sheet = book.active if sheet_name == i18n.gettext("Units") else book.create_sheet()
        assert sheet is not None
        sheet.title = sheet_name
        sheet.append([i18n.gettext(title) for _key, title in COLUMNS])
        for figures in rows:
            values = figures.as_dict()
            sheet.append([values[key] for key, _title in COLUMNS])
        sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def chart(card: Scorecard, i18n: I18n) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    font = cjk_font()
    scored = [f for f in card.parties if f.score is not None]
    names = [f.name if font else f.key for f in scored]
    label = i18n if font or i18n.locale != "zh_CN" else I18n("en", str(i18n.timezone))
    with plt.rc_context({"font.family": [font] if font else ["DejaVu Sans"]}):
        figure, axes = plt.subplots(figsize=(9, 4.5), dpi=100)
        axes.bar(names, [f.score or 0 for f in scored], color="#2f7ed8")
        for x, f in enumerate(scored):
            axes.text(x, (f.score or 0) + 1, f"{f.score:g} {f.grade}", ha="center")
        axes.set_ylim(0, 110)
        axes.set_title(label.gettext("Scores, {period}").format(period=card.label))
        axes.tick_params(axis="x", labelrotation=30)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
        plt.close(figure)
    return out.getvalue()
