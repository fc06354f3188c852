"""Evidence travels with the case: the reporter's photos, place and voice notes go to whoever
the case is given to (by Telegram file id, before the card to act on), the photo of the fix
goes to the one who verifies it, /case shows them with the case's history; and what cannot
be a report's attachment is answered politely, with nothing created."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

import fakegram
from fakegram import FakeBotApi, FakeUser, Recorded
from locales.i18n import I18n
from models.cases import Case, CaseAction, CaseAttachment, ReportDraft
from models.clock import ManualClock
from models.db import Database
from models.evidence import History, Step, history
from models.messaging import OutboxMessage, OutboxState
from notify.messenger import Messenger
from tests.harness import T0, BotHarness, bot_running
from views.case_timeline import timeline
from views.evidence import photo_calls

RESIDENT = FakeUser(900001, "小王")
OUTSIDER = FakeUser(900007, "路人")
LIU = FakeUser(100011, "刘洋")  # enforcement liaison, 复兴南街
SUN = FakeUser(100012, "孙磊")  # enforcement liaison
CHEN = FakeUser(100001, "陈建国")  # street coordinator
HE = FakeUser(100022, "何静")  # sanitation liaison, 海月巷
VENDOR = "复兴南街有人摆摊卖菜，路都堵了"  # goes to 刘洋
SENDS = (
    "sendMessage",
    "editMessageText",
    "sendPhoto",
    "sendMediaGroup",
    "sendLocation",
    "sendVoice",
    "sendDocument",
)


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    for user in (LIU, SUN, CHEN, HE, RESIDENT, OUTSIDER):
        api.open_chat(user)
    async with bot_running(db_url, api, clock=clock) as harness:
        yield harness


def to(records: list[Recorded], chat_id: int) -> list[Recorded]:
    """What reached a chat, in order: messages and media, failed calls left out."""
    return [
        r
        for r in records
        if r.chat_id == chat_id and r.method in SENDS and not isinstance(r.result, Exception)
    ]


def photo_of(api: FakeBotApi, user: FakeUser) -> str:
    """The file id of the largest size of the user's latest photo."""
    latest = max(
        (m for (chat, _id), m in api.messages.items() if chat == user.id and "photo" in m),
        key=lambda m: m["message_id"],
    )
    return str(latest["photo"][-1]["file_id"])


def media_ids(record: Recorded) -> list[str]:
    return [item["media"] for item in record.params["media"]]


async def passes(bot: BotHarness, clock: ManualClock, seconds: float) -> None:
    """Time passes (a held album, a retry's back-off); the sender sends what is due."""
    await bot.settle()
    clock.advance(timedelta(seconds=seconds))
    bot.app.services.poke_sender()
    await bot.settle()


async def rows(db_url: str, model: Any) -> list[Any]:
    database = Database(db_url)
    try:
        async with database.session() as session:
            return list((await session.exec(select(model).order_by(col(model.id)))).all())
    finally:
        await database.dispose()


async def report_vendor_with_photo(bot: BotHarness) -> tuple[str, Recorded]:
    """A photo with its caption naming the place and the problem: the card to 刘洋."""
    exchange = await bot.exchange(bot.api.send_photo(RESIDENT, caption=VENDOR))
    card = to(exchange, LIU.id)[-1]
    assert card.method == "sendMessage" and card.text.startswith("新案件 #1：占道经营")
    return photo_of(bot.api, RESIDENT), card


async def test_a_photo_and_a_location_reach_the_liaison_before_the_card(bot: BotHarness) -> None:
    [question] = await bot.replies(bot.api.send_photo(RESIDENT, caption="这里垃圾堆了好几天"))
    assert question.text.startswith("在哪里？")
    photo = photo_of(bot.api, RESIDENT)
    exchange = await bot.exchange(bot.api.send_location(RESIDENT, 30.2209, 120.1815))
    got = to(exchange, HE.id)
    assert [r.method for r in got] == ["sendPhoto", "sendLocation", "sendMessage"]
    shot, place, card = got
    assert shot.params["photo"] == photo  # by file id: nothing uploaded again
    assert shot.files == {}
    assert shot.params["caption"] == "案件 #1：随反映附上的照片"
    assert (place.params["latitude"], place.params["longitude"]) == (30.2209, 120.1815)
    assert card.text.startswith("新案件 #1：暴露垃圾") and card.buttons()  # the card, last


async def test_an_album_of_three_photos_goes_as_one_album(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    caption = "复兴南街有人摆摊卖菜，好几个摊位"
    updates = [
        bot.api.send_photo(RESIDENT, caption=caption, media_group_id="g1"),
        bot.api.send_photo(RESIDENT, media_group_id="g1"),
        bot.api.send_photo(RESIDENT, media_group_id="g1"),
    ]
    ids = [
        str(m["photo"][-1]["file_id"])
        for (chat, _id), m in sorted(bot.api.messages.items())
        if chat == RESIDENT.id and m.get("media_group_id") == "g1"
    ]
    for update in updates:
        await bot.handled(update)
    # Held a moment, for the album's other photos (separate messages) to join the first.
    assert to(bot.api.requests, LIU.id) == []
    await passes(bot, clock, 5)
    got = to(bot.api.requests, LIU.id)
    assert [r.method for r in got] == ["sendMediaGroup", "sendMessage"]
    assert media_ids(got[0]) == ids
    assert got[0].params["media"][0]["caption"] == "案件 #1：随反映附上的照片"
    assert got[1].text.startswith("新案件 #1：占道经营")
    assert len(await rows(db_url, CaseAttachment)) == 3


async def test_reassignment_sends_the_evidence_to_the_new_assignee(bot: BotHarness) -> None:
    photo, card = await report_vendor_with_photo(bot)
    [reasons] = to(await bot.exchange(bot.api.press_button(LIU, card, "退回")), LIU.id)
    exchange = await bot.exchange(bot.api.press_button(LIU, reasons, "不在我们的负责区域"))
    [triage] = to(exchange, CHEN.id)
    [parties] = to(await bot.exchange(bot.api.press_button(CHEN, triage, "分派")), CHEN.id)
    [people] = to(await bot.exchange(bot.api.press_button(CHEN, parties, "南星执法中队")), CHEN.id)
    got = to(await bot.exchange(bot.api.press_button(CHEN, people, "孙磊")), SUN.id)
    assert [r.method for r in got] == ["sendPhoto", "sendMessage"]
    assert got[0].params["photo"] == photo
    assert got[1].text.startswith("新案件 #1：占道经营") and got[1].buttons()


async def done_with_a_photo(bot: BotHarness, card: Recorded) -> tuple[str, list[Recorded]]:
    await bot.exchange(bot.api.press_button(LIU, card, "处置完成"))
    exchange = await bot.exchange(bot.api.send_photo(LIU, caption="已劝离"))
    return photo_of(bot.api, LIU), to(exchange, RESIDENT.id)


async def test_the_reporter_gets_the_before_and_after_pair_then_the_question(
    bot: BotHarness,
) -> None:
    before, card = await report_vendor_with_photo(bot)
    after, got = await done_with_a_photo(bot, card)
    assert [r.method for r in got] == ["sendMediaGroup", "sendMessage"]
    pair, question = got
    assert media_ids(pair) == [before, after]
    assert [item.get("caption") for item in pair.params["media"]] == ["整改前", "整改后"]
    assert question.text.endswith("问题解决了吗？") and question.buttons()


async def test_only_a_photo_of_the_fix_goes_alone_before_the_question(bot: BotHarness) -> None:
    exchange = await bot.exchange(bot.api.send_text(RESIDENT, VENDOR))
    card = to(exchange, LIU.id)[-1]
    after, got = await done_with_a_photo(bot, card)
    assert [r.method for r in got] == ["sendPhoto", "sendMessage"]
    assert got[0].params["photo"] == after
    assert got[0].params["caption"] == "案件 #1：整改后的照片"


async def test_case_shows_the_photos_and_the_history_to_those_who_may_see_it(
    bot: BotHarness,
) -> None:
    exchange = await bot.exchange(bot.api.send_photo(RESIDENT, caption=VENDOR))
    before = photo_of(bot.api, RESIDENT)
    ack = to(exchange, RESIDENT.id)[0]
    card = to(exchange, LIU.id)[-1]
    await bot.exchange(bot.api.press_button(RESIDENT, ack, "不向处理人员透露我的身份"))
    after, _got = await done_with_a_photo(bot, card)

    got = to(await bot.exchange(bot.api.send_command(RESIDENT, "/case", "1")), RESIDENT.id)
    assert [r.method for r in got] == ["sendMediaGroup", "sendMessage"]
    assert media_ids(got[0]) == [before, after]
    history = got[1].text.split("处理经过：\n", 1)[1].splitlines()
    assert history == [
        "  11月26日 10:00 · 反映人: 反映",
        "  11月26日 10:00 · 分派",
        "  11月26日 10:00 · 刘洋 (联络员): 报告办结 — 已劝离",
    ]

    # The assignee sees it too; the anonymous reporter is never named to him.
    got = to(await bot.exchange(bot.api.send_command(LIU, "/case", "1")), LIU.id)
    assert [r.method for r in got] == ["sendMediaGroup", "sendMessage"]
    assert "反映人: 反映" in got[1].text and "小王" not in got[1].text

    got = to(await bot.exchange(bot.api.send_command(OUTSIDER, "/case", "1")), OUTSIDER.id)
    assert [(r.method, r.text) for r in got] == [("sendMessage", "无法向您显示案件 #1。")]


async def test_a_long_history_keeps_its_last_steps_and_counts_the_earlier_ones(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    _photo, card = await report_vendor_with_photo(bot)
    clock.advance(timedelta(hours=5))
    await done_with_a_photo(bot, card)
    database = Database(db_url)
    async with database.session() as session:
        case = (await session.exec(select(Case))).one()
        kept = await history(session, case, limit=2)
    await database.dispose()
    assert kept.earlier == 1  # reported; then routed, and done five hours later
    assert [step.action for step in kept.steps] == [CaseAction.ROUTE, CaseAction.FINISH]
    long_note = Step(T0, CaseAction.POSTPONE, "垃圾车坏了，" * 20, False, "刘洋", "liaison")
    text = timeline(I18n("zh_CN"), History([*kept.steps, long_note], 12))
    assert text.splitlines() == [
        "处理经过：",
        "  （更早的 12 步未列出）",
        "  11月26日 10:00 · 分派",
        "  11月26日 15:00 · 刘洋 (联络员): 报告办结 — 已劝离",
        "  11月26日 10:00 · 刘洋 (联络员): 延期 — " + ("垃圾车坏了，" * 7)[:39] + "…",
    ]


async def test_a_failed_photo_loses_not_the_card_and_alarms_nobody(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    bot.api.inject(
        fakegram.ServerError(400, "Bad Request: wrong file identifier"),
        method="sendPhoto",
        chat_id=LIU.id,
    )
    await bot.handled(bot.api.send_photo(RESIDENT, caption=VENDOR))
    await passes(bot, clock, 600)
    [card] = to(bot.api.requests, LIU.id)
    assert card.text.startswith("新案件 #1：占道经营") and card.buttons()
    # The evidence failed, not the dispatch: the coordinators are not asked to reassign.
    assert to(bot.api.requests, CHEN.id) == []
    states = {r.dedupe_key: r.state for r in await rows(db_url, OutboxMessage) if r.dedupe_key}
    assert [state for key, state in states.items() if key.startswith("media:dispatch:")] == [
        OutboxState.FAILED
    ]


async def test_a_photo_that_fails_for_a_while_arrives_once_and_a_replay_tells_nobody_twice(
    bot: BotHarness, db_url: str, clock: ManualClock
) -> None:
    bot.api.inject(fakegram.ServerError(502), method="sendPhoto", chat_id=LIU.id)
    await bot.handled(bot.api.send_photo(RESIDENT, caption=VENDOR))
    await passes(bot, clock, 600)
    got = to(bot.api.requests, LIU.id)
    # The card did not wait for the photo; the photo came once, when Telegram took it.
    assert [r.method for r in got] == ["sendMessage", "sendPhoto"]
    before = len(await rows(db_url, OutboxMessage))

    # The case announced again (a replayed update after a crash): nothing new is queued.
    database = Database(db_url)
    async with database.session() as session:
        case = (await session.exec(select(Case))).one()
        await Messenger(None, session, bot.app.services).announce(case)
        await session.commit()
    await database.dispose()
    await passes(bot, clock, 1)
    assert len(await rows(db_url, OutboxMessage)) == before
    assert len(to(bot.api.requests, LIU.id)) == 2


# Bad input --------------------------------------------------------------------------


async def test_a_picture_sent_as_a_file_is_taken_and_sent_on_as_that_file(
    bot: BotHarness, db_url: str
) -> None:
    exchange = await bot.exchange(
        bot.api.send_document(
            RESIDENT, "IMG_0001.jpg", "image/jpeg", file_size=3_000_000, caption=VENDOR
        )
    )
    assert to(exchange, RESIDENT.id)[0].text.startswith("已受理，案件编号 #1。")
    [attachment] = await rows(db_url, CaseAttachment)
    assert attachment.kind == "document"
    got = to(exchange, LIU.id)
    assert [r.method for r in got] == ["sendDocument", "sendMessage"]
    assert got[0].params["document"] == attachment.file_id


async def test_a_file_that_is_no_picture_and_says_nothing_is_answered_and_not_taken(
    bot: BotHarness, db_url: str
) -> None:
    [reply] = await bot.replies(bot.api.send_document(RESIDENT, "notes.pdf", "application/pdf"))
    assert reply.text.startswith("反映问题时我只能接收照片、视频和语音")
    assert await rows(db_url, ReportDraft) == [] and await rows(db_url, Case) == []


async def test_a_picture_too_large_is_refused_politely(bot: BotHarness, db_url: str) -> None:
    [reply] = await bot.replies(
        bot.api.send_document(
            RESIDENT, "IMG.png", "image/png", file_size=25 * 1024 * 1024, caption=VENDOR
        )
    )
    assert reply.text.startswith("这张图片太大了（超过 20 MB）")
    assert await rows(db_url, ReportDraft) == [] and await rows(db_url, Case) == []


async def test_a_voice_note_alone_is_kept_and_goes_on_with_the_case(
    bot: BotHarness, db_url: str
) -> None:
    [question] = await bot.replies(bot.api.send_voice(RESIDENT))
    assert "请用文字说明是什么问题、在哪里" in question.text
    assert [b["text"] for b in question.buttons()][-1] == "取消这次反映"
    [draft] = await rows(db_url, ReportDraft)
    assert [a["kind"] for a in draft.attachments] == ["voice"]
    assert await rows(db_url, Case) == []
    exchange = await bot.exchange(bot.api.send_text(RESIDENT, VENDOR))
    [voice] = await rows(db_url, CaseAttachment)
    got = to(exchange, LIU.id)
    assert [r.method for r in got] == ["sendVoice", "sendMessage"]
    assert got[0].params["voice"] == voice.file_id


async def test_a_location_far_from_the_street_creates_nothing(bot: BotHarness, db_url: str) -> None:
    await bot.handled(bot.api.send_photo(RESIDENT, caption="这里垃圾堆了好几天"))
    [reply] = await bot.replies(bot.api.send_location(RESIDENT, 31.2304, 121.4737))
    assert reply.text.startswith("这个位置不在我负责的街巷范围内")
    assert await rows(db_url, Case) == []
    [draft] = await rows(db_url, ReportDraft)  # the photo waits for a place in the street
    assert draft.lat is None and [a["kind"] for a in draft.attachments] == ["photo"]


def test_more_than_ten_photos_go_as_albums_of_ten_and_a_lone_photo() -> None:
    calls = photo_calls([(f"photo-{n}", None) for n in range(11)])
    assert [c.method for c in calls] == ["sendMediaGroup", "sendPhoto"]
    assert len(calls[0].payload["media"]) == 10 and calls[1].payload["file_id"] == "photo-10"


async def test_a_venue_goes_on_as_a_venue(bot: BotHarness) -> None:
    await bot.handled(bot.api.send_text(RESIDENT, "这里垃圾堆了好几天"))
    exchange = await bot.exchange(
        bot.api.send_venue(RESIDENT, 30.2209, 120.1815, "海月巷菜场", "海月巷3号")
    )
    got = to(exchange, HE.id) + [r for r in exchange if r.method == "sendVenue"]
    [venue] = [r for r in got if r.method == "sendVenue"]
    assert venue.chat_id == HE.id
    assert (venue.params["title"], venue.params["address"]) == ("海月巷菜场", "海月巷3号")
    assert (venue.params["latitude"], venue.params["longitude"]) == (30.2209, 120.1815)
    assert [r.method for r in to(exchange, HE.id)][-1] == "sendMessage"


async def test_case_albums_that_cannot_go_now_wait_in_the_outbox(
    bot: BotHarness, clock: ManualClock
) -> None:
    _before, card = await report_vendor_with_photo(bot)
    await done_with_a_photo(bot, card)
    bot.api.inject(fakegram.ServerError(502), method="sendMediaGroup", chat_id=RESIDENT.id)
    start = len(bot.api.requests)
    await bot.handled(bot.api.send_command(RESIDENT, "/case", "1"))
    await passes(bot, clock, 600)
    got = to(bot.api.requests[start:], RESIDENT.id)
    # The answer keeps its order behind the album that had to wait.
    assert [r.method for r in got] == ["sendMediaGroup", "sendMessage"]
    assert len(got[0].params["media"]) == 2


def test_the_fake_telegram_keeps_file_ids_typed_and_albums_in_bounds() -> None:
    api = FakeBotApi()
    api.open_chat(RESIDENT)
    api.send_document(RESIDENT, "IMG.jpg", "image/jpeg")
    document = next(m["document"]["file_id"] for m in api.messages.values() if "document" in m)
    with pytest.raises(fakegram.api.ApiError):
        api._upload({"photo": document}, {}, "photo")
    assert api._upload({"document": document}, {}, "document")[0] == document
