"""Configuration: one TOML file, validated before anything starts."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from locales.i18n import SUPPORTED_LOCALES
from models.org import MAX_TELEGRAM_ID
from models.quiet import QuietHours, parse_hhmm

TOKEN_ENV = "LANEKEEPER_TOKEN"
SECRET_ENV = "LANEKEEPER_WEBHOOK_SECRET"


class ConfigError(Exception):
    """A configuration problem, worded as the one line the operator will read."""


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}; expected an IANA name such as 'Asia/Shanghai'"
        ) from None
    return value


def _locale(value: str) -> str:
    if value not in SUPPORTED_LOCALES:
        raise ValueError(f"expected one of {', '.join(SUPPORTED_LOCALES)}, got {value!r}")
    return value


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"expected an http(s) URL, got {value!r}")
    return value


def _database_url(value: str) -> str:
    try:
        backend = make_url(value).get_backend_name()
    except ArgumentError:
        raise ValueError(
            f"expected a URL such as 'sqlite:///lanekeeper.db' or "
            f"'postgresql://user@host/db', got {value!r}"
        ) from None
    if backend not in ("sqlite", "postgresql", "postgres"):
        raise ValueError(f"expected a sqlite or postgresql URL, got {backend!r}")
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TelegramConfig(_Section):
    token: SecretStr = SecretStr("")
    base_url: Annotated[str, AfterValidator(_http_url)] = "https://api.telegram.org/bot"
    base_file_url: Annotated[str, AfterValidator(_http_url)] = "https://api.telegram.org/file/bot"
    bot_username: str = ""
    rate_limiter: bool = True
    max_messages_per_second: float = Field(default=25.0, gt=0)
    chat_interval_s: float = Field(default=1.0, ge=0)
    group_interval_s: float = Field(default=3.0, ge=0)
    concurrent_updates: int = Field(default=8, ge=1, le=64)
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=0, le=65535)  # 0: any free port
    webhook_secret: SecretStr = SecretStr("")

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if secret and not (len(secret) <= 256 and all(c.isalnum() or c in "_-" for c in secret)):
            raise ValueError("1-256 characters: letters, digits, '_' and '-'")
        return value

    @field_validator("bot_username")
    @classmethod
    def _username(cls, value: str) -> str:
        value = value.removeprefix("@")
        if value and not (5 <= len(value) <= 32 and value.replace("_", "").isalnum()):
            raise ValueError(
                f"expected a Telegram bot username such as 'LaneKeeperBot', got {value!r}"
            )
        return value


class DatabaseConfig(_Section):
    url: Annotated[str, AfterValidator(_database_url)] = "sqlite:///lanekeeper.db"
    auto_upgrade: bool = True


class AppConfig(_Section):
    timezone: Annotated[str, AfterValidator(_timezone)] = "Asia/Shanghai"
    default_locale: Annotated[str, AfterValidator(_locale)] = "zh_CN"
    admins: list[int] = Field(default_factory=list)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("admins")
    @classmethod
    def _positive_ids(cls, value: list[int]) -> list[int]:
        for user_id in value:
            if not 0 < user_id <= MAX_TELEGRAM_ID:
                raise ValueError(f"Telegram user ids are positive 64-bit numbers, got {user_id}")
        return value


def _categories_file(value: str) -> str:
    """Read now, so that a bad table stops start-up and `doctor` rather than the first report."""
    if value:
        from models.classify import CategoryError, load_categories  # pinyin tables: slow import

        try:
            load_categories(value)
        except CategoryError as exc:
            raise ValueError(str(exc)) from None
    return value


def _hhmm(value: str) -> str:
    parse_hhmm(value)
    return value


class IntakeConfig(_Section):
    radius_m: float = Field(default=150.0, gt=0, le=5000)
    reports_per_hour: int = Field(default=10, ge=1)
    categories_file: Annotated[str, AfterValidator(_categories_file)] = ""
    # "learned": the trained reader (models/learned.py), the keywords as its features and
    # its explanation; "keywords": the keyword table alone.
    reader: Literal["learned", "keywords"] = "learned"
    # The weekly retraining from the streets' corrections (the street's time; 0 = Monday).
    retrain_weekday: int = Field(default=6, ge=0, le=6)
    retrain_time: Annotated[str, AfterValidator(_hhmm)] = "03:00"


class DispatchConfig(_Section):
    post_to_group: bool = True
    verify_hours: float = Field(default=72.0, gt=0)
    # Days after closure during which the reporter or street chief may say it is back.
    reopen_days: int = Field(default=30, ge=0)


class QuietHoursConfig(_Section):
    """Notices that can wait are held in these hours (the street's time), then told in one
    morning digest per person; urgent cases, and answers to what someone just did, never."""

    enabled: bool = True
    start: Annotated[str, AfterValidator(_hhmm)] = "20:00"
    end: Annotated[str, AfterValidator(_hhmm)] = "08:00"

    @model_validator(mode="after")
    def _differ(self) -> QuietHoursConfig:
        if parse_hhmm(self.start) == parse_hhmm(self.end):
            raise ValueError(f"start and end are both {self.start}; they must differ")
        return self

    def hours(self) -> QuietHours | None:
        """The period, or None when quiet hours are off."""
        if not self.enabled:
            return None
        return QuietHours(parse_hhmm(self.start), parse_hhmm(self.end))


class CalendarConfig(_Section):
    holidays: list[date] = Field(default_factory=list)
    workdays: list[date] = Field(default_factory=list)


class AssessmentConfig(_Section):
    closure_weight: float = Field(default=0.3, ge=0)
    on_time_weight: float = Field(default=0.3, ge=0)
    rework_weight: float = Field(default=0.3, ge=0)
    volume_bands: list[tuple[int, float]] = Field(
        default_factory=lambda: [(0, 0.0), (1, 4.0), (10, 7.0), (50, 10.0)]
    )
    grade_a: float = 90.0
    grade_b: float = 75.0
    grade_c: float = 60.0
    grade_d: float = 40.0
    weight_by_length: bool = False
    fund: float = Field(default=100000.0, ge=0)
    reward_threshold: float = 60.0
    deliver_quarterly: bool = True


def _rate(value: str) -> str:
    """A rate as the limits library writes it ("60/minute", "10 per second"), read now."""
    from limits import parse_many

    try:
        if not parse_many(value):
            raise ValueError
    except ValueError:
        raise ValueError(f"expected a rate such as '60/minute', got {value!r}") from None
    return value


def _public_url(value: str) -> str:
    return _http_url(value).rstrip("/") if value else value


class WebConfig(_Section):
    """The bot's own HTTP server: Open311 (docs/open311.md), /health, and in webhook mode the
    webhook, all on one port."""

    enabled: bool = False
    listen: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port
    # The address people and other systems reach it by (behind the reverse proxy).
    public_url: Annotated[str, AfterValidator(_public_url)] = ""
    # Proxies whose X-Forwarded-For is believed (for per-address limits): comma-separated.
    forwarded_allow_ips: str = "127.0.0.1"
    # Reports from the web pages (a signboard's QR code): per address, and per alley.
    reports_per_address: Annotated[str, AfterValidator(_rate)] = "10/hour"
    reports_per_alley: Annotated[str, AfterValidator(_rate)] = "60/hour"


class Open311Config(_Section):
    # Calls a key may make (all of them together), in the limits library's notation.
    key_rate: Annotated[str, AfterValidator(_rate)] = "120/minute"
    # Cases a key may file.
    post_rate: Annotated[str, AfterValidator(_rate)] = "30/minute"
    # Calls without a valid key, per address (a guessed key is answered 403 this often).
    anonymous_rate: Annotated[str, AfterValidator(_rate)] = "30/minute"
    # The street makes photos given as links public: served back as media_url.
    public_media: bool = False
    # Callbacks to private, loopback or link-local addresses (off: no reaching the intranet).
    allow_private_callbacks: bool = False
    # Tries of a callback before it is given up; pauses grow from 30 s to an hour.
    callback_attempts: int = Field(default=12, ge=1, le=100)


class Config(_Section):
    telegram: TelegramConfig = TelegramConfig()
    database: DatabaseConfig = DatabaseConfig()
    app: AppConfig = AppConfig()
    intake: IntakeConfig = IntakeConfig()
    dispatch: DispatchConfig = DispatchConfig()
    calendar: CalendarConfig = CalendarConfig()
    quiet_hours: QuietHoursConfig = QuietHoursConfig()
    assessment: AssessmentConfig = AssessmentConfig()
    web: WebConfig = WebConfig()
    open311: Open311Config = Open311Config()
    _source: str = PrivateAttr("<defaults>")

    @property
    def source(self) -> str:
        """The file the values came from, for error messages."""
        return self._source

    @property
    def token(self) -> str:
        return self.telegram.token.get_secret_value()

    @property
    def webhook_secret(self) -> str:
        return self.telegram.webhook_secret.get_secret_value()

    def with_overrides(self, **sections: dict[str, Any]) -> Config:
        """A copy with some keys replaced, validated like the file (used by demo and tests)."""
        data = self.model_dump(mode="python")
        data["telegram"]["token"] = self.token
        for section, values in sections.items():
            data.setdefault(section, {}).update(values)
        return _validate(data, self.source)


def _plain(part: object) -> str:
    """A key as it can stand in one line: odd keys (newlines, controls) are quoted."""
    text = str(part)
    return text if text.isprintable() and text.strip() == text and text else repr(text)


def _location(loc: tuple[int | str, ...]) -> str:
    parts = [_plain(p) for p in loc]
    if len(parts) >= 2:
        rest = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in parts[2:])
        return f"[{parts[0]}] {parts[1]}{rest}"
    return f"[{parts[0]}]" if parts else "(top level)"


def _validate(data: dict[str, Any], source: str) -> Config:
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = " ".join(str(error["msg"]).removeprefix("Value error, ").split())
        if error["type"] == "extra_forbidden":
            message = "unknown key (misspelt?)"
        elif error["type"] == "missing":
            message = "required key is missing"
        raise ConfigError(f"{source}: {_location(error['loc'])}: {message}") from None
    config._source = source
    return config


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate the file, or take the defaults; the token may come from the env."""
    env = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    source = "<defaults>"
    if path is not None:
        source = str(path)
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"{source}: no such file") from None
        except IsADirectoryError:
            raise ConfigError(f"{source}: is a directory, not a file") from None
        except OSError as exc:
            raise ConfigError(f"{source}: cannot read it: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{source}: not UTF-8 text (byte {exc.start}); save it as UTF-8"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    for variable, key in ((TOKEN_ENV, "token"), (SECRET_ENV, "webhook_secret")):
        if env.get(variable):
            data.setdefault("telegram", {})
            if isinstance(data["telegram"], dict):
                data["telegram"][key] = env[variable]
    return _validate(data, source)
