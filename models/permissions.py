"""Who may do what (docs/permissions.md). Checked on the server for commands and buttons alike.

admin > coordinator (street or community scope) > unit_head > liaison, street_chief,
inspector > resident. A coordinator whose roster names communities acts within them; one
who names none acts for the whole street.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.members import AreaRef, StreetMap, member_areas, memberships
from models.org import Member, Role, Street


@dataclass(frozen=True)
class Membership:
    member: Member
    areas: tuple[AreaRef, ...]


@dataclass
class Actor:
    """A Telegram user as the rules see them: admin or not, and their active memberships."""

    telegram_id: int
    is_admin: bool = False
    memberships: list[Membership] = field(default_factory=list)

    def in_street(self, street_id: int) -> list[Membership]:
        return [m for m in self.memberships if m.member.street_id == street_id]

    def coordinated_communities(self, street_map: StreetMap) -> set[int] | None:
        """None: none; every community id of the street for a street-wide coordinator."""
        assert street_map.street.id is not None
        scope: set[int] = set()
        found = False
        for m in self.in_street(street_map.street.id):
            if m.member.role != Role.COORDINATOR:
                continue
            found = True
            if not m.areas:
                return set(street_map.communities)
            for area in m.areas:
                scope |= street_map.communities_of(area)
        return scope if found else None

    def is_street_coordinator(self, street_map: StreetMap) -> bool:
        assert street_map.street.id is not None
        return self.is_admin or any(
            m.member.role == Role.COORDINATOR and not m.areas
            for m in self.in_street(street_map.street.id)
        )

    def headed_parties(self, street_id: int) -> set[int]:
        return {
            m.member.party_id
            for m in self.in_street(street_id)
            if m.member.role == Role.UNIT_HEAD and m.member.party_id is not None
        }

    @property
    def coordinates_anywhere(self) -> bool:
        """An admin, or a coordinator of some street or community."""
        return self.is_admin or any(m.member.role == Role.COORDINATOR for m in self.memberships)

    @property
    def is_member(self) -> bool:
        return bool(self.memberships)


async def load_actor(session: AsyncSession, telegram_id: int, is_admin: bool) -> Actor:
    actor = Actor(telegram_id, is_admin)
    for member in await memberships(session, telegram_id):
        assert member.id is not None
        actor.memberships.append(Membership(member, tuple(await member_areas(session, member.id))))
    return actor


async def manageable_streets(session: AsyncSession, actor: Actor) -> Sequence[Street]:
    """The streets whose members this actor may list: all for admins."""
    if actor.is_admin:
        return (await session.exec(select(Street).order_by(Street.code))).all()
    ids = {
        m.member.street_id
        for m in actor.memberships
        if m.member.role in (Role.COORDINATOR, Role.UNIT_HEAD)
    }
    if not ids:
        return []
    query = select(Street).where(Street.id.in_(ids)).order_by(Street.code)  # type: ignore[union-attr]
    return (await session.exec(query)).all()


def _within(areas: Iterable[AreaRef], communities: set[int], street_map: StreetMap) -> bool:
    areas = list(areas)
    return bool(areas) and all(street_map.communities_of(a) <= communities for a in areas)


def can_see_member(
    actor: Actor, street_map: StreetMap, member: Member, areas: Sequence[AreaRef]
) -> bool:
    if actor.is_admin or actor.is_street_coordinator(street_map):
        return True
    scope = actor.coordinated_communities(street_map)
    if scope and _within(areas, scope, street_map):
        return True
    return member.party_id in actor.headed_parties(member.street_id)


def can_manage_member(
    actor: Actor, street_map: StreetMap, member: Member, areas: Sequence[AreaRef]
) -> bool:
    """Deactivate, reactivate, change areas."""
    if member.telegram_id == actor.telegram_id and not actor.is_admin:
        return False  # nobody changes their own standing
    if actor.is_admin or actor.is_street_coordinator(street_map):
        return True
    scope = actor.coordinated_communities(street_map)
    if scope and member.role != Role.COORDINATOR and _within(areas, scope, street_map):
        return True
    return member.role == Role.LIAISON and member.party_id in actor.headed_parties(member.street_id)


def can_invite(
    actor: Actor,
    street_map: StreetMap,
    role: Role,
    party_id: int | None,
    areas: Sequence[AreaRef],
) -> bool:
    if actor.is_admin or actor.is_street_coordinator(street_map):
        return True
    scope = actor.coordinated_communities(street_map)
    if scope and _within(areas, scope, street_map):
        return True
    assert street_map.street.id is not None
    return role == Role.LIAISON and party_id in actor.headed_parties(street_map.street.id)


def can_invite_any(actor: Actor, street_map: StreetMap) -> bool:
    assert street_map.street.id is not None
    return bool(
        actor.is_admin
        or actor.coordinated_communities(street_map)
        or actor.headed_parties(street_map.street.id)
    )


def can_link_group(actor: Actor, street_map: StreetMap, community_id: int | None) -> bool:
    if actor.is_street_coordinator(street_map):
        return True
    scope = actor.coordinated_communities(street_map) or set()
    return community_id is not None and community_id in scope
