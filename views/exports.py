"""Files for spreadsheets: CSV that Excel opens as UTF-8, times as the street reads them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from locales.i18n import N_, I18n

# `cases export`: the key (JSON) and the header (CSV, in the reader's language) of each column.
CASE_COLUMNS = [
    ("number", N_("number")),
    ("street", N_("street code")),
    ("street_name", N_("street")),
    ("category", N_("category code")),
    ("category_name", N_("category")),
    ("alley", N_("alley code")),
    ("alley_name", N_("alley")),
    ("state", N_("state code")),
    ("state_name", N_("state")),
    ("urgency", N_("urgency code")),
    ("urgency_name", N_("urgency")),
    ("reporter", N_("reporter")),
    ("reporter_role", N_("reporter's role")),
    ("anonymous", N_("anonymous")),
    ("channel", N_("channel")),
    ("caller_name", N_("caller")),
    ("caller_phone", N_("caller's phone")),
    ("assignees", N_("assignees")),
    ("report_count", N_("reports")),
    ("duplicate_of", N_("duplicate of")),
    ("created_at", N_("reported at")),
    ("due_at", N_("due at")),
    ("closed_at", N_("closed at")),
    ("text", N_("text")),
    ("events", N_("history")),
]


def local_iso(value: datetime | None, timezone: str) -> str | None:
    """ISO 8601 in the street's time zone, with its offset: 2026-11-26T10:00:00+08:00."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds")


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a byte order mark, which Excel needs to read Chinese; CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def case_header(i18n: I18n) -> list[str]:
    return [i18n.gettext(label) for _key, label in CASE_COLUMNS]
