"""Members of linkage groups and the areas they answer for: small queries and changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.org import Alley, Block, Community, Member, MemberArea, Party, Street

AreaKind = Literal["community", "block", "alley"]
AREA_KINDS: tuple[AreaKind, ...] = ("community", "block", "alley")


@dataclass(frozen=True, order=True)
class AreaRef:
    kind: AreaKind
    id: int

    def to_json(self) -> dict[str, int]:
        return {self.kind: self.id}

    @classmethod
    def from_json(cls, data: dict[str, int]) -> AreaRef:
        [(kind, ident)] = data.items()
        if kind not in AREA_KINDS:
            raise ValueError(f"unknown area kind {kind!r}")
        return cls(kind, int(ident))

    @property
    def token(self) -> str:
        """Compact form for button data: c12, b3, a40 (read back by views.callbacks.as_area)."""
        return f"{self.kind[0]}{self.id}"

    @classmethod
    def of(cls, row: MemberArea) -> AreaRef:
        if row.community_id is not None:
            return cls("community", row.community_id)
        if row.block_id is not None:
            return cls("block", row.block_id)
        assert row.alley_id is not None
        return cls("alley", row.alley_id)


async def member_areas(session: AsyncSession, member_id: int) -> list[AreaRef]:
    rows = await session.exec(select(MemberArea).where(MemberArea.member_id == member_id))
    return sorted(AreaRef.of(row) for row in rows)


async def set_member_areas(session: AsyncSession, member_id: int, areas: Iterable[AreaRef]) -> bool:
    """Replace the member's areas; True when something changed. Not committed here."""
    wanted = set(areas)
    rows = list(await session.exec(select(MemberArea).where(MemberArea.member_id == member_id)))
    current = {AreaRef.of(row): row for row in rows}
    if set(current) == wanted:
        return False
    for ref, row in current.items():
        if ref not in wanted:
            await session.delete(row)
    for ref in wanted - set(current):
        session.add(MemberArea(member_id=member_id, **{f"{ref.kind}_id": ref.id}))
    return True


@dataclass(frozen=True)
class StreetMap:
    """A street's parts by id and by code, to resolve codes (views.labels names them)."""

    street: Street
    parties: dict[int, Party]
    communities: dict[int, Community]
    blocks: dict[int, Block]
    alleys: dict[int, Alley]

    def _codes(self, kind: AreaKind) -> dict[int, str]:
        if kind == "community":
            return {i: c.code for i, c in self.communities.items()}
        if kind == "block":
            return {i: b.code for i, b in self.blocks.items()}
        return {i: a.code for i, a in self.alleys.items()}

    def has(self, ref: AreaRef) -> bool:
        return ref.id in self._codes(ref.kind)

    def code_of(self, ref: AreaRef) -> str:
        return self._codes(ref.kind)[ref.id]

    def by_code(self, kind: AreaKind, code: str) -> AreaRef | None:
        ident = next((i for i, c in self._codes(kind).items() if c == code), None)
        return None if ident is None else AreaRef(kind, ident)

    def party_by_code(self, code: str) -> Party | None:
        return next((p for p in self.parties.values() if p.code == code), None)

    def communities_of(self, ref: AreaRef) -> set[int]:
        """The communities an area lies in."""
        if ref.kind == "community":
            return {ref.id}
        if ref.kind == "block":
            return {self.blocks[ref.id].community_id}
        return {self.blocks[self.alleys[ref.id].block_id].community_id}


async def load_street_map(session: AsyncSession, street: Street) -> StreetMap:
    sid = street.id
    parties = await session.exec(select(Party).where(Party.street_id == sid))
    communities = await session.exec(select(Community).where(Community.street_id == sid))
    blocks = await session.exec(select(Block).where(Block.street_id == sid))
    alleys = await session.exec(select(Alley).where(Alley.street_id == sid))
    return StreetMap(
        street,
        {p.id: p for p in parties if p.id is not None},
        {c.id: c for c in communities if c.id is not None},
        {b.id: b for b in blocks if b.id is not None},
        {a.id: a for a in alleys if a.id is not None},
    )


async def street_by_code(session: AsyncSession, code: str) -> Street | None:
    return (await session.exec(select(Street).where(Street.code == code))).first()


async def memberships(session: AsyncSession, telegram_id: int) -> Sequence[Member]:
    """The active memberships of a Telegram user, across streets."""
    query = select(Member).where(Member.telegram_id == telegram_id, col(Member.active).is_(True))
    return (await session.exec(query.order_by(col(Member.id)))).all()


async def list_members(
    session: AsyncSession,
    street_id: int,
    *,
    ids: Iterable[int] | None = None,
    party_id: int | None = None,
    offset: int = 0,
    limit: int = 10,
) -> tuple[Sequence[Member], int]:
    """A page of a street's members (active first, then by role and name) and the total."""
    query = select(Member).where(Member.street_id == street_id)
    if ids is not None:
        query = query.where(col(Member.id).in_(list(ids)))
    if party_id is not None:
        query = query.where(Member.party_id == party_id)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    page = await session.exec(
        query.order_by(col(Member.active).desc(), col(Member.role), col(Member.name))
        .offset(offset)
        .limit(limit)
    )
    return page.all(), int(total)


def deactivate(member: Member, now: datetime) -> bool:
    if not member.active:
        return False
    member.active = False
    member.deactivated_at = now
    return True
