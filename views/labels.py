"""How domain things are named to people, in their language."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

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


class Named(Protocol):
    """Anything the roster names in Chinese and, optionally, English: a street, community,
    alley, party, outside body, or a models.org.Names carried in a result."""

    @property
    def name(self) -> str: ...

    @property
    def name_en(self) -> str | None: ...


def local_name(i18n: I18n, thing: Named | None) -> str:
    """The English name for a reader in any language but Chinese, when the roster gives one;
    else the Chinese name; "—" for nothing."""
    if thing is None:
        return "—"
    if i18n.locale != "zh_CN" and thing.name_en:
        return thing.name_en
    return thing.name


def street_name(i18n: I18n, street: Street) -> str:
    return local_name(i18n, street)


def community_name(i18n: I18n, community: Community) -> str:
    return local_name(i18n, community)


def party_name(i18n: I18n, party: Party | None) -> str:
    return local_name(i18n, party)


def area_name(i18n: I18n, street_map: StreetMap, ref: AreaRef) -> str:
    """A community, block or alley by name; a block without a name of its own is its
    community's and code (the default block: its community's alone)."""
    if ref.kind == "community":
        return local_name(i18n, street_map.communities[ref.id])
    if ref.kind == "block":
        block = street_map.blocks[ref.id]
        community = local_name(i18n, street_map.communities[block.community_id])
        if block.is_default:
            return community
        return block.name or f"{community} {block.code}"
    return local_name(i18n, street_map.alleys[ref.id])


def area_choices(i18n: I18n, street_map: StreetMap, *, alleys: bool) -> list[tuple[AreaRef, str]]:
    """The areas to choose from, named for the reader: the alleys (a street chief's), else the
    communities and the blocks each is cut into."""
    if alleys:
        return [(AreaRef("alley", i), local_name(i18n, a)) for i, a in street_map.alleys.items()]
    options = [
        (AreaRef("community", i), local_name(i18n, c)) for i, c in street_map.communities.items()
    ]
    options += [
        (
            AreaRef("block", i),
            f"{local_name(i18n, street_map.communities[b.community_id])} · {b.name or b.code}",
        )
        for i, b in street_map.blocks.items()
        if not b.is_default
    ]
    return options


def areas_text(i18n: I18n, street_map: StreetMap, areas: Sequence[AreaRef]) -> str:
    if not areas:
        return i18n.gettext("the whole street")
    names = [area_name(i18n, street_map, a) for a in areas]
    return ("、" if i18n.locale == "zh_CN" else ", ").join(names)


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
