"""Reports from the web (a signboard's QR code opens the alley's report page): a case through
the same intake as a chat report, photos kept here, and a public page for whoever holds its
link, which may say whether the problem is fixed, and "+1" on a case already known.

The web reporter has no Telegram: the case's channel is "web", so, like a report taken by
staff, it is verified by the alley's street chiefs, or on the public page by the link holder.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import (
    Assignment,
    AssignmentRole,
    Case,
    CaseAction,
    CaseAttachment,
    CaseEvent,
    CaseState,
)
from models.dispatch import CaseContext, back_to_work
from models.duplicates import count_report
from models.intake import Created, Duplicate, Filing, Intake
from models.lifecycle import OPEN_STATES, apply
from models.open311 import Note, notes
from models.org import Alley, Party, Street
from models.places import Place
from models.staff_reports import clean_phone
from models.web_photos import WebPhoto

CHANNEL = "web"
TEXT_MIN, TEXT_MAX = 2, 1000
PHOTOS_MAX = 3
RECENT = timedelta(days=30)


class Refused(ValueError):
    """Why a web report is not taken, as a code the page words (see views/pages.py)."""


@dataclass(frozen=True)
class Photo:
    """A photo as the page sends it, already re-encoded without its metadata."""

    data: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"


@dataclass(frozen=True)
class WebReport:
    alley_id: int
    text: str
    phone: str | None = None
    anonymous: bool = False
    lat: float | None = None
    lon: float | None = None
    photos: tuple[Photo, ...] = field(default=())
    locale: str | None = None


@dataclass(frozen=True)
class WebFiled:
    case: Case  # the case the reporter follows: the new one, or the open one it repeats
    outcome: Created | Duplicate

    @property
    def repeat(self) -> bool:
        return isinstance(self.outcome, Duplicate)


def new_token() -> str:
    return secrets.token_urlsafe(12)


def check(report: WebReport) -> str:
    """The text as it will be kept; Refused with a code when the report cannot be taken."""
    text = " ".join(report.text.split())
    if len(text) < TEXT_MIN:
        raise Refused("text_missing")
    if len(text) > TEXT_MAX:
        raise Refused("text_long")
    if len(report.photos) > PHOTOS_MAX:
        raise Refused("photos_many")
    if report.phone and clean_phone(report.phone) is None:
        raise Refused("phone")
    return text


async def file_report(
    session: AsyncSession,
    intake: Intake,
    report: WebReport,
    now: datetime,
    photo_url: Callable[[str], str],
) -> WebFiled:
    """The case (flushed, not committed), its photos stored and given to the liaison by
    `photo_url(token)`, an address Telegram fetches them from."""
    text = check(report)
    place = intake.places.by_id.get(report.alley_id)
    if place is None:
        raise Refused("alley")
    tokens = [new_token() for _ in report.photos]
    lat, lon = _near(intake, place, report.lat, report.lon)
    filing = Filing(
        text=text,
        place=place,
        channel=CHANNEL,
        lat=lat,
        lon=lon,
        caller_phone=None if report.anonymous else clean_phone(report.phone or ""),
        anonymous=report.anonymous,
        attachments=tuple(
            {"kind": "photo", "file_id": photo_url(token), "file_unique_id": None, "caption": None}
            for token in tokens
        ),
        locale=report.locale,
    )
    outcome = await intake.file(session, filing, now)
    # The page asks for a phone "for the handler to call you": given, it is the leave to.
    outcome.case.contact_allowed = filing.caller_phone is not None
    followed = outcome.original if isinstance(outcome, Duplicate) else outcome.case
    assert outcome.case.id is not None
    for token, photo in zip(tokens, report.photos, strict=True):
        session.add(
            WebPhoto(
                token=token,
                case_id=outcome.case.id,
                role="report",
                content_type=photo.content_type,
                width=photo.width,
                height=photo.height,
                data=photo.data,
                created_at=now,
            )
        )
    await public_id_of(session, followed)
    await session.flush()
    return WebFiled(followed, outcome)


def _near(
    intake: Intake, place: Place, lat: float | None, lon: float | None
) -> tuple[float | None, float | None]:
    """A photo's location is kept when it lies by the alley the board stands in."""
    if lat is None or lon is None:
        return None, None
    near = intake.places.near(lat, lon)
    if near is None or near.place.alley_id != place.alley_id:
        return None, None
    return lat, lon


async def public_id_of(session: AsyncSession, case: Case) -> str:
    if case.public_id is None:
        case.public_id = new_token()
        session.add(case)
    return case.public_id


# The public pages ---------------------------------------------------------------------------


async def case_by_public_id(session: AsyncSession, public_id: str) -> Case | None:
    if not public_id or len(public_id) > 32:
        return None
    return (await session.exec(select(Case).where(Case.public_id == public_id))).first()


@dataclass(frozen=True)
class PublicCase:
    case: Case
    street: Street
    alley: Alley | None
    party_id: int | None
    history: list[Note]
    fix_photos: list[str]  # tokens of published photos of the fix
    # The street's units, by code and by id: a dispatch event names its unit either way.
    units: dict[str | int, Party] = field(default_factory=dict)


async def public_case(session: AsyncSession, case: Case) -> PublicCase:
    assert case.id is not None
    street = await session.get(Street, case.street_id)
    assert street is not None
    alley = await session.get(Alley, case.alley_id) if case.alley_id else None
    lead = (
        await session.exec(
            select(Assignment)
            .where(Assignment.case_id == case.id, Assignment.role == AssignmentRole.LEAD)
            .order_by(col(Assignment.id).desc())
        )
    ).first()
    photos: list[str] = []
    if street.publish_fix_photos:
        photos = list(
            await session.exec(
                select(WebPhoto.token).where(WebPhoto.case_id == case.id, WebPhoto.role == "fix")
            )
        )
    in_triage = CaseState(case.state) == CaseState.TRIAGE
    units: dict[str | int, Party] = {}
    for party in await session.exec(select(Party).where(Party.street_id == case.street_id)):
        assert party.id is not None
        units[party.code] = units[party.id] = party
    return PublicCase(
        case=case,
        street=street,
        alley=alley,
        party_id=lead.party_id if lead is not None and not in_triage else None,
        history=(await notes(session, [case.id]))[case.id],
        fix_photos=photos,
        units=units,
    )


async def unpublished_fix_photos(session: AsyncSession, case: Case) -> list[str]:
    """Telegram file ids of the photos of the fix not yet kept here for the public page."""
    finished = select(CaseEvent.id).where(
        CaseEvent.case_id == case.id, CaseEvent.action == CaseAction.FINISH
    )
    kept = select(WebPhoto.source).where(
        WebPhoto.case_id == case.id, col(WebPhoto.source).is_not(None)
    )
    rows = await session.exec(
        select(CaseAttachment.file_id).where(
            CaseAttachment.case_id == case.id,
            CaseAttachment.kind == "photo",
            col(CaseAttachment.event_id).in_(finished),
            col(CaseAttachment.file_id).not_in(kept),
        )
    )
    return list(rows)


def fix_photo(case: Case, source: str, photo: Photo, now: datetime) -> WebPhoto:
    assert case.id is not None
    return WebPhoto(
        token=new_token(),
        case_id=case.id,
        role="fix",
        source=source,
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
        data=photo.data,
        created_at=now,
    )


async def alley_cases(session: AsyncSession, alley: Alley, now: datetime) -> list[Case]:
    """The alley's open cases and those closed in the last thirty days, newest first."""
    open_states = [s.value for s in OPEN_STATES]
    rows = await session.exec(
        select(Case)
        .where(
            Case.alley_id == alley.id,
            col(Case.number).is_not(None),
            col(Case.state).in_(open_states) | (col(Case.closed_at) >= now - RECENT),
        )
        .order_by(col(Case.created_at).desc())
        .limit(50)
    )
    return list(rows)


async def plus_one(session: AsyncSession, case: Case, now: datetime) -> bool:
    """Someone else has this problem too: counted on the case, recorded as an event. False
    when the case is no longer open."""
    if CaseState(case.state) not in OPEN_STATES:
        return False
    await count_report(session, case)
    apply(session, case, CaseAction.LINK_DUPLICATE, at=now, data={"channel": CHANNEL})
    await session.flush()
    return True


async def mark(session: AsyncSession, case: Case, satisfaction: int) -> bool:
    """The link holder's mark (1–5) for a case closed as fixed, once: False otherwise."""
    if CaseState(case.state) != CaseState.CLOSED or case.satisfaction is not None:
        return False
    if not 1 <= satisfaction <= 5:
        return False
    case.satisfaction = satisfaction
    session.add(case)
    await session.flush()
    return True


async def verdict(session: AsyncSession, ctx: CaseContext, fixed: bool, now: datetime) -> bool:
    """The link holder says whether the handled problem is fixed: closed, or back to the
    unit as rework. False when the case is not waiting for that answer."""
    if CaseState(ctx.case.state) != CaseState.DONE:
        return False
    action = CaseAction.CONFIRM if fixed else CaseAction.REOPEN
    apply(session, ctx.case, action, at=now, data={"channel": CHANNEL})
    if not fixed:
        back_to_work(session, ctx)
    await session.flush()
    return True
