"""Open311 GeoReport v2 in the domain: API keys, the requests other systems filed, and how a
case's life reads in the standard's words (open/closed, FixMyStreet's update states).

A key is shown once and kept as its SHA-256 (it is 32 random bytes: no stretching is needed
against guessing). A key may be limited to some streets and to reading. Each case filed
through the API has a ServiceRequest row: which key filed it, the token answered when the
case waits for triage, the callback URL its updates are pushed to, and how far the pushes
have gone (the case's events are the updates: nothing is pushed that is not recorded).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import json_column, ts_column, utcnow
from models.cases import Case, CaseAction, CaseEvent, CaseState

KEY_PREFIX = "lk_"
NAME_MAX = 64
# A key's name is the channel its cases are recorded under: letters, digits and - _ . only.
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=sa.String(NAME_MAX), unique=True)
    digest: str = Field(sa_type=sa.String(64), unique=True, index=True)
    # The key's first characters, to tell keys apart in a list without showing them.
    hint: str = Field(sa_type=sa.String(16))
    streets: list[str] = Field(default_factory=list, sa_column=json_column(nullable=False))
    read_only: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=ts_column())
    last_used_at: datetime | None = Field(default=None, sa_column=ts_column())

    def may_see(self, street_code: str) -> bool:
        return not self.streets or street_code in self.streets


class ServiceRequest(SQLModel, table=True):
    """A case filed through the API (one per POST that made or joined a case)."""

    __tablename__ = "open311_request"

    id: int | None = Field(default=None, primary_key=True)
    # The case it follows: the one it opened, or the open case it turned out to repeat.
    case_id: int = Field(foreign_key="report_case.id", index=True)
    filed_case_id: int = Field(foreign_key="report_case.id")
    api_key_id: int = Field(foreign_key="api_key.id", index=True)
    token: str = Field(sa_type=sa.String(32), unique=True, index=True)
    account_id: str | None = Field(default=None, sa_type=sa.String(64))
    email: str | None = Field(default=None, sa_type=sa.String(254))
    callback_url: str | None = Field(default=None, sa_type=sa.Text)
    # The last of the case's events the callback was told of, and when to try next.
    pushed_event_id: int = 0
    push_attempts: int = 0
    push_due_at: datetime | None = Field(default=None, sa_column=ts_column(index=True))
    push_error: str | None = Field(default=None, sa_type=sa.Text)
    push_gave_up: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


# Keys -------------------------------------------------------------------------------------


class ApiKeyError(ValueError):
    """A key cannot be made as asked (the message says why, in one line)."""


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def valid_name(name: str) -> bool:
    return 0 < len(name) <= NAME_MAX and set(name) <= _NAME_CHARS


async def create_key(
    session: AsyncSession,
    name: str,
    streets: list[str],
    read_only: bool,
    now: datetime,
) -> tuple[ApiKey, str]:
    """A new key and its secret, which is never stored and cannot be shown again."""
    if not valid_name(name):
        raise ApiKeyError(
            f"a key's name is 1-{NAME_MAX} letters, digits, '-', '_' or '.', got {name!r}"
        )
    taken = (await session.exec(select(ApiKey).where(ApiKey.name == name))).first()
    if taken is not None:
        raise ApiKeyError(f"a key named {name!r} exists already (revoke it or choose another name)")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        digest=digest_of(secret),
        hint=secret[: len(KEY_PREFIX) + 6],
        streets=sorted(set(streets)),
        read_only=read_only,
        created_at=now,
    )
    session.add(key)
    await session.commit()
    return key, secret


async def rotate_key(session: AsyncSession, name: str, now: datetime) -> tuple[ApiKey, str]:
    """A new secret for the key (the old one stops working at once); made if missing."""
    key = (await session.exec(select(ApiKey).where(ApiKey.name == name))).first()
    if key is None:
        return await create_key(session, name, [], False, now)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key.digest, key.hint, key.revoked_at = digest_of(secret), secret[: len(KEY_PREFIX) + 6], None
    session.add(key)
    await session.commit()
    return key, secret


async def find_key(session: AsyncSession, secret: str) -> ApiKey | None:
    """The live key with this secret, or None (unknown, revoked or malformed)."""
    if not secret or len(secret) > 128:
        return None
    digest = digest_of(secret)
    key = (await session.exec(select(ApiKey).where(ApiKey.digest == digest))).first()
    if key is None or key.revoked_at is not None:
        return None
    # The lookup was by digest; the comparison in constant time is for form's sake.
    return key if hmac.compare_digest(key.digest, digest) else None


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    return list(await session.exec(select(ApiKey).order_by(col(ApiKey.id))))


async def revoke_key(session: AsyncSession, name: str, now: datetime) -> ApiKey | None:
    key = (await session.exec(select(ApiKey).where(ApiKey.name == name))).first()
    if key is None:
        return None
    if key.revoked_at is None:
        key.revoked_at = now
        session.add(key)
        await session.commit()
    return key


# Requests ---------------------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(16)


async def by_token(session: AsyncSession, token: str) -> ServiceRequest | None:
    if not token or len(token) > 32:
        return None
    return (await session.exec(select(ServiceRequest).where(ServiceRequest.token == token))).first()


async def filed_by(session: AsyncSession, case_ids: list[int]) -> dict[int, ApiKey]:
    """The key each of these cases was filed through (the first, when several joined it)."""
    if not case_ids:
        return {}
    rows = await session.exec(
        select(ServiceRequest.case_id, ApiKey)
        .join(ApiKey, col(ApiKey.id) == ServiceRequest.api_key_id)
        .where(col(ServiceRequest.case_id).in_(case_ids))
        .order_by(col(ServiceRequest.id))
    )
    found: dict[int, ApiKey] = {}
    for case_id, key in rows:
        found.setdefault(case_id, key)
    return found


# The standard's words for a case's life -----------------------------------------------------

CLOSED_STATES = frozenset(
    {CaseState.CLOSED, CaseState.VOID, CaseState.NOT_ACCEPTED, CaseState.TRANSFERRED}
)


def status_of(case: Case) -> str:
    """GeoReport's two statuses: a case handled but not yet verified is still open."""
    return "closed" if CaseState(case.state) in CLOSED_STATES else "open"


class UpdateState(StrEnum):
    """FixMyStreet's Open311 update states (its servicerequestupdates extension)."""

    OPEN = "OPEN"
    INVESTIGATING = "INVESTIGATING"
    ACTION_SCHEDULED = "ACTION_SCHEDULED"
    IN_PROGRESS = "IN_PROGRESS"
    FIXED = "FIXED"
    CLOSED = "CLOSED"
    REOPEN = "REOPEN"
    DUPLICATE = "DUPLICATE"
    NOT_COUNCILS_RESPONSIBILITY = "NOT_COUNCILS_RESPONSIBILITY"
    INTERNAL_REFERRAL = "INTERNAL_REFERRAL"
    NO_FURTHER_ACTION = "NO_FURTHER_ACTION"


# Only what a resident would call news: reminders, escalations, edits and the street's
# internal decisions on postponements stay inside.
UPDATE_STATES: dict[CaseAction, UpdateState] = {
    CaseAction.CREATE: UpdateState.OPEN,
    CaseAction.ROUTE: UpdateState.ACTION_SCHEDULED,
    CaseAction.ASSIGN: UpdateState.ACTION_SCHEDULED,
    CaseAction.TO_TRIAGE: UpdateState.INVESTIGATING,
    CaseAction.HAND_BACK: UpdateState.INVESTIGATING,
    CaseAction.RELEASE: UpdateState.INVESTIGATING,
    CaseAction.ACCEPT: UpdateState.IN_PROGRESS,
    CaseAction.POSTPONE: UpdateState.ACTION_SCHEDULED,
    CaseAction.FINISH: UpdateState.FIXED,
    CaseAction.CONFIRM: UpdateState.CLOSED,
    CaseAction.CLOSE_BY_DEFAULT: UpdateState.CLOSED,
    CaseAction.REOPEN: UpdateState.REOPEN,
    CaseAction.REOPEN_CLOSED: UpdateState.REOPEN,
    CaseAction.NOT_ACCEPT: UpdateState.NOT_COUNCILS_RESPONSIBILITY,
    CaseAction.TRANSFER: UpdateState.INTERNAL_REFERRAL,
}


@dataclass(frozen=True)
class Note:
    """One public update of a case: its state in the standard's words, and the event."""

    state: UpdateState
    event: CaseEvent


def update_state(event: CaseEvent) -> UpdateState | None:
    action = CaseAction(event.action)
    if action == CaseAction.VOID:
        duplicate = isinstance(event.data, dict) and event.data.get("duplicate_of") is not None
        return UpdateState.DUPLICATE if duplicate else UpdateState.NO_FURTHER_ACTION
    return UPDATE_STATES.get(action)


async def notes(session: AsyncSession, case_ids: list[int]) -> dict[int, list[Note]]:
    """Each case's public history, oldest first."""
    found: dict[int, list[Note]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return found
    events = await session.exec(
        select(CaseEvent)
        .where(col(CaseEvent.case_id).in_(case_ids))
        .order_by(col(CaseEvent.case_id), col(CaseEvent.id))
    )
    for event in events:
        state = update_state(event)
        if state is not None:
            found[event.case_id].append(Note(state, event))
    return found


async def last_changed(session: AsyncSession, case_ids: list[int]) -> dict[int, datetime]:
    """When each case last changed (its latest event of any kind)."""
    if not case_ids:
        return {}
    rows = await session.exec(
        select(CaseEvent.case_id, sa.func.max(CaseEvent.at))
        .where(col(CaseEvent.case_id).in_(case_ids))
        .group_by(col(CaseEvent.case_id))
    )
    return {case_id: at for case_id, at in rows}
