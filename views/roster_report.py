"""The roster import's summary as the operator reads it, in the CLI's language."""

from __future__ import annotations

from collections.abc import Callable

from locales.i18n import I18n

# What an import counts, by the kind models/roster.py names: "+8 条街巷", "+8 alleys".
KINDS: dict[str, Callable[[I18n, int], str]] = {
    "street": lambda i18n, n: i18n.ngettext("{n} street", "{n} streets", n),
    "party": lambda i18n, n: i18n.ngettext("{n} unit", "{n} units", n),
    "community": lambda i18n, n: i18n.ngettext("{n} community", "{n} communities", n),
    "block": lambda i18n, n: i18n.ngettext("{n} block", "{n} blocks", n),
    "alley": lambda i18n, n: i18n.ngettext("{n} alley", "{n} alleys", n),
    "vending_spot": lambda i18n, n: i18n.ngettext("{n} vending spot", "{n} vending spots", n),
    "outside_body": lambda i18n, n: i18n.ngettext("{n} outside body", "{n} outside bodies", n),
    "meeting": lambda i18n, n: i18n.ngettext("{n} meeting series", "{n} meeting series", n),
    "member": lambda i18n, n: i18n.ngettext("{n} member", "{n} members", n),
}


def counted(i18n: I18n, kind: str, n: int) -> str:
    """`n` things of a kind: "8 条街巷", "8 alleys"; an unknown kind by its code."""
    text = KINDS.get(kind)
    return text(i18n, n).format(n=n) if text else f"{n} {kind}"


def changes(i18n: I18n, created: dict[str, int], updated: dict[str, int], deactivated: int) -> str:
    """What an import changed: "+8 条街巷、~1 个单位、-1 名成员"."""
    parts = ["+" + counted(i18n, kind, n) for kind, n in sorted(created.items())]
    parts += ["~" + counted(i18n, kind, n) for kind, n in sorted(updated.items())]
    if deactivated:
        parts.append("-" + counted(i18n, "member", deactivated))
    return ("、" if i18n.locale == "zh_CN" else ", ").join(parts)
