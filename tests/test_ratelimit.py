"""The flood limiter serves a waiting answer before the outbox sender's next message."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.ratelimit import QUEUED, AnswersFirstRateLimiter


class Gate:
    """Stands in for the overall limit: lets callers through one at a time, when told."""

    def __init__(self) -> None:
        self.waiting: list[int] = []
        self.most = 0
        self.changed = asyncio.Event()
        self._turns = asyncio.Semaphore(0)

    async def __aenter__(self) -> None:
        self.waiting.append(0)
        self.most = max(self.most, len(self.waiting))
        self.changed.set()
        await self._turns.acquire()
        self.waiting.pop()

    async def __aexit__(self, *_exc: object) -> None:
        return None

    async def until_waiting(self, count: int) -> None:
        async with asyncio.timeout(5):  # a regression fails here instead of hanging
            while len(self.waiting) != count:
                self.changed.clear()
                await self.changed.wait()

    def let_one_through(self) -> None:
        self._turns.release()


async def test_answers_go_first_and_queued_messages_ask_one_at_a_time() -> None:
    limiter = AnswersFirstRateLimiter(overall_max_rate=30)
    gate = Gate()
    limiter._base_limiter = gate  # type: ignore[assignment]  # the limit, made steerable
    served: list[str] = []
    done = {name: asyncio.Event() for name in ("answer", "q1", "q2")}

    def call(name: str, chat_id: int, args: dict[str, Any] | None) -> asyncio.Task[Any]:
        async def callback() -> bool:
            served.append(name)
            done[name].set()
            return True

        return asyncio.create_task(
            limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": chat_id}, args)
        )

    first = call("q1", 2, QUEUED)
    await gate.until_waiting(1)  # the sender's first message waits for the limit
    second = call("q2", 3, QUEUED)
    answer = call("answer", 1, None)
    await gate.until_waiting(2)  # the answer joins it; the sender's second does not
    gate.let_one_through()
    gate.let_one_through()
    await done["q1"].wait()
    await done["answer"].wait()
    await gate.until_waiting(1)  # only now the sender's second asks
    gate.let_one_through()
    await asyncio.gather(first, second, answer)
    assert served[-1] == "q2" and sorted(served[:2]) == ["answer", "q1"]
    assert gate.most == 2  # never the sender's two messages and the answer at once
