"""A service request POSTed by another system, checked and made a case through intake.

Every check comes before anything is written: a request that is refused leaves nothing
behind. Where the problem is comes from LaneKeeper's alley code (`address_id`), a location
(`lat`/`long`, within the intake radius of an alley), or words (`address_string`, else the
description) read by the same alley reader as a chat report.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import Case, CaseEvent, CaseState
from models.intake import Created, Duplicate, Filing, Intake
from models.open311 import ApiKey, ServiceRequest, new_token
from models.org import Street
from models.places import Place
from models.staff_reports import clean_name, clean_phone

DESCRIPTION_MAX = 4000
URL_MAX = 2000
MEDIA_URL_MAX = 256  # kept as the photo's Telegram "file id": Telegram fetches it
EMAIL_MAX = 254
ADDRESS_MAX = 200
ACCOUNT_MAX = 64
# Markup, not words: a tag or an entity. "<" alone (a comparison, a quote mark) is text.
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|&[a-zA-Z]+;|&#\d+;")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Refusal(Exception):
    """Why a request is refused, as GeoReport's error: an HTTP status and a description."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after  # seconds, for a 429


def invalid(description: str) -> Refusal:
    return Refusal(400, description)


@dataclass(frozen=True)
class Submission:
    """The POSTed fields, as text (None: not given)."""

    jurisdiction_id: str | None = None
    service_code: str | None = None
    lat: float | None = None
    long: float | None = None
    address_string: str | None = None
    address_id: str | None = None
    description: str = ""
    media_url: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None
    account_id: str | None = None
    callback_url: str | None = None
    anonymous: bool = False
    locale: str | None = None


@dataclass(frozen=True)
class Submitted:
    request: ServiceRequest
    case: Case  # the case followed: the new one, or the open one it repeats
    outcome: Created | Duplicate

    @property
    def waits_for_triage(self) -> bool:
        return CaseState(self.case.state) == CaseState.TRIAGE


async def submit(
    session: AsyncSession,
    intake: Intake,
    key: ApiKey,
    sub: Submission,
    now: datetime,
    *,
    allow_private_callbacks: bool = False,
) -> Submitted:
    """The case the request becomes (and its ServiceRequest row), flushed, not committed."""
    assert key.id is not None
    if key.read_only:
        raise Refusal(403, "api_key: this key may only read")
    text = check_description(sub.description)
    spec_code = check_service(intake, sub.service_code, text)
    media = check_url("media_url", sub.media_url, MEDIA_URL_MAX) if sub.media_url else None
    callback = check_callback(sub.callback_url, allow_private_callbacks)
    name = _caller_name(sub)
    phone = _phone(sub.phone)
    email = _email(sub.email)
    account = (sub.account_id or "").strip()[:ACCOUNT_MAX] or None
    street = await jurisdiction(session, sub.jurisdiction_id, key)
    place = await locate(session, intake, key, street, sub, text)
    filing = Filing(
        text=text,
        place=place,
        channel=key.name,
        category=spec_code,
        lat=sub.lat if sub.address_id is None else None,
        lon=sub.long if sub.address_id is None else None,
        caller_name=None if sub.anonymous else name,
        caller_phone=None if sub.anonymous else phone,
        anonymous=sub.anonymous,
        attachments=(
            ({"kind": "photo", "file_id": media, "file_unique_id": None, "caption": None},)
            if media
            else ()
        ),
        locale=sub.locale,
        address=" ".join(sub.address_string.split())[:ADDRESS_MAX] if sub.address_string else None,
    )
    outcome = await intake.file(session, filing, now)
    followed = outcome.original if isinstance(outcome, Duplicate) else outcome.case
    assert followed.id is not None and outcome.case.id is not None
    await session.flush()
    # Pushed from here on: the client knows what it just filed.
    seen = (
        await session.exec(
            select(func.max(CaseEvent.id)).where(col(CaseEvent.case_id) == followed.id)
        )
    ).one()
    request = ServiceRequest(
        case_id=followed.id,
        filed_case_id=outcome.case.id,
        api_key_id=key.id,
        token=new_token(),
        account_id=account,
        email=None if sub.anonymous else email,
        callback_url=callback,
        pushed_event_id=int(seen or 0),
        created_at=now,
    )
    session.add(request)
    await session.flush()
    return Submitted(request, followed, outcome)


# Checks -------------------------------------------------------------------------------------


def precheck(categories: Mapping[str, object], sub: Submission, allow_private: bool) -> None:
    """The checks that need no database: a request failing them was a client's mistake."""
    text = check_description(sub.description)
    if sub.service_code and sub.service_code not in categories:
        raise invalid(
            f"service_code: unknown service {sub.service_code[:64]!r} (see services.json)"
        )
    if not sub.service_code and not text:
        raise invalid("service_code: required when there is no description")
    if sub.media_url:
        check_url("media_url", sub.media_url, MEDIA_URL_MAX)
    check_callback(sub.callback_url, allow_private)
    _caller_name(sub)
    _phone(sub.phone)
    _email(sub.email)


def check_description(value: str) -> str:
    if len(value) > DESCRIPTION_MAX:
        raise invalid(f"description: at most {DESCRIPTION_MAX} characters, got {len(value)}")
    if _HTML.search(value):
        raise invalid("description: plain text only, not HTML")
    return _CONTROL.sub("", value).strip()


def check_service(intake: Intake, code: str | None, text: str) -> str | None:
    if not code:
        if not text:
            raise invalid("service_code: required when there is no description")
        return None
    if code not in intake.classifier.categories:
        raise invalid(f"service_code: unknown service {code[:64]!r} (see services.json)")
    return code


def check_url(field: str, value: str, limit: int = URL_MAX) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid(f"{field}: an http or https URL is expected")
    if len(value) > limit:
        raise invalid(f"{field}: at most {limit} characters")
    return value


def check_callback(value: str | None, allow_private: bool) -> str | None:
    if not value:
        return None
    url = check_url("callback_url", value)
    host = urlsplit(url).hostname or ""
    if not allow_private and is_private_host(host):
        raise invalid(
            "callback_url: not to a private, loopback or link-local address "
            "(unless [open311] allow_private_callbacks = true)"
        )
    return url


def is_private_host(host: str) -> bool:
    """An address inside an office's network (or a name that obviously is)."""
    if host.lower() in ("localhost", "localhost.localdomain") or host.endswith(".local"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        try:  # the old forms of an IPv4 address: 0x7f000001, 2130706433, 127.1
            address = ipaddress.ip_address(socket.inet_aton(host))
        except OSError:
            return False  # a name: checked again where it resolves, before each push
    return not address.is_global


def _caller_name(sub: Submission) -> str | None:
    given = " ".join(p for p in (sub.first_name, sub.last_name) if p and p.strip())
    if not given:
        return None
    name = clean_name(given)
    if name is None:
        raise invalid("first_name/last_name: at most 40 characters together")
    return name


def _phone(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    phone = clean_phone(value)
    if phone is None:
        raise invalid("phone: not a phone number")
    return phone


def _email(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    email = value.strip()
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain or len(email) > EMAIL_MAX or " " in email:
        raise invalid("email: not an e-mail address")
    return email


# Where -------------------------------------------------------------------------------------


async def jurisdiction(
    session: AsyncSession, code: str | None, key: ApiKey | None
) -> Street | None:
    """The street named by jurisdiction_id (None when not given). Unknown: 404; one the key
    may not use: 403."""
    if not code:
        return None
    street = (await session.exec(select(Street).where(Street.code == code[:64]))).first()
    if street is None:
        raise Refusal(404, f"jurisdiction_id: no street {code[:64]!r} here")
    if key is not None and not key.may_see(street.code):
        raise Refusal(403, f"jurisdiction_id: this key is not for {street.code!r}")
    return street


async def locate(
    session: AsyncSession,
    intake: Intake,
    key: ApiKey,
    street: Street | None,
    sub: Submission,
    text: str,
) -> Place:
    codes = {s.id: s.code for s in await session.exec(select(Street))}

    def allowed(place: Place) -> bool:
        if street is not None and place.street_id != street.id:
            return False
        return key.may_see(codes.get(place.street_id, ""))

    places = intake.places
    if sub.address_id:
        found = [p for p in places.places if p.code == sub.address_id and allowed(p)]
        if not found:
            raise invalid(f"address_id: no alley {sub.address_id[:64]!r} here")
        if len(found) > 1:
            raise invalid("address_id: several streets have this alley; give jurisdiction_id")
        return found[0]
    if sub.lat is not None or sub.long is not None:
        if sub.lat is None or sub.long is None:
            raise invalid("lat/long: both are needed")
        near = places.near(sub.lat, sub.long)
        if near is None or not allowed(near.place):
            where = f"street {street.code!r}" if street is not None else "any street here"
            raise invalid(f"lat/long: not within {places.radius_m:.0f} m of an alley of {where}")
        return near.place
    for words, field in ((sub.address_string, "address_string"), (text, "description")):
        if not words:
            continue
        matches = [m.place for m in places.in_text(words) if allowed(m.place)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            names = ", ".join(f"{p.name} ({p.code})" for p in matches[:5])
            raise invalid(f"{field}: names several alleys: {names}; give address_id")
        if field == "address_string":
            raise invalid("address_string: names no alley of this service's streets")
    raise invalid("lat/long, address_string or address_id: where the problem is is required")
