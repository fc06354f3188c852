"""python -m bot invite create|list|revoke: invitations from the command line."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.common import (
    CommandError,
    bot_username,
    cli_i18n,
    link,
    prepare_database,
    with_session,
)
from models.clock import SystemClock
from models.invites import NewInvite, create_invite, invite_member, revoke, status_of
from models.members import AreaKind, AreaRef, load_street_map, street_by_code
from models.org import Invite, Member, Role
from services.config import Config
from views.labels import role_name


@dataclass(frozen=True)
class InviteRequest:
    street: str
    role: str | None
    party: str | None
    communities: list[str]
    blocks: list[str]
    alleys: list[str]
    member: str | None
    days: float
    uses: int | None


async def _create(session: AsyncSession, request: InviteRequest) -> tuple[NewInvite, str | None]:
    """The invitation, and the roster member it is for (None: for a role, not a person)."""
    now = SystemClock().now()
    street = await street_by_code(session, request.street)
    if street is None or street.id is None:
        raise CommandError(f"no street {request.street!r}")
    street_map = await load_street_map(session, street)
    if request.member is not None:
        member = (
            await session.exec(
                select(Member).where(
                    Member.street_id == street.id,
                    Member.name == request.member,
                    col(Member.active).is_(True),
                )
            )
        ).first()
        if member is None or member.id is None:
            raise CommandError(f"no active member named {request.member!r} in {street.code}")
        if member.telegram_id is not None:
            raise CommandError(f"{member.name} has already joined")
        new = await invite_member(session, member, now, days=request.days)
        await session.commit()
        return new, member.name
    if request.role is None:
        raise CommandError("give --role (or --member for a roster member)")
    party = None
    if request.party is not None:
        party = street_map.party_by_code(request.party)
        if party is None:
            raise CommandError(f"no party {request.party!r} in {street.code}")
    areas = []
    kinds: list[tuple[AreaKind, list[str]]] = [
        ("community", request.communities),
        ("block", request.blocks),
        ("alley", request.alleys),
    ]
    for kind, codes in kinds:
        for code in codes:
            ref = street_map.by_code(kind, code)
            if ref is None:
                raise CommandError(f"no {kind} {code!r} in {street.code}")
            areas.append(ref)
    new = await create_invite(
        session,
        street_id=street.id,
        role=Role(request.role),
        party_id=party.id if party else None,
        areas=areas,
        now=now,
        days=request.days,
        max_uses=request.uses,
    )
    await session.commit()
    return new, None


def create_command(config: Config, request: InviteRequest) -> int:
    prepare_database(config)

    async def work() -> tuple[NewInvite, str | None, str | None]:
        new, who = await with_session(config, lambda s: _create(s, request))
        return new, who, await bot_username(config)

    new, member, username = asyncio.run(work())
    i18n = cli_i18n(config)
    who = member or role_name(i18n, request.role or "")
    print(
        i18n.gettext("Invitation #{id} for {who}, valid until {date}:").format(
            id=new.invite.id, who=who, date=i18n.format_datetime(new.invite.expires_at, "short")
        )
    )
    print(f"  {link(username, new.code)}")
    return 0


async def _list(session: AsyncSession, street_code: str) -> list[str]:
    street = await street_by_code(session, street_code)
    if street is None:
        raise CommandError(f"no street {street_code!r}")
    street_map = await load_street_map(session, street)
    now = SystemClock().now()
    lines = []
    invites = await session.exec(
        select(Invite).where(Invite.street_id == street.id).order_by(col(Invite.id))
    )
    for invite in invites:
        party = street_map.parties[invite.party_id].code if invite.party_id else "-"
        areas = ",".join(street_map.code_of(AreaRef.from_json(a)) for a in invite.areas) or "-"
        uses = f"{invite.uses}/{invite.max_uses or '∞'}"
        lines.append(
            f"#{invite.id}\t{invite.role}\t{party}\t{areas}\t{uses}\t"
            f"{status_of(invite, now)}\t{invite.expires_at:%Y-%m-%d %H:%M}Z"
        )
    return lines


def list_command(config: Config, street: str) -> int:
    prepare_database(config)
    lines = asyncio.run(with_session(config, lambda s: _list(s, street)))
    print("\n".join(lines) if lines else cli_i18n(config).gettext("No invitations."))
    return 0


async def _revoke(session: AsyncSession, invite_id: int) -> bool:
    invite = await session.get(Invite, invite_id)
    if invite is None:
        raise CommandError(f"no invitation #{invite_id}")
    changed = await revoke(session, invite, SystemClock().now())
    await session.commit()
    return changed


def revoke_command(config: Config, invite_id: int) -> int:
    prepare_database(config)
    changed = asyncio.run(with_session(config, lambda s: _revoke(s, invite_id)))
    _ = cli_i18n(config).gettext
    message = (
        _("Invitation #{id} revoked.") if changed else _("Invitation #{id} was already revoked.")
    )
    print(message.format(id=invite_id))
    return 0
