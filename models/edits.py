"""A reporter edits a message he sent: the report it belongs to reads as edited.

An edit is never a new report. The message is recognised by the updates that carried it:
a draft keeps the ids of its updates, a case keeps them in its `create` event, and the
inbox keeps every update as Telegram sent it, so the message those updates carried, and
its text before this edit, can be read back. Edits whose message is neither in the
reporter's draft nor in one of his recent cases change nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import Case, CaseAction, CaseEvent, ReportDraft
from models.lifecycle import OPEN_STATES, apply
from models.messaging import InboxUpdate

# How far back a reporter's cases are searched for the edited message: edits come soon
# after sending, and this keeps the search to one small read whatever the history.
RECENT_CASES = 50


@dataclass(frozen=True)
class Edit:
    """What Telegram says of an edited message."""

    update_id: int
    chat_id: int
    message_id: int
    text: str


@dataclass
class DraftEdited:
    draft: ReportDraft


@dataclass
class CaseEdited:
    case: Case
    recorded: bool  # an event was written (the case is still open)


@dataclass
class NotEdited:
    """Not a message of a draft or a recent case, or an edit already applied."""


EditOutcome = DraftEdited | CaseEdited | NotEdited


async def apply_edit(session: AsyncSession, edit: Edit, now: datetime) -> EditOutcome:
    """Let the draft or case the message belongs to read as edited (not committed here)."""
    draft = (
        await session.exec(select(ReportDraft).where(ReportDraft.telegram_id == edit.chat_id))
    ).first()
    if draft is not None:
        if edit.update_id in draft.update_ids:
            return NotEdited()  # the same edit again: a replayed update
        before = await _last_text(session, edit, draft.update_ids)
        if before is not None:
            draft.text = revise(draft.text, before, edit.text)
            draft.update_ids = [*draft.update_ids, edit.update_id]
            draft.updated_at = now
            session.add(draft)
            await session.flush()
            return DraftEdited(draft)
    for case, update_ids in await _recent_cases(session, edit.chat_id):
        if edit.update_id in update_ids:
            return NotEdited()
        before = await _last_text(session, edit, update_ids)
        if before is None:
            continue
        case.text = revise(case.text, before, edit.text)
        session.add(case)
        recorded = case.state in OPEN_STATES
        if recorded:
            apply(
                session,
                case,
                CaseAction.EDIT,
                at=now,
                actor_telegram_id=edit.chat_id,
                actor_member_id=case.reporter_member_id,
                note=edit.text,
                data={"update": edit.update_id, "message": edit.message_id, "before": before},
            )
        await session.flush()
        return CaseEdited(case, recorded)
    return NotEdited()


def revise(text: str, before: str, after: str) -> str:
    """The text with one message's part replaced by its edited version."""
    if before and before in text:
        return text.replace(before, after, 1)
    if after in text:
        return text
    return f"{text}\n{after}".strip()


async def _recent_cases(session: AsyncSession, reporter: int) -> list[tuple[Case, list[int]]]:
    """The reporter's latest cases, each with the updates that carried its messages."""
    cases = list(
        await session.exec(
            select(Case)
            .where(Case.reporter_telegram_id == reporter)
            .order_by(col(Case.id).desc())
            .limit(RECENT_CASES)
        )
    )
    ids: dict[int, list[int]] = {
        case.id: [case.source_update_id] if case.source_update_id is not None else []
        for case in cases
        if case.id is not None
    }
    events = await session.exec(
        select(CaseEvent).where(
            col(CaseEvent.case_id).in_(list(ids)),
            col(CaseEvent.action).in_([CaseAction.CREATE, CaseAction.EDIT]),
        )
    )
    for event in events:
        ids[event.case_id] += _update_ids(event.data)
    return [(case, sorted(set(ids[case.id or 0]))) for case in cases]


def _update_ids(data: dict[str, Any]) -> list[int]:
    found = [*data.get("updates", [])]
    if "update" in data:
        found.append(data["update"])
    return [i for i in found if isinstance(i, int)]


async def _last_text(session: AsyncSession, edit: Edit, update_ids: Iterable[int]) -> str | None:
    """The message's text as last seen among these updates; None: not one of them."""
    rows = await session.exec(
        select(InboxUpdate)
        .where(col(InboxUpdate.update_id).in_(list(update_ids)))
        .order_by(col(InboxUpdate.update_id))
    )
    before = None
    for row in rows:
        message = row.payload.get("message") or row.payload.get("edited_message") or {}
        chat = (message.get("chat") or {}).get("id")
        if message.get("message_id") == edit.message_id and chat == edit.chat_id:
            before = str(message.get("text") or message.get("caption") or "")
    return before
