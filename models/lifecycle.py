"""The case's state machine: which action may happen in which state, and its record.

Every change goes through `apply`, which writes one CaseEvent (who, when, from, to, note)
beside the change itself, so a case's history and every figure drawn from it can be
rebuilt from the events alone (`replay`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import Case, CaseAction, CaseEvent, CaseState

S = CaseState
OPEN_STATES = frozenset({S.NEW, S.TRIAGE, S.DISPATCHED, S.ACCEPTED, S.DONE})
# A coordinator may close a report without handling (不予立案, 转办) until it is reported done.
UNHANDLED_STATES = frozenset({S.NEW, S.TRIAGE, S.DISPATCHED, S.ACCEPTED})
# Closed without being handled by anyone in the group: due for no unit.
NOT_HANDLED_STATES = frozenset({S.NOT_ACCEPTED, S.TRANSFERRED})

# action -> (states it may start from, state it leads to; None keeps the state)
TRANSITIONS: dict[CaseAction, tuple[frozenset[CaseState | None], CaseState | None]] = {
    CaseAction.CREATE: (frozenset({None}), S.NEW),
    CaseAction.ROUTE: (frozenset({S.NEW}), S.DISPATCHED),
    CaseAction.TO_TRIAGE: (frozenset({S.NEW}), S.TRIAGE),
    CaseAction.ASSIGN: (frozenset({S.TRIAGE, S.DISPATCHED, S.ACCEPTED}), S.DISPATCHED),
    CaseAction.ACCEPT: (frozenset({S.DISPATCHED}), S.ACCEPTED),
    CaseAction.HAND_BACK: (frozenset({S.DISPATCHED, S.ACCEPTED}), S.TRIAGE),
    CaseAction.RELEASE: (frozenset({S.DISPATCHED, S.ACCEPTED}), S.TRIAGE),
    CaseAction.POSTPONE: (frozenset({S.DISPATCHED, S.ACCEPTED}), None),
    CaseAction.FINISH: (frozenset({S.DISPATCHED, S.ACCEPTED}), S.DONE),
    CaseAction.CONFIRM: (frozenset({S.DONE}), S.CLOSED),
    CaseAction.REOPEN: (frozenset({S.DONE}), S.ACCEPTED),
    CaseAction.CLOSE_BY_DEFAULT: (frozenset({S.DONE}), S.CLOSED),
    CaseAction.REOPEN_CLOSED: (frozenset({S.CLOSED}), S.ACCEPTED),
    CaseAction.NOT_ACCEPT: (UNHANDLED_STATES, S.NOT_ACCEPTED),
    CaseAction.TRANSFER: (UNHANDLED_STATES, S.TRANSFERRED),
    CaseAction.VOID: (frozenset({S.NEW, S.TRIAGE, S.DISPATCHED}), S.VOID),
    CaseAction.LINK_DUPLICATE: (frozenset(OPEN_STATES), None),
    CaseAction.POSTPONE_REQUEST: (frozenset({S.DISPATCHED, S.ACCEPTED}), None),
    CaseAction.POSTPONE_REFUSED: (frozenset({S.DISPATCHED, S.ACCEPTED}), None),
    CaseAction.ASSIST_DONE: (frozenset({S.DISPATCHED, S.ACCEPTED, S.DONE}), None),
    CaseAction.REMIND: (frozenset({S.DISPATCHED, S.ACCEPTED}), None),
    CaseAction.ESCALATE: (frozenset({S.TRIAGE, S.DISPATCHED, S.ACCEPTED}), None),
    CaseAction.VERIFY_REQUEST: (frozenset({S.DONE}), None),
    CaseAction.EDIT: (frozenset(OPEN_STATES), None),
    CaseAction.RECATEGORISE: (frozenset({S.TRIAGE, S.DISPATCHED, S.ACCEPTED}), None),
}


class TransitionError(Exception):
    """An action that the case's state does not allow (a stale button, a repeated press)."""

    def __init__(self, action: CaseAction, state: CaseState | None) -> None:
        super().__init__(f"cannot {action} a case that is {state or 'not created'}")
        self.action = action
        self.state = state


def allowed(action: CaseAction, state: CaseState | None) -> bool:
    sources, _target = TRANSITIONS[action]
    return state in sources


def next_state(action: CaseAction, state: CaseState | None) -> CaseState:
    if not allowed(action, state):
        raise TransitionError(action, state)
    target = TRANSITIONS[action][1]
    if target is None:
        assert state is not None  # only CREATE starts from None, and it has a target
        return state
    return target


def apply(
    session: AsyncSession,
    case: Case,
    action: CaseAction,
    *,
    at: datetime,
    actor_telegram_id: int | None = None,
    actor_member_id: int | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Move the case and record the event, in the caller's transaction (not committed here)."""
    current = None if action is CaseAction.CREATE else CaseState(case.state)
    target = next_state(action, current)
    if case.id is None:
        raise ValueError("flush the case before recording its events")
    case.state = target
    if action is CaseAction.ACCEPT:
        case.accepted_at = at
    elif action is CaseAction.FINISH:
        case.done_at = at
    elif action in (
        CaseAction.CONFIRM,
        CaseAction.CLOSE_BY_DEFAULT,
        CaseAction.NOT_ACCEPT,
        CaseAction.TRANSFER,
    ):
        case.closed_at = at
    elif action is CaseAction.REOPEN:
        case.done_at = None
    elif action is CaseAction.REOPEN_CLOSED:
        case.done_at = case.closed_at = case.satisfaction = None
    event = CaseEvent(
        case_id=case.id,
        at=at,
        action=action,
        from_state=current,
        to_state=target,
        actor_telegram_id=actor_telegram_id,
        actor_member_id=actor_member_id,
        note=note,
        data=data or {},
    )
    session.add(case)
    session.add(event)
    return event


def replay(events: Iterable[CaseEvent]) -> CaseState | None:
    """The state a case is in after these events, checking each step as it goes."""
    state: CaseState | None = None
    for event in sorted(events, key=lambda e: (e.at, e.id or 0)):
        state = next_state(CaseAction(event.action), state)
    return state
