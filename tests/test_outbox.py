"""The outbox and its sender: priorities, flood limits, faults, permanent failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

import fakegram
from bot.sender import BATCH
from fakegram import FakeBotApi, FakeUser
from models import outbox
from models.db import Database
from models.messaging import OutboxMessage, OutboxState, Priority
from models.users import TelegramUser
from notify.messenger import Messenger
from tests.harness import T0, TOKEN, BotHarness, bot_running

RESIDENT = FakeUser(900001, "小王")
BULK = 2000
RATE = 400  # messages a second, for the bot and for the fake: a faster Telegram, same rules


async def enqueue(bot: BotHarness, chats: list[int], priority: Priority, prefix: str) -> None:
    async with bot.app.services.db.session() as session:
        messenger = Messenger(bot.app.bot, session, bot.app.services)
        for n, chat in enumerate(chats):
            await outbox.enqueue(
                session, chat, {"text": f"{prefix} {n}"}, now=T0, priority=priority
            )
        await session.commit()
        messenger.services.poke_sender()


async def test_dedupe_keys_make_enqueuing_idempotent(db_url: str) -> None:
    database = Database(db_url)
    async with database.session() as session:
        first = await outbox.enqueue(session, 1, {"text": "a"}, now=T0, dedupe_key="k")
        await session.commit()
        again = await outbox.enqueue(session, 1, {"text": "a"}, now=T0, dedupe_key="k")
        await session.commit()
        assert first is not None and again is None
        assert len((await session.exec(select(OutboxMessage))).all()) == 1
    await database.dispose()


async def test_most_urgent_first_and_claims_are_exclusive(db_url: str) -> None:
    database = Database(db_url)
    async with database.session() as session:
        for chat, priority in ((1, Priority.BULK), (2, Priority.DISPATCH), (3, Priority.REPLY)):
            await outbox.enqueue(session, chat, {"text": "x"}, now=T0, priority=priority)
        await session.commit()
        first = await outbox.claim(session, T0, set())
        assert first is not None and first.chat_id == 3
        second = await outbox.claim(session, T0, busy_chats={2})  # chat 2 must wait its turn
        assert second is not None and second.chat_id == 1
        assert await outbox.claim(session, T0, {2}) is None  # the others are claimed
    await database.dispose()


@pytest.fixture
async def fast(db_url: str, roster: object) -> AsyncIterator[BotHarness]:
    api = FakeBotApi(token=TOKEN, flood_limit=RATE * 1.05)
    async with bot_running(db_url, api, telegram={"max_messages_per_second": RATE}) as bot:
        yield bot


async def test_a_bulk_send_provokes_no_429_and_a_report_still_goes_first(fast: BotHarness) -> None:
    """Ordered by events, not by how fast this machine is: one bulk message is held in flight
    (the sender's whole batch waits on it), the report comes in meanwhile, and then the hold
    is let go."""
    bot = fast
    chats = [800000 + n for n in range(BULK)]
    for chat in chats:
        bot.api.open_chat(FakeUser(chat, f"m{chat}"))
    bot.api.open_chat(RESIDENT)
    hold = fakegram.Hold()
    bot.api.inject(hold, method="sendMessage", chat_id=chats[BULK // 4])
    await enqueue(bot, chats, Priority.BULK, "月报")
    await asyncio.wait_for(hold.arrived.wait(), timeout=120)
    before = len(bot.api.requests)
    update_id = bot.api.send_text(RESIDENT, "复兴街12号门口垃圾没人清")
    ack = await bot.api.wait_for(lambda r: r.chat_id == RESIDENT.id, start=before, timeout=120)
    assert ack.text.startswith("已受理")
    ack_at = bot.api.requests.index(ack)
    bulk_between = sum(1 for r in bot.api.requests[before:ack_at] if r.text.startswith("月报"))
    assert bulk_between < BATCH  # at most the rest of the batch in flight went ahead
    await bot.processed(update_id)  # the dispatch waits in the outbox behind the held batch
    released = len(bot.api.requests)
    hold.release()
    await bot.handled(update_id, timeout=120)
    dispatch = next(i for i, r in enumerate(bot.api.requests) if r.chat_id == 100021)
    assert released <= dispatch < released + 2 * BATCH  # it jumped the rest of the bulk
    sent = [r for r in bot.api.sent("sendMessage") if r.text.startswith("月报")]
    assert len(sent) == BULK and len({r.chat_id for r in sent}) == BULK
    assert bot.api.flood_hits == 0


async def test_faults_are_retried_and_nothing_is_lost(bot: BotHarness, db_url: str) -> None:
    chats = [700001, 700002, 700003, 700004]
    for chat in chats:
        bot.api.open_chat(FakeUser(chat, str(chat)))
    bot.api.inject(fakegram.RetryAfter(1), method="sendMessage")
    bot.api.inject(fakegram.ServerError(502), method="sendMessage")
    bot.api.inject(fakegram.Drop(), method="sendMessage")
    await enqueue(bot, chats, Priority.DISPATCH, "通知")
    # Failed sends come back after their back-off: move the clock past it and poke.
    clock = bot.app.services.clock
    for _ in range(6):
        await bot.settle()
        if len(bot.api.sent("sendMessage")) == len(chats):
            break
        database = Database(db_url)
        async with database.session() as session:
            for row in (await session.exec(select(OutboxMessage))).all():
                row.not_before = clock.now()
                session.add(row)
            await session.commit()
        await database.dispose()
        bot.app.services.poke_sender()
    delivered = sorted(r.text for r in bot.api.sent("sendMessage"))
    assert delivered == ["通知 0", "通知 1", "通知 2", "通知 3"]
    database = Database(db_url)
    async with database.session() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
        assert {r.state for r in rows} == {OutboxState.SENT}
        assert sorted(r.attempts for r in rows)[-1] >= 2
    await database.dispose()


async def test_a_blocked_recipient_is_recorded_and_shown_to_coordinators(
    bot: BotHarness, db_url: str
) -> None:
    gone = FakeUser(700009, "走了")
    bot.api.open_chat(gone)
    await bot.exchange(bot.api.send_command(gone, "/start"))
    bot.api.block(gone.id)
    await enqueue(bot, [gone.id, 424242], Priority.DISPATCH, "通知")  # 424242: never wrote
    await bot.settle()
    database = Database(db_url)
    async with database.session() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
        assert {r.state for r in rows} == {OutboxState.FAILED}
        assert any("blocked" in (r.last_error or "") for r in rows)
        user = await session.get(TelegramUser, gone.id)
        assert user is not None and user.blocked_at is not None
    await database.dispose()
    chen = FakeUser(100001, "陈建国")
    [report] = await bot.replies(bot.api.send_command(chen, "/outbox"))
    assert report.text.splitlines()[0] == "待发送：0 条；发送失败：2 条。"
    assert "700009" in report.text and "blocked" in report.text
    [refused] = await bot.replies(bot.api.send_command(RESIDENT, "/outbox"))
    assert refused.text.startswith("抱歉")


@pytest.fixture
async def bot(db_url: str, api: FakeBotApi, roster: object) -> AsyncIterator[BotHarness]:
    async with bot_running(db_url, api) as harness:
        yield harness
