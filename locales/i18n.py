"""Translations and locale-aware formatting.

Catalogs are read from the .po files and compiled in memory on first use, so a fresh
clone needs no compile step and no compiled .mo file is kept in git.
"""

from __future__ import annotations

import gettext
from datetime import date, datetime, timedelta
from functools import cache
from importlib.resources import files
from io import BytesIO
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SUPPORTED_LOCALES = ("zh_CN", "en")


DOMAIN = "messages"


def catalog_path(locale: str) -> str:
    return str(files("locales") / locale / "LC_MESSAGES" / f"{DOMAIN}.po")


@cache
def translations(locale: str) -> gettext.NullTranslations:
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    with open(catalog_path(locale), "rb") as fh:
        catalog = read_po(fh, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)  # leaves out fuzzy entries, as msgfmt does
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def resolve_locale(chosen: str | None, language_code: str | None, default: str) -> str:
    """A user's own choice first; else Telegram's language (zh* is Chinese, others English)."""
    if chosen in SUPPORTED_LOCALES:
        return chosen
    if language_code:
        return "zh_CN" if language_code.lower().startswith("zh") else "en"
    return default


def language_name(locale: str) -> str:
    """The language's name in itself (中文, English), for language pickers."""
    name = Locale.parse(locale).language_name
    return name or locale


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; it is translated where it is shown."""
    return message


class I18n:
    """Everything a handler needs to speak to one user: words, dates and numbers."""

    def __init__(self, locale: str, timezone: str = "Asia/Shanghai") -> None:
        self.locale = locale
        self.timezone = ZoneInfo(timezone)
        self._translations = translations(locale)

    def gettext(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self._translations.pgettext(context, message)

    def format_datetime(self, value: datetime, format: str = "medium") -> str:
        return babel_dates.format_datetime(
            value, format=format, tzinfo=self.timezone, locale=self.locale
        )

    def format_when(self, value: datetime) -> str:
        """Day and time, short, in the street's time zone: '11月27日 20:30', 'Nov 27, 20:30'."""
        day = babel_dates.format_skeleton("MMMd", value, tzinfo=self.timezone, locale=self.locale)
        time = babel_dates.format_skeleton("Hm", value, tzinfo=self.timezone, locale=self.locale)
        return f"{day} {time}"

    def format_day_when(self, value: datetime) -> str:
        """Day, weekday and time, in the street's time zone: '12月10日（周四）15:00',
        'Dec 10 (Thu) 15:00': a date typed by its number is read back by its name too."""
        parts = {
            name: babel_dates.format_skeleton(
                skeleton, value, tzinfo=self.timezone, locale=self.locale
            )
            for name, skeleton in (("day", "MMMd"), ("weekday", "E"), ("time", "Hm"))
        }
        return self.gettext("{day} ({weekday}) {time}").format(**parts)

    def format_date(self, value: date | datetime, format: str = "medium") -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.timezone).date()
        return babel_dates.format_date(value, format=format, locale=self.locale)

    def format_time(self, value: datetime, format: str = "short") -> str:
        return babel_dates.format_time(
            value, format=format, tzinfo=self.timezone, locale=self.locale
        )

    def format_duration(self, value: timedelta) -> str:
        return babel_dates.format_timedelta(value, locale=self.locale, threshold=1.0)

    def format_list(self, items: list[str]) -> str:
        """'a、b和c' in Chinese, 'a, b, and c' in English (Babel's list patterns)."""
        from babel.lists import format_list

        return format_list(items, locale=self.locale) if items else ""

    def format_number(self, value: float) -> str:
        return babel_numbers.format_decimal(value, locale=self.locale)

    def format_percent(self, value: float) -> str:
        return babel_numbers.format_percent(value, locale=self.locale)
