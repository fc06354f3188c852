"""Review meetings (社区周会, 街道讲评会) and the action items they decide."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import json_column, ts_column, utcnow


class MeetingKind(StrEnum):
    COMMUNITY_WEEKLY = "community_weekly"
    STREET_MONTHLY = "street_monthly"
    OTHER = "other"


class OccurrenceState(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"


class MeetingSeries(SQLModel, table=True):
    """A recurring meeting, as an RFC 5545 RRULE in the street's local time."""

    __tablename__ = "meeting_series"
    __table_args__ = (sa.UniqueConstraint("street_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id", index=True)
    code: str = Field(sa_type=sa.String(64))
    community_id: int | None = Field(default=None, foreign_key="community.id")
    kind: MeetingKind = Field(sa_type=sa.String(24))
    rrule: str = Field(sa_type=sa.String(500))
    duration_min: int = 60
    place: str | None = Field(default=None, sa_type=sa.String(200))
    reminder_minutes: list[int] = Field(
        default_factory=lambda: [1440, 60], sa_column=json_column(nullable=False)
    )
    participants: dict[str, Any] = Field(
        default_factory=dict, sa_column=json_column(nullable=False)
    )
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class MeetingOccurrence(SQLModel, table=True):
    """One meeting of a series; moved or cancelled occurrences keep their original start."""

    __tablename__ = "meeting_occurrence"
    __table_args__ = (sa.UniqueConstraint("series_id", "original_start"),)

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="meeting_series.id", index=True)
    original_start: datetime = Field(sa_column=ts_column(nullable=False))
    starts_at: datetime = Field(sa_column=ts_column(nullable=False, index=True))
    place: str | None = Field(default=None, sa_type=sa.String(200))
    state: OccurrenceState = Field(default=OccurrenceState.SCHEDULED, sa_type=sa.String(16))
    note: str | None = Field(default=None, sa_type=sa.Text)


class ActionItemState(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class ActionItem(SQLModel, table=True):
    """A decision turned into work with an owner and a date."""

    __tablename__ = "action_item"

    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id", index=True)
    occurrence_id: int | None = Field(default=None, foreign_key="meeting_occurrence.id", index=True)
    text: str = Field(sa_type=sa.Text)
    owner_member_id: int | None = Field(default=None, foreign_key="member.id")
    owner_party_id: int | None = Field(default=None, foreign_key="party.id")
    due_date: date | None = None
    state: ActionItemState = Field(default=ActionItemState.OPEN, sa_type=sa.String(16))
    created_by_telegram_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    done_at: datetime | None = Field(default=None, sa_column=ts_column())
    reminded_at: datetime | None = Field(default=None, sa_column=ts_column())


class MeetingNotice(SQLModel, table=True):
    """A reminder (or agenda) sent for an occurrence: the row makes sending it happen once."""

    __tablename__ = "meeting_notice"
    __table_args__ = (sa.UniqueConstraint("occurrence_id", "kind", "offset_min"),)

    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(foreign_key="meeting_occurrence.id", index=True)
    kind: str = Field(sa_type=sa.String(16))
    offset_min: int = 0
    sent_at: datetime = Field(sa_column=ts_column(nullable=False))


class MeetingAttendance(SQLModel, table=True):
    """Who said they will come, or not."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (sa.UniqueConstraint("occurrence_id", "telegram_id"),)

    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(foreign_key="meeting_occurrence.id", index=True)
    telegram_id: int = Field(sa_type=sa.BigInteger)
    member_id: int | None = Field(default=None, foreign_key="member.id")
    attending: bool
    at: datetime = Field(sa_column=ts_column(nullable=False))


class Delivery(SQLModel, table=True):
    """A periodic report delivered (a quarter's scorecard): the row makes it happen once."""

    __tablename__ = "delivery"
    __table_args__ = (sa.UniqueConstraint("street_id", "kind", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id")
    kind: str = Field(sa_type=sa.String(24))
    period: str = Field(sa_type=sa.String(16))
    delivered_at: datetime = Field(sa_column=ts_column(nullable=False))
