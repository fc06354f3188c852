"""The per-update context handlers receive: services, the update's database session, locale."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.ext import CallbackContext, ExtBot

from locales.i18n import I18n
from models.permissions import Actor
from models.users import TelegramUser

if TYPE_CHECKING:
    from services.registry import Services


@dataclass
class UpdateScope:
    """What belongs to the update being processed, shared by its handlers and error handler."""

    session: AsyncSession
    i18n: I18n
    user: TelegramUser | None = None
    actor: Actor | None = None
    error: str | None = None  # what broke the update, recorded on its inbox row
    attempts_left: int = 0  # tries after this one, should it lose a race for a case
    conflict: bool = False  # it did: everything was undone and it may be tried again
    # The database failed in a way a retry can cure: everything undone, to be tried again.
    transient: bool = False
    # Chats whose answer waits in the outbox: later answers to them queue behind it.
    deferred_chats: set[int] = field(default_factory=set)


# PTB builds a fresh context for the error handler, and runs each update in its own task:
# a ContextVar set around process_update reaches every handler of that update, and no other.
current_scope: ContextVar[UpdateScope | None] = ContextVar("current_scope", default=None)


class LaneKeeperContext(
    CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]
):
    @property
    def services(self) -> Services:
        # The application is the composition root's (bot.app), which this layer may not name.
        services: Services = self.application.services  # type: ignore[attr-defined]
        return services

    @property
    def scope(self) -> UpdateScope:
        scope = current_scope.get()
        if scope is None:
            raise RuntimeError("no update scope: this code runs outside an update")
        return scope

    @property
    def session(self) -> AsyncSession:
        return self.scope.session

    @property
    def i18n(self) -> I18n:
        scope = current_scope.get()
        return scope.i18n if scope is not None else self.services.i18n()

    @i18n.setter
    def i18n(self, value: I18n) -> None:
        self.scope.i18n = value

    @property
    def user(self) -> TelegramUser | None:
        return self.scope.user

    @user.setter
    def user(self, value: TelegramUser | None) -> None:
        self.scope.user = value
