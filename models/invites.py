"""Invitations into a linkage group, as Telegram deep links (t.me/<bot>?start=<code>)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.members import AreaRef, member_areas, set_member_areas
from models.org import Invite, Member, Role

DEFAULT_DAYS = 7


class InviteStatus(StrEnum):
    VALID = "valid"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


class InviteError(Exception):
    def __init__(self, status: InviteStatus) -> None:
        super().__init__(status)
        self.status = status


class AlreadyMember(Exception):
    def __init__(self, member: Member) -> None:
        super().__init__(member.name)
        self.member = member


def new_code() -> str:
    """128 bits from the OS's CSPRNG, in the characters a deep link allows."""
    return secrets.token_urlsafe(16)


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


def looks_like_code(text: str) -> bool:
    return 16 <= len(text) <= 64 and all(c.isalnum() or c in "-_" for c in text)


def status_of(invite: Invite | None, now: datetime) -> InviteStatus:
    if invite is None:
        return InviteStatus.UNKNOWN
    if invite.revoked_at is not None:
        return InviteStatus.REVOKED
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return InviteStatus.USED
    if invite.expires_at <= now:
        return InviteStatus.EXPIRED
    return InviteStatus.VALID


async def usable(session: AsyncSession, invite: Invite | None, now: datetime) -> InviteStatus:
    """The status, and withdrawn when the people behind it are no longer active members.

    A deactivated member's invitation would otherwise bring him back, and one made by a
    member who has since left would outlive the rights it was made with. Deactivating
    revokes both (models/departure.py); this also covers invitations from before that.
    """
    status = status_of(invite, now)
    if invite is None or status is not InviteStatus.VALID:
        return status
    for member_id in (invite.member_id, invite.created_by_member_id):
        if member_id is not None:
            member = await session.get(Member, member_id)
            if member is None or not member.active:
                return InviteStatus.REVOKED
    return status


@dataclass(frozen=True)
class NewInvite:
    invite: Invite
    code: str  # shown once; only its hash is stored


async def create_invite(
    session: AsyncSession,
    *,
    street_id: int,
    role: Role,
    now: datetime,
    party_id: int | None = None,
    areas: Sequence[AreaRef] = (),
    member_id: int | None = None,
    created_by_member_id: int | None = None,
    created_by_telegram_id: int | None = None,
    days: float = DEFAULT_DAYS,
    max_uses: int | None = 1,
) -> NewInvite:
    """A new invitation, flushed (so it has an id) but not committed."""
    code = new_code()
    invite = Invite(
        code_hash=hash_code(code),
        street_id=street_id,
        role=role,
        party_id=party_id,
        member_id=member_id,
        areas=[a.to_json() for a in areas],
        created_by_member_id=created_by_member_id,
        created_by_telegram_id=created_by_telegram_id,
        created_at=now,
        expires_at=now + timedelta(days=days),
        max_uses=max_uses,
    )
    session.add(invite)
    await session.flush()
    return NewInvite(invite, code)


async def invite_member(
    session: AsyncSession, member: Member, now: datetime, days: float = DEFAULT_DAYS
) -> NewInvite:
    """A fresh single-use invitation for a member who has not joined; older ones are withdrawn."""
    assert member.id is not None
    for old in await session.exec(
        select(Invite).where(Invite.member_id == member.id, col(Invite.revoked_at).is_(None))
    ):
        await revoke(session, old, now)
    return await create_invite(
        session,
        street_id=member.street_id,
        role=member.role,
        party_id=member.party_id,
        member_id=member.id,
        areas=await member_areas(session, member.id),
        now=now,
        days=days,
    )


async def find_invite(session: AsyncSession, code: str) -> Invite | None:
    if not looks_like_code(code):
        return None
    query = select(Invite).where(Invite.code_hash == hash_code(code))
    return (await session.exec(query)).first()


async def pending_invite_for(session: AsyncSession, member_id: int, now: datetime) -> Invite | None:
    query = select(Invite).where(
        Invite.member_id == member_id,
        col(Invite.revoked_at).is_(None),
        Invite.expires_at > now,
        or_(col(Invite.max_uses).is_(None), col(Invite.uses) < col(Invite.max_uses)),
    )
    return (await session.exec(query)).first()


async def revoke(session: AsyncSession, invite: Invite, now: datetime) -> bool:
    if invite.revoked_at is not None:
        return False
    invite.revoked_at = now
    session.add(invite)
    return True


async def accept_invite(
    session: AsyncSession, code: str, *, telegram_id: int, name: str, now: datetime
) -> Member:
    """Join with the invitation: the member (active already, or new) has joined when this
    commits. Joining never reactivates anyone: that is a coordinator's decision.

    The use is counted by one conditional UPDATE, so two people pressing "join" on a
    single-use link at the same moment cannot both get in.
    """
    invite = await find_invite(session, code)
    status = await usable(session, invite, now)
    if invite is None or status is not InviteStatus.VALID:
        raise InviteError(status)
    member = await session.get(Member, invite.member_id) if invite.member_id else None
    if member is not None and member.telegram_id not in (None, telegram_id):
        raise InviteError(InviteStatus.USED)
    if member is None:
        existing = (
            await session.exec(
                select(Member).where(
                    Member.street_id == invite.street_id,
                    Member.telegram_id == telegram_id,
                    Member.role == invite.role,
                    Member.party_id == invite.party_id,
                    col(Member.active).is_(True),
                )
            )
        ).first()
        if existing is not None:
            raise AlreadyMember(existing)
    claimed = await session.exec(
        update(Invite)
        .where(
            col(Invite.id) == invite.id,
            col(Invite.revoked_at).is_(None),
            col(Invite.expires_at) > now,
            or_(col(Invite.max_uses).is_(None), col(Invite.uses) < col(Invite.max_uses)),
        )
        .values(uses=col(Invite.uses) + 1)
    )
    if claimed.rowcount != 1:
        raise InviteError(InviteStatus.USED)
    if member is None:
        member = Member(
            street_id=invite.street_id,
            party_id=invite.party_id,
            name=name,
            role=invite.role,
            source="invite",
        )
        session.add(member)
        await session.flush()
        assert member.id is not None
        await set_member_areas(session, member.id, [AreaRef.from_json(a) for a in invite.areas])
    member.telegram_id = telegram_id
    member.joined_at = now
    session.add(member)
    await session.commit()
    return member
