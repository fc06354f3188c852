"""Alley signboards (街巷长公示牌): what a board shows, and the token of its QR code.

Each alley's board carries a QR code for `{public_url}/r/{board_token}`, the alley's report
page. The token is random (nothing in it names the alley), made once and kept: boards are
printed and hung for years. Rotating it gives the alley a new one, and the codes of the
boards already hung stop working (a board stolen, defaced or re-hung elsewhere).

A board shows the street chiefs of the alley (their phone only when the roster says
`phone_public`), the units that act in alleys (those that lead a category, with their public
duty line when they have one) and the street's supervision line. docs/signboards.md.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.org import Alley, Member, MemberArea, Names, Party, Role, Street

TOKEN_BYTES = 12  # 16 URL-safe characters: 96 random bits
MAX_TOKEN = 32  # the column's length
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,32}$")


@dataclass(frozen=True)
class BoardChief:
    name: str
    phone: str | None  # only a phone the roster made public


@dataclass(frozen=True)
class BoardUnit:
    code: str
    names: Names
    phone: str | None  # the unit's public duty line


@dataclass(frozen=True)
class Board:
    """What one alley's board shows, read in one go (the rows may be gone when it is drawn)."""

    street_code: str
    street: Names
    alley_code: str
    alley: Names
    token: str
    chiefs: tuple[BoardChief, ...]
    units: tuple[BoardUnit, ...]
    supervision_phone: str | None

    def url(self, public_url: str) -> str:
        """The report page the QR code opens."""
        return report_url(public_url, self.token)


def report_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/r/{token}"


async def board_token(session: AsyncSession, alley: Alley, rotate: bool = False) -> str:
    """The alley's board token: the one it has, else (or when `rotate`) a new one, committed."""
    if alley.board_token and not rotate:
        return alley.board_token
    while True:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        if token == alley.board_token:
            continue
        taken = await session.exec(select(Alley.id).where(Alley.board_token == token))
        if taken.first() is None:  # 96 bits: a clash is for form's sake
            break
    alley.board_token = token
    session.add(alley)
    await session.commit()
    return token


async def alley_by_token(session: AsyncSession, token: str) -> Alley | None:
    """The alley whose boards carry this token; None for any other text (checked first)."""
    if not token or len(token) > MAX_TOKEN or not _TOKEN.match(token):
        return None
    return (await session.exec(select(Alley).where(Alley.board_token == token))).first()


async def street_alleys(session: AsyncSession, street: Street) -> list[Alley]:
    """The street's alleys in the roster's order."""
    query = select(Alley).where(Alley.street_id == street.id).order_by(col(Alley.id))
    return list(await session.exec(query))


async def alley_by_code_or_name(session: AsyncSession, street: Street, text: str) -> Alley | None:
    """An alley of the street by its code, else by its name, English name or an alias."""
    alleys = await street_alleys(session, street)
    wanted = text.strip()
    for alley in alleys:
        if alley.code == wanted:
            return alley
    folded = wanted.casefold()
    for alley in alleys:
        names = [alley.name, alley.name_en or "", *alley.aliases]
        if any(name and name.casefold() == folded for name in names):
            return alley
    return None


def lead_parties() -> list[str]:
    """The parties that lead a category in the shipped table: those that act in alleys."""
    from models.classify import load_categories  # pinyin tables: slow to import

    return list(dict.fromkeys(spec.lead for spec in load_categories()))


async def board(
    session: AsyncSession,
    street: Street,
    alley: Alley,
    *,
    units: Collection[str] | None = None,
) -> Board:
    """What the alley's board shows; the alley is given a token if it has none.

    `units`: the codes of the parties shown, in the street's order (the roster's); default:
    those that lead a category of the shipped table (the caller passes the leads of its own
    categories file when it has one)."""
    assert alley.street_id == street.id, "the alley of another street"
    token = await board_token(session, alley)
    chiefs = await session.exec(
        select(Member)
        .join(MemberArea, col(MemberArea.member_id) == Member.id)
        .where(
            MemberArea.alley_id == alley.id,
            Member.street_id == street.id,
            Member.role == Role.STREET_CHIEF,
            col(Member.active).is_(True),
        )
        .order_by(col(Member.id))
    )
    once = {m.id: m for m in chiefs}  # once each, however often assigned
    codes = set(lead_parties() if units is None else units)
    parties = await session.exec(
        select(Party).where(Party.street_id == street.id).order_by(col(Party.id))
    )
    return Board(
        street_code=street.code,
        street=Names(street.name, street.name_en),
        alley_code=alley.code,
        alley=Names(alley.name, alley.name_en),
        token=token,
        chiefs=tuple(
            BoardChief(m.name, m.phone if m.phone_public and m.phone else None)
            for m in once.values()
        ),
        units=tuple(
            BoardUnit(p.code, Names(p.name, p.name_en), p.phone or None)
            for p in parties
            if p.code in codes
        ),
        supervision_phone=street.supervision_phone or None,
    )
