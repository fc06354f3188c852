"""What handlers and jobs share: built once when the application starts."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Config
from bot.i18n import I18n
from models.clock import Clock
from models.db import Database


@dataclass
class Services:
    config: Config
    db: Database
    clock: Clock

    def i18n(self, locale: str | None = None, timezone: str | None = None) -> I18n:
        return I18n(locale or self.config.app.default_locale, timezone or self.config.app.timezone)

    def is_admin(self, telegram_id: int | None) -> bool:
        return telegram_id is not None and telegram_id in self.config.app.admins
