"""An invitation as its issuer reads it, before passing the link on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from locales.i18n import I18n
from models.members import AreaRef, StreetMap
from models.org import Party
from views.labels import areas_text, party_name, role_name


def invitation_text(
    i18n: I18n,
    street_map: StreetMap,
    role: str,
    party: Party | None,
    areas: Sequence[AreaRef],
    expires_at: datetime,
) -> str:
    """Whom the link is for; a role of no unit (a street chief, a coordinator) is named
    alone, with no dash where the unit would be."""
    _ = i18n.gettext
    text = (
        _(
            "Invitation for a {role} of {party}, answering for {areas}. Send this link to the "
            "person; it works once and until {date}:"
        )
        if party is not None
        else _(
            "Invitation for a {role}, answering for {areas}. Send this link to the person; it "
            "works once and until {date}:"
        )
    )
    return text.format(
        role=role_name(i18n, role),
        party=party_name(i18n, party),
        areas=areas_text(i18n, street_map, areas),
        date=i18n.format_datetime(expires_at, "short"),
    )
