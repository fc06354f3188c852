"""What every chart shares: the Chinese font shipped with the package, and the style.

The font is views/fonts/LaneKeeperSansSC-Regular.otf, a GB 2312 subset of Noto Sans CJK SC
(SIL OFL 1.1, views/fonts/OFL.txt; rebuilt by scripts/subset_font.py). It is registered with
matplotlib's font manager by its path, so charts are labelled in Chinese on any machine
without system fonts; a character outside the subset falls back to a system CJK font when
there is one, else DejaVu Sans (matplotlib's own).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import cache
from pathlib import Path
from typing import Any

FONT_FILE = Path(__file__).parent / "fonts" / "LaneKeeperSansSC-Regular.otf"
FAMILY = "LaneKeeper Sans SC"
# Fallbacks for characters outside the subset, used only when installed.
SYSTEM_CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
)


@cache
def font_families() -> tuple[str, ...]:
    """The shipped font first, then the fallbacks found on this machine."""
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(FONT_FILE))
    available = {f.name for f in font_manager.fontManager.ttflist}
    return (FAMILY, *(name for name in SYSTEM_CJK_FONTS if name in available), "DejaVu Sans")


def style() -> AbstractContextManager[Any]:
    """Draw a chart within it: no display, the shipped font, a plain minus sign."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    return plt.rc_context({"font.family": list(font_families()), "axes.unicode_minus": False})
