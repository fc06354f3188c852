"""How the running bot is doing, from the database: for `doctor` and the /health endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models import beats, inbox, outbox

# Past these, a task is called stalled and a queue stuck.
STALLED_AFTER = timedelta(minutes=5)
WAITING_TOO_LONG = timedelta(minutes=5)


@dataclass(frozen=True)
class Task:
    process: str
    name: str
    idle: timedelta
    restarts: int
    last_error: str | None

    @property
    def ok(self) -> bool:
        return self.idle <= STALLED_AFTER


@dataclass(frozen=True)
class Health:
    tasks: list[Task]
    update_waiting: timedelta | None  # the oldest update not handled yet, for so long
    message_waiting: timedelta | None  # the oldest message not sent yet, for so long

    @property
    def ok(self) -> bool:
        waits = (self.update_waiting, self.message_waiting)
        return all(t.ok for t in self.tasks) and all(
            w is None or w <= WAITING_TOO_LONG for w in waits
        )

    def as_json(self) -> dict[str, Any]:
        def seconds(delta: timedelta | None) -> float | None:
            return None if delta is None else round(delta.total_seconds(), 1)

        return {
            "ok": self.ok,
            "tasks": [
                {
                    "process": t.process,
                    "task": t.name,
                    "idle_s": seconds(t.idle),
                    "restarts": t.restarts,
                    "last_error": t.last_error,
                    "ok": t.ok,
                }
                for t in self.tasks
            ],
            "oldest_update_waiting_s": seconds(self.update_waiting),
            "oldest_message_waiting_s": seconds(self.message_waiting),
        }


async def check(session: AsyncSession, now: datetime) -> Health:
    oldest_update = await inbox.oldest_waiting(session)
    oldest_message = await outbox.oldest_pending(session)
    return Health(
        tasks=[
            Task(row.process, row.task, now - row.advanced_at, row.restarts, row.last_error)
            for row in await beats.all_tasks(session)
        ],
        update_waiting=now - oldest_update if oldest_update else None,
        message_waiting=now - oldest_message if oldest_message else None,
    )
