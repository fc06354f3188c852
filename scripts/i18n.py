"""Keep the catalogs in step with the code.

    python scripts/i18n.py          extract strings, update zh_CN and en, fill en from the source
    python scripts/i18n.py --check  exit 1 if a string lacks a translation (what the tests check)

The bot compiles the .po files in memory when it starts, so there is no compile step;
`pybabel compile -d locales` still works for tools that want .mo files.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"
KEYWORDS = ["-k", "N_", "-k", "ngettext:1,2", "-k", "pgettext:1c,2"]


def pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT, check=True)


def po_path(locale: str) -> Path:
    return LOCALES / locale / "LC_MESSAGES" / "messages.po"


def untranslated(locale: str) -> list[str]:
    with po_path(locale).open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(str(message.id))
    return missing


def fill_english() -> None:
    """English is the source language: its catalog starts as the source text, to be edited."""
    path = po_path("en")
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string):
                message.string = tuple(message.id)
        elif not message.string:
            message.string = message.id
        if message.fuzzy:
            message.flags.discard("fuzzy")
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100)


def update() -> None:
    pybabel(
        "extract",
        "-F",
        "babel.cfg",
        "-o",
        str(POT),
        "--no-location",
        "--sort-output",
        "--project",
        "LaneKeeper",
        "--width",
        "100",
        *KEYWORDS,
        ".",
    )
    for locale in ("zh_CN", "en"):
        action = "update" if po_path(locale).exists() else "init"
        extra = (
            ["--no-fuzzy-matching", "--width", "100"] if action == "update" else ["--width", "100"]
        )
        pybabel(action, "-i", str(POT), "-d", str(LOCALES), "-l", locale, *extra)
    fill_english()


def main() -> int:
    if "--check" not in sys.argv:
        update()
    status = 0
    for locale in ("zh_CN", "en"):
        for msgid in untranslated(locale):
            print(f"{locale}: untranslated: {msgid!r}")
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
