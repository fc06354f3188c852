"""Importing a roster into the database, and exporting a street back to a roster.

An import is one transaction: it either applies the whole file or nothing. Entries are
matched by code (members by telegram_id, else by name and party), so importing the same
file twice changes nothing the second time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import tomlkit
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.departure import Departure, deactivate_member
from models.geo import bounding_box, path_length_m
from models.invites import NewInvite, invite_member, pending_invite_for
from models.meetings import MeetingSeries
from models.members import AreaRef, StreetMap, load_street_map, member_areas, set_member_areas
from models.org import Alley, Block, Community, Member, OutsideBody, Party, Street, VendingSpot
from models.roster_spec import MemberEntry, Roster, RosterError, chat_places


@dataclass
class ImportReport:
    street: str
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    deactivated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # in the database, not in the file
    invites: list[tuple[Member, NewInvite]] = field(default_factory=list)
    pending: list[tuple[Member, datetime]] = field(default_factory=list)
    departures: list[Departure] = field(default_factory=list)  # with the cases they moved

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated or self.invites)


def _assign(row: SQLModel, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


async def _chat_taken(session: AsyncSession, r: Roster) -> str | None:
    """A group chat the file names that stays another place's after the import."""
    places = chat_places(r)
    chats = [chat for chat, _where, _place in places]
    if not chats:
        return None
    owners: dict[int, str] = {}
    for other in await session.exec(
        select(Street).where(col(Street.group_chat_id).in_(chats), Street.code != r.street.code)
    ):
        owners[other.group_chat_id or 0] = f"street {other.code!r}"
    listed = {c.code for c in r.communities}
    rows = await session.exec(
        select(Community, Street)
        .join(Street, col(Street.id) == Community.street_id)
        .where(col(Community.group_chat_id).in_(chats))
    )
    for community, street in rows:
        if street.code == r.street.code and community.code in listed:
            continue  # the file gives this community its chat anew
        owners[community.group_chat_id or 0] = (
            f"community {community.code!r} of street {street.code!r}"
        )
    for chat, where, _place in places:
        if chat in owners:
            return (
                f"{where}: group_chat_id: chat {chat} is already the group of {owners[chat]}; "
                "a group chat belongs to one street or community"
            )
    return None


class _Importer:
    def __init__(
        self, session: AsyncSession, roster: Roster, now: datetime, default_timezone: str
    ) -> None:
        self.session = session
        self.roster = roster
        self.now = now
        self.default_timezone = default_timezone
        self.report = ImportReport(roster.street.code)

    async def upsert(
        self,
        kind: str,
        model: type[SQLModel],
        existing: dict[str, Any],
        code: str,
        values: dict[str, Any],
    ) -> Any:
        row = existing.get(code)
        if row is None:
            row = model(code=code, **values)
            self.session.add(row)
            self.report.created[kind] += 1
        elif _assign(row, values):
            self.session.add(row)
            self.report.updated[kind] += 1
        await self.session.flush()
        return row

    async def rows(self, model: Any, street_id: int) -> dict[str, Any]:
        result = await self.session.exec(select(model).where(model.street_id == street_id))
        return {row.code: row for row in result}

    def keep_unlisted(self, kind: str, existing: dict[str, Any], listed: set[str]) -> None:
        self.report.kept += [f"{kind} {code}" for code in sorted(set(existing) - listed)]

    async def run(self) -> ImportReport:
        r = self.roster
        s = r.street
        if problem := await _chat_taken(self.session, r):
            raise RosterError(problem)
        street = (await self.session.exec(select(Street).where(Street.code == s.code))).first()
        values = {
            "name": s.name,
            "name_en": s.name_en,
            "district": s.district,
            "city": s.city,
            "timezone": s.timezone or self.default_timezone,
            "group_chat_id": s.group_chat_id,
            "supervision_phone": s.supervision_phone,
            "publish_fix_photos": s.publish_fix_photos,
        }
        street = await self.upsert(
            "street", Street, {} if street is None else {s.code: street}, s.code, values
        )
        sid = street.id

        parties = await self.rows(Party, sid)
        for p in r.parties:
            parties[p.code] = await self.upsert(
                "party",
                Party,
                parties,
                p.code,
                {"street_id": sid, "name": p.name, "name_en": p.name_en, "phone": p.phone},
            )
        self.keep_unlisted("party", parties, {p.code for p in r.parties})

        communities = await self.rows(Community, sid)
        for c in r.communities:
            communities[c.code] = await self.upsert(
                "community",
                Community,
                communities,
                c.code,
                {
                    "street_id": sid,
                    "name": c.name,
                    "name_en": c.name_en,
                    "group_chat_id": c.group_chat_id,
                },
            )
        self.keep_unlisted("community", communities, {c.code for c in r.communities})

        blocks = await self.rows(Block, sid)
        wanted_blocks = [(b.code, b.community, b.name, False) for b in r.blocks]
        wanted_blocks += [(code, code, None, True) for code in r.default_blocks()]
        for code, community, name, is_default in wanted_blocks:
            blocks[code] = await self.upsert(
                "block",
                Block,
                blocks,
                code,
                {
                    "street_id": sid,
                    "community_id": communities[community].id,
                    "name": name,
                    "is_default": is_default,
                },
            )
        self.keep_unlisted("block", blocks, {b[0] for b in wanted_blocks})

        alleys = await self.rows(Alley, sid)
        for a in r.alleys:
            path = [[lat, lon] for lat, lon in a.path]
            min_lat, max_lat, min_lon, max_lon = bounding_box(path)
            length = a.length_m if a.length_m is not None else round(path_length_m(path), 1)
            alleys[a.code] = await self.upsert(
                "alley",
                Alley,
                alleys,
                a.code,
                {
                    "street_id": sid,
                    "block_id": blocks[a.block or a.community or ""].id,
                    "name": a.name,
                    "name_en": a.name_en,
                    "aliases": list(a.aliases),
                    "length_m": length,
                    "path": path,
                    "min_lat": min_lat,
                    "max_lat": max_lat,
                    "min_lon": min_lon,
                    "max_lon": max_lon,
                },
            )
        self.keep_unlisted("alley", alleys, {a.code for a in r.alleys})

        spots = await self.rows(VendingSpot, sid)
        for v in r.vending_spots:
            await self.upsert(
                "vending_spot",
                VendingSpot,
                spots,
                v.code,
                {"street_id": sid, "name": v.name, "lat": v.lat, "lon": v.lon, "hours": v.hours},
            )
        self.keep_unlisted("vending_spot", spots, {v.code for v in r.vending_spots})

        bodies = await self.rows(OutsideBody, sid)
        for o in r.outside_bodies:
            await self.upsert(
                "outside_body",
                OutsideBody,
                bodies,
                o.code,
                {"street_id": sid, "name": o.name, "name_en": o.name_en, "active": True},
            )
        # Cases transferred to a body keep naming it: one left out is no longer offered.
        listed_bodies = {o.code for o in r.outside_bodies}
        for code, body in bodies.items():
            if code not in listed_bodies and body.active:
                body.active = False
                self.session.add(body)
                self.report.updated["outside_body"] += 1

        series = await self.rows(MeetingSeries, sid)
        for m in r.meetings:
            community_id = communities[m.community].id if m.community else None
            await self.upsert(
                "meeting",
                MeetingSeries,
                series,
                m.key,
                {
                    "street_id": sid,
                    "community_id": community_id,
                    "kind": m.kind,
                    "rrule": m.rrule,
                    "duration_min": m.duration_min,
                    "place": m.place,
                    "reminder_minutes": list(m.reminders_min),
                    "participants": {"members": list(m.participants)} if m.participants else {},
                },
            )
        self.keep_unlisted("meeting", series, {m.key for m in r.meetings})

        street_map = await load_street_map(self.session, street)
        await self.members(street, street_map)
        return self.report

    async def members(self, street: Street, street_map: StreetMap) -> None:
        existing = list(
            await self.session.exec(select(Member).where(Member.street_id == street.id))
        )
        matched: set[int] = set()
        for entry in self.roster.members:
            party = street_map.party_by_code(entry.party) if entry.party else None
            member = self.match(existing, entry, party.id if party else None, matched)
            values: dict[str, Any] = {
                "name": entry.name,
                "role": entry.role,
                "party_id": party.id if party else None,
                "level": entry.level,
                # Printed on signboards only when the file says so, each time it is imported.
                "phone_public": entry.phone_public,
                "active": True,
                "deactivated_at": None,
                "source": "roster",
            }
            # Absent from the file is not "unknown": keep what joining through the bot set.
            if entry.telegram_id is not None:
                values["telegram_id"] = entry.telegram_id
            if entry.phone is not None:
                values["phone"] = entry.phone
            if member is None:
                assert street.id is not None
                member = Member(street_id=street.id, **values)
                self.session.add(member)
                await self.session.flush()
                self.report.created["member"] += 1
                changed = False
            else:
                changed = _assign(member, values)
            assert member.id is not None
            matched.add(member.id)
            areas = self.areas(entry, street_map)
            if await set_member_areas(self.session, member.id, areas) or changed:
                self.session.add(member)
                if changed or member.id in {m.id for m in existing}:
                    self.report.updated["member"] += 1
            await self.invite_if_needed(member)
        for member in existing:
            if member.id not in matched and member.source == "roster" and member.active:
                departure = await deactivate_member(self.session, member, self.now)
                assert departure is not None
                self.report.deactivated.append(member.name)
                self.report.departures.append(departure)

    @staticmethod
    def match(
        existing: list[Member], entry: MemberEntry, party_id: int | None, taken: set[int]
    ) -> Member | None:
        candidates = [m for m in existing if m.id not in taken]
        if entry.telegram_id is not None:
            found = next((m for m in candidates if m.telegram_id == entry.telegram_id), None)
            if found is not None:
                return found
        return next(
            (
                m
                for m in candidates
                if m.name == entry.name
                and m.party_id == party_id
                and (entry.telegram_id is None or m.telegram_id is None)
            ),
            None,
        )

    @staticmethod
    def areas(entry: MemberEntry, street_map: StreetMap) -> list[AreaRef]:
        refs = []
        for kind, codes in (
            ("community", entry.communities),
            ("block", entry.blocks),
            ("alley", entry.alleys),
        ):
            for code in codes:
                ref = street_map.by_code(kind, code)  # type: ignore[arg-type]
                if ref is None:  # checked when parsing; a stale database would land here
                    raise RosterError(f"members ({entry.name}): {kind} {code!r} not found")
                refs.append(ref)
        return refs

    async def invite_if_needed(self, member: Member) -> None:
        if member.telegram_id is not None or not member.active:
            return
        assert member.id is not None
        pending = await pending_invite_for(self.session, member.id, self.now)
        if pending is not None:
            self.report.pending.append((member, pending.expires_at))
            return
        new = await invite_member(self.session, member, self.now)
        self.report.invites.append((member, new))


async def import_roster(
    session: AsyncSession,
    roster: Roster,
    *,
    now: datetime,
    default_timezone: str = "Asia/Shanghai",
    notify: Callable[[Departure], Awaitable[None]] | None = None,
) -> ImportReport:
    """Apply the roster in one transaction: committed when it all went in, else rolled back.

    `notify` queues the notices about each member who left, in the same transaction, so
    that the cases moved and the word of it are written together or not at all.
    """
    try:
        report = await _Importer(session, roster, now, default_timezone).run()
        if notify is not None:
            for departure in report.departures:
                await notify(departure)
    except BaseException:
        await session.rollback()
        raise
    await session.commit()
    return report


async def export_roster(session: AsyncSession, street_code: str) -> dict[str, Any]:
    """The street as a roster document that imports back to the same state."""
    street = (await session.exec(select(Street).where(Street.code == street_code))).first()
    if street is None:
        raise RosterError(f"no street {street_code!r}")
    m = await load_street_map(session, street)

    def clean(values: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in values.items() if v not in (None, [], "")}

    doc: dict[str, Any] = {
        "street": clean(
            {
                "code": street.code,
                "name": street.name,
                "name_en": street.name_en,
                "district": street.district,
                "city": street.city,
                "timezone": street.timezone,
                "group_chat_id": street.group_chat_id,
                "supervision_phone": street.supervision_phone,
                "publish_fix_photos": street.publish_fix_photos or None,
            }
        ),
        "parties": [
            clean({"code": p.code, "name": p.name, "name_en": p.name_en, "phone": p.phone})
            for p in sorted(m.parties.values(), key=lambda p: p.id or 0)
        ],
        "communities": [
            clean(
                {
                    "code": c.code,
                    "name": c.name,
                    "name_en": c.name_en,
                    "group_chat_id": c.group_chat_id,
                }
            )
            for c in sorted(m.communities.values(), key=lambda c: c.id or 0)
        ],
        "blocks": [
            clean({"code": b.code, "community": m.communities[b.community_id].code, "name": b.name})
            for b in sorted(m.blocks.values(), key=lambda b: b.id or 0)
            if not b.is_default
        ],
        "alleys": [],
        "vending_spots": [],
        "outside_bodies": [],
        "members": [],
        "meetings": [],
    }
    for a in sorted(m.alleys.values(), key=lambda a: a.id or 0):
        block = m.blocks[a.block_id]
        where = (
            {"community": m.communities[block.community_id].code}
            if block.is_default
            else {"block": block.code}
        )
        doc["alleys"].append(
            clean(
                {
                    "code": a.code,
                    "name": a.name,
                    "name_en": a.name_en,
                    "aliases": a.aliases,
                    **where,
                    "length_m": a.length_m,
                    "path": a.path,
                }
            )
        )
    spots = await session.exec(
        select(VendingSpot).where(VendingSpot.street_id == street.id).order_by(col(VendingSpot.id))
    )
    doc["vending_spots"] = [
        clean({"code": v.code, "name": v.name, "lat": v.lat, "lon": v.lon, "hours": v.hours})
        for v in spots
    ]
    bodies = await session.exec(
        select(OutsideBody)
        .where(OutsideBody.street_id == street.id, col(OutsideBody.active).is_(True))
        .order_by(col(OutsideBody.id))
    )
    doc["outside_bodies"] = [
        clean({"code": o.code, "name": o.name, "name_en": o.name_en}) for o in bodies
    ]
    members = await session.exec(
        select(Member)
        .where(Member.street_id == street.id, col(Member.active).is_(True))
        .order_by(col(Member.id))
    )
    for member in members:
        assert member.id is not None
        areas = await member_areas(session, member.id)
        doc["members"].append(
            clean(
                {
                    "name": member.name,
                    "telegram_id": member.telegram_id,
                    "role": str(member.role),
                    "party": m.parties[member.party_id].code if member.party_id else None,
                    "phone": member.phone,
                    "phone_public": member.phone_public or None,
                    "level": member.level,
                    **{
                        f"{kind}s" if kind != "community" else "communities": [
                            m.code_of(a) for a in areas if a.kind == kind
                        ]
                        for kind in ("community", "block", "alley")
                    },
                }
            )
        )
    series = await session.exec(
        select(MeetingSeries)
        .where(MeetingSeries.street_id == street.id)
        .order_by(col(MeetingSeries.id))
    )
    for s in series:
        community = m.communities[s.community_id].code if s.community_id else None
        default_key = f"{s.kind}-{community}" if community else str(s.kind)
        doc["meetings"].append(
            clean(
                {
                    "code": s.code if s.code != default_key else None,
                    "kind": str(s.kind),
                    "community": community,
                    "rrule": s.rrule,
                    "duration_min": s.duration_min,
                    "place": s.place,
                    "reminders_min": s.reminder_minutes,
                    "participants": list(s.participants.get("members", [])),
                }
            )
        )
    return {k: v for k, v in doc.items() if v != []}


def dump_roster(doc: dict[str, Any]) -> str:
    """TOML laid out like a hand-written roster: [street], then one [[section]] per entry."""
    out = tomlkit.document()
    out.add(tomlkit.comment("LaneKeeper roster, exported. Format: docs/roster.md"))
    out.add(tomlkit.nl())
    street = tomlkit.table()
    street.update(doc["street"])
    out.add("street", street)
    for section in (
        "parties",
        "communities",
        "blocks",
        "alleys",
        "vending_spots",
        "outside_bodies",
        "members",
        "meetings",
    ):
        entries = doc.get(section)
        if not entries:
            continue
        tables = tomlkit.aot()
        for entry in entries:
            table = tomlkit.table()
            for key, value in entry.items():
                if isinstance(value, list):
                    array = tomlkit.array()
                    array.extend(value)
                    table.add(key, array.multiline(False))
                else:
                    table.add(key, value)
            tables.append(table)
        out.add(section, tables)
    return tomlkit.dumps(out)
