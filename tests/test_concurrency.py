"""Several chats at once: nobody waits for another's round trip; one chat stays in order;
two people moving one case at the same moment cannot both move it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import col, select
from telegram import Bot, Update

from bot.concurrency import chat_key
from fakegram import FakeBotApi, FakeUser, Hold, Recorded
from models import Case, CaseAction, CaseEvent, CaseState
from models.db import Database
from models.lifecycle import apply
from models.messaging import InboxState, InboxUpdate
from tests.harness import BotHarness, bot_running

ALICE = FakeUser(900001, "小王")
BOB = FakeUser(900002, "小李")
LIU = FakeUser(100011, "刘洋")  # enforcement liaison, fuxing blocks
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
async def bot(db_url: str, api: FakeBotApi, roster: None) -> AsyncIterator[BotHarness]:
    api.open_chat(LIU)
    async with bot_running(db_url, api) as harness:
        yield harness


async def inbox_state(db_url: str, update_id: int) -> str:
    database = Database(db_url)
    try:
        async with database.session() as session:
            row = await session.get(InboxUpdate, update_id)
            assert row is not None
            return row.state
    finally:
        await database.dispose()


async def test_other_chats_are_answered_while_one_waits_and_one_chat_keeps_its_order(
    bot: BotHarness, db_url: str
) -> None:
    api = bot.api
    held = Hold()
    api.inject(held, method="sendMessage", times=1)
    first = api.send_command(ALICE, "/help")
    await held.arrived.wait()  # Alice's answer is on its way to a slow Telegram

    second = api.send_command(ALICE, "/start")
    other = api.send_command(BOB, "/help")
    await bot.handled(other)
    assert [r.chat_id for r in api.sent("sendMessage")] == [BOB.id]
    assert await inbox_state(db_url, second) == InboxState.RECEIVED  # waits for her first

    held.release()
    await bot.handled(second)
    await bot.handled(first)
    alice = api.sent("sendMessage", chat_id=ALICE.id)
    help_text = api.sent("sendMessage", chat_id=BOB.id)[0].text
    assert len(alice) == 2 and alice[0].text == help_text  # /help answered, then /start
    assert alice[1].text != help_text


def test_updates_are_keyed_by_their_chat() -> None:
    api = FakeBotApi(token="1:A")
    bot = Bot("1:A")
    message = Update.de_json(api.take(api.send_text(ALICE, "hi")), bot)
    press = Update.de_json(
        {
            "update_id": 9,
            "callback_query": {"id": "q", "from": BOB.to_dict(), "chat_instance": "c"},
        },
        bot,
    )
    assert chat_key(message) == ALICE.id
    assert chat_key(press) == BOB.id  # a press on an inline message: no chat, its user
    assert chat_key(object()) is None


async def test_two_people_moving_one_case_at_once_cannot_both_move_it(db: Database) -> None:
    async with db.session() as session:
        case = Case(text="复兴街12号门口垃圾堆了三天", created_at=T0)
        session.add(case)
        await session.flush()
        apply(session, case, CaseAction.CREATE, at=T0)
        apply(session, case, CaseAction.ROUTE, at=T0)
        await session.commit()
        case_id = case.id
    async with db.session() as first, db.session() as second:
        mine = await first.get(Case, case_id)
        theirs = await second.get(Case, case_id)
        assert mine is not None and theirs is not None
        apply(first, mine, CaseAction.ACCEPT, at=T0, actor_telegram_id=1)
        await first.commit()
        apply(second, theirs, CaseAction.ACCEPT, at=T0, actor_telegram_id=2)
        with pytest.raises(StaleDataError):
            await second.flush()
        await second.rollback()
    async with db.session() as session:
        stored = await session.get(Case, case_id)
        assert stored is not None and stored.state == CaseState.ACCEPTED
        accepts = (
            await session.exec(
                select(CaseEvent.actor_telegram_id).where(
                    CaseEvent.case_id == case_id, col(CaseEvent.action) == CaseAction.ACCEPT
                )
            )
        ).all()
        assert accepts == [1]


async def dispatched(bot: BotHarness) -> Recorded:
    """A resident's report, and the liaison's dispatch with its buttons."""
    exchange = await bot.exchange(bot.api.send_text(ALICE, "复兴南街有人摆摊卖菜，路都堵了"))
    [dispatch] = [r for r in exchange if r.chat_id == LIU.id and r.method == "sendMessage"]
    return dispatch


def losing(monkeypatch: pytest.MonkeyPatch, loses: Callable[[int], bool]) -> list[int]:
    """Accepting a case does its work, then (on the tries `loses` picks) finds the case
    changed by someone else, as the version check at flush would; returns the tries made."""
    from models import dispatch as cases

    real_accept = cases.accept
    calls: list[int] = []

    async def accept(*args: object, **kwargs: object) -> None:
        calls.append(len(calls) + 1)
        await real_accept(*args, **kwargs)  # type: ignore[arg-type]
        if loses(len(calls)):
            raise StaleDataError("report_case: expected version 2, found 3")

    monkeypatch.setattr(cases, "accept", accept)
    return calls


async def test_a_case_changed_under_a_button_changes_nothing_and_says_so(
    bot: BotHarness, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dispatch = await dispatched(bot)
    calls = losing(monkeypatch, lambda _call: True)  # every try loses
    pressed = bot.api.press_button(LIU, dispatch, "接单")
    [alert] = [r for r in await bot.exchange(pressed) if r.method == "answerCallbackQuery"]
    assert alert.params["text"].startswith("有人刚刚同时改动了这个案件")
    assert alert.params["show_alert"] is True and len(calls) == 3  # tried three times
    database = Database(db_url)
    try:
        async with database.session() as session:
            case = (await session.exec(select(Case))).one()
            assert case.state == CaseState.DISPATCHED  # the accept was rolled back
            row = await session.get(InboxUpdate, pressed)
            assert row is not None and row.state == InboxState.FAILED
            assert "StaleDataError" in (row.last_error or "")
    finally:
        await database.dispose()


async def test_an_update_that_loses_a_race_once_is_handled_again(
    bot: BotHarness, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dispatch = await dispatched(bot)
    calls = losing(monkeypatch, lambda call: call == 1)  # only the first try loses
    pressed = bot.api.press_button(LIU, dispatch, "接单")
    exchange = await bot.exchange(pressed)
    [answer] = [r for r in exchange if r.method == "answerCallbackQuery"]
    assert answer.params["text"] == "已接单，已通知反映人。" and len(calls) == 2
    database = Database(db_url)
    try:
        async with database.session() as session:
            case = (await session.exec(select(Case))).one()
            assert case.state == CaseState.ACCEPTED
            accepts = (
                await session.exec(select(CaseEvent).where(CaseEvent.action == CaseAction.ACCEPT))
            ).all()
            assert len(accepts) == 1
            row = await session.get(InboxUpdate, pressed)
            assert row is not None and row.state == InboxState.DONE
    finally:
        await database.dispose()


async def test_a_deadline_pass_that_loses_a_race_is_left_for_the_next_pass(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from types import SimpleNamespace

    from scheduler import deadlines

    class Leader:
        async def hold(self) -> bool:
            return True

    async def lose(_application: object) -> None:
        raise StaleDataError("report_case: expected version 4, found 5")

    monkeypatch.setattr(deadlines, "run_once", lose)
    context = SimpleNamespace(
        application=SimpleNamespace(services=SimpleNamespace(leadership=Leader()))
    )
    with caplog.at_level("INFO", logger="scheduler.deadlines"):
        await deadlines.job(context)  # type: ignore[arg-type]
    [record] = caplog.records
    assert record.levelname == "INFO" and "the next pass redoes it" in record.getMessage()


async def test_an_update_whose_last_commit_loses_a_race_is_handled_again(
    bot: BotHarness, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import app

    real_finish = app.inbox.finish
    tries: list[int] = []

    async def finish(*args: Any, **kwargs: Any) -> None:
        tries.append(1)
        if len(tries) == 1:
            raise StaleDataError("report_case: expected version 2, found 3")
        await real_finish(*args, **kwargs)

    monkeypatch.setattr(app.inbox, "finish", finish)
    update_id = bot.api.send_command(BOB, "/help")
    answers = [r for r in await bot.exchange(update_id) if r.method == "sendMessage"]
    assert len(answers) == 2 and answers[0].text == answers[1].text  # said twice, not lost
    assert await inbox_state(db_url, update_id) == InboxState.DONE
