"""The fake Bot API itself, driven by python-telegram-bot's real Bot and HTTP stack."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

import fakegram
from fakegram import FakeBotApi, FakeUser, fake_request, serve_loopback

USER = FakeUser(7, "Tester", "en")


@pytest.fixture
async def tg(api: FakeBotApi) -> AsyncIterator[Bot]:
    bot = Bot(
        api.token,
        request=fake_request(api, read_timeout=0.5),
        get_updates_request=fake_request(api),
        base_url="http://fake.invalid/bot",
    )
    async with bot:
        yield bot


async def test_get_me_and_unknown_token(api: FakeBotApi, tg: Bot) -> None:
    assert tg.username == "LaneKeeperBot"
    stranger = Bot("999:WRONG", request=fake_request(api), get_updates_request=fake_request(api))
    with pytest.raises(InvalidToken, match="rejected"):
        await stranger.initialize()


async def test_get_updates_offset_semantics(api: FakeBotApi, tg: Bot) -> None:
    first = api.send_text(USER, "one")
    second = api.send_text(USER, "two")
    updates = await tg.get_updates()
    assert [u.update_id for u in updates] == [first, second]
    assert updates[0].message.text == "one"
    assert not api.confirmed(first)
    # Asking again without an offset returns the same, unconfirmed updates.
    assert [u.update_id for u in await tg.get_updates()] == [first, second]
    # A later offset confirms everything below it.
    assert [u.update_id for u in await tg.get_updates(offset=second)] == [second]
    assert api.confirmed(first) and not api.confirmed(second)
    assert await tg.get_updates(offset=second + 1) == ()
    assert api.confirmed(second)


async def test_limit_and_negative_offset(api: FakeBotApi, tg: Bot) -> None:
    ids = [api.send_text(USER, str(n)) for n in range(5)]
    assert [u.update_id for u in await tg.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await tg.get_updates(offset=-1)] == ids[-1:]


async def test_update_builders_make_valid_telegram_objects(api: FakeBotApi, tg: Bot) -> None:
    api.send_command(USER, "/start", "abc")
    api.send_photo(USER, caption="垃圾", media_group_id="album1")
    api.send_location(USER, 30.2275, 120.1755)
    api.send_contact(USER, "+86 138 0000 0000")
    api.send_voice(USER)
    group = fakegram.FakeChat(-100123, "Group")
    api.send_text(USER, "hi all", chat=group)
    updates = await tg.get_updates()
    command, photo, location, contact, voice, in_group = (u.message for u in updates)
    assert command.text == "/start abc"
    assert command.parse_entities(["bot_command"])
    assert photo.caption == "垃圾" and photo.media_group_id == "album1" and len(photo.photo) == 3
    assert location.location.latitude == pytest.approx(30.2275)
    assert contact.contact.user_id == USER.id
    assert voice.voice.duration.total_seconds() == 3
    assert in_group.chat.type == "supergroup" and in_group.from_user.id == USER.id
    file = await tg.get_file(photo.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()).startswith(b"\xff\xd8")


async def test_records_requests_and_answers_with_messages(api: FakeBotApi, tg: Bot) -> None:
    api.send_text(USER, "hello")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("好", callback_data="ok:1")]])
    sent = await tg.send_message(USER.id, "你好 123", reply_markup=markup)
    assert sent.text == "你好 123" and sent.chat.id == USER.id
    record = api.last("sendMessage", USER.id)
    assert record.params["text"] == "你好 123"  # free text is never JSON-decoded
    assert record.buttons() == [{"text": "好", "callback_data": "ok:1"}]
    edited = await tg.edit_message_text("改了", chat_id=USER.id, message_id=sent.message_id)
    assert isinstance(edited, object) and api.last("editMessageText").text == "改了"
    pressed = api.press_button(USER, record, "好")
    [update] = [u for u in await tg.get_updates() if u.update_id == pressed]
    assert update.callback_query.data == "ok:1"
    assert update.callback_query.message.message_id == sent.message_id


async def test_uploads_are_recorded(api: FakeBotApi, tg: Bot) -> None:
    api.send_text(USER, "hello")
    await tg.send_document(USER.id, document=b"a,b\n1,2\n", filename="x.csv", caption="表")
    record = api.last("sendDocument")
    assert record.files and next(iter(record.files.values())) == b"a,b\n1,2\n"
    assert record.params["caption"] == "表"


async def test_telegram_errors(api: FakeBotApi, tg: Bot) -> None:
    with pytest.raises(BadRequest, match=r"[Cc]hat not found"):
        await tg.send_message(424242, "nobody")
    api.send_text(USER, "hello")
    with pytest.raises(BadRequest, match="too long"):
        await tg.send_message(USER.id, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="y" * 65)]])
        await tg.send_message(USER.id, "x", reply_markup=markup)
    api.block(USER.id)
    with pytest.raises(Forbidden, match="blocked"):
        await tg.send_message(USER.id, "still there?")


async def test_fault_injection(api: FakeBotApi, tg: Bot) -> None:
    api.send_text(USER, "hello")
    api.inject(fakegram.RetryAfter(7), method="sendMessage")
    with pytest.raises(RetryAfter, match="Flood control exceeded") as caught:
        await tg.send_message(USER.id, "a")
    assert caught.value.retry_after.total_seconds() == 7
    api.inject(fakegram.ServerError(502))
    with pytest.raises(NetworkError):
        await tg.send_message(USER.id, "b")
    api.inject(fakegram.Drop())
    with pytest.raises(NetworkError):
        await tg.send_message(USER.id, "c")
    api.inject(fakegram.Slow(5), method="sendMessage")
    with pytest.raises(TimedOut):
        await tg.send_message(USER.id, "d")
    api.clear_faults()
    await tg.send_message(USER.id, "e")
    assert [r.text for r in api.sent("sendMessage")] == ["e"]


async def test_faults_can_last_until_cleared(api: FakeBotApi, tg: Bot) -> None:
    api.send_text(USER, "hello")
    api.inject(fakegram.ServerError(500), method="sendMessage", times=None)
    for _ in range(3):
        with pytest.raises(NetworkError):
            await tg.send_message(USER.id, "x")
    api.clear_faults()
    assert (await tg.send_message(USER.id, "ok")).text == "ok"


async def test_long_polling_wakes_when_an_update_arrives(api: FakeBotApi, tg: Bot) -> None:
    import asyncio

    waiting = asyncio.create_task(tg.get_updates(timeout=5, read_timeout=10))
    await asyncio.sleep(0)  # let the request reach the fake and start waiting
    update_id = api.send_text(USER, "late")
    updates = await asyncio.wait_for(waiting, timeout=5)
    assert [u.update_id for u in updates] == [update_id]


async def test_over_loopback(api: FakeBotApi) -> None:
    server = serve_loopback(api)
    try:
        bot = Bot(
            api.token,
            base_url=server.base_url,
            base_file_url=server.base_file_url,
            request=HTTPXRequest(read_timeout=1),
        )
        async with bot:
            assert bot.username == "LaneKeeperBot"
            api.send_photo(USER, caption="x")
            [update] = await bot.get_updates()
            await bot.send_message(USER.id, "你好 over TCP")
            file = await bot.get_file(update.message.photo[0].file_id)
            assert (await file.download_as_bytearray()).startswith(b"\xff\xd8")
            api.inject(fakegram.Drop())
            with pytest.raises(NetworkError):
                await bot.send_message(USER.id, "dropped")
            await bot.send_document(USER.id, document=b"hello", filename="a.txt")
        assert api.last("sendMessage").text == "你好 over TCP"
        assert next(iter(api.last("sendDocument").files.values())) == b"hello"
    finally:
        await server.close()
