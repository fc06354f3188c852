"""/start, /help, /language and the fallbacks, over the fake Bot API."""

from __future__ import annotations

from fakegram import FakeChat, FakeUser
from tests.harness import BotHarness, bot_running

ZH_USER = FakeUser(900001, "小王", "zh-hans")
EN_USER = FakeUser(900002, "Alice", "en")


async def test_start_in_chinese_for_zh_hans(bot: BotHarness) -> None:
    [reply] = await bot.replies(bot.api.send_command(ZH_USER, "/start"))
    assert reply.chat_id == ZH_USER.id
    assert "小王，您好！我是巷管家" in reply.text
    assert [b["text"] for b in reply.buttons()] == ["中文", "English"]


async def test_start_in_english_for_en(bot: BotHarness) -> None:
    [reply] = await bot.replies(bot.api.send_command(EN_USER, "/start"))
    assert reply.text.startswith("Hello Alice! I am LaneKeeper")
    assert "case number" in reply.text


async def test_unknown_telegram_language_gets_english(bot: BotHarness) -> None:
    user = FakeUser(900003, "Hans", "de")
    [reply] = await bot.replies(bot.api.send_command(user, "/start"))
    assert reply.text.startswith("Hello Hans!")


async def test_no_language_code_gets_the_default_locale(bot: BotHarness) -> None:
    user = FakeUser(900004, "匿名", None)
    [reply] = await bot.replies(bot.api.send_command(user, "/start"))
    assert "您好" in reply.text


async def test_help_lists_commands_in_the_users_language(bot: BotHarness) -> None:
    [zh] = await bot.replies(bot.api.send_command(ZH_USER, "/help"))
    [en] = await bot.replies(bot.api.send_command(EN_USER, "/help"))
    assert "/language — 选择语言" in zh.text
    assert zh.params["parse_mode"] == "HTML"
    assert "/language — Choose your language" in en.text


async def test_language_button_switches_and_survives_restart(db_url: str) -> None:
    async with bot_running(db_url) as bot:
        [menu] = await bot.replies(bot.api.send_command(ZH_USER, "/language"))
        assert menu.text == "请选择语言："
        exchange = await bot.exchange(bot.api.press_button(ZH_USER, menu, "English"))
        methods = [r.method for r in exchange]
        assert methods == ["answerCallbackQuery", "editMessageText"]
        assert exchange[1].text == "From now on I will speak English with you."
        [help_en] = await bot.replies(bot.api.send_command(ZH_USER, "/help"))
        assert "Choose your language" in help_en.text

    async with bot_running(db_url) as bot:
        [reply] = await bot.replies(bot.api.send_command(ZH_USER, "/start"))
        assert reply.text.startswith("Hello 小王!")
        assert reply.buttons() == []  # a stored choice is not asked again


async def test_language_command_with_argument(bot: BotHarness) -> None:
    [reply] = await bot.replies(bot.api.send_command(EN_USER, "/language", "中文"))
    assert reply.text == "好的，以后我用中文和您交流。"
    [reply] = await bot.replies(bot.api.send_command(EN_USER, "/language", "klingon"))
    assert reply.text == "我不认识这种语言。请从下面选择："
    assert len(reply.buttons()) == 2


async def test_forged_language_button_is_refused_and_changes_nothing(bot: BotHarness) -> None:
    [menu] = await bot.replies(bot.api.send_command(ZH_USER, "/language"))
    exchange = await bot.exchange(bot.api.press(ZH_USER, menu, "lang:xx_EVIL"))
    assert [r.method for r in exchange] == ["answerCallbackQuery"]
    assert exchange[0].params["text"] == "这个按钮已失效。"
    assert exchange[0].params["show_alert"] is True
    [reply] = await bot.replies(bot.api.send_command(ZH_USER, "/start"))
    assert "您好" in reply.text


async def test_unknown_button_data_is_answered_politely(bot: BotHarness) -> None:
    [menu] = await bot.replies(bot.api.send_command(EN_USER, "/language"))
    exchange = await bot.exchange(bot.api.press(EN_USER, menu, "x" * 64))
    assert [r.method for r in exchange] == ["answerCallbackQuery"]
    assert exchange[0].params["text"] == "This button is no longer valid."


async def test_unknown_command_and_plain_text(bot: BotHarness) -> None:
    [reply] = await bot.replies(bot.api.send_command(EN_USER, "/frobnicate"))
    assert reply.text == "I don't know the command /frobnicate. /help lists what I can do."
    [reply] = await bot.replies(bot.api.send_text(ZH_USER, "门口有垃圾"))
    assert reply.text.startswith("在哪里？")  # a report: the bot asks for what is missing
    [reply] = await bot.replies(bot.api.send_sticker(EN_USER))
    assert reply.text.startswith("To report a problem, describe it in words")


async def test_group_chatter_is_ignored_but_addressed_commands_answered(bot: BotHarness) -> None:
    group = FakeChat(-1001000000100, "南星街道联动群")
    assert await bot.replies(bot.api.send_text(ZH_USER, "大家好", chat=group)) == []
    assert await bot.replies(bot.api.send_command(ZH_USER, "/help@OtherBot", chat=group)) == []
    assert await bot.replies(bot.api.send_command(ZH_USER, "/unknown", chat=group)) == []
    [reply] = await bot.replies(bot.api.send_command(ZH_USER, "/help@LaneKeeperBot", chat=group))
    assert reply.chat_id == group.id


async def test_command_menu_is_published_per_language(bot: BotHarness) -> None:
    zh = bot.api.commands["zh"]
    en = bot.api.commands["en"]
    # By default, what a resident may use: members get their own menu (tests/test_menu.py).
    assert [c["command"] for c in zh] == ["start", "help", "my", "case", "language"]
    assert zh[-1]["description"] == "选择语言"
    assert en[-1]["description"] == "Choose your language"
    assert bot.api.commands[""] == zh  # default_locale is zh_CN


async def test_updates_are_confirmed_to_telegram(bot: BotHarness) -> None:
    first = bot.api.send_command(EN_USER, "/help")
    await bot.handled(first)
    second = bot.api.send_command(EN_USER, "/help")
    await bot.handled(second)
    assert bot.api.confirmed(first)


async def test_a_failing_handler_apologises(db_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import handlers.start

    async def broken(*_args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(handlers.start, "help_command", broken)
    async with bot_running(db_url) as bot:
        [reply] = await bot.replies(bot.api.send_command(EN_USER, "/help"))
        assert (
            reply.text == "Sorry, something went wrong on our side. Please try again in a moment."
        )
