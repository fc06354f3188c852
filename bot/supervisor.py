"""The process's long-running tasks, kept alive and watched.

A task that dies (the poller, the sender, the inbox retrier) is logged with its error and
started again after a pause that grows while it keeps dying. Each task says when it gets
something done (`beat`); a small writer copies those moments to the database every few
seconds, so `python -m bot doctor`, in another process, can tell a task that stopped
advancing from one that is merely idle.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from models import beats
from models.clock import Clock
from models.db import Database, describe

log = logging.getLogger(__name__)
Beat = Callable[[], None]
TaskBody = Callable[[Beat], Awaitable[None]]
FIRST_PAUSE_S = 1.0
MAX_PAUSE_S = 60.0
WRITE_EVERY_S = 15.0


def process_name() -> str:
    return f"{socket.gethostname()[:80]}:{os.getpid()}"


@dataclass
class Watched:
    name: str
    body: TaskBody
    started_at: datetime
    advanced_at: datetime
    restarts: int = 0
    last_error: str | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    # Set whenever the task dies or restarts, so tests can wait for it without a clock.
    changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)


class Supervisor:
    def __init__(self, db: Database, clock: Clock, process: str | None = None) -> None:
        self.db = db
        self.clock = clock
        self.process = process or process_name()
        self.tasks: dict[str, Watched] = {}
        self._writer: asyncio.Task[None] | None = None
        self._dirty = asyncio.Event()

    def start(self, name: str, body: TaskBody) -> Watched:
        now = self.clock.now()
        watched = Watched(name, body, started_at=now, advanced_at=now)
        self.tasks[name] = watched
        watched.task = asyncio.create_task(self._keep(watched), name=f"LaneKeeper:{name}")
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_loop(), name="LaneKeeper:beats")
        return watched

    def beat(self, name: str) -> None:
        watched = self.tasks.get(name)
        if watched is not None:
            watched.advanced_at = self.clock.now()

    def watch(self, name: str) -> None:
        """A task run by someone else (a scheduled job): beats only, nothing to restart."""
        if name not in self.tasks:
            now = self.clock.now()
            self.tasks[name] = Watched(name, _nothing, started_at=now, advanced_at=now)

    async def _keep(self, watched: Watched) -> None:
        pause = FIRST_PAUSE_S
        while True:
            before = watched.advanced_at
            try:
                await watched.body(lambda: self.beat(watched.name))
                return  # a task that returns is done: it was asked to stop
            except asyncio.CancelledError:
                raise
            except Exception as err:
                watched.restarts += 1
                watched.last_error = f"{type(err).__name__}: {err}"[:500]
                log.error(
                    "task %s died (%s); restarting in %.0f s",
                    watched.name,
                    watched.last_error,
                    pause,
                    exc_info=err,
                )
                watched.changed.set()
                watched.changed = asyncio.Event()
                self._dirty.set()
            # A task that got something done before dying starts again soon; one that dies
            # at once each time waits longer and longer, and does not flood the log.
            pause = FIRST_PAUSE_S if watched.advanced_at != before else min(pause * 2, MAX_PAUSE_S)
            await asyncio.sleep(pause)

    async def _write_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(WRITE_EVERY_S):
                    await self._dirty.wait()
            self._dirty.clear()
            await self.write()

    async def write(self) -> None:
        """Copy the tasks' progress to the database; a database away is no reason to die."""
        try:
            async with self.db.session() as session:
                await beats.record(
                    session,
                    self.process,
                    [
                        beats.TaskState(
                            w.name, w.started_at, w.advanced_at, w.restarts, w.last_error
                        )
                        for w in self.tasks.values()
                    ],
                )
        except Exception as err:
            log.warning("could not record the tasks' progress: %s", describe(err))

    async def stop(self) -> None:
        tasks = [w.task for w in self.tasks.values() if w.task is not None]
        if self._writer is not None:
            tasks.append(self._writer)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            async with self.db.session() as session:
                await beats.forget(session, self.process)
        except Exception as err:
            log.warning("could not clear the tasks' progress: %s", describe(err))


async def _nothing(_beat: Beat) -> None:
    return None
