"""Build views/fonts/LaneKeeperSansSC-Regular.otf, the charts' Chinese font.

    python scripts/subset_font.py NotoSansCJKsc-Regular.otf views/fonts/LaneKeeperSansSC-Regular.otf

The source is Noto Sans CJK SC Regular (SIL OFL 1.1), e.g. from Debian's fonts-noto-cjk or
the Noto CJK releases. Kept: every character of GB 2312 (the 6,763 common hanzi and its
symbols), ASCII, Latin-1, general punctuation, arrows, circled numbers, CJK punctuation and
full-width forms (about 1.6 MB instead of 16). A name outside GB 2312 falls back to DejaVu
Sans or a system CJK font (views/charts.py). The family is renamed, as the OFL asks of a
modified version: "LaneKeeper Sans SC".
"""

from __future__ import annotations

import contextlib
import sys

from fontTools import subset
from fontTools.ttLib import TTFont

FAMILY = "LaneKeeper Sans SC"
POSTSCRIPT = "LaneKeeperSansSC-Regular"


def characters() -> set[int]:
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    chars |= set(range(0x2000, 0x2070)) | set(range(0x2190, 0x2200))
    chars |= set(range(0x2460, 0x2500)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars |= {ord(c) for c in bytes([hi, lo]).decode("gb2312")}
    return chars


def main(src: str, dst: str) -> None:
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    font = TTFont(src)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters())
    subsetter.subset(font)
    name = font["name"]
    for name_id in (16, 17, 18, 21, 22):
        name.removeNames(nameID=name_id)
    name.names = [r for r in name.names if r.nameID not in (1, 3, 4, 6) or r.langID in (0, 0x409)]
    for name_id, value in (
        (1, FAMILY),
        (3, f"1.004;LaneKeeper subset of {POSTSCRIPT}"),
        (4, FAMILY),
        (6, POSTSCRIPT),
    ):
        name.setName(value, name_id, 3, 1, 0x409)
        name.setName(value, name_id, 1, 0, 0)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [POSTSCRIPT]
        top = cff.topDictIndex[0]
        top.FullName = FAMILY
        top.FamilyName = FAMILY
    font.save(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
