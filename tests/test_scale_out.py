"""Two bot processes on one PostgreSQL database: nothing handled twice, nothing sent twice."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import select

from fakegram import FakeBotApi, FakeUser
from models import outbox
from models.cases import Case
from models.db import Database
from models.messaging import Priority
from tests.harness import T0, TOKEN, bot_running

TEXTS = ["复兴街12号门口垃圾没人清", "海月巷有人摆摊卖菜", "桥直巷路灯不亮了", "江城巷井盖没了"]


async def test_two_processes_share_the_work(db_url: str, roster: object) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several processes need PostgreSQL; SQLite serves one")
    api = FakeBotApi(token=TOKEN)
    residents = [FakeUser(920000 + n, f"r{n}") for n in range(40)]
    members = [FakeUser(830000 + n, f"m{n}") for n in range(300)]
    for user in (*residents, *members):
        api.open_chat(user)
    async with bot_running(db_url, api) as one, bot_running(db_url, api) as two:
        seen: dict[str, list[int]] = {"one": [], "two": []}

        async def spy_one(u: object) -> None:
            seen["one"].append(getattr(u, "update_id", -1))

        async def spy_two(u: object) -> None:
            seen["two"].append(getattr(u, "update_id", -1))

        one.app.update_listeners.append(spy_one)
        two.app.update_listeners.append(spy_two)
        # Both poll the same fake: each batch reaches both, as a retried webhook might.
        updates = [api.send_text(r, f"{TEXTS[n % 4]}（{n}）") for n, r in enumerate(residents)]
        async with one.app.services.db.session() as session:
            for n, member in enumerate(members):
                await outbox.enqueue(
                    session, member.id, {"text": f"通知 {n}"}, now=T0, priority=Priority.BULK
                )
            await session.commit()
        one.app.services.poke_sender()
        two.app.services.poke_sender()
        await api.wait_for(
            lambda _r: sum(1 for r in api.requests if r.text.startswith("通知")) >= len(members),
            timeout=60,
        )
        for update_id in updates:
            await api.wait_for(lambda _r, u=update_id: api.confirmed(u), timeout=30)
        await one.settle()
        await two.settle()
    sent = Counter(r.text for r in api.sent("sendMessage") if r.text.startswith("通知"))
    assert len(sent) == len(members) and set(sent.values()) == {1}
    database = Database(db_url)
    async with database.session() as session:
        cases = (await session.exec(select(Case))).all()
    await database.dispose()
    assert sorted(c.source_update_id for c in cases) == sorted(updates)  # each handled once
    acks = Counter(
        r.chat_id for r in api.sent("sendMessage") if r.chat_id in {u.id for u in residents}
    )
    assert sorted(seen["one"] + seen["two"]) == sorted(updates)
    assert set(acks.values()) == {1}
