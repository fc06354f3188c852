"""Catalogs, locale resolution and formatting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from locales.i18n import I18n, catalog_path, resolve_locale

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None}


def source_messages() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "handlers", "scheduler", "views", "notify", "services", "locales"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_user_facing_string_is_translated(locale: str) -> None:
    with open(catalog_path(locale), "rb") as fh:
        catalog = read_po(fh, locale=locale)
    missing = []
    for msgid in sorted(source_messages()):
        message = catalog.get(msgid)
        strings = () if message is None else message.string
        strings = strings if isinstance(strings, tuple) else (strings,)
        if message is None or message.fuzzy or not all(strings):
            missing.append(msgid)
    assert missing == [], f"untranslated in {locale} (run python scripts/i18n.py): {missing}"


def test_placeholders_survive_translation() -> None:
    with open(catalog_path("zh_CN"), "rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    import re

    for message in catalog:
        if message.id and isinstance(message.id, str):
            assert set(re.findall(r"{\w+}", message.id)) == set(
                re.findall(r"{\w+}", str(message.string))
            ), message.id


@pytest.mark.parametrize(
    ("chosen", "language_code", "expected"),
    [
        (None, "zh-hans", "zh_CN"),
        (None, "zh-hant", "zh_CN"),
        (None, "zh", "zh_CN"),
        (None, "en", "en"),
        (None, "de", "en"),
        (None, None, "zh_CN"),
        ("en", "zh-hans", "en"),
        ("zh_CN", "en", "zh_CN"),
        ("xx", "en", "en"),
    ],
)
def test_resolve_locale(chosen: str | None, language_code: str | None, expected: str) -> None:
    assert resolve_locale(chosen, language_code, "zh_CN") == expected


def test_dates_and_numbers_in_the_users_locale_and_street_time_zone() -> None:
    moment = datetime(2026, 11, 26, 20, 30, tzinfo=UTC)  # 04:30 next day in Shanghai
    zh = I18n("zh_CN", "Asia/Shanghai")
    en = I18n("en", "Asia/Shanghai")
    assert zh.format_date(moment) == "2026年11月27日"
    assert en.format_date(moment) == "Nov 27, 2026"
    assert zh.format_time(moment) == "04:30"
    assert en.format_time(moment).replace("\u202f", " ") == "4:30 AM"
    assert zh.format_number(12345.5) == "12,345.5"
    assert en.format_percent(0.875) == "88%"
    assert zh.format_duration(timedelta(hours=4)) == "4小时"
    assert en.format_duration(timedelta(hours=4)) == "4 hours"
