"""Button data: short, colon-separated, and never trusted.

Every handler re-reads what the data names from the database and checks the presser's
rights, so a forged, stale or repeated press changes nothing it should not.
"""

from __future__ import annotations

import re

from locales.i18n import I18n
from models.members import AreaKind, AreaRef

MAX_BYTES = 64


def pack(*parts: object) -> str:
    data = ":".join(str(p) for p in parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"button data over {MAX_BYTES} bytes: {data!r}")
    return data


def unpack(data: str | None, prefix: str, count: int) -> list[str] | None:
    """The `count` fields after `prefix`, or None when the data is not of that shape."""
    if not data:
        return None
    parts = data.split(":")
    if parts[0] != prefix or len(parts) != count + 1:
        return None
    return parts[1:]


def verb_press(data: str | None) -> tuple[str, int | None, str | None] | None:
    """`prefix:verb:id[:arg]`, the shape of the case and meeting buttons: the verb, the id
    (None unless plain digits) and the argument; None for any other shape."""
    parts = (data or "").split(":")
    if not 3 <= len(parts) <= 4:
        return None
    return parts[1], as_int(parts[2]), parts[3] if len(parts) == 4 else None


# ASCII digits only: str.isdigit() also takes "¹" (which int() then refuses) and int() takes
# "１" and "٣", none of which a button the bot made ever carries.
_DIGITS = re.compile(r"[0-9]{1,12}")
_AREA_KINDS: dict[str, AreaKind] = {"c": "community", "b": "block", "a": "alley"}


def as_int(text: str | None) -> int | None:
    """The number in a field of button data (or a typed id), or None for anything else."""
    if text is None or _DIGITS.fullmatch(text) is None:
        return None
    return int(text)


def as_area(token: str) -> AreaRef | None:
    """An area from its button token (AreaRef.token: c12, b3, a40), or None."""
    kind, ident = _AREA_KINDS.get(token[:1]), as_int(token[1:])
    if kind is None or ident is None:
        return None
    return AreaRef(kind, ident)


def stale(i18n: I18n) -> str:
    """The polite answer to a button whose data is forged, stale or no longer applies."""
    return i18n.gettext("This button is no longer valid.")
