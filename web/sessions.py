"""One unit of a web request's work in a session of its own, tried afresh when another update
changed a case under it (the case's version check), as the bot does for an update."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.orm.exc import StaleDataError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry import Services

T = TypeVar("T")
ATTEMPTS = 3


async def in_session(services: Services, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """`work` commits its own changes; on a lost race it runs again, from a fresh session."""
    for attempt in range(ATTEMPTS):
        try:
            async with services.db.session() as session:
                return await work(session)
        except StaleDataError:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
