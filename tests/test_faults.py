"""Faults on Telegram's side while a report is handled: nothing lost, no restart needed.

For each Bot API call a report causes (the answer to the resident, the dispatch to the
assignee, the copies to the assisting unit and the street chief, the post in the community's
group) and each fault (500, 502, a dropped connection, a time-out, 403 blocked), the case
ends dispatched, its assignee told (or, if he cannot be, the coordinators asked to give it to
someone else), and the resident answered (or marked as having blocked the bot).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select

import fakegram
from fakegram import FakeBotApi, FakeUser
from models.cases import Case, CaseState
from models.clock import ManualClock
from models.db import Database
from models.messaging import OutboxMessage, OutboxState
from models.users import TelegramUser
from tests.harness import T0, TOKEN, BotHarness, bot_running

RESIDENT = FakeUser(900001, "小王")
REPORT = "复兴街12号门口垃圾没人清"
ASSIGNEE = 100021  # 冯军, sanitation, the lead for litter in 复兴街
ASSIST = 100002  # the assisting unit's liaison
CHIEF = 100080  # 复兴街's street chief, copied
GROUP = -1001000000101  # 复兴社区's linked group
COORDINATOR = 100001  # 陈建国
MEMBERS = (ASSIGNEE, ASSIST, CHIEF, COORDINATOR)

CALLS = {"reply": RESIDENT.id, "dispatch": ASSIGNEE, "copy": CHIEF, "assist": ASSIST}
CALLS["group post"] = GROUP
FAULTS = {
    "500": fakegram.ServerError(500, "Internal Server Error"),
    "502": fakegram.ServerError(502, "Bad Gateway"),
    "dropped": fakegram.Drop(),
    "timeout": fakegram.TimeOut(),
    "403": fakegram.ServerError(403, "Forbidden: bot was blocked by the user"),
}


@pytest.fixture
async def bot(db_url: str, roster: object) -> AsyncIterator[BotHarness]:
    api = FakeBotApi(token=TOKEN)
    for member in MEMBERS:
        api.open_chat(FakeUser(member, str(member)))
    api.open_chat(RESIDENT)
    api.chats[GROUP] = {"id": GROUP, "type": "supergroup", "title": "复兴社区"}
    async with bot_running(db_url, api, clock=ManualClock(T0)) as harness:
        yield harness


def delivered(api: FakeBotApi, chat_id: int, contains: str) -> list[fakegram.Recorded]:
    return [
        r
        for r in api.sent("sendMessage", chat_id)
        if contains in r.text and not isinstance(r.result, Exception)
    ]


async def the_case(db_url: str) -> Case:
    database = Database(db_url)
    try:
        async with database.session() as session:
            [case] = (await session.exec(select(Case))).all()
            return case
    finally:
        await database.dispose()


async def retries_done(bot: BotHarness) -> None:
    """Let the sender's back-off pass, as time would, and wait until it has sent all it can."""
    await bot.settle()
    clock = bot.app.services.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=10))
    bot.app.services.poke_sender()
    await bot.settle()


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
@pytest.mark.parametrize("call", list(CALLS), ids=list(CALLS))
async def test_a_fault_on_any_call_of_a_report_loses_nothing(
    bot: BotHarness, db_url: str, call: str, fault: str
) -> None:
    target = CALLS[call]
    bot.api.inject(FAULTS[fault], method="sendMessage", chat_id=target)
    await bot.handled(bot.api.send_text(RESIDENT, REPORT))
    await retries_done(bot)
    assert bot.api.faults_hit == 1  # the fault did strike the call it was meant for

    case = await the_case(db_url)
    assert case.state == CaseState.DISPATCHED
    blocked = fault == "403"

    told = delivered(bot.api, ASSIGNEE, f"#{case.number}")
    if call == "dispatch" and blocked:
        # He cannot be told: the coordinators are asked to give the case to someone else.
        assert told == []
        [alert] = delivered(bot.api, COORDINATOR, f"#{case.number}")
        assert "分派" in alert.text
    else:
        assert len(told) == 1  # told once, never twice

    answered = delivered(bot.api, RESIDENT.id, f"#{case.number}")
    if call == "reply" and blocked:
        assert answered == []
        database = Database(db_url)
        async with database.session() as session:
            user = await session.get(TelegramUser, RESIDENT.id)
            assert user is not None and user.blocked_at is not None
        await database.dispose()
    else:
        assert len(answered) == 1
        assert answered[0].text.startswith(f"已受理，案件编号 #{case.number}")

    for other, chat in CALLS.items():
        if other in ("reply", "dispatch") or (other == call and blocked):
            continue
        assert len(delivered(bot.api, chat, f"#{case.number}")) == 1, other

    database = Database(db_url)
    async with database.session() as session:
        states = {row.state for row in (await session.exec(select(OutboxMessage))).all()}
    await database.dispose()
    assert OutboxState.PENDING not in states  # nothing left behind


async def test_the_resident_gets_his_answers_in_order_when_the_first_one_waits(
    bot: BotHarness, db_url: str
) -> None:
    """A report without a place: the bot asks where. The question fails; the answers that
    follow in the same update must not overtake it."""
    bot.api.inject(fakegram.ServerError(502), method="sendMessage", chat_id=RESIDENT.id)
    await bot.handled(bot.api.send_text(RESIDENT, "门口垃圾好几天没人清理了"))
    await retries_done(bot)
    [asked] = delivered(bot.api, RESIDENT.id, "")
    assert "哪" in asked.text and asked.buttons  # the question, with its buttons intact
