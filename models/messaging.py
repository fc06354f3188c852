"""The durable edges of the bot: updates received (inbox) and messages to send (outbox)."""

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import json_column, ts_column, utcnow


class Priority(IntEnum):
    """Lower goes first: the person who just wrote, then work for members, then bulk."""

    REPLY = 0
    DISPATCH = 1
    BULK = 2


class OutboxState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(SQLModel, table=True):
    """A Bot API call to make, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox_message"
    __table_args__ = (sa.Index("ix_outbox_due", "state", "priority", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=sa.BigInteger, index=True)
    method: str = Field(default="sendMessage", sa_type=sa.String(32))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(nullable=False))
    priority: Priority = Field(default=Priority.DISPATCH, sa_type=sa.SmallInteger)
    dedupe_key: str | None = Field(default=None, sa_type=sa.String(200), unique=True)
    state: OutboxState = Field(default=OutboxState.PENDING, sa_type=sa.String(16))
    attempts: int = 0
    not_before: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    # A sender working on the row holds it until then; past it, another may take it over.
    claimed_until: datetime | None = Field(default=None, sa_column=ts_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=ts_column())
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    telegram_message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    case_id: int | None = Field(default=None, foreign_key="report_case.id", index=True)


class InboxState(StrEnum):
    RECEIVED = "received"
    DONE = "done"
    FAILED = "failed"
    # Broke on something a retry can cure (the database away, locked or busy): handled again
    # from not_before on, by whichever process gets there first.
    RETRY = "retry"
    # Not an update the library can read (a newer Bot API's shape): kept, and skipped.
    UNREADABLE = "unreadable"


class InboxUpdate(SQLModel, table=True):
    """A Telegram update, stored before it is confirmed so that a crash cannot lose it."""

    __tablename__ = "inbox_update"

    update_id: int = Field(
        sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False)
    )
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(nullable=False))
    state: InboxState = Field(default=InboxState.RECEIVED, sa_type=sa.String(16), index=True)
    attempts: int = 0
    received_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    processed_at: datetime | None = Field(default=None, sa_column=ts_column())
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    # When a row to retry is due; also the lease of the process that took it.
    not_before: datetime | None = Field(default=None, sa_column=ts_column())


class TaskBeat(SQLModel, table=True):
    """When a long-running task of a process last got something done, for `doctor`."""

    __tablename__ = "task_beat"

    process: str = Field(sa_type=sa.String(100), primary_key=True)
    task: str = Field(sa_type=sa.String(50), primary_key=True)
    started_at: datetime = Field(sa_column=ts_column(nullable=False))
    advanced_at: datetime = Field(sa_column=ts_column(nullable=False))
    restarts: int = 0
    last_error: str | None = Field(default=None, sa_type=sa.Text)


class HeldOutcome(StrEnum):
    TOLD = "told"  # in the digest
    DROPPED = "dropped"  # the case moved on meanwhile: nothing stale is told


class HeldNotice(SQLModel, table=True):
    """A notice about a case held during quiet hours (models/quiet.py), told in the digest
    when they end. What is kept is what it is about, not its words: the digest is written
    from the case as it stands then."""

    __tablename__ = "held_notice"
    __table_args__ = (sa.Index("ix_held_notice_due", "released_at", "release_at"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=sa.BigInteger, index=True)
    case_id: int = Field(foreign_key="report_case.id", index=True)
    # "dispatch", "triage", "remind", "escalate", "copy", "group", "closed_by_default"
    kind: str = Field(sa_type=sa.String(24))
    level: int = 0
    data: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(nullable=False))
    # The key the message would have carried: held or sent, it is told once.
    dedupe_key: str | None = Field(default=None, sa_type=sa.String(200), unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    release_at: datetime = Field(sa_column=ts_column(nullable=False))
    released_at: datetime | None = Field(default=None, sa_column=ts_column())
    outcome: HeldOutcome | None = Field(default=None, sa_type=sa.String(16))
    # The digest's outbox row, once told.
    outbox_id: int | None = Field(default=None, foreign_key="outbox_message.id")
