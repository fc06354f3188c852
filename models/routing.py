"""Who answers for a case (定人定责): the category gives the party, the alley the place.

The member of that party who answers for the alley's block (else its community, else the
whole street) takes it; without one, the party's unit head; without one either, the street
coordinators' triage. Only members who have joined (have a Telegram account) can take a case.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.members import AreaRef
from models.org import Member, MemberArea, Party, Role
from models.places import Place


@dataclass
class Route:
    party: Party | None
    member: Member | None
    reason: str  # "alley", "block", "community", "street", "unit_head", "triage"
    assist: list[Party] = field(default_factory=list)
    street_chiefs: list[Member] = field(default_factory=list)

    @property
    def to_triage(self) -> bool:
        return self.member is None


async def _areas(session: AsyncSession, members: list[Member]) -> dict[int, list[AreaRef]]:
    ids = [m.id for m in members if m.id is not None]
    areas: dict[int, list[AreaRef]] = {i: [] for i in ids}
    if ids:
        rows = await session.exec(select(MemberArea).where(col(MemberArea.member_id).in_(ids)))
        for row in rows:
            areas[row.member_id].append(AreaRef.of(row))
    return areas


async def route(
    session: AsyncSession,
    place: Place,
    lead: str,
    assist: tuple[str, ...] = (),
    *,
    triage: bool = False,
) -> Route:
    parties = {
        p.code: p
        for p in await session.exec(select(Party).where(Party.street_id == place.street_id))
    }
    members = list(
        await session.exec(
            select(Member)
            .where(Member.street_id == place.street_id, col(Member.active).is_(True))
            .order_by(col(Member.id))
        )
    )
    areas = await _areas(session, members)
    chiefs = [
        m
        for m in members
        if m.role == Role.STREET_CHIEF
        and m.telegram_id is not None
        and AreaRef("alley", place.alley_id) in areas.get(m.id or 0, [])
    ]
    party = parties.get(lead)
    helpers = [parties[code] for code in assist if code in parties]
    if triage or party is None:
        return Route(party, None, "triage", helpers, chiefs)
    # Most specific first: the alley itself, its block, its community, the whole street.
    wanted = [
        ("alley", [AreaRef("alley", place.alley_id)]),
        ("block", [AreaRef("block", place.block_id)]),
        ("community", [AreaRef("community", place.community_id)]),
    ]
    staff = [
        m
        for m in members
        if m.party_id == party.id
        and m.telegram_id is not None
        and m.role in (Role.LIAISON, Role.INSPECTOR, Role.COORDINATOR)
    ]
    for reason, refs in wanted:
        for member in staff:
            if any(ref in areas.get(member.id or 0, []) for ref in refs):
                return Route(party, member, reason, helpers, chiefs)
    for member in staff:
        if member.role == Role.LIAISON and not areas.get(member.id or 0):
            return Route(party, member, "street", helpers, chiefs)
    head = next(
        (
            m
            for m in members
            if m.party_id == party.id and m.role == Role.UNIT_HEAD and m.telegram_id is not None
        ),
        None,
    )
    if head is not None:
        return Route(party, head, "unit_head", helpers, chiefs)
    return Route(party, None, "triage", helpers, chiefs)
