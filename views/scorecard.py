"""The quarterly scorecard as people read it: a message, a spreadsheet, a chart."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from locales.i18n import N_, I18n
from models import assessment
from models.org import Street
from views.charts import style
from views.labels import local_name, street_name

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
        ).format(street=street_name(i18n, card.street), period=card.label)
    lines = [
        _("{street} scorecard, {period}").format(
            street=street_name(i18n, card.street), period=card.label
        ),
        _("unit: due · handled · on time · reworked → score (grade)"),
    ]
    # Best first; equal scores, and units with nothing due, in the roster's order.
    for _rank, f in ranked(card.parties):
        if f.score is None:
            lines.append(_("{name}: nothing due").format(name=local_name(i18n, f)))
            continue
        figures = (
            f"{f.due} · {_pct(f.handling_rate)} · {_pct(f.on_time_rate)} · "
            f"{_pct(f.rework_rate)} → {f.score:g} ({f.grade})"
        )
        lines.append(_("{name}: {figures}").format(name=local_name(i18n, f), figures=figures))
    lines.append(_("The spreadsheet has every indicator, per unit and per community."))
    return "\n".join(lines)


def ranked(rows: list[assessment.Indicators]) -> list[tuple[int | None, assessment.Indicators]]:
    """Best score first, with its rank (equal scores share one: 1, 2, 2, 4); units with
    nothing due last, unranked, in the roster's order."""
    order = sorted(rows, key=lambda f: (f.score is None, -(f.score or 0)))
    scored = [f.score for f in order if f.score is not None]
    ranks: list[int | None] = [*assessment.competition_ranks(scored)]
    ranks += [None] * (len(order) - len(scored))
    return list(zip(ranks, order, strict=True))


def _width(value: object) -> int:
    """Columns a value takes in a spreadsheet: a Chinese character is two."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def sheet_title(card: Scorecard, i18n: I18n, generated_at: datetime) -> str:
    return i18n.gettext("{street} scorecard, {period} (generated {when})").format(
        street=street_name(i18n, card.street),
        period=card.label,
        when=i18n.format_datetime(generated_at, "short"),
    )


def xlsx(card: Scorecard, i18n: I18n, generated_at: datetime) -> bytes:
    """A sheet for the units and one for the communities: a title row (street, period, when
    it was made), a header row kept in view, then the rows ranked best first."""
    _ = i18n.gettext
    book = Workbook()
    figures_header = [_(label) for _key, label in COLUMNS[1:]]
    for index, (sheet_name, rows) in enumerate(
        ((_("Units"), card.parties), (_("Communities"), card.communities))
    ):
        sheet = book.active if index == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = sheet_name
        sheet.append([sheet_title(card, i18n, generated_at)])
        sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
        header = [_("rank"), _("unit") if index == 0 else _("community"), _("code")]
        sheet.append(header + figures_header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for rank, figures in ranked(rows):
            values = figures.as_dict()
            sheet.append(
                [rank, local_name(i18n, figures), values["key"]]
                + [values[k] for k, _t in COLUMNS[1:]]
            )
        sheet.freeze_panes = "C3"  # below the header, beside rank and name
        for column in range(1, sheet.max_column + 1):
            widest = max(
                (
                    _width(sheet.cell(row=r, column=column).value)
                    for r in range(2, sheet.max_row + 1)
                ),
                default=0,
            )
            sheet.column_dimensions[get_column_letter(column)].width = min(max(widest, 4) + 2, 40)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def chart(card: Scorecard, i18n: I18n) -> bytes | None:
    """The units' scores as PNG, by name, best first; None when nobody was scored."""
    scored = [f for rank, f in ranked(card.parties) if rank is not None]
    if not scored:
        return None
    from matplotlib import pyplot as plt

    with style():
        figure, axes = plt.subplots(figsize=(9, 4.5), dpi=100)
        axes.bar(
            [local_name(i18n, f) for f in scored], [f.score or 0 for f in scored], color="#2f7ed8"
        )
        for x, f in enumerate(scored):
            axes.text(x, (f.score or 0) + 1, f"{f.score:g} {f.grade}", ha="center")
        axes.set_ylim(0, 110)
        axes.set_title(i18n.gettext("Scores, {period}").format(period=card.label))
        axes.tick_params(axis="x", labelrotation=30)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
        plt.close(figure)
    return out.getvalue()
