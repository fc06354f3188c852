"""The session keeps what `get` found: one update looks a row up once, not a dozen times."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from models.db import Database
from models.org import Street


async def test_a_row_got_twice_is_read_once(db: Database) -> None:
    async with db.session() as session:
        session.add(Street(code="s1", name="复兴街道"))
        await session.commit()
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with db.session() as session:
            assert await session.get(Street, 1) is not None
            # Nothing here holds the street: a weak identity map alone would have forgotten it.
            again = await session.get(Street, 1)
            assert again is not None and again.name == "复兴街道"
            assert len(statements) == 1
            session.expunge_all()
            assert await session.get(Street, 1) is not None
            assert len(statements) == 2
            assert await session.get(Street, 99) is None  # a miss is asked again, never kept
            assert await session.get(Street, 99) is None
            assert len(statements) == 4
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
