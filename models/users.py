"""Telegram users the bot has seen, with the choices they made (language, community)."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import ts_column, utcnow


class TelegramUser(SQLModel, table=True):
    """Anyone who wrote to the bot. Residents need nothing more than this row."""

    __tablename__ = "tg_user"

    telegram_id: int = Field(
        sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False)
    )
    first_name: str = Field(default="", sa_type=sa.String(200))
    last_name: str | None = Field(default=None, sa_type=sa.String(200))
    username: str | None = Field(default=None, sa_type=sa.String(64))
    language_code: str | None = Field(default=None, sa_type=sa.String(16))
    locale: str | None = Field(default=None, sa_type=sa.String(16))
    community_id: int | None = Field(default=None, foreign_key="community.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    blocked_at: datetime | None = Field(default=None, sa_column=ts_column())
    # Shared with the contact button; given to a case's handler only where the reporter
    # allowed it for that case (Case.contact_allowed).
    phone: str | None = Field(default=None, sa_type=sa.String(32))
    # The command menu last set for this person's chat (handlers/menu.keep_menu); None: the
    # default one.
    menu: str | None = Field(default=None, sa_type=sa.String(48))


async def sync_user(
    session: AsyncSession,
    telegram_id: int,
    *,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language_code: str | None,
) -> TelegramUser:
    """The user's row, created on first contact and kept in step with Telegram's profile.

    Writes only when something changed, since this runs for every update.
    """
    user = await session.get(TelegramUser, telegram_id)
    if user is None:
        user = TelegramUser(
            telegram_id=telegram_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        session.add(user)
        await session.commit()
        return user
    profile = {
        "first_name": first_name,
        "last_name": last_name,
        "username": username,
        "language_code": language_code,
    }
    changed = {k: v for k, v in profile.items() if getattr(user, k) != v}
    if changed or user.blocked_at is not None:
        for key, value in changed.items():
            setattr(user, key, value)
        user.blocked_at = None  # they wrote to us, so they no longer block the bot
        session.add(user)
        await session.commit()
    return user


async def set_locale(session: AsyncSession, telegram_id: int, locale: str) -> TelegramUser | None:
    user = await session.get(TelegramUser, telegram_id)
    if user is None:
        return None
    user.locale = locale
    session.add(user)
    await session.commit()
    return user
