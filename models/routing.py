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
    assist_members: dict[int | None, Member | None] = field(default_factory=dict)

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
    # Only who could be chosen: the lead and assisting parties' members, and the street
    # chiefs of this alley — not the whole street's roster for every report.
    wanted = [parties[code].id for code in (lead, *assist) if code in parties]
    members = list(
        await session.exec(
            select(Member)
            .where(
                Member.street_id == place.street_id,
                col(Member.active).is_(True),
                col(Member.party_id).in_(wanted),
            )
            .order_by(col(Member.id))
        )
    )
    chiefs = list(
        await session.exec(
            select(Member)
            .join(MemberArea, col(MemberArea.member_id) == Member.id)
            .where(
                Member.street_id == place.street_id,
                col(Member.active).is_(True),
                Member.role == Role.STREET_CHIEF,
                col(Member.telegram_id).is_not(None),
                MemberArea.alley_id == place.alley_id,
            )
            .order_by(col(Member.id))
            .distinct()
        )
    )
    areas = await _areas(session, members)
    party = parties.get(lead)
    helpers = [parties[code] for code in assist if code in parties]
    helper_members = {h.id: _pick(h, place, members, areas)[0] for h in helpers}
    if triage or party is None:
        return Route(party, None, "triage", helpers, chiefs, helper_members)
    member, reason = _pick(party, place, members, areas)
    if member is None:
        return Route(party, None, "triage", helpers, chiefs, helper_members)
    return Route(party, member, reason, helpers, chiefs, helper_members)


def _pick(
    party: Party, place: Place, members: list[Member], areas: dict[int, list[AreaRef]]
) -> tuple[Member | None, str]:
    """The party's member answering for the place, most specific area first."""
    wanted = [
        ("alley", AreaRef("alley", place.alley_id)),
        ("block", AreaRef("block", place.block_id)),
        ("community", AreaRef("community", place.community_id)),
    ]
    staff = [
        m
        for m in members
        if m.party_id == party.id
        and m.telegram_id is not None
        and m.role in (Role.LIAISON, Role.INSPECTOR, Role.COORDINATOR)
    ]
    for reason, ref in wanted:
        for member in staff:
            if ref in areas.get(member.id or 0, []):
                return member, reason
    for member in staff:
        if member.role == Role.LIAISON and not areas.get(member.id or 0):
            return member, "street"
    head = next(
        (
            m
            for m in members
            if m.party_id == party.id and m.role == Role.UNIT_HEAD and m.telegram_id is not None
        ),
        None,
    )
    return (head, "unit_head") if head is not None else (None, "triage")
