"""Application assembly: the PTB Application built from the configuration."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm.exc import StaleDataError
from starlette.routing import BaseRoute
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest, HTTPXRequest

from bot.botapi import LaneKeeperBot
from bot.concurrency import PerChatUpdateProcessor
from bot.polling import InboxPoller, replay
from bot.ratelimit import AnswersFirstRateLimiter
from bot.retrier import InboxRetrier
from bot.sender import Sender
from bot.supervisor import Supervisor
from bot.web_server import WebServer
from bot.webhook import health_route, register_webhook, webhook_route
from handlers.context import LaneKeeperContext, UpdateScope, current_scope
from models import inbox
from models.clock import Clock, SystemClock
from models.db import Database, describe, is_transient
from services.config import Config
from services.registry import Services

log = logging.getLogger(__name__)
UpdateListener = Callable[[object], Awaitable[None]]
# Tries for an update that loses a race for a case to another update or process (the case's
# version changed under it): each try starts from a fresh session, so the last one wins or
# the person is told.
CONFLICT_ATTEMPTS = 3
# Tries for an update while the database is away, locked or busy, a growing pause apart;
# past them the update waits in the inbox and is tried again later (bot/retrier.py).
UPDATE_ATTEMPTS = 4
TRANSIENT_BACKOFF_S = 0.5
# How long a case filed through the API waits for people's updates to be handled first.
YIELD_LIMIT_S = 2.0


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
        # Updates queued or being handled in this process: the retrier leaves them alone.
        self.in_flight: set[int | None] = set()
        self._quiet = asyncio.Event()  # set when the last update in flight is done
        # How updates come in: the InboxPoller, or in webhook mode the WebServer (its .port).
        self.receiver: object | None = None
        # The bot's HTTP server (bot/web_server.py), None when there is none.
        self.web_server: WebServer | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are built in post_init; the application has not started")
        return self._services

    async def updates_quiet(self, limit_s: float) -> None:
        """Until no update is queued or being handled here, or `limit_s` has passed: work
        that can wait (cases other systems file) lets people's updates go first."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(limit_s):
                while True:
                    self._quiet.clear()
                    if not self.in_flight:
                        return
                    await self._quiet.wait()

    async def process_update(self, update: object) -> None:
        """Handle one update in sessions of its own, until it is done, failed for good, or
        put off: a database that is away, locked or busy gets a few quick tries here, then the
        update waits in the inbox (state retry) for the inbox retrier to bring it back."""
        try:
            await self._handle(update)
        finally:
            self.in_flight.discard(getattr(update, "update_id", None))
            if not self.in_flight:
                self._quiet.set()
        self.services.poke_sender()
        for listener in self.update_listeners:
            await listener(update)

    async def _handle(self, update: object) -> None:
        conflicts = transients = 0
        while True:
            try:
                outcome, error = await self._handle_once(update, CONFLICT_ATTEMPTS - 1 - conflicts)
            except Exception as err:  # the session itself broke: opening or committing
                if not is_transient(err):
                    raise
                log.warning("database unavailable while finishing an update: %s", describe(err))
                outcome, error = _AGAIN_LATER, describe(err)
            if outcome is _AGAIN_NOW:
                conflicts += 1
                continue
            if outcome is _AGAIN_LATER:
                transients += 1
                if transients >= UPDATE_ATTEMPTS:
                    await self._put_off(update, error)
                    break
                await asyncio.sleep(TRANSIENT_BACKOFF_S * transients)
                continue
            break

    async def _handle_once(self, update: object, attempts_left: int) -> tuple[object, str | None]:
        services = self.services
        async with services.db.session() as session:
            scope = UpdateScope(session, services.i18n(), attempts_left=attempts_left)
            token = current_scope.set(scope)
            try:
                await super().process_update(update)
            finally:
                current_scope.reset(token)
            if scope.conflict:
                return _AGAIN_NOW, None  # lost a race for a case: all undone, handled afresh
            if scope.transient:
                return _AGAIN_LATER, scope.error
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
                return _AGAIN_NOW, None
            return _DONE, None

    async def _put_off(self, update: object, error: str | None) -> None:
        if not isinstance(update, Update):
            return
        try:
            async with self.services.db.session() as session:
                await inbox.put_off(session, update.update_id, error, self.services.clock.now())
        except Exception as err:  # still away: the row stays received, the retrier finds it
            log.warning("could not put update %s off (%s)", update.update_id, describe(err))


_DONE, _AGAIN_NOW, _AGAIN_LATER = object(), object(), object()


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    from handlers.menu import publish_commands
    from scheduler.meetings import reschedule, schedule_jobs

    assert isinstance(application, LaneKeeperApplication)
    config = application.config
    application._services = Services(
        config=config, db=Database(config.database.url), clock=application.clock
    )
    await application._services.load_readers()
    await publish_commands(application.bot, config.app.default_locale)
    # Handlers may not reach the scheduler: they tell the services, and this wires it.
    application._services.on_meetings_changed = lambda: reschedule(application)
    if application.run_timers:
        from scheduler import quarterly, retraining
        from scheduler.deadlines import schedule

        schedule(application)
        schedule_jobs(application)
        quarterly.schedule(application)
        retraining.schedule(application)


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
    clock = clock or SystemClock()
    limiter = None
    if config.telegram.rate_limiter:
        limiter = AnswersFirstRateLimiter(config.telegram.max_messages_per_second, max_retries=3)
    # The same requests ApplicationBuilder would make: a pool for calls, one for getUpdates.
    bot = LaneKeeperBot(
        token=config.token,
        base_url=config.telegram.base_url,
        base_file_url=config.telegram.base_file_url,
        defaults=Defaults(tzinfo=ZoneInfo(config.app.timezone)),
        request=request or HTTPXRequest(connection_pool_size=256),
        get_updates_request=get_updates_request or HTTPXRequest(connection_pool_size=1),
        rate_limiter=limiter,
        clock=clock,
    )
    builder = (
        ApplicationBuilder()
        .application_class(
            LaneKeeperApplication,
            kwargs={"config": config, "clock": clock, "run_timers": run_timers},
        )
        .bot(bot)
        .context_types(ContextTypes(context=LaneKeeperContext))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        # The inbox poller (bot/polling.py) replaces PTB's Updater, which confirms updates
        # to Telegram before they are handled.
        .updater(None)
        .concurrent_updates(PerChatUpdateProcessor(config.telegram.concurrent_updates))
    )
    application = builder.build()
    assert isinstance(application, LaneKeeperApplication)
    register(application)
    return application


# What the composition root hands running() for the HTTP server (by default Open311's).
WebRoutes = Callable[[LaneKeeperApplication], list[BaseRoute]]


def _open311_routes(application: LaneKeeperApplication) -> list[BaseRoute]:
    """Open311 and the public pages (a signboard's report page, case and alley pages)."""
    from web import open311, pages

    services, bot = application.services, application.bot
    return [*open311.routes(services, bot), *pages.routes(services, bot)]


def _web_server(
    application: LaneKeeperApplication, web_routes: WebRoutes | None
) -> WebServer | None:
    """The HTTP server this configuration asks for, or None (polling without [web])."""
    config = application.config
    webhook = config.telegram.mode == "webhook"
    if not (config.web.enabled or webhook):
        return None
    groups: dict[str, list[BaseRoute]] = {"health": [health_route(application)]}
    if webhook:
        groups["webhook"] = [
            webhook_route(application, config.telegram.webhook_url, config.webhook_secret)
        ]
    if not config.web.enabled:
        return WebServer(groups, config.telegram.webhook_listen, config.telegram.webhook_port)
    if webhook:
        log.info(
            "webhook mode with [web] enabled: the webhook is served on [web]'s port; "
            "[telegram] webhook_listen and webhook_port are not used"
        )
    groups["open311"] = (web_routes or _open311_routes)(application)
    return WebServer(groups, config.web.listen, config.web.port, config.web.forwarded_allow_ips)


@asynccontextmanager
async def running(
    application: LaneKeeperApplication,
    poll_timeout: float = 10.0,
    web_routes: WebRoutes | None = None,
) -> AsyncIterator[None]:
    """The bot running inside an existing event loop: post_init, the poller or the webhook,
    the HTTP server, a clean stop.

    The HTTP server (bot/web_server.py) runs when [web] is enabled, on web.listen:web.port,
    serving /health, the webhook in webhook mode, and the routes `web_routes(application)`
    returns (called once, after the services are built; e.g. Open311's); and in webhook mode
    without [web], on telegram.webhook_listen:webhook_port with the webhook and /health
    only. It is `application.web_server` (None when there is none)."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    config = application.config
    webhook = config.telegram.mode == "webhook"
    web_server = _web_server(application, web_routes)
    poller = None if webhook else InboxPoller(application, timeout=int(poll_timeout))
    services = application.services
    supervisor = Supervisor(services.db, services.clock)
    services.supervisor = supervisor
    sender = Sender(application, config.telegram.chat_interval_s, config.telegram.group_interval_s)
    services.sender = sender
    retrier = InboxRetrier(application)
    services.retrier = retrier
    await sender.start()
    await replay(application)
    if web_server is not None:
        await web_server.start()
    try:
        if poller is not None:
            await poller.start()
        else:
            await register_webhook(application, config.telegram.webhook_url, config.webhook_secret)
    except BaseException:
        if web_server is not None:
            await web_server.stop()
        raise
    supervisor.start("inbox-retrier", retrier.run)
    services.yield_to_chat = lambda: application.updates_quiet(YIELD_LIMIT_S)
    if config.web.enabled:
        from web.callbacks import CallbackPusher

        pusher = CallbackPusher(services)
        services.callbacks = pusher
        supervisor.start("open311-callbacks", pusher.run)
    application.web_server = web_server
    application.receiver = poller or web_server
    try:
        yield
    finally:
        # Nothing new comes in; what is being received is stored before the rest stops.
        if web_server is not None:
            await web_server.stop()
        if poller is not None:
            await poller.stop()
        await sender.stop()
        await supervisor.stop()
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


async def serve(application: LaneKeeperApplication, web_routes: WebRoutes | None = None) -> None:
    """Run until SIGTERM or SIGINT, then stop cleanly: handled updates stay handled,
    unfinished ones wait in the inbox for the next start."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with running(application, web_routes=web_routes):
        await stop.wait()
