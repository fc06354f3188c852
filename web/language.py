"""The language a web client asks for (Accept-Language), among those LaneKeeper speaks."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from locales.i18n import SUPPORTED_LOCALES

DEFAULT = "zh_CN"


def locale_of(header: str | None, default: str = DEFAULT) -> str:
    """The first language of the header LaneKeeper speaks, by preference (q); else default.
    "zh", "zh-CN" and "zh-Hans-CN" are Chinese; "en-GB" is English."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip()))
    for _q, _p, tag in sorted(ranked):
        try:
            language = Locale.parse(tag.replace("-", "_")).language
        except (UnknownLocaleError, ValueError):
            continue
        for supported in SUPPORTED_LOCALES:
            if supported.split("_")[0] == language:
                return supported
    return default
