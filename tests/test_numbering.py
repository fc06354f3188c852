"""Case numbers: taken from a counter in the database, one after another, never twice."""

from __future__ import annotations

import asyncio

from models.case_opening import next_number
from models.cases import Case, CaseCounter
from models.db import Database
from tests.harness import T0


async def test_numbers_follow_each_other_and_step_over_numbers_given_otherwise(
    db_url: str,
) -> None:
    database = Database(db_url)
    async with database.session() as session:
        assert [await next_number(session) for _ in range(3)] == [1, 2, 3]
        session.add(Case(number=40, text="imported", created_at=T0))  # written by other means
        await session.flush()
        assert await next_number(session) == 41
        counter = await session.get(CaseCounter, "case")
        assert counter is not None and counter.last == 41
        await session.commit()
    await database.dispose()


async def test_concurrent_reports_never_share_a_number(db_url: str) -> None:
    """Twenty transactions at once (on PostgreSQL truly concurrent; on SQLite one writer at a
    time): twenty different numbers."""
    database = Database(db_url)

    async def take() -> int:
        for _attempt in range(50):  # SQLite may say "locked" while another writes
            try:
                async with database.session() as session:
                    number = await next_number(session)
                    await session.commit()
                    return number
            except Exception as err:
                if "locked" not in str(err):
                    raise
        raise AssertionError("never got a number")

    numbers = await asyncio.gather(*(take() for _ in range(20)))
    await database.dispose()
    assert sorted(numbers) == list(range(1, 21))
