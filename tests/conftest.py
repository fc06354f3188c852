"""Databases for the tests: every test that uses `db_url` runs on SQLite, and on PostgreSQL
too when TEST_DATABASE_URL is set. Each test starts from a freshly migrated, empty schema."""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from fakegram import FakeBotApi
from models import migrate
from models.clock import ManualClock
from models.db import Database, make_sync_engine
from models.roster import ImportReport
from tests.harness import T0, TOKEN, BotHarness, bot_running, import_english_sample, import_sample

# The `browser` and `phone` fixtures: a headless chromium emulating a phone (selenium is only
# imported when one starts).
pytest_plugins = ["tests.browser"]

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


def _with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def pg_schema(worker_id: str) -> Iterator[str]:
    """A schema of our own in the shared test database, migrated once per worker."""
    assert PG_URL is not None
    schema = f"lk_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    admin = make_sync_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = _with_search_path(PG_URL, schema)
    migrate.upgrade(url)
    yield url
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _truncate_all(url: str) -> None:
    engine = make_sync_engine(url)
    with engine.begin() as connection:
        tables = [
            row[0]
            for row in connection.execute(
                sa.text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            )
            if row[0] != "alembic_version"
        ]
        if tables:
            names = ", ".join(f'"{t}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "lanekeeper.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_schema")
    _truncate_all(url)
    return url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi(token=TOKEN)


@pytest.fixture
async def bot(db_url: str, api: FakeBotApi) -> AsyncIterator[BotHarness]:
    async with bot_running(db_url, api) as harness:
        yield harness


@pytest.fixture(scope="session")
def worker_id() -> str:
    """pytest-xdist's worker name, or 'main' when the suite runs in one process."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", None}
_real_getaddrinfo = socket.getaddrinfo


def _local_only_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    name = host.decode() if isinstance(host, bytes) else host
    if name not in _LOCAL_HOSTS and not str(name).startswith("127."):
        raise OSError(f"tests may not reach the network (tried to resolve {name!r})")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    """A test that would leave the machine fails loudly instead."""
    socket.getaddrinfo = _local_only_getaddrinfo
    yield
    socket.getaddrinfo = _real_getaddrinfo


@pytest.fixture
async def roster(db_url: str) -> ImportReport:
    return await import_sample(db_url)


@pytest.fixture
async def english_roster(db_url: str) -> ImportReport:
    """The sample roster, every unit, community and alley also named in English."""
    return await import_english_sample(db_url)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)
