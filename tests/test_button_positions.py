"""The assignee's buttons stay where they were: one canonical layout, and in every state of
the case each button shown is in its canonical row, in its canonical order within the row
(views/case_buttons.py). First on the views, state by state; then over the fake Bot API,
through the life of a case: the dispatch card, the keyboard edited after a press, /case N,
the rework card."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from sqlmodel import select

from fakegram import FakeBotApi, FakeUser, Recorded
from locales.i18n import I18n
from models.cases import Case, CaseState
from models.clock import ManualClock
from models.db import Database
from tests.harness import BotHarness, bot_running
from views.case_buttons import ASSIGNEE_LAYOUT, case_buttons, placed
from views.dispatch_notices import action_keyboard, dispatch_card

# The layout, written out here as the people who learned it see it: the test of the module's
# constant, not a copy of it.
CANONICAL = (("a", "d"), ("p", "b"))  # ✋ Accept | ✅ Done ; ⏳ Postpone | ↩️ Not ours
PLACE = {verb: (row, col) for row, verbs in enumerate(CANONICAL) for col, verb in enumerate(verbs)}
ZH = I18n("zh_CN", "Asia/Shanghai")
EN = I18n("en", "Asia/Shanghai")

RESIDENT = FakeUser(900001, "小王")
LIU = FakeUser(100011, "刘洋")  # enforcement liaison: the vendor case goes to him
CHEN = FakeUser(100001, "陈建国")  # street coordinator


def verb(data: str) -> str | None:
    parts = data.split(":")
    return parts[1] if parts[0] == "cs" and len(parts) >= 3 else None


def assignee_places(rows: Sequence[Sequence[str]]) -> dict[str, tuple[int, int]]:
    """Each assignee button shown (by verb) with its row and its position among the assignee
    buttons of that row; fails when one is out of its canonical row or order."""
    found: dict[str, tuple[int, int]] = {}
    for index, row in enumerate(rows):
        mine = [v for v in (verb(d) for d in row) if v in PLACE]
        for position, v in enumerate(mine):
            assert PLACE[v][0] == index, f"{v} moved to row {index}: {rows}"
            found[v] = (index, position)
        assert mine == sorted(mine, key=lambda v: PLACE[v][1]), f"order changed: {rows}"
    # The assignee's rows come first: nothing of anyone else's above or between them.
    last = max((r for r, _ in found.values()), default=-1)
    for index in range(last + 1):
        assert all(verb(d) in PLACE for d in rows[index]), f"a foreign button among {rows}"
    return found


def rows_of(markup: Any) -> list[list[str]]:
    if markup is None:
        return []
    if isinstance(markup, dict):  # as the Bot API received it
        return [[b["callback_data"] for b in row] for row in markup.get("inline_keyboard", [])]
    return [[str(b.callback_data) for b in row] for row in markup.inline_keyboard]


def case(state: CaseState) -> Case:
    return Case(id=7, number=12, street_id=1, state=state)


# On the views --------------------------------------------------------------------------


def test_the_module_layout_is_the_canonical_one() -> None:
    assert ASSIGNEE_LAYOUT == CANONICAL
    # The button that undoes the dispatch is never in the first row, with Accept and Done.
    assert "b" not in ASSIGNEE_LAYOUT[0]


@pytest.mark.parametrize("state", list(CaseState))
@pytest.mark.parametrize("i18n", [ZH, EN], ids=["zh", "en"])
def test_every_state_keeps_every_button_in_its_place(state: CaseState, i18n: I18n) -> None:
    keyboard = action_keyboard(i18n, case(state))
    shown = assignee_places(rows_of(keyboard))
    expected = {
        CaseState.DISPATCHED: {"a", "d", "p", "b"},
        CaseState.ACCEPTED: {"d", "p", "b"},
    }.get(state, set())
    assert set(shown) == expected
    # /case: the assignee's rows as on the card, a coordinator's below them.
    for coordinator in (False, True):
        both = rows_of(case_buttons(i18n, case(state), keyboard, coordinator=coordinator))
        assert assignee_places(both) == shown
        assert both[: len(rows_of(keyboard))] == rows_of(keyboard)


def test_the_same_places_on_the_dispatch_and_the_rework_card() -> None:
    for state in (CaseState.DISPATCHED, CaseState.ACCEPTED):
        for rework in (False, True):
            _text, keyboard = dispatch_card(ZH, case(state), None, None, "小王", rework=rework)
            assert rows_of(keyboard) == rows_of(action_keyboard(ZH, case(state)))


def test_a_button_gone_leaves_its_row_mates_in_place() -> None:
    assert placed(CANONICAL, frozenset("adpb")) == [["a", "d"], ["p", "b"]]
    assert placed(CANONICAL, frozenset("dpb")) == [["d"], ["p", "b"]]
    assert placed(CANONICAL, frozenset("ad")) == [["a", "d"]]
    assert placed(CANONICAL, frozenset()) == []
    with pytest.raises(ValueError):  # the second row would move up into the first
        placed(CANONICAL, frozenset("pb"))


# Over the fake Bot API -----------------------------------------------------------------


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    for user in (LIU, CHEN):
        api.open_chat(user)
    async with bot_running(db_url, api, clock=clock) as harness:
        yield harness


def to(records: list[Recorded], chat_id: int) -> list[Recorded]:
    return [
        r
        for r in records
        if r.chat_id == chat_id and r.method in ("sendMessage", "editMessageText")
    ]


async def state_of(db_url: str) -> CaseState:
    database = Database(db_url)
    try:
        async with database.session() as session:
            return CaseState((await session.exec(select(Case))).one().state)
    finally:
        await database.dispose()


async def case_command(bot: BotHarness, user: FakeUser) -> dict[str, tuple[int, int]]:
    """/case 1 as `user`: the places of the assignee's buttons it shows."""
    [shown] = await bot.replies(bot.api.send_command(user, "/case", "1"), user.id)
    return assignee_places(rows_of(shown.params.get("reply_markup")))


async def test_the_buttons_keep_their_places_through_the_life_of_a_case(
    bot: BotHarness, db_url: str
) -> None:
    everything = {v: PLACE[v] for v in "adpb"}
    handling = {"d": (0, 0), "p": (1, 0), "b": (1, 1)}  # Accept gone: Done alone in row 1

    # Dispatched: the card, and /case for the assignee; the coordinator's assign lies below.
    exchange = await bot.exchange(bot.api.send_text(RESIDENT, "复兴南街有人摆摊卖菜，路都堵了"))
    [card] = to(exchange, LIU.id)
    assert assignee_places(rows_of(card.params["reply_markup"])) == everything
    assert [b["text"] for b in card.buttons()] == ["✋ 接单", "✅ 处置完成", "⏳ 延期", "↩️ 退回"]
    assert await case_command(bot, LIU) == everything
    [coordinator] = await bot.replies(bot.api.send_command(CHEN, "/case", "1"), CHEN.id)
    assert [
        [b["text"] for b in row] for row in coordinator.params["reply_markup"]["inline_keyboard"]
    ] == [
        ["改派"],
        ["🚫 不予立案", "↪️ 转办"],
    ]

    # Accepted: the card's keyboard is edited in place; Accept goes, nothing else moves.
    exchange = await bot.exchange(bot.api.press_button(LIU, card, "接单"))
    [edited] = [r for r in exchange if r.method == "editMessageReplyMarkup"]
    assert edited.params["message_id"] == card.result["message_id"]
    assert assignee_places(rows_of(edited.params["reply_markup"])) == handling
    assert await state_of(db_url) == CaseState.ACCEPTED
    assert await case_command(bot, LIU) == handling

    # A postponement waiting for a coordinator's approval: still handling, same places.
    [menu] = to(await bot.exchange(bot.api.press_button(LIU, card, "延期")), LIU.id)
    await bot.exchange(bot.api.press_button(LIU, menu, "12月1日"))
    exchange = await bot.exchange(bot.api.send_text(LIU, "要等执法中队统一行动"))
    assert to(exchange, LIU.id)[0].text == "超过了该类别的期限，已请协调员审批。"
    assert await case_command(bot, LIU) == handling

    # Done, waiting for the reporter's verification: no assignee button at all.
    await bot.exchange(bot.api.press_button(LIU, card, "处置完成"))
    exchange = await bot.exchange(bot.api.send_text(LIU, "已劝离"))
    [verify] = to(exchange, RESIDENT.id)
    assert await state_of(db_url) == CaseState.DONE
    assert await case_command(bot, LIU) == {}

    # Not fixed: the rework card, with the places of a case being handled.
    exchange = await bot.exchange(bot.api.press_button(RESIDENT, verify, "没解决"))
    [rework] = [r for r in to(exchange, LIU.id) if r.text.startswith("返工 #1")]
    assert assignee_places(rows_of(rework.params["reply_markup"])) == handling
    assert await case_command(bot, LIU) == handling

    # Done again, confirmed, closed: nothing to press for the assignee.
    await bot.exchange(bot.api.press_button(LIU, rework, "处置完成"))
    exchange = await bot.exchange(bot.api.send_text(LIU, "已清理"))
    [verify] = to(exchange, RESIDENT.id)
    await bot.exchange(bot.api.press_button(RESIDENT, verify, "已解决"))
    assert await state_of(db_url) == CaseState.CLOSED
    assert await case_command(bot, LIU) == {}
