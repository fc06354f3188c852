"""Which long-running task of which process last got something done, and when."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.messaging import TaskBeat


@dataclass(frozen=True)
class TaskState:
    task: str
    started_at: datetime
    advanced_at: datetime
    restarts: int
    last_error: str | None


async def record(session: AsyncSession, process: str, states: Sequence[TaskState]) -> None:
    """Keep the process's tasks as they are now. Commits."""
    known = {
        row.task: row
        for row in await session.exec(select(TaskBeat).where(TaskBeat.process == process))
    }
    for state in states:
        row = known.get(state.task) or TaskBeat(
            process=process,
            task=state.task,
            started_at=state.started_at,
            advanced_at=state.advanced_at,
        )
        row.started_at = state.started_at
        row.advanced_at = state.advanced_at
        row.restarts = state.restarts
        row.last_error = state.last_error
        session.add(row)
    await session.commit()


async def forget(session: AsyncSession, process: str) -> None:
    """The process stopped cleanly: its tasks are no one's concern. Commits."""
    await session.exec(delete(TaskBeat).where(col(TaskBeat.process) == process))
    await session.commit()


async def stalled(session: AsyncSession, before: datetime) -> list[TaskBeat]:
    """Tasks that have not got anything done since `before` (or whose process is gone)."""
    query = (
        select(TaskBeat)
        .where(col(TaskBeat.advanced_at) < before)
        .order_by(col(TaskBeat.process), col(TaskBeat.task))
    )
    return list(await session.exec(query))


async def all_tasks(session: AsyncSession) -> list[TaskBeat]:
    query = select(TaskBeat).order_by(col(TaskBeat.process), col(TaskBeat.task))
    return list(await session.exec(query))
