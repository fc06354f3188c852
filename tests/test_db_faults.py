"""Faults on the database's side: connections killed, SQLite locked, updates that cannot be
read. Every report still becomes one case, every dispatch is sent once, without a restart."""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from fakegram import FakeBotApi, FakeUser
from models import inbox
from models.cases import Case
from models.clock import ManualClock
from models.db import Database, is_transient, make_sync_engine
from models.messaging import InboxState, InboxUpdate, OutboxMessage, OutboxState
from models.org import Community, Member, Street
from tests.harness import T0, TOKEN, BotHarness, bot_running

TEXTS = [
    "复兴街12号门口垃圾没人清",
    "海月巷有人摆摊卖菜，路都堵了",
    "桥直巷路灯不亮了",
    "江城巷井盖没了，很危险",
    "水澄南街人行道上停满了汽车",
    "小溪巷墙上全是小广告",
]
REPORTS = 60
RESIDENTS = 20  # three reports each: under the hourly limit


class Warnings(logging.Handler):
    """Counts the bot's warnings that name a database it could not use, as they happen."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "database" in message or "polling failed" in message:
            self.count += 1
            self.changed.set()

    async def at_least(self, n: int) -> None:
        while self.count < n:
            self.changed.clear()
            await self.changed.wait()


@pytest.fixture
def warnings() -> Iterator[Warnings]:
    handler = Warnings()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


async def open_members(api: FakeBotApi, db_url: str) -> None:
    database = Database(db_url)
    async with database.session() as session:
        for member in (await session.exec(select(Member))).all():
            if member.telegram_id is not None:
                api.open_chat(FakeUser(member.telegram_id, member.name))
        for place in [
            *(await session.exec(select(Street))),
            *(await session.exec(select(Community))),
        ]:
            if place.group_chat_id is not None:
                api.chats[place.group_chat_id] = {
                    "id": place.group_chat_id,
                    "type": "supergroup",
                    "title": place.name,
                }
    await database.dispose()


def stream(api: FakeBotApi) -> list[tuple[int, int]]:
    residents = [FakeUser(930000 + n, f"居民{n}") for n in range(RESIDENTS)]
    sent = []
    for n in range(REPORTS):
        resident = residents[n % RESIDENTS]
        api.open_chat(resident)
        sent.append((api.send_text(resident, f"{TEXTS[n % len(TEXTS)]}（{n}）"), resident.id))
    return sent


def acknowledged(api: FakeBotApi) -> int:
    return sum(
        1
        for r in api.requests
        if r.method == "sendMessage"
        and isinstance(r.chat_id, int)
        and 930000 <= r.chat_id < 930000 + RESIDENTS
        and not isinstance(r.result, Exception)
        and "#" in r.text  # received as a new case, or added to an earlier one
    )


async def all_handled(bot: BotHarness, sent: list[tuple[int, int]]) -> None:
    for update_id, _chat in sent:
        await bot.handled(update_id, timeout=180)


async def nothing_lost(bot: BotHarness, db_url: str, sent: list[tuple[int, int]]) -> None:
    """Each report one case; each case's assignee told exactly once; nothing left waiting."""
    database = Database(db_url)
    async with database.session() as session:
        cases = (
            await session.exec(select(Case).where(col(Case.source_update_id).is_not(None)))
        ).all()
        rows = (await session.exec(select(InboxUpdate))).all()
        outbox_rows = (await session.exec(select(OutboxMessage))).all()
    await database.dispose()
    by_update = Counter(c.source_update_id for c in cases)
    assert sorted(by_update) == sorted(u for u, _chat in sent)
    assert set(by_update.values()) == {1}
    assert {r.state for r in rows} == {InboxState.DONE}
    assert {r.state for r in outbox_rows} == {OutboxState.SENT}
    dispatches = Counter(
        r.text.split("：")[0]
        for r in bot.api.requests
        if r.method == "sendMessage"
        and r.text.startswith("新案件 #")
        and not isinstance(r.result, Exception)
    )
    originals = [c for c in cases if c.duplicate_of_id is None and c.state != "triage"]
    assert sorted(dispatches) == sorted(f"新案件 #{c.number}" for c in originals)
    assert set(dispatches.values()) == {1}  # no one told twice
    assert acknowledged(bot.api) >= REPORTS


def _with_application_name(url: str, name: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


async def test_postgresql_connections_killed_twice_while_reports_stream_in(
    db_url: str, roster: object
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("killing server connections is a PostgreSQL fault")
    name = f"lk_kill_{uuid.uuid4().hex[:8]}"
    url = _with_application_name(db_url, name)
    admin = make_sync_engine(db_url)

    def kill() -> int:
        with admin.begin() as connection:
            return len(
                connection.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name"
                    ),
                    {"name": name},
                ).all()
            )

    api = FakeBotApi(token=TOKEN)
    await open_members(api, db_url)
    try:
        async with bot_running(url, api) as bot:
            sent = stream(api)
            killed = 0
            for after in (15, 35):
                await api.wait_for(lambda _r, n=after: acknowledged(api) >= n, timeout=120)
                killed += await asyncio.to_thread(kill)
            await all_handled(bot, sent)
            await nothing_lost(bot, url, sent)
    finally:
        admin.dispose()
    assert killed >= 2  # the bot's connections were there to kill, both times


async def test_sqlite_locked_by_another_process_for_ten_seconds(
    db_url: str, roster: object, warnings: Warnings, tmp_path: Path
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("an exclusive file lock is an SQLite fault")
    path = db_url.removeprefix("sqlite:///")
    api = FakeBotApi(token=TOKEN)
    await open_members(api, db_url)
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sqlite3, sys\n"
        f"db = sqlite3.connect({path!r}, isolation_level=None)\n"
        "sys.stdin.readline()\n"
        "db.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "sys.stdin.readline()\n"
        "db.execute('COMMIT')\n",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        async with bot_running(db_url, api) as bot:
            sent = stream(api)
            # Locked in the middle of the stream: some reports handled, others on their way.
            await api.wait_for(lambda _r: acknowledged(api) >= 10, timeout=120)
            holder.stdin.write(b"lock\n")
            await holder.stdin.drain()
            assert await holder.stdout.readline() == b"locked\n"
            # The fault lasts ten seconds, and long enough for the bot to have met it.
            await asyncio.gather(asyncio.sleep(10), warnings.at_least(2))
            holder.stdin.write(b"release\n")
            await holder.stdin.drain()
            await holder.wait()
            await all_handled(bot, sent)
            await nothing_lost(bot, db_url, sent)
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()


async def test_an_update_the_library_cannot_read_is_kept_and_skipped(
    db_url: str, roster: object
) -> None:
    resident = FakeUser(900001, "小王")
    api = FakeBotApi(token=TOKEN)
    api.open_chat(resident)
    # A poll in a shape this library version cannot build (fields it requires are missing).
    odd = api.push({"poll": {"id": "1", "question": "?", "options": [], "total_voter_count": 0}})
    async with bot_running(db_url, api) as bot:
        report = api.send_text(resident, TEXTS[0])
        await bot.handled(report)
        assert api.last(chat_id=resident.id).text.startswith("已受理")
    database = Database(db_url)
    async with database.session() as session:
        row = await session.get(InboxUpdate, odd)
        assert row is not None and row.state == InboxState.UNREADABLE
        assert row.payload["poll"]["question"] == "?" and "TypeError" in (row.last_error or "")
    await database.dispose()
    # A restart does not trip on it again: it is not replayed, and the next report is answered.
    api2 = FakeBotApi(token=TOKEN, first_update_id=report + 1)
    api2.open_chat(resident)
    async with bot_running(db_url, api2) as bot:
        await bot.handled(api2.send_text(resident, TEXTS[2]))
        assert api2.last(chat_id=resident.id).text.startswith("已受理")


async def test_an_update_put_off_is_handled_again_by_the_retrier(
    db_url: str, roster: object
) -> None:
    resident = FakeUser(900001, "小王")
    api = FakeBotApi(token=TOKEN)
    api.open_chat(resident)
    clock = ManualClock(T0)
    async with bot_running(db_url, api, clock=clock) as bot:
        payload = {
            "update_id": 77,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": resident.id, "type": "private", "first_name": "小王"},
                "from": resident.to_dict(),
                "text": TEXTS[1],
            },
        }
        async with bot.app.services.db.session() as session:
            await inbox.store(session, [(77, payload)], T0)
            await inbox.put_off(session, 77, "OperationalError('database is locked')", T0)
            row = await session.get(InboxUpdate, 77)
            assert row is not None and row.state == InboxState.RETRY
        assert await bot.app.services.retrier.run_once() == 0  # not due yet
        clock.advance(inbox.FIRST_PAUSE)
        await bot.app.services.retrier.run_once()  # or its own pass, whichever comes first
        await bot.handled(77)
        assert api.last(chat_id=resident.id).text.startswith("已受理")
        assert await bot.app.services.retrier.run_once() == 0  # done: not taken again
    database = Database(db_url)
    async with database.session() as session:
        row = await session.get(InboxUpdate, 77)
        assert row is not None and row.state == InboxState.DONE
    await database.dispose()


def test_what_counts_as_a_fault_a_retry_can_cure() -> None:
    import sqlite3

    locked = sa.exc.OperationalError("x", {}, sqlite3.OperationalError("database is locked"))
    missing = sa.exc.OperationalError("x", {}, sqlite3.OperationalError("no such table: case"))
    unique = sa.exc.IntegrityError("x", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))
    assert is_transient(locked)
    assert not is_transient(missing)
    assert not is_transient(unique)
    assert not is_transient(ValueError("no"))


def test_updates_failed_on_the_database_before_this_version_are_tried_again(
    db_url: str,
) -> None:
    """Migration 0010: rows failed for a reason a retry can cure go back to the retrier."""
    from alembic import command

    from models import migrate

    command.downgrade(migrate.alembic_config(db_url), "0009")
    engine = make_sync_engine(db_url)
    with engine.begin() as connection:
        for update_id, error in (
            (1, "OperationalError('database is locked')"),
            (2, "OperationalError('terminating connection due to administrator command')"),
            (3, "ValueError('a bug')"),
        ):
            connection.execute(
                sa.text(
                    "INSERT INTO inbox_update (update_id, payload, state, attempts, received_at,"
                    " last_error) VALUES (:id, '{}', 'failed', 1, :at, :error)"
                ),
                {"id": update_id, "at": T0, "error": error},
            )
    migrate.upgrade(db_url)
    with engine.begin() as connection:
        states = dict(
            connection.execute(sa.text("SELECT update_id, state FROM inbox_update")).all()
        )
    engine.dispose()
    assert states == {1: "retry", 2: "retry", 3: "failed"}
