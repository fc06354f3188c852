"""Telegram users: recorded on first contact, kept in step, written only on change."""

from __future__ import annotations

import logging
import sys

from sqlalchemy import event

from bot.logs import RedactToken
from models.db import Database
from models.users import TelegramUser, set_locale, sync_user


async def test_sync_user_creates_then_writes_only_on_change(db: Database) -> None:
    profile = {
        "first_name": "小王",
        "last_name": None,
        "username": "xw",
        "language_code": "zh-hans",
    }
    async with db.session() as session:
        await sync_user(session, 5, **profile)
    statements: list[str] = []
    event.listen(
        db.engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2])
    )
    async with db.session() as session:
        user = await sync_user(session, 5, **profile)
    assert user.first_name == "小王"
    assert not [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    async with db.session() as session:
        await sync_user(session, 5, **{**profile, "username": "xiaowang"})
    async with db.session() as session:
        stored = await session.get(TelegramUser, 5)
        assert stored is not None and stored.username == "xiaowang"


async def test_set_locale(db: Database) -> None:
    async with db.session() as session:
        assert await set_locale(session, 6, "en") is None  # unknown user: nothing to change
        await sync_user(
            session, 6, first_name="A", last_name=None, username=None, language_code="en"
        )
        await set_locale(session, 6, "zh_CN")
    async with db.session() as session:
        stored = await session.get(TelegramUser, 6)
        assert stored is not None and stored.locale == "zh_CN"


async def test_large_telegram_ids_fit(db: Database) -> None:
    big = 8_000_000_000  # ids above 2**32 exist; they need 64 bits
    async with db.session() as session:
        await sync_user(
            session, big, first_name="B", last_name=None, username=None, language_code=None
        )
    async with db.session() as session:
        assert (await session.get(TelegramUser, big)) is not None


def test_the_token_never_reaches_a_log_line() -> None:
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "POST %s",
        ("https://api.telegram.org/bot1:SECRET/getMe",),
        None,
    )
    assert RedactToken("1:SECRET").filter(record)
    assert record.getMessage() == "POST https://api.telegram.org/bot<token>/getMe"


def test_the_token_never_reaches_a_logged_traceback() -> None:
    from telegram.error import InvalidToken

    try:
        raise InvalidToken("The token `1:SECRET-PART` was rejected by the server.")
    except InvalidToken:
        record = logging.LogRecord(
            "telegram.ext.Application", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    assert RedactToken("1:SECRET-PART").filter(record)
    text = logging.Formatter().format(record)
    assert "InvalidToken: The token `<token>` was rejected" in text
    assert "SECRET-PART" not in text
