"""Application assembly: the PTB Application built from the configuration."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm.exc import StaleDataError
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.concurrency import PerChatUpdateProcessor
from bot.config import Config
from bot.context import LaneKeeperContext, UpdateScope, current_scope
from bot.polling import InboxPoller, replay
from bot.ratelimit import AnswersFirstRateLimiter
from bot.sender import Sender
from bot.services import Services
from bot.webhook import WebhookServer
from models import inbox
from models.clock import Clock, SystemClock
from models.db import Database

log = logging.getLogger(__name__)
UpdateListener = Callable[[object], Awaitable[None]]
# Tries for an update that loses a race for a case to another update or process (the case's
# version changed under it): each try starts from a fresh session, so the last one wins or
# the person is told.
CONFLICT_ATTEMPTS = 3


class LaneKeeperApplication(Application):  # type: ignore[type-arg]
    """PTB's Application with one database session per update and services built at start."""

    def __init__(
        self, *, config: Config, clock: Clock, run_timers: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.clock = clock
        # Tests drive time themselves (scheduler.deadlines.run_once) instead of the job.
        self.run_timers = run_timers
        self._services: Services | None = None
        self.update_listeners: list[UpdateListener] = []
        self.receiver: object | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are built in post_init; the application has not started")
        return self._services

    async def process_update(self, update: object) -> None:
        services = self.services
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            async with services.db.session() as session:
                scope = UpdateScope(
                    session, services.i18n(), attempts_left=CONFLICT_ATTEMPTS - attempt
                )
                token = current_scope.set(scope)
                try:
                    await super().process_update(update)
                finally:
                    current_scope.reset(token)
                if scope.conflict and scope.attempts_left:
                    continue  # lost a race for a case: all undone, handled again afresh
                # One last commit: the messages the handlers queued, the inbox row marked done.
                try:
                    if isinstance(update, Update):
                        await inbox.finish(
                            session, update.update_id, services.clock.now(), error=scope.error
                        )
                    else:
                        await session.commit()
                except StaleDataError:
                    # A change the handler left unflushed lost its race only here, after its
                    # answers went out: better handled again (and said twice) than lost.
                    if not scope.attempts_left:
                        raise
                    log.info("a case changed under an update at its commit; trying it again")
                    continue
                break
        services.poke_sender()
        for listener in self.update_listeners:
            await listener(update)


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    from handlers.menu import publish_commands

    assert isinstance(application, LaneKeeperApplication)
    config = application.config
    application._services = Services(
        config=config, db=Database(config.database.url), clock=application.clock
    )
    await publish_commands(application.bot, config.app.default_locale)
    if application.run_timers:
        from scheduler import quarterly
        from scheduler.deadlines import schedule
        from scheduler.meetings import schedule_jobs

        schedule(application)
        schedule_jobs(application)
        quarterly.schedule(application)


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    assert isinstance(application, LaneKeeperApplication)
    if application._services is not None:
        await application._services.leadership.release()
        await application._services.db.dispose()
        application._services = None


def build_application(
    config: Config,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    clock: Clock | None = None,
    run_timers: bool = True,
) -> LaneKeeperApplication:
    """The bot, ready to run: handlers registered, services built when it starts."""
    from handlers import register

    if not config.token:
        raise ValueError("no bot token")
    builder = (
        ApplicationBuilder()
        .application_class(
            LaneKeeperApplication,
            kwargs={"config": config, "clock": clock or SystemClock(), "run_timers": run_timers},
        )
        .token(config.token)
        .base_url(config.telegram.base_url)
        .base_file_url(config.telegram.base_file_url)
        .context_types(ContextTypes(context=LaneKeeperContext))
        .defaults(Defaults(tzinfo=ZoneInfo(config.app.timezone)))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        # The inbox poller (bot/polling.py) replaces PTB's Updater, which confirms updates
        # to Telegram before they are handled.
        .updater(None)
        .concurrent_updates(PerChatUpdateProcessor(config.telegram.concurrent_updates))
    )
    if config.telegram.rate_limiter:
        # PTB types the limiter by its per-call argument; AIORateLimiter's is a dict.
        limiter = AnswersFirstRateLimiter(config.telegram.max_messages_per_second, max_retries=3)
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    application = builder.build()
    assert isinstance(application, LaneKeeperApplication)
    register(application)
    return application


@asynccontextmanager
async def running(
    application: LaneKeeperApplication,
    poll_timeout: float = 10.0,
) -> AsyncIterator[None]:
    """The bot running inside an existing event loop: post_init, the poller, a clean stop."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    config = application.config
    receiver: InboxPoller | WebhookServer
    if config.telegram.mode == "webhook":
        receiver = WebhookServer(
            application,
            config.telegram.webhook_url,
            config.telegram.webhook_listen,
            config.telegram.webhook_port,
            config.webhook_secret,
        )
    else:
        receiver = InboxPoller(application, timeout=int(poll_timeout))
    sender = Sender(application, config.telegram.chat_interval_s, config.telegram.group_interval_s)
    application.services.sender = sender
    await sender.start()
    await replay(application)
    await receiver.start()
    application.receiver = receiver
    try:
        yield
    finally:
        await receiver.stop()
        await sender.stop()
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


async def serve(application: LaneKeeperApplication) -> None:
    """Run until SIGTERM or SIGINT, then stop cleanly: handled updates stay handled,
    unfinished ones wait in the inbox for the next start."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with running(application):
        await stop.wait()
