"""No update lost, none handled twice: the inbox, replays, and a bot killed mid-stream."""

from __future__ import annotations

import asyncio
import random
import signal
from collections import Counter
from pathlib import Path

from sqlmodel import col, select

from fakegram import FakeBotApi, FakeUser, serve_loopback
from fakegram.process import start_bot, write_config
from models import inbox
from models.cases import Case
from models.db import Database
from models.messaging import InboxState, InboxUpdate
from tests.harness import T0, TOKEN, bot_running

TEXTS = [
    "复兴街12号门口垃圾没人清",
    "海月巷有人摆摊卖菜，路都堵了",
    "桥直巷路灯不亮了",
    "江城巷井盖没了，很危险",
    "水澄南街人行道上停满了汽车",
    "小溪巷墙上全是小广告",
    "复兴南街地砖松动，翘起来了",
    "里新巷饭店油烟太大",
]


async def test_store_is_idempotent_and_gives_the_next_offset(db_url: str) -> None:
    database = Database(db_url)
    async with database.session() as session:
        assert await inbox.next_offset(session) is None
        assert await inbox.store(session, [(5, {"update_id": 5}), (6, {"update_id": 6})], T0) == {
            5,
            6,
        }
        assert await inbox.store(session, [(6, {"update_id": 6}), (7, {"update_id": 7})], T0) == {7}
        assert await inbox.next_offset(session) == 8
        await inbox.finish(session, 6, T0)
        assert [r.update_id for r in await inbox.unfinished(session)] == [5, 7]
        await inbox.finish(session, 999, T0)  # unknown: nothing to do
    await database.dispose()


async def test_updates_are_stored_then_marked_done(db_url: str, roster: object) -> None:
    async with bot_running(db_url) as bot:
        update_id = bot.api.send_text(FakeUser(900001, "小王"), TEXTS[0])
        await bot.handled(update_id)
    database = Database(db_url)
    async with database.session() as session:
        row = await session.get(InboxUpdate, update_id)
        assert row is not None and row.state == InboxState.DONE and row.attempts == 1
        assert row.payload["message"]["text"] == TEXTS[0]
    await database.dispose()


async def test_an_update_stored_but_not_handled_is_replayed_at_start(
    db_url: str, roster: object
) -> None:
    resident = FakeUser(900001, "小王")
    api = FakeBotApi(token=TOKEN, first_update_id=41)
    payload = {
        "update_id": 40,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": resident.id, "type": "private", "first_name": "小王"},
            "from": resident.to_dict(),
            "text": TEXTS[1],
        },
    }
    database = Database(db_url)
    async with database.session() as session:
        await inbox.store(session, [(40, payload)], T0)  # as if the bot died right here
    liaison = FakeUser(100012, "孙磊")  # enforcement, haiyue: the vendor case's assignee
    api.open_chat(resident)
    api.open_chat(liaison)
    async with bot_running(db_url, api) as bot:
        await bot.handled(40)
        [ack] = bot.api.sent("sendMessage", resident.id)
        assert ack.text.startswith("已受理，案件编号 #1。")
        assert len(bot.api.sent("sendMessage", liaison.id)) == 1
        assert bot.api.pending_updates == 0
    async with database.session() as session:
        assert (await session.get(InboxUpdate, 40)).state == InboxState.DONE  # type: ignore[union-attr]
        [case] = (await session.exec(select(Case))).all()
        assert case.source_update_id == 40
        # Handled to the end but not marked: the replay finds the case, opens no second one.
        row = await session.get(InboxUpdate, 40)
        assert row is not None
        row.state = InboxState.RECEIVED
        session.add(row)
        await session.commit()
    async with bot_running(db_url, FakeBotApi(token=TOKEN, first_update_id=41)) as bot:
        bot.api.open_chat(resident)
        bot.api.open_chat(liaison)
        await bot.handled(40)
        [again] = bot.api.sent("sendMessage", resident.id)
        assert again.text.startswith("已受理，案件编号 #1。")
        assert bot.api.sent("sendMessage", liaison.id) == []  # told once, not again
    async with database.session() as session:
        assert len((await session.exec(select(Case))).all()) == 1
    await database.dispose()


REPORTS = 500
RESIDENTS = 100  # five reports each: under the hourly limit


async def test_killed_at_random_moments_while_reports_stream_in(
    db_url: str, roster: object, tmp_path: Path
) -> None:
    """SIGKILL the bot several times while 500 reports arrive; every report becomes exactly
    one case, and every reporter is acknowledged for each report."""
    rng = random.Random(20261126)
    api = FakeBotApi(token=TOKEN)
    server = serve_loopback(api)
    residents = [FakeUser(910000 + n, f"居民{n}") for n in range(RESIDENTS)]
    config = write_config(tmp_path, server, db_url, rate_limiter=False)

    async def start() -> asyncio.subprocess.Process:
        return await start_bot(config, TOKEN)

    def replies() -> int:
        return sum(
            1
            for r in api.requests
            if r.method == "sendMessage"
            and isinstance(r.chat_id, int)
            and r.chat_id >= 910000
            and not isinstance(r.result, Exception)
        )

    sent: list[tuple[int, int]] = []
    for n in range(REPORTS):
        resident = residents[n % RESIDENTS]
        sent.append((api.send_text(resident, f"{TEXTS[n % len(TEXTS)]}（{n}）"), resident.id))
    process = await start()
    kills = 0
    try:
        for _ in range(4):
            target = replies() + rng.randint(30, 90)
            await api.wait_for(lambda _r, target=target: replies() >= target, timeout=120)
            process.kill()
            await process.wait()
            kills += 1
            process = await start()
        await api.wait_for(
            lambda _r: replies() >= REPORTS and api.pending_updates == 0, timeout=180
        )
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=60) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await server.close()
    assert kills == 4

    database = Database(db_url)
    async with database.session() as session:
        cases = (
            await session.exec(select(Case).where(col(Case.source_update_id).is_not(None)))
        ).all()
        rows = (await session.exec(select(InboxUpdate))).all()
    await database.dispose()
    by_update = Counter(c.source_update_id for c in cases)
    assert sorted(by_update) == sorted(u for u, _chat in sent)  # every report, once
    assert set(by_update.values()) == {1}
    assert {r.state for r in rows} == {InboxState.DONE} and len(rows) == REPORTS
    acknowledged = Counter(
        r.chat_id
        for r in api.requests
        if r.method == "sendMessage"
        and r.chat_id in {c for _u, c in sent}
        and not isinstance(r.result, Exception)
    )
    wanted = Counter(chat for _u, chat in sent)
    assert all(acknowledged[chat] >= n for chat, n in wanted.items())
