"""Recovery from a database outage: reports keep coming while the database is away.

    python -m benchmarks.fault_recovery [--rate 5] [--seconds 30] [--outage 10]
        [--database postgresql://…]

Residents report at `--rate` a second for `--seconds`. A third of the way in, the database
goes away for `--outage` seconds: on SQLite another process holds an exclusive lock; on
PostgreSQL every connection of the bot is killed at the start of the outage and once a
second during it. Measured: reports lost (every report must become one case), the answer
latency of reports that came before, during and after the outage, and how long after the
database came back the last waiting report was answered.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col, func, select

from benchmarks.ack_latency import TOKEN, percentile
from benchmarks.synthetic import report_texts, street_roster
from bot.app import build_application, running
from fakegram import FakeBotApi, FakeUser, Recorded, fake_request
from models import migrate
from models.cases import Case
from models.clock import SystemClock
from models.db import Database, make_sync_engine
from models.roster import import_roster
from models.roster_spec import parse_roster
from services.config import load_config


class Outage:
    """The database away for a while, the way each store goes away."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = f"lk_bench_{uuid.uuid4().hex[:8]}"
        self.holder: asyncio.subprocess.Process | None = None

    @property
    def bot_url(self) -> str:
        if self.url.startswith("sqlite"):
            return self.url
        return f"{self.url}{'&' if '?' in self.url else '?'}application_name={self.name}"

    async def during(self, seconds: float) -> None:
        if self.url.startswith("sqlite"):
            await self._locked(seconds)
        else:
            await self._killed(seconds)

    async def _locked(self, seconds: float) -> None:
        path = self.url.removeprefix("sqlite:///")
        holder = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            f"db = sqlite3.connect({path!r}, isolation_level=None)\n"
            "db.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.readline()\n"
            "db.execute('COMMIT')\n",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert holder.stdin is not None and holder.stdout is not None
        await holder.stdout.readline()
        await asyncio.sleep(seconds)  # the outage's length: what is being measured against
        holder.stdin.write(b"release\n")
        await holder.stdin.drain()
        await holder.wait()

    async def _killed(self, seconds: float) -> None:
        admin = make_sync_engine(self.url)

        def kill() -> None:
            with admin.begin() as connection:
                connection.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name"
                    ),
                    {"name": self.name},
                )

        until = time.perf_counter() + seconds
        while time.perf_counter() < until:
            await asyncio.to_thread(kill)
            await asyncio.sleep(1)
        admin.dispose()


async def run(
    rate: float, seconds: float, outage_s: float, url: str
) -> tuple[dict[str, list[float]], float, int, int]:
    migrate.upgrade(url)
    database = Database(url)
    async with database.session() as session:
        await import_roster(
            session, parse_roster(street_roster(1, alleys=100), "bench"), now=SystemClock().now()
        )
    await database.dispose()
    outage = Outage(url)
    config = load_config(None, environ={}).with_overrides(
        telegram={"token": TOKEN, "base_url": "http://bench.invalid/bot", "rate_limiter": False},
        database={"url": outage.bot_url},
    )
    api = FakeBotApi(token=TOKEN)
    app = build_application(
        config, request=fake_request(api), get_updates_request=fake_request(api), run_timers=False
    )
    for chat in range(5_001_000, 5_002_000):
        api.open_chat(FakeUser(chat, "member"))
    count = int(rate * seconds)
    residents = [FakeUser(730000 + n, f"r{n}") for n in range(count)]
    texts = report_texts(1, 100, count)
    pushed: dict[int, float] = {}
    answered: dict[int, float] = {}
    done = asyncio.Event()

    def record(request: Recorded) -> None:
        chat = request.chat_id
        if request.method == "sendMessage" and chat in pushed and chat not in answered:
            answered[chat] = time.perf_counter()
            if len(answered) == count:
                done.set()

    api.listeners.append(record)
    window: list[float] = []
    async with running(app, poll_timeout=5):

        async def fault() -> None:
            await asyncio.sleep(seconds / 3)  # the outage starts a third of the way in
            window.append(time.perf_counter())
            await outage.during(outage_s)
            window.append(time.perf_counter())

        faulting = asyncio.create_task(fault())
        for resident, text in zip(residents, texts, strict=True):
            pushed[resident.id] = time.perf_counter()
            api.send_text(resident, text)
            await asyncio.sleep(1 / rate)  # a steady arrival rate, as residents would send
        await faulting
        async with asyncio.timeout(600):
            await done.wait()
        waiting = [answered[r.id] for r in residents if pushed[r.id] < window[1]]
        recovered = max(waiting) - window[1]
    database = Database(url)
    async with database.session() as session:
        cases = int(
            (
                await session.exec(
                    select(func.count())
                    .select_from(Case)
                    .where(col(Case.source_update_id).is_not(None))
                )
            ).one()
        )
    await database.dispose()
    start, end = window
    phases: dict[str, list[float]] = {"before": [], "during": [], "after": []}
    for resident in residents:
        at = pushed[resident.id]
        phase = "before" if at < start else "during" if at < end else "after"
        phases[phase].append(answered[resident.id] - at)
    return phases, recovered, cases, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--outage", type=float, default=10.0)
    parser.add_argument("--database", help="default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        phases, recovered, cases, count = asyncio.run(
            run(args.rate, args.seconds, args.outage, url)
        )
    store = "SQLite, locked" if url.startswith("sqlite") else "PostgreSQL, connections killed"
    print(f"{count} reports at {args.rate:g}/s; {store} for {args.outage:g} s")
    print(f"cases: {cases} of {count} reports (lost: {count - cases})")
    for phase, latencies in phases.items():
        if latencies:
            print(
                f"answer latency, reports {phase} the outage ({len(latencies)}): "
                f"p50 {percentile(latencies, 50) * 1000:.0f} ms, "
                f"p95 {percentile(latencies, 95) * 1000:.0f} ms, "
                f"max {max(latencies) * 1000:.0f} ms"
            )
    print(
        f"the last report that came before the database was back was answered {recovered:.1f} s"
        " after it came back"
    )


if __name__ == "__main__":
    main()
