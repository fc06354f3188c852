"""How domain things are named to people, in their language."""

from __future__ import annotations

from collections.abc import Sequence

from locales.i18n import N_, I18n
from models.members import AreaRef, StreetMap
from models.org import Community, Member, Party, Role, Street

ROLE_NAMES = {
    Role.COORDINATOR: N_("coordinator"),
    Role.UNIT_HEAD: N_("unit head"),
    Role.LIAISON: N_("liaison"),
    Role.STREET_CHIEF: N_("street chief"),
    Role.INSPECTOR: N_("inspector"),
}


def role_name(i18n: I18n, role: str) -> str:
    return i18n.gettext(ROLE_NAMES.get(Role(role), role)) if role in ROLE_NAMES else role


def street_name(i18n: I18n, street: Street) -> str:
    if i18n.locale != "zh_CN" and street.name_en:
        return street.name_en
    return street.name


def community_name(i18n: I18n, community: Community) -> str:
    if i18n.locale != "zh_CN" and community.name_en:
        return community.name_en
    return community.name


def party_name(i18n: I18n, party: Party | None) -> str:
    if party is None:
        return "—"
    if i18n.locale != "zh_CN" and party.name_en:
        return party.name_en
    return party.name


def areas_text(i18n: I18n, street_map: StreetMap, areas: Sequence[AreaRef]) -> str:
    if not areas:
        return i18n.gettext("the whole street")
    return (
        "、".join(street_map.name_of(a) for a in areas)
        if i18n.locale == "zh_CN"
        else ", ".join(street_map.name_of(a) for a in areas)
    )


def member_line(i18n: I18n, street_map: StreetMap, member: Member, areas: Sequence[AreaRef]) -> str:
    """One line about a member: name, role, party, areas, and whether they have joined."""
    party = street_map.parties.get(member.party_id) if member.party_id else None
    parts = [member.name, role_name(i18n, member.role)]
    if party is not None:
        parts.append(party_name(i18n, party))
    parts.append(areas_text(i18n, street_map, areas))
    line = " · ".join(parts)
    if not member.active:
        line += " " + i18n.gettext("(deactivated)")
    elif member.telegram_id is None:
        line += " " + i18n.gettext("(not joined yet)")
    return line
