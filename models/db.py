"""Engines and sessions. The bot talks to the database asynchronously; migrations run sync."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import create_engine
from sqlmodel.ext.asyncio.session import AsyncSession

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


def _backend(url: URL) -> str:
    backend = url.get_backend_name()
    if backend == "postgres":
        return "postgresql"
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return backend


def async_url(url: str) -> URL:
    """The URL the bot uses: aiosqlite for SQLite, psycopg 3 for PostgreSQL."""
    parsed = make_url(url)
    return parsed.set(drivername=_ASYNC_DRIVERS[_backend(parsed)])


def sync_url(url: str) -> URL:
    """The URL Alembic and one-shot tools use."""
    parsed = make_url(url)
    return parsed.set(drivername=_SYNC_DRIVERS[_backend(parsed)])


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers go on while one writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_async_engine(url: str, **kwargs: Any) -> AsyncEngine:
    target = async_url(url)
    engine = create_async_engine(target, **kwargs)
    if target.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def make_sync_engine(url: str, **kwargs: Any) -> Engine:
    target = sync_url(url)
    engine = create_engine(target, **kwargs)
    if target.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class KeepingSession(AsyncSession):
    """A session that keeps what `get` found for as long as the session lives.

    SQLAlchemy's identity map holds objects weakly: a street, category or member looked up,
    used and dropped is gone from it, and the next `get` for it in the same update goes back
    to the database. Handling one report looks the same few rows up a dozen times; keeping
    them makes every lookup after the first free. Sessions live for one update (or one timed
    pass), so what is kept is small and short-lived.
    """

    async def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        found = await super().get(entity, ident, **kwargs)
        if found is not None:
            self.info.setdefault("kept", {})[(entity, ident)] = found
        return found

    def expunge_all(self) -> None:
        self.info.pop("kept", None)
        super().expunge_all()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after commit without a new round trip,
    # which async code could not do lazily anyway.
    return async_sessionmaker(engine, class_=KeepingSession, expire_on_commit=False)


# SQLite's words for a writer that had to give up waiting (another process held the lock).
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def is_transient(error: BaseException) -> bool:
    """Whether the same work, tried again from a fresh session a little later, may succeed.

    Yes for a lost or refused connection (a server restarted, a failover, a connection
    killed), PostgreSQL's serialization failures and deadlocks (psycopg raises these as
    OperationalError), SQLite busy or locked, and an empty pool. No for everything that
    would fail the same way again: constraint violations, bad SQL, a missing table.
    """
    if isinstance(error, exc.TimeoutError):  # no connection free in the pool
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if isinstance(error, exc.InterfaceError):  # the connection was closed under us
        return True
    if isinstance(error, exc.OperationalError):
        message = str(error.orig).lower()
        if "sqlite" in type(error.orig).__module__:
            return any(word in message for word in _SQLITE_BUSY)
        return True
    return False


def describe(error: BaseException) -> str:
    """A database error in one short line: the driver's words, not the statement and its
    parameters (which may hold a whole update, and personal data)."""
    if isinstance(error, exc.DBAPIError) and error.orig is not None:
        error = error.orig
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"[:300]


class Database:
    """One engine and its session factory, built once per process."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        # A connection the server dropped (restart, failover, killed) is found out when it is
        # taken from the pool, not in the middle of an update.
        engine_kwargs.setdefault("pool_pre_ping", True)
        self.engine = make_async_engine(url, **engine_kwargs)
        self.sessionmaker = make_sessionmaker(self.engine)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
