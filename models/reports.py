"""What intake takes in (a report) and what it answers (one outcome of several)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.cases import Case, ReportDraft
from models.classify import CategorySpec
from models.deadlines import WorkCalendar
from models.org import Member
from models.places import Place
from models.routing import Route


@dataclass(frozen=True)
class Report:
    """One message, as the domain sees it."""

    telegram_id: int
    text: str = ""
    lat: float | None = None
    lon: float | None = None
    attachments: tuple[dict[str, Any], ...] = ()
    media_group_id: str | None = None
    locale: str | None = None
    update_id: int | None = None  # the Telegram update: replaying it changes nothing


@dataclass(frozen=True)
class Filing:
    """A complete report from another system (Open311): its place is known already."""

    text: str
    place: Place
    channel: str  # the API key's name
    category: str | None = None  # None: read from the text
    lat: float | None = None
    lon: float | None = None
    caller_name: str | None = None
    caller_phone: str | None = None
    anonymous: bool = False
    attachments: tuple[dict[str, Any], ...] = ()
    locale: str | None = None
    address: str | None = None  # the words it was given as, kept with the case


@dataclass(frozen=True)
class IntakeSettings:
    radius_m: float = 150.0
    reports_per_hour: int = 10
    calendar: WorkCalendar = field(default_factory=WorkCalendar)


# Outcomes -----------------------------------------------------------------------------


@dataclass
class Created:
    case: Case
    category: CategorySpec
    place: Place
    route: Route
    reporter: Member | None


@dataclass
class Duplicate:
    case: Case  # the new report, void, linked and unnumbered
    original: Case
    category: CategorySpec
    place: Place
    again: bool = False  # the same person had reported it already: not counted twice


@dataclass
class NeedPlace:
    draft: ReportDraft
    candidates: list[Place]
    ambiguous: bool  # the text named several alleys
    out_of_area: bool = False  # a location far from every alley


@dataclass
class NeedCategory:
    draft: ReportDraft
    choices: list[str]


@dataclass
class AlreadyReceived:
    """The same update came again (a replay after a crash): its case exists already."""

    case: Case


@dataclass
class Attached:
    """More photos of an album already received: kept, nothing to say. `case`: the album
    had opened a case already (None: it waits in the draft)."""

    case: Case | None = None


@dataclass
class RateLimited:
    limit: int


@dataclass
class Cancelled:
    """The reporter said 取消 / 算了 / cancel while his report waited for a place or a kind:
    dropped, nothing recorded."""


@dataclass
class MemberChat:
    """A member's message that reads as no report (no place, no kind of problem): answered
    briefly, never asked "where is it?"."""


@dataclass
class NotAReport:
    """Nothing to act on: empty, emoji only, a sticker."""


Outcome = (
    Created
    | Duplicate
    | NeedPlace
    | NeedCategory
    | Attached
    | RateLimited
    | NotAReport
    | AlreadyReceived
    | Cancelled
    | MemberChat
)
