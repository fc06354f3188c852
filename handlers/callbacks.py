"""Button data: short, colon-separated, and never trusted.

Every handler re-reads what the data names from the database and checks the presser's
rights, so a forged, stale or repeated press changes nothing it should not.
"""

from __future__ import annotations

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


def as_int(text: str) -> int | None:
    if not text.isdigit() or len(text) > 12:
        return None
    return int(text)
