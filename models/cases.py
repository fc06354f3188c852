"""Reports and their life (数字城管 workflow): explicit states, one event per change."""

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from models.base import json_column, ts_column, utcnow


class CaseState(StrEnum):
    NEW = "new"  # 信息收集: received, not yet routed
    TRIAGE = "triage"  # waiting for a coordinator: unrouted or handed back
    DISPATCHED = "dispatched"  # 派遣: sent to a responsible person
    ACCEPTED = "accepted"  # 处置: the assignee took it
    DONE = "done"  # 处理反馈: handled, waiting for verification (核查)
    CLOSED = "closed"  # 结案
    VOID = "void"  # 作废: spam or a duplicate
    NOT_ACCEPTED = "not_accepted"  # 不予立案: not a matter for the street, with the reason why
    TRANSFERRED = "transferred"  # 转办: handed to a body outside the linkage group


class CaseAction(StrEnum):
    CREATE = "create"
    ROUTE = "route"
    TO_TRIAGE = "to_triage"
    ASSIGN = "assign"
    ACCEPT = "accept"
    HAND_BACK = "hand_back"
    POSTPONE = "postpone"
    FINISH = "finish"
    CONFIRM = "confirm"
    REOPEN = "reopen"
    CLOSE_BY_DEFAULT = "close_by_default"
    VOID = "void"
    LINK_DUPLICATE = "link_duplicate"  # another report of the same problem joined this case
    RELEASE = "release"  # the assignee left the group: back to triage (not his choice)
    NOT_ACCEPT = "not_accept"  # a coordinator closes the report as not accepted (不予立案)
    TRANSFER = "transfer"  # a coordinator transfers it to an outside body (转办)
    REOPEN_CLOSED = "reopen_closed"  # the problem is back after closure: rework, same unit
    # Events that record without moving the case:
    POSTPONE_REQUEST = "postpone_request"  # past the category's limit: a coordinator decides
    POSTPONE_REFUSED = "postpone_refused"
    ASSIST_DONE = "assist_done"  # an assisting party's part is done
    REMIND = "remind"  # the deadline is near
    ESCALATE = "escalate"  # overdue: one step up the chain
    VERIFY_REQUEST = "verify_request"  # the verifier was asked
    EDIT = "edit"  # the reporter edited the report's message
    RECATEGORISE = "recategorise"  # a coordinator corrected the category: data {from, to}


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class Category(SQLModel, table=True):
    """What can go wrong, with who leads on it and how fast. street_id NULL: the deployment's."""

    __table_args__ = (sa.UniqueConstraint("street_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    street_id: int | None = Field(default=None, foreign_key="street.id", index=True)
    code: str = Field(sa_type=sa.String(64))
    name_zh: str = Field(sa_type=sa.String(200))
    name_en: str = Field(sa_type=sa.String(200))
    keywords: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(nullable=False))
    lead_party: str = Field(sa_type=sa.String(64))
    assist_parties: list[str] = Field(default_factory=list, sa_column=json_column(nullable=False))
    deadline_hours: float | None = None
    deadline_working_days: int | None = None
    urgency: Urgency = Field(default=Urgency.NORMAL, sa_type=sa.String(16))
    active: bool = True


class CaseCounter(SQLModel, table=True):
    """The last case number given: numbers go to real cases only, one after another."""

    __tablename__ = "case_counter"

    name: str = Field(sa_type=sa.String(20), primary_key=True)
    last: int = 0


class Case(SQLModel, table=True):
    """A reported problem. Its columns are the current projection of its events."""

    __tablename__ = "report_case"

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # Optimistic locking: two people acting on one case at the same moment (updates from
        # different chats are handled concurrently, and so are several processes) cannot
        # both move it; the second's write finds the version changed and changes nothing.
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]

    id: int | None = Field(default=None, primary_key=True)
    # Bumped by SQLAlchemy on every write of the row (see __mapper_args__).
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    number: int | None = Field(default=None, unique=True, index=True)
    street_id: int | None = Field(default=None, foreign_key="street.id", index=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    block_id: int | None = Field(default=None, foreign_key="block.id")
    alley_id: int | None = Field(default=None, foreign_key="alley.id", index=True)
    category_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    state: CaseState = Field(default=CaseState.NEW, sa_type=sa.String(16), index=True)
    urgency: Urgency = Field(default=Urgency.NORMAL, sa_type=sa.String(16))
    text: str = Field(default="", sa_type=sa.Text)
    lat: float | None = None
    lon: float | None = None
    reporter_telegram_id: int | None = Field(default=None, sa_type=sa.BigInteger, index=True)
    reporter_member_id: int | None = Field(default=None, foreign_key="member.id")
    reporter_role: str = Field(default="resident", sa_type=sa.String(24))
    reporter_locale: str | None = Field(default=None, sa_type=sa.String(16))
    anonymous: bool = False
    # The reporter lets the handler see his phone (TelegramUser.phone); never when anonymous.
    contact_allowed: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    inspection_level: str | None = Field(default=None, sa_type=sa.String(16))
    duplicate_of_id: int | None = Field(default=None, foreign_key="report_case.id", index=True)
    report_count: int = 1
    media_group_id: str | None = Field(default=None, sa_type=sa.String(64), index=True)
    # The Telegram update that opened the case: replaying it finds the case, not a new one.
    source_update_id: int | None = Field(default=None, sa_type=sa.BigInteger, unique=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=ts_column(nullable=False, index=True)
    )
    due_at: datetime | None = Field(default=None, sa_column=ts_column(index=True))
    accepted_at: datetime | None = Field(default=None, sa_column=ts_column())
    done_at: datetime | None = Field(default=None, sa_column=ts_column())
    closed_at: datetime | None = Field(default=None, sa_column=ts_column())
    satisfaction: int | None = None
    # Taken by staff (受理) from someone who phoned or walked in (models/staff_reports.py):
    # how it came, and who called; None for a report sent to the bot. The caller is no
    # Telegram user and is never messaged; the staff member who filed it is the reporter.
    channel: str | None = Field(default=None, sa_type=sa.String(64))
    caller_name: str | None = Field(default=None, sa_type=sa.String(40))
    caller_phone: str | None = Field(default=None, sa_type=sa.String(32))
    # Where exactly, in the words another system gave (Open311's address_string): the alley
    # is found from it, the rest ("8号东侧50米") is kept for the handler.
    address: str | None = Field(default=None, sa_type=sa.String(200))
    # The case's public page (/c/{public_id}): unguessable, given to whoever reported by web.
    public_id: str | None = Field(default=None, sa_type=sa.String(32), unique=True, index=True)


class CaseEvent(SQLModel, table=True):
    """One change to a case: who, when, from which state to which, and why."""

    __tablename__ = "case_event"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="report_case.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False, index=True))
    action: CaseAction = Field(sa_type=sa.String(24))
    from_state: CaseState | None = Field(default=None, sa_type=sa.String(16))
    to_state: CaseState | None = Field(default=None, sa_type=sa.String(16))
    actor_telegram_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    actor_member_id: int | None = Field(default=None, foreign_key="member.id")
    note: str | None = Field(default=None, sa_type=sa.Text)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(nullable=False))


class CaseAttachment(SQLModel, table=True):
    """A photo, voice note or file sent with a report or with its handling."""

    __tablename__ = "case_attachment"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="report_case.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="case_event.id")
    kind: str = Field(sa_type=sa.String(16))
    file_id: str = Field(sa_type=sa.String(256))
    file_unique_id: str | None = Field(default=None, sa_type=sa.String(128))
    caption: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class AssignmentRole(StrEnum):
    LEAD = "lead"
    ASSIST = "assist"
    COPY = "copy"  # for information: the alley's street chief


class AssignmentState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    HANDED_BACK = "handed_back"
    DONE = "done"
    CANCELLED = "cancelled"


class Assignment(SQLModel, table=True):
    """A case given to a party, and to a named person of it when one answers for the place."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="report_case.id", index=True)
    party_id: int | None = Field(default=None, foreign_key="party.id", index=True)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    role: AssignmentRole = Field(default=AssignmentRole.LEAD, sa_type=sa.String(16))
    state: AssignmentState = Field(default=AssignmentState.PENDING, sa_type=sa.String(16))
    assigned_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    accepted_at: datetime | None = Field(default=None, sa_column=ts_column())
    done_at: datetime | None = Field(default=None, sa_column=ts_column())
    due_at: datetime | None = Field(default=None, sa_column=ts_column())


class ReportDraft(SQLModel, table=True):
    """A report still missing its place or its kind, while the bot asks for it.

    Kept in the database like everything else: a restart in the middle of the question
    loses nothing. One open draft per person; it lapses after a while (intake.DRAFT_TTL).
    """

    __tablename__ = "report_draft"

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=sa.BigInteger, unique=True, index=True)
    text: str = Field(default="", sa_type=sa.Text)
    lat: float | None = None
    lon: float | None = None
    attachments: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=json_column(nullable=False)
    )
    media_group_id: str | None = Field(default=None, sa_type=sa.String(64))
    alley_id: int | None = Field(default=None, foreign_key="alley.id")
    category_code: str | None = Field(default=None, sa_type=sa.String(64))
    anonymous: bool = False
    update_ids: list[int] = Field(default_factory=list, sa_column=json_column(nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    # A report taken by staff: carried to the case (see Case.channel).
    channel: str | None = Field(default=None, sa_type=sa.String(64))
    caller_name: str | None = Field(default=None, sa_type=sa.String(40))
    caller_phone: str | None = Field(default=None, sa_type=sa.String(32))


class PendingInput(SQLModel, table=True):
    """A question the bot asked a member about a case, awaiting a typed answer or a photo.

    Like drafts, it lives in the database so that a restart in between loses nothing.
    """

    __tablename__ = "pending_input"

    telegram_id: int = Field(
        sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False)
    )
    kind: str = Field(sa_type=sa.String(24))
    case_id: int | None = Field(default=None, foreign_key="report_case.id")
    data: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
