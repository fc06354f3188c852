"""The case state machine and its event history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models import Case, CaseAction, CaseEvent, CaseState
from models.db import Database
from models.lifecycle import TransitionError, allowed, apply, next_state, replay

A = CaseAction
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("path", "final"),
    [
        ([A.CREATE, A.ROUTE, A.ACCEPT, A.FINISH, A.CONFIRM], CaseState.CLOSED),
        ([A.CREATE, A.TO_TRIAGE, A.ASSIGN, A.ACCEPT, A.HAND_BACK], CaseState.TRIAGE),
        (
            [A.CREATE, A.ROUTE, A.ACCEPT, A.FINISH, A.REOPEN, A.FINISH, A.CLOSE_BY_DEFAULT],
            CaseState.CLOSED,
        ),
        ([A.CREATE, A.ROUTE, A.ACCEPT, A.POSTPONE], CaseState.ACCEPTED),
        ([A.CREATE, A.VOID], CaseState.VOID),
    ],
)
def test_paths_through_the_workflow(path: list[CaseAction], final: CaseState) -> None:
    state = None
    for action in path:
        state = next_state(action, state)
    assert state == final


@pytest.mark.parametrize(
    ("action", "state"),
    [
        (A.ACCEPT, CaseState.ACCEPTED),  # a repeated press
        (A.CONFIRM, CaseState.ACCEPTED),  # verifying before it is done
        (A.FINISH, CaseState.CLOSED),
        (A.VOID, CaseState.CLOSED),
        (A.REOPEN, CaseState.CLOSED),
        (A.ROUTE, None),
        (A.CREATE, CaseState.NEW),
    ],
)
def test_forbidden_moves_raise(action: CaseAction, state: CaseState | None) -> None:
    assert not allowed(action, state)
    with pytest.raises(TransitionError):
        next_state(action, state)


async def test_apply_records_who_when_from_to_and_replays(db: Database) -> None:
    async with db.session() as session:
        case = Case(text="复兴街12号门口垃圾堆了三天", created_at=T0)
        session.add(case)
        await session.flush()
        steps = [
            (A.CREATE, None, None),
            (A.ROUTE, None, None),
            (A.ACCEPT, 100021, None),
            (A.FINISH, 100021, "已清理"),
            (A.REOPEN, 900001, "还有一袋没拿走"),
            (A.FINISH, 100021, "全部清走"),
            (A.CONFIRM, 900001, None),
        ]
        for n, (action, actor, note) in enumerate(steps):
            apply(
                session,
                case,
                action,
                at=T0 + timedelta(hours=n),
                actor_telegram_id=actor,
                note=note,
            )
        await session.commit()
        case_id = case.id

    async with db.session() as session:
        stored = await session.get(Case, case_id)
        assert stored is not None
        assert stored.state == CaseState.CLOSED
        assert stored.accepted_at == T0 + timedelta(hours=2)
        assert stored.done_at == T0 + timedelta(hours=5)
        assert stored.closed_at == T0 + timedelta(hours=6)
        events = (
            await session.exec(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
        ).all()
        assert [(e.action, e.from_state, e.to_state) for e in events][3:5] == [
            (A.FINISH, CaseState.ACCEPTED, CaseState.DONE),
            (A.REOPEN, CaseState.DONE, CaseState.ACCEPTED),
        ]
        assert events[4].actor_telegram_id == 900001 and events[4].note == "还有一袋没拿走"
        assert replay(events) == stored.state


async def test_a_refused_action_changes_nothing(db: Database) -> None:
    async with db.session() as session:
        case = Case(text="x")
        session.add(case)
        await session.flush()
        apply(session, case, A.CREATE, at=T0)
        with pytest.raises(TransitionError):
            apply(session, case, A.CONFIRM, at=T0)
        assert case.state == CaseState.NEW
        await session.commit()
        count = len((await session.exec(select(CaseEvent))).all())
        assert count == 1
