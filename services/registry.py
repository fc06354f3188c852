"""What handlers and jobs share: built once when the application starts."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from locales.i18n import I18n, resolve_locale
from models.classify import Classifier, load_categories
from models.clock import Clock
from models.db import Database
from models.deadlines import WorkCalendar
from models.intake import Intake, IntakeSettings
from models.leader import Leadership
from models.places import PlaceIndex, load_places
from models.reading import Readers
from models.users import TelegramUser
from services.config import Config

log = logging.getLogger(__name__)

# Alleys change when a roster is imported, possibly by another process: the bot's index of
# them is rebuilt from the database after this many seconds.
PLACES_TTL_S = 30.0


@dataclass
class Services:
    config: Config
    db: Database
    clock: Clock
    classifier: Classifier = field(init=False)
    readers: Readers | None = field(default=None, init=False)  # set by load_readers
    leadership: Leadership = field(init=False)
    sender: Any = field(default=None, init=False)  # bot.sender.Sender, once started
    supervisor: Any = field(default=None, init=False)  # bot.supervisor.Supervisor, once started
    retrier: Any = field(default=None, init=False)  # bot.retrier.InboxRetrier, once started
    callbacks: Any = field(default=None, init=False)  # web.callbacks.CallbackPusher, with [web]
    # Set by the composition root: until the updates in hand are handled (or a limit passes).
    yield_to_chat: Callable[[], Awaitable[None]] | None = field(default=None, init=False)
    # Set by the composition root when timers run: rebuild the meeting reminders' jobs.
    on_meetings_changed: Callable[[], Awaitable[None]] | None = field(default=None, init=False)
    _places: tuple[float, PlaceIndex] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.classifier = Classifier(load_categories(self.config.intake.categories_file or None))
        self.leadership = Leadership(self.db.engine)

    def i18n(self, locale: str | None = None, timezone: str | None = None) -> I18n:
        return I18n(locale or self.config.app.default_locale, timezone or self.config.app.timezone)

    async def i18n_for(
        self, session: AsyncSession, telegram_id: int, timezone: str | None = None
    ) -> I18n:
        """How to speak to someone who is not the sender of the update: their stored language."""
        user = await session.get(TelegramUser, telegram_id)
        default = self.config.app.default_locale
        locale = resolve_locale(user.locale, user.language_code, default) if user else default
        return self.i18n(locale, timezone)

    async def meetings_changed(self) -> None:
        """A meeting was added, moved or cancelled: its reminders are planned again."""
        if self.on_meetings_changed is not None:
            await self.on_meetings_changed()

    def poke_sender(self) -> None:
        """Something may have been queued: the sender and the Open311 callbacks look now."""
        if self.sender is not None:
            self.sender.poke()
        if self.callbacks is not None:
            self.callbacks.poke()

    def is_admin(self, telegram_id: int | None) -> bool:
        return telegram_id is not None and telegram_id in self.config.app.admins

    async def places(self, session: AsyncSession) -> PlaceIndex:
        now = time.monotonic()
        if self._places is None or now - self._places[0] > PLACES_TTL_S:
            index = await load_places(session, self.config.intake.radius_m)
            self._places = (now, index)
        return self._places[1]

    def forget_places(self) -> None:
        self._places = None

    async def intake(self, session: AsyncSession) -> Intake:
        settings = IntakeSettings(
            radius_m=self.config.intake.radius_m,
            reports_per_hour=self.config.intake.reports_per_hour,
            calendar=self.calendar,
        )
        return Intake(self.classifier, await self.places(session), settings, self.readers)

    async def load_readers(self) -> None:
        """The learned readers in force (the shipped one trained on a first start); the
        keywords alone when the configuration says so or the models cannot be had."""
        if self.config.intake.reader != "learned":
            return
        readers = Readers(self.classifier)
        try:
            async with self.db.session() as session:
                await readers.load(session, self.clock.now())
        except Exception:  # whatever it was, intake still works on the keywords
            log.warning("the learned intake reader cannot be loaded: keywords only", exc_info=True)
            return
        self.readers = readers

    @property
    def calendar(self) -> WorkCalendar:
        return WorkCalendar.of(self.config.calendar.holidays, self.config.calendar.workdays)

    def street_tz(self, name: str | None) -> ZoneInfo:
        return ZoneInfo(name or self.config.app.timezone)
