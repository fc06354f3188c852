"""The roster file: a street's linkage group as the street office hands it over.

Parsing and checking only; nothing here touches the database. Every problem is reported
as one line naming the file, the entry and what is wrong (docs/roster.md has the format).
"""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
)

from models.meeting_rule import check_rule
from models.meetings import MeetingKind
from models.org import MAX_TELEGRAM_ID, Role

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
# Lengths a person can type and a screen can show; the columns (VARCHAR(200)) hold them all.
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
QUOTED = 24  # error lines quote at most this much of a value
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
# Telegram ids are signed 64-bit numbers (BIGINT columns): groups negative, users positive.
GroupChatId = Annotated[int, Field(lt=0, ge=-MAX_TELEGRAM_ID - 1)]
UserId = Annotated[int, Field(gt=0, le=MAX_TELEGRAM_ID)]

# Roles that act for a party and so must name one.
PARTY_ROLES = frozenset({Role.COORDINATOR, Role.UNIT_HEAD, Role.LIAISON, Role.INSPECTOR})


class RosterError(Exception):
    """One line: file, entry, problem."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StreetEntry(_Entry):
    code: Code
    name: Name
    name_en: Name | None = None
    district: Name | None = None
    city: Name | None = None
    timezone: Annotated[str, StringConstraints(max_length=64)] | None = None
    group_chat_id: GroupChatId | None = None
    # The street office's supervision line, printed on every alley's signboard.
    supervision_phone: Phone | None = None
    # Photos of fixes shown on the public case pages.
    publish_fix_photos: StrictBool = False


class PartyEntry(_Entry):
    code: Code
    name: Name
    name_en: Name | None = None
    phone: Phone | None = None  # the unit's public duty line, printed on signboards


class CommunityEntry(_Entry):
    code: Code
    name: Name
    name_en: Name | None = None
    group_chat_id: GroupChatId | None = None


class BlockEntry(_Entry):
    code: Code
    community: Code
    name: Name | None = None


class AlleyEntry(_Entry):
    code: Code
    name: Name
    name_en: Name | None = None
    aliases: list[Name] = Field(default_factory=list)
    block: Code | None = None
    community: Code | None = None
    length_m: Annotated[float, Field(ge=0)] | None = None
    path: list[tuple[Latitude, Longitude]] = Field(min_length=1)


class VendingSpotEntry(_Entry):
    code: Code
    name: Name
    lat: Latitude
    lon: Longitude
    hours: Text | None = None


class OutsideBodyEntry(_Entry):
    code: Code
    name: Name
    name_en: Name | None = None


class MemberEntry(_Entry):
    name: PersonName
    role: Role
    party: Code | None = None
    telegram_id: UserId | None = None
    phone: Phone | None = None
    phone_public: StrictBool = False  # the phone may be printed on the alley's signboard
    level: Literal["district", "street"] | None = None  # inspectors: 区查街改 / 块查条改
    communities: list[Code] = Field(default_factory=list)
    blocks: list[Code] = Field(default_factory=list)
    alleys: list[Code] = Field(default_factory=list)


class MeetingEntry(_Entry):
    kind: MeetingKind
    rrule: str
    code: Code | None = None
    community: Code | None = None
    duration_min: Annotated[int, Field(gt=0, le=24 * 60)] = 60
    place: Text | None = None
    reminders_min: list[Annotated[int, Field(gt=0)]] = Field(default_factory=lambda: [1440, 60])
    participants: list[PersonName] = Field(default_factory=list)  # none: by the kind

    @property
    def key(self) -> str:
        return self.code or (f"{self.kind}-{self.community}" if self.community else str(self.kind))


class Roster(_Entry):
    street: StreetEntry
    parties: list[PartyEntry] = Field(default_factory=list)
    communities: list[CommunityEntry] = Field(default_factory=list)
    blocks: list[BlockEntry] = Field(default_factory=list)
    alleys: list[AlleyEntry] = Field(default_factory=list)
    vending_spots: list[VendingSpotEntry] = Field(default_factory=list)
    outside_bodies: list[OutsideBodyEntry] = Field(default_factory=list)
    members: list[MemberEntry] = Field(default_factory=list)
    meetings: list[MeetingEntry] = Field(default_factory=list)

    def default_blocks(self) -> list[str]:
        """Communities cut into no blocks are one block each, under the community's code."""
        cut = {b.community for b in self.blocks}
        return [c.code for c in self.communities if c.code not in cut]


def _plain(part: object) -> str:
    """Text as it can stand in one short line: odd text (newlines, controls) is quoted, long
    text cut to its beginning (a file may hold a whole page where a name belongs)."""
    text = str(part)
    if len(text) > QUOTED:
        text = text[:QUOTED] + "…"
    return text if text.isprintable() and text.strip() == text and text else repr(text)


def _quote(value: str) -> str:
    return repr(value if len(value) <= QUOTED else value[:QUOTED] + "…")


def _label(data: Any, section: str, index: int) -> str:
    entry = data.get(section, [])[index] if isinstance(data.get(section), list) else {}
    name = entry.get("code") or entry.get("name") if isinstance(entry, dict) else None
    return f"{section}[{index + 1}]" + (f" ({_plain(name)})" if name else "")


def _pydantic_problem(data: dict[str, Any], error: Any) -> str:
    loc = list(error["loc"])
    if loc and isinstance(loc[0], str) and len(loc) > 1 and isinstance(loc[1], int):
        where = _label(data, loc[0], loc[1])
        rest = ".".join(_plain(p) for p in loc[2:])
    else:
        where = f"[{_plain(loc[0])}]" if loc else "(top level)"
        rest = ".".join(_plain(p) for p in loc[1:])
    message = " ".join(str(error["msg"]).removeprefix("Value error, ").split())
    if error["type"] == "extra_forbidden":
        message = "unknown key (misspelt?)"
    elif error["type"] == "missing":
        message = "required key is missing"
    elif error["type"] == "string_too_long":
        message = f"too long: at most {error['ctx']['max_length']} characters"
    elif error["type"] == "string_pattern_mismatch":
        message = "codes are letters, digits, '-' and '_' (at most 64)"
    elif rest.endswith("group_chat_id") and error["type"] in ("less_than", "greater_than_equal"):
        message = "a Telegram group's id is negative, within 64 bits (e.g. -1001234567890)"
    elif rest.endswith("telegram_id") and error["type"] in ("greater_than", "less_than_equal"):
        message = "a Telegram user's id is positive, within 64 bits (e.g. 100010)"
    return f"{where}: {rest + ': ' if rest else ''}{message}"


def parse_roster(data: dict[str, Any], source: str = "<roster>") -> Roster:
    """Validate the shape, then the references between entries."""
    try:
        roster = Roster.model_validate(data)
    except ValidationError as exc:
        raise RosterError(f"{source}: {_pydantic_problem(data, exc.errors()[0])}") from None
    problem = _check_references(roster)
    if problem is not None:
        raise RosterError(f"{source}: {problem}")
    return roster


def load_roster(path: str | Path) -> Roster:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise RosterError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise RosterError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise RosterError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise RosterError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise RosterError(f"{path}: not valid TOML: {exc}") from None
    return parse_roster(data, str(path))


def _duplicate(section: str, codes: list[str]) -> str | None:
    for code, count in Counter(codes).items():
        if count > 1:
            return f"{section}: code {_quote(code)} is used {count} times"
    return None


def chat_places(r: Roster) -> list[tuple[int, str, str]]:
    """(group chat id, where the file sets it, the place) for every group chat the file names."""
    places = []
    if r.street.group_chat_id is not None:
        places.append((r.street.group_chat_id, "[street]", f"street {r.street.code!r}"))
    for i, c in enumerate(r.communities):
        if c.group_chat_id is not None:
            where = f"communities[{i + 1}] ({c.code})"
            places.append((c.group_chat_id, where, f"community {c.code!r}"))
    return places


def _shared_chat(r: Roster) -> str | None:
    """A group chat is the linkage group of one place: a dispatch posted there must not reach
    the wrong street or community."""
    first: dict[int, str] = {}
    for chat, where, place in chat_places(r):
        if chat in first:
            return (
                f"{where}: group_chat_id: chat {chat} is already the group of {first[chat]}; "
                "a group chat belongs to one street or community"
            )
        first[chat] = place
    return None


def _check_references(r: Roster) -> str | None:
    if r.street.timezone is not None:
        try:
            ZoneInfo(r.street.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return f"[street]: timezone: unknown time zone {_quote(r.street.timezone)}"
    for section, codes in (
        ("parties", [p.code for p in r.parties]),
        ("communities", [c.code for c in r.communities]),
        ("blocks", [b.code for b in r.blocks] + r.default_blocks()),
        ("alleys", [a.code for a in r.alleys]),
        ("vending_spots", [v.code for v in r.vending_spots]),
        ("outside_bodies", [o.code for o in r.outside_bodies]),
        ("meetings", [m.key for m in r.meetings]),
    ):
        if problem := _duplicate(section, codes):
            if section == "blocks":
                problem += " (a community without blocks is a block of the same code)"
            return problem
    if problem := _shared_chat(r):
        return problem
    parties = {p.code for p in r.parties}
    communities = {c.code for c in r.communities}
    blocks_of: dict[str, list[str]] = {}
    for i, block in enumerate(r.blocks):
        if block.community not in communities:
            return f"blocks[{i + 1}] ({block.code}): unknown community {_quote(block.community)}"
        blocks_of.setdefault(block.community, []).append(block.code)
    blocks = {b.code for b in r.blocks}
    for i, alley in enumerate(r.alleys):
        where = f"alleys[{i + 1}] ({alley.code})"
        if (alley.block is None) == (alley.community is None):
            return f"{where}: give either block or community, exactly one"
        if alley.block is not None and alley.block not in blocks:
            return f"{where}: unknown block {_quote(alley.block)}"
        if alley.community is not None:
            if alley.community not in communities:
                return f"{where}: unknown community {_quote(alley.community)}"
            if alley.community in blocks_of:
                cut = ", ".join(blocks_of[alley.community])
                community = _quote(alley.community)
                return f"{where}: community {community} is cut into blocks ({cut}); name one"
    alleys = {a.code for a in r.alleys}
    first_with: dict[int, str] = {}
    for i, member in enumerate(r.members):
        where = f"members[{i + 1}] ({_plain(member.name)})"
        if member.party is None and member.role in PARTY_ROLES:
            return f"{where}: a {member.role} acts for a party; give party"
        if member.party is not None and member.party not in parties:
            return f"{where}: unknown party {_quote(member.party)}"
        if member.telegram_id is not None:
            if member.telegram_id in first_with:
                other = first_with[member.telegram_id]
                return f"{where}: telegram_id {member.telegram_id} is already given to {other}"
            first_with[member.telegram_id] = where
        if member.role == Role.STREET_CHIEF and not member.alleys:
            return f"{where}: a street chief answers for alleys; give alleys"
        for kind, codes, known in (
            ("community", member.communities, communities),
            ("block", member.blocks, blocks | set(r.default_blocks())),
            ("alley", member.alleys, alleys),
        ):
            for code in codes:
                if code not in known:
                    return (
                        f"{where}: {kind} {_quote(code)} is not in street {_quote(r.street.code)}"
                    )
    for i, meeting in enumerate(r.meetings):
        where = f"meetings[{i + 1}] ({meeting.key})"
        if meeting.kind == MeetingKind.COMMUNITY_WEEKLY and meeting.community is None:
            return f"{where}: a community meeting names its community"
        if meeting.community is not None and meeting.community not in communities:
            return f"{where}: unknown community {_quote(meeting.community)}"
        if refusal := check_rule(meeting.rrule):
            return f"{where}: rrule: {refusal}"
        names = {m.name for m in r.members}
        for name in meeting.participants:
            if name not in names:
                return f"{where}: participant {_plain(name)} is not among the members"
    return None
