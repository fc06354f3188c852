"""The domain: tables, rules and queries. Nothing here knows about Telegram."""

from sqlmodel import SQLModel

from models.cases import (
    Assignment,
    AssignmentRole,
    AssignmentState,
    Case,
    CaseAction,
    CaseAttachment,
    CaseCounter,
    CaseEvent,
    CaseState,
    Category,
    PendingInput,
    ReportDraft,
    Urgency,
)
from models.meetings import (
    ActionItem,
    ActionItemState,
    Delivery,
    MeetingAttendance,
    MeetingKind,
    MeetingNotice,
    MeetingOccurrence,
    MeetingSeries,
    OccurrenceState,
)
from models.messaging import (
    HeldNotice,
    InboxState,
    InboxUpdate,
    OutboxMessage,
    OutboxState,
    Priority,
    TaskBeat,
)
from models.open311 import ApiKey, ServiceRequest
from models.org import (
    Alley,
    Block,
    Community,
    Invite,
    Member,
    MemberArea,
    Party,
    Role,
    Street,
    VendingSpot,
)
from models.reading import IntakeModel
from models.users import TelegramUser
from models.web_photos import WebPhoto

metadata = SQLModel.metadata

__all__ = [
    "ActionItem",
    "ActionItemState",
    "Alley",
    "ApiKey",
    "Assignment",
    "AssignmentRole",
    "AssignmentState",
    "Block",
    "Case",
    "CaseAction",
    "CaseAttachment",
    "CaseCounter",
    "CaseEvent",
    "CaseState",
    "Category",
    "Community",
    "Delivery",
    "HeldNotice",
    "InboxState",
    "InboxUpdate",
    "IntakeModel",
    "Invite",
    "MeetingAttendance",
    "MeetingKind",
    "MeetingNotice",
    "MeetingOccurrence",
    "MeetingSeries",
    "Member",
    "MemberArea",
    "OccurrenceState",
    "OutboxMessage",
    "OutboxState",
    "Party",
    "PendingInput",
    "Priority",
    "ReportDraft",
    "Role",
    "ServiceRequest",
    "Street",
    "TaskBeat",
    "TelegramUser",
    "Urgency",
    "VendingSpot",
    "WebPhoto",
    "metadata",
]
