"""An alley's signboard (街巷长公示牌) as a printable A4 page: the title and the alley's name,
large; its street chiefs and what they do; the units that answer for it and their duty lines;
the street's supervision line; and a big QR code that opens the alley's report page, with the
address printed under it for those who type it.

Chinese first; an English line under each when the alley has an English name (a street that
names its alleys in English has readers for it). Written with fpdf2 in the font the package
ships (views/charts.py), as the meeting PDF is; the QR code is drawn by segno.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from locales.i18n import N_, I18n
from models.signboards import Board
from views.charts import FONT_FILE

FAMILY = "LaneKeeperSansSC"
MARGIN_MM = 15
QR_MM = 90  # the code's side on paper, its quiet zone included
QR_BORDER = 4  # modules of quiet zone, as the standard asks
QR_SCALE = 16  # pixels per module in the embedded image

TITLE = N_("Street chief notice board")
CHIEFS = N_("Street chiefs")
NO_CHIEF = N_("to be appointed")
DUTIES = N_(
    "Duties: walk the alley every day; find and report problems such as rubbish, stalls "
    "blocking the way, broken roads or lights and illegal parking; urge their repair and "
    "follow it to the end; hear what residents have to say."
)
UNITS = N_("Responsible units")
SUPERVISION = N_("Supervision hotline: {phone}")
SCAN = N_("Scan to report a problem")


def filename(board: Board) -> str:
    return f"{board.alley_code}.pdf"


def qr_png(url: str) -> bytes:
    """The QR code of the address, black on white, as a PNG with a full quiet zone."""
    import segno

    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return out.getvalue()


def render_pdf(board: Board, public_url: str) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import Align, WrapMode, XPos, YPos

    zh, en = I18n("zh_CN"), I18n("en")
    english = board.alley.name_en is not None
    url = board.url(public_url)

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(auto=False)
    pdf.set_creator("LaneKeeper")
    pdf.set_title(f"{zh.gettext(TITLE)} {board.alley.name}")
    pdf.set_lang("zh-CN")
    pdf.add_font(FAMILY, fname=str(FONT_FILE))
    pdf.add_page()
    width = pdf.w - 2 * MARGIN_MM
    pdf.set_draw_color(0)
    pdf.set_line_width(1.2)
    pdf.rect(MARGIN_MM / 2, MARGIN_MM / 2, pdf.w - MARGIN_MM, pdf.h - MARGIN_MM)  # the board's edge

    def text(
        value: str,
        size: float,
        height: float,
        *,
        x: float = MARGIN_MM,
        w: float = width,
        align: Align = Align.L,
        grey: bool = False,
    ) -> None:
        pdf.set_font(FAMILY, size=size)
        pdf.set_text_color(90 if grey else 0)
        pdf.set_x(x)
        pdf.multi_cell(
            w, height, value, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR
        )
        pdf.set_text_color(0)

    def both(
        message: str, size: float, height: float, fill: Callable[[str], str] = str, **kw: Any
    ) -> None:
        """The message in Chinese, and in English under it (smaller, grey) when wanted."""
        text(fill(zh.gettext(message)), size, height, **kw)
        if english:
            text(fill(en.gettext(message)), size * 0.6, height * 0.7, grey=True, **kw)

    def rule() -> None:
        pdf.ln(2)
        pdf.set_draw_color(160)
        pdf.set_line_width(0.4)
        pdf.line(MARGIN_MM, pdf.get_y(), MARGIN_MM + width, pdf.get_y())
        pdf.ln(3)

    # The street, the title and the alley.
    street = board.street.name + (f"  {board.street.name_en}" if board.street.name_en else "")
    text(street, 12, 6, align=Align.C, grey=True)
    pdf.ln(2)
    both(TITLE, 34, 15, align=Align.C)
    pdf.ln(2)
    text(board.alley.name, 44, 19, align=Align.C)
    if board.alley.name_en:
        text(board.alley.name_en, 22, 10, align=Align.C)
    rule()

    # The street chiefs and their duties.
    both(CHIEFS, 18, 9)
    if board.chiefs:
        for chief in board.chiefs:
            text(chief.name + (f"    {chief.phone}" if chief.phone else ""), 20, 10)
    else:
        both(NO_CHIEF, 16, 9)
    pdf.ln(1)
    both(DUTIES, 12, 6.5)
    rule()

    # Below: the units and the supervision line on the left, the QR code on the right.
    top = pdf.get_y()
    qr_x = MARGIN_MM + width - QR_MM
    left_w = qr_x - MARGIN_MM - 4
    pdf.set_y(top)
    both(UNITS, 16, 8, w=left_w)
    pdf.ln(1)
    for unit in board.units:
        text(unit.names.name + (f"  {unit.phone}" if unit.phone else ""), 12, 7, w=left_w)
        if english and unit.names.name_en:
            text(unit.names.name_en, 8, 4.5, w=left_w, grey=True)
    if board.supervision_phone:
        pdf.ln(4)
        phone = board.supervision_phone
        both(SUPERVISION, 14, 8, fill=lambda s: s.format(phone=phone), w=left_w)

    pdf.image(io.BytesIO(qr_png(url)), x=qr_x, y=top, w=QR_MM, h=QR_MM)
    pdf.set_y(top + QR_MM + 1)
    text(zh.gettext(SCAN), 18, 9, x=qr_x, w=QR_MM, align=Align.C)
    text(en.gettext(SCAN), 12, 6, x=qr_x, w=QR_MM, align=Align.C)
    text(url, 8, 4.5, x=qr_x, w=QR_MM, align=Align.C)

    pdf.set_y(pdf.h - MARGIN_MM - 4)
    pdf.set_font(FAMILY, size=8)
    pdf.set_text_color(120)
    pdf.cell(width, 4, f"巷管家 LaneKeeper · {board.street_code}/{board.alley_code}", align="R")
    return bytes(pdf.output())
