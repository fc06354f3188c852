"""A meeting's agenda, and its minutes once held, as a printable A4 PDF in the reader's
language: the street, the meeting and its date, the period's cases (number, category, alley,
unit, state, due), the chart (views/agenda_chart.py) when there is one, the last meeting's
action items and, for a meeting held, the decisions it made, with their owners and dates.

Written with fpdf2 in the font the package ships (views/charts.py: a CFF-outline OpenType
subset of Noto Sans CJK SC, which fpdf2 embeds as is, subset again to the characters used),
so the document is in Chinese on any machine and in any PDF reader.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from locales.i18n import N_, I18n
from models.agenda import Agenda
from models.classify import CategorySpec
from models.meetings import ActionItem, ActionItemState
from models.org import Names
from views.case_text import category_name, state_name
from views.charts import FONT_FILE
from views.labels import local_name, street_name

FAMILY = "LaneKeeperSansSC"
MARGIN_MM = 15


@dataclass
class MeetingDocument:
    """What the PDF shows: built by the caller, which knows the meeting (if any)."""

    agenda: Agenda
    title: str  # the meeting's name, e.g. 复兴社区周会
    when: datetime  # the meeting's start, else the moment the agenda was drawn
    chart: bytes | None = None  # PNG, None when the period has nothing to show
    owners: Mapping[int, Names] = field(default_factory=dict)  # action item id → owner
    # The meeting's own decisions, for a meeting held (its minutes); None before it.
    decisions: Sequence[ActionItem] | None = None


ITEM_STATES = {
    ActionItemState.OPEN: N_("open"),
    ActionItemState.DONE: N_("done"),
    ActionItemState.CANCELLED: N_("cancelled"),
}


def printable(text: str) -> str:
    """Babel's English times have a narrow no-break space, which the font lacks."""
    return text.replace("\u202f", "\u00a0")


def filename(i18n: I18n, document: MeetingDocument) -> str:
    local = document.when.astimezone(i18n.timezone)
    kind = "minutes" if document.decisions is not None else "agenda"
    return f"{kind}-{local:%Y-%m-%d}.pdf"


def render_pdf(
    document: MeetingDocument, i18n: I18n, categories: Mapping[str, CategorySpec]
) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import WrapMode, XPos, YPos
    from fpdf.fonts import FontFace

    # One weight only is shipped: headings are shaded, not bold.
    headings = FontFace(emphasis="", fill_color=(230, 230, 230))

    _ = i18n.gettext
    agenda = document.agenda

    def cat(code: str) -> str:
        return category_name(i18n, categories.get(code))

    def party(code: str | None) -> str:
        if code is None:
            return _("not yet assigned")
        names = agenda.party_names.get(code)
        return local_name(i18n, names) if names else code

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=MARGIN_MM)
    pdf.set_creator("LaneKeeper")
    pdf.set_creation_date(agenda.end)  # the same document for the same moment
    pdf.set_title(document.title)
    pdf.set_lang("zh-CN" if i18n.locale == "zh_CN" else "en")
    pdf.add_font(FAMILY, fname=str(FONT_FILE))
    pdf.add_page()
    width = pdf.w - 2 * MARGIN_MM

    def line(text: str, size: float = 10.5, height: float = 6) -> None:
        pdf.set_font(FAMILY, size=size)
        pdf.multi_cell(
            width,
            height,
            printable(text),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            wrapmode=WrapMode.CHAR,
        )

    def heading(text: str) -> None:
        pdf.ln(3)
        line(text, size=13, height=8)

    def items_table(items: Sequence[ActionItem]) -> None:
        if not items:
            line(_("none recorded"))
            return
        pdf.set_font(FAMILY, size=10)
        with pdf.table(
            col_widths=(50, 22, 14, 14),
            text_align="LEFT",
            wrapmode=WrapMode.CHAR,
            headings_style=headings,
            line_height=6,
        ) as table:
            header = table.row()
            for label in (_("Decision"), _("Owner"), _("Due"), _("State")):
                header.cell(label)
            for item in items:
                row = table.row()
                row.cell(item.text)
                row.cell(local_name(i18n, document.owners.get(item.id or 0)))
                row.cell(
                    printable(i18n.format_date(item.due_date, "short")) if item.due_date else "—"
                )
                row.cell(_(ITEM_STATES[ActionItemState(item.state)]))

    line(street_name(i18n, agenda.street), size=11)
    line(
        (_("{title}: minutes") if document.decisions is not None else _("{title}: agenda")).format(
            title=document.title
        ),
        size=16,
        height=10,
    )
    line(
        _("Date: {date} {time}").format(
            date=i18n.format_date(document.when, "full"), time=i18n.format_time(document.when)
        )
    )
    line(
        _("Period: {start} to {end}").format(
            start=i18n.format_when(agenda.start), end=i18n.format_when(agenda.end)
        )
    )
    line(
        _("New cases: {new} · open: {open} · overdue: {late}").format(
            new=agenda.new_total, open=agenda.open_count, late=len(agenda.late)
        )
    )

    heading(_("Cases"))
    if not agenda.cases:
        line(_("no case in this period"))
    else:
        pdf.set_font(FAMILY, size=9)
        late = {c.number for c in agenda.late}
        with pdf.table(
            col_widths=(8, 19, 18, 21, 18, 18),
            text_align=("RIGHT", "LEFT", "LEFT", "LEFT", "LEFT", "LEFT"),
            wrapmode=WrapMode.CHAR,
            headings_style=headings,
            line_height=5.5,
        ) as table:
            header = table.row()
            for label in (_("No."), _("Category"), _("Alley"), _("Unit"), _("State"), _("Due")):
                header.cell(label)
            for case in agenda.cases:
                row = table.row()
                row.cell(f"#{case.number}")
                row.cell(cat(case.category))
                row.cell(local_name(i18n, case.alley))
                row.cell(party(case.party))
                row.cell(state_name(i18n, case.state))
                due = printable(i18n.format_date(case.due_at, "short")) if case.due_at else "—"
                row.cell(due + (" " + _("(late)") if case.number in late else ""))

    if document.chart is not None:
        heading(_("The period in figures"))
        pdf.image(io.BytesIO(document.chart), w=width)

    heading(_("Decisions of the last meeting"))
    items_table(agenda.action_items)
    if document.decisions is not None:
        heading(_("Decisions of this meeting"))
        items_table(document.decisions)

    pdf.ln(6)
    pdf.set_font(FAMILY, size=8)
    pdf.cell(width, 4, "巷管家 LaneKeeper", align="R")
    return bytes(pdf.output())
