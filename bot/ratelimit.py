"""Telegram's flood limits, with the person waiting for an answer served first.

PTB's AIORateLimiter lets through whoever asks first. The outbox sender keeps several
messages in flight to cover the round trip to Telegram; if they all queued for the limit
at once, a resident's answer (sent directly by the handler) would queue behind them. Here
the sender's messages ask for the limit one at a time, and not at all while a direct call
is waiting for it; once through, they travel concurrently as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter

# The sender's calls pass this as rate_limit_args.
QUEUED: dict[str, Any] = {"queued": True}

Result = bool | JSONDict | list[JSONDict]


class AnswersFirstRateLimiter(AIORateLimiter):
    def __init__(self, overall_max_rate: float, max_retries: int = 3) -> None:
        super().__init__(overall_max_rate=overall_max_rate, max_retries=max_retries)
        self._direct_waiting = 0
        self._no_direct_waiting = asyncio.Event()
        self._no_direct_waiting.set()
        self._queued_turn = asyncio.Lock()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | int | None,
    ) -> Result:
        queued = isinstance(rate_limit_args, dict) and rate_limit_args.get("queued", False)
        retries = rate_limit_args if isinstance(rate_limit_args, int) else None
        if queued:
            await self._queued_turn.acquire()
            through = _once(self._queued_turn.release)
            try:
                await self._no_direct_waiting.wait()
                return await super().process_request(
                    _after(through, callback), args, kwargs, endpoint, data, retries
                )
            finally:
                through()
        self._direct_waiting += 1
        self._no_direct_waiting.clear()
        served = _once(self._direct_served)
        try:
            return await super().process_request(
                _after(served, callback), args, kwargs, endpoint, data, retries
            )
        finally:
            served()

    def _direct_served(self) -> None:
        self._direct_waiting -= 1
        if not self._direct_waiting:
            self._no_direct_waiting.set()


def _once(action: Callable[[], None]) -> Callable[[], None]:
    """The action, done the first time this is called and never again (the limit lets a
    call through at most once, but a retry after a 429 passes the same point again)."""
    done = False

    def run() -> None:
        nonlocal done
        if not done:
            done = True
            action()

    return run


def _after(
    first: Callable[[], None], callback: Callable[..., Coroutine[Any, Any, Result]]
) -> Callable[..., Coroutine[Any, Any, Result]]:
    """The callback, noting first that the limit has let it through."""

    async def call(*args: Any, **kwargs: Any) -> Result:
        first()
        return await callback(*args, **kwargs)

    return call
