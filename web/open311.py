"""Open311 GeoReport v2 over HTTP (docs/open311.md): thin, like the Telegram handlers.

Each call is checked in this order: the format, the key (403) and its rates (429), the
parameters (400), what they name (404), then one database session does the work. A POST
that is refused writes nothing; one that is taken is a case through the same intake,
routing, duplicate check and notifications as a chat report.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from limits import parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Bot

from locales.i18n import I18n
from models import open311 as keys
from models.cases import Case, CaseAttachment, CaseState
from models.db import describe, is_transient
from models.intake import Created
from models.open311 import ApiKey, ServiceRequest
from models.open311_filing import (
    Refusal,
    Submission,
    invalid,
    jurisdiction,
    precheck,
    submit,
)
from models.open311_queries import IDS_MAX, PAGE_MAX, SPAN_MAX, Query, find, shown, visible_streets
from models.org import Party, Street
from notify.messenger import Messenger
from services.registry import Services
from views import open311 as texts
from web.language import locale_of
from web.sessions import in_session

log = logging.getLogger(__name__)
PREFIX = "/open311/v2"
BODY_MAX = 1 << 20
FIELDS_MAX = 64
NUMBER_LIMIT = 2**63  # case numbers are 64-bit integers in the database
# Cases filed at once through the API. The API is for machines and may wait; residents in
# the chat should not: a burst of POSTs queues here, and each filing waits (a little) for the
# updates in hand to be handled first (benchmarks/open311_burst.py: docs/benchmarks.md).
FILING_AT_ONCE = 1
Handler = Callable[[Request, "Call"], Awaitable[Response]]


class Call:
    """One request as the API sees it: its format, language and key."""

    def __init__(self, fmt: str, i18n: I18n, key: ApiKey | None) -> None:
        self.fmt = fmt
        self.i18n = i18n
        self.key = key


class Open311:
    def __init__(self, services: Services, bot: Bot) -> None:
        self.services = services
        self.bot = bot
        config = services.config.open311
        self.key_rate = parse_many(config.key_rate)
        self.post_rate = parse_many(config.post_rate)
        self.anonymous_rate = parse_many(config.anonymous_rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.filing = asyncio.Semaphore(FILING_AT_ONCE)

    def routes(self) -> list[BaseRoute]:
        def route(path: str, handler: Handler, *, key: bool, methods: list[str]) -> Route:
            async def endpoint(request: Request) -> Response:
                return await self.call(request, handler, key)

            return Route(PREFIX + path, endpoint, methods=methods)

        return [
            route("/discovery.{fmt}", self.discovery, key=False, methods=["GET"]),
            route("/services.{fmt}", self.service_list, key=False, methods=["GET"]),
            route("/services/{code}.{fmt}", self.service_definition, key=False, methods=["GET"]),
            route("/requests.{fmt}", self.requests, key=True, methods=["GET", "POST"]),
            route("/requests/{number}.{fmt}", self.one_request, key=True, methods=["GET"]),
            route("/tokens/{token}.{fmt}", self.token, key=True, methods=["GET"]),
        ]

    # -- the frame every call goes through -----------------------------------------------------

    async def call(self, request: Request, handler: Handler, needs_key: bool) -> Response:
        fmt = request.path_params.get("fmt", "")
        if fmt not in ("json", "xml"):
            return _errors("json", 404, "format: .json or .xml")
        i18n = self.services.i18n(locale_of(request.headers.get("accept-language")))
        try:
            form: dict[str, str] = {}
            if request.method == "POST":
                form = await _form(request)
                request.state.form = form
            key = None
            if needs_key:
                secret = form.get("api_key") or request.query_params.get("api_key", "")
                key = await self._key(secret, request)
                request.state.key = key
                await self._limit(self.key_rate[0], "key", str(key.id), "api_key: too many calls")
            return await handler(request, Call(fmt, i18n, key))
        except Refusal as refusal:
            response = _errors(fmt, refusal.code, refusal.description)
            if refusal.retry_after is not None:
                response.headers["Retry-After"] = str(refusal.retry_after)
            return response
        except Exception as err:
            if is_transient(err):
                log.warning("open311: database unavailable: %s", describe(err))
                response = _errors(fmt, 503, "the database is busy; try again shortly")
                response.headers["Retry-After"] = "5"
                return response
            log.exception("open311: %s %s failed", request.method, request.url.path)
            return _errors(fmt, 500, "internal error; it has been logged")

    async def _limit(self, rate: Any, *names: str, hit: bool = True) -> None:
        """A 429 with Retry-After past the rate; `hit=False` only looks (counted later)."""
        *keys_, description = names
        allowed = (
            await self.limiter.hit(rate, *keys_) if hit else await self.limiter.test(rate, *keys_)
        )
        if not allowed:
            stats = await self.limiter.get_window_stats(rate, *keys_)
            wait = max(1, math.ceil(stats.reset_time - time.time()))
            raise Refusal(429, f"{description}; try again in {wait} s", retry_after=wait)

    async def _key(self, secret: str, request: Request) -> ApiKey:
        if secret:
            async with self.services.db.session() as session:
                key = await keys.find_key(session, secret)
            if key is not None:
                return key
        address = request.client.host if request.client else "?"
        await self._limit(
            self.anonymous_rate[0], "address", address, "too many calls without a valid api_key"
        )
        raise Refusal(403, "api_key: missing or not valid" if secret else "api_key: required")

    # -- discovery and services ----------------------------------------------------------------

    async def discovery(self, request: Request, call: Call) -> Response:
        public = self.services.config.web.public_url or str(request.base_url).rstrip("/")
        contact = call.i18n.gettext(
            "The street office's LaneKeeper administrators issue API keys "
            "(python -m bot apikey create)."
        )
        return _reply(call.fmt, "discovery", texts.discovery(public, contact))

    async def service_list(self, request: Request, call: Call) -> Response:
        async with self.services.db.session() as session:
            street = await _street(session, request)
            parties = await _parties(session, street)
        categories = self.services.classifier.categories.values()
        items = [texts.service(call.i18n, spec, parties.get(spec.lead)) for spec in categories]
        return _reply(call.fmt, "services", items)

    async def service_definition(self, request: Request, call: Call) -> Response:
        async with self.services.db.session() as session:
            await _street(session, request)
        spec = self.services.classifier.categories.get(request.path_params["code"])
        if spec is None:
            raise Refusal(404, "service_code: no such service")
        return _reply(call.fmt, "service_definition", texts.definition(spec))

    # -- requests ------------------------------------------------------------------------------

    async def requests(self, request: Request, call: Call) -> Response:
        if request.method == "POST":
            return await self.post(request, call)
        assert call.key is not None
        params = request.query_params
        query = Query(street_ids=None)
        ids = _list(params.get("service_request_id"))
        if len(ids) > IDS_MAX:
            raise invalid(f"service_request_id: at most {IDS_MAX} at once")
        try:
            query.numbers = [int(i) for i in ids]
        except ValueError:
            raise invalid("service_request_id: numbers, separated by commas") from None
        if not all(0 < n < NUMBER_LIMIT for n in query.numbers):
            raise invalid("service_request_id: no such number")
        for name in params:
            if len(params.getlist(name)) > 1:
                raise invalid(f"{name[:40]}: given twice")
        query.service_codes = _list(params.get("service_code"))
        unknown = [c for c in query.service_codes if c not in self.services.classifier.categories]
        if unknown:
            raise invalid(f"service_code: unknown service {unknown[0][:64]!r} (see services.json)")
        query.statuses = _list(params.get("status"))
        if not set(query.statuses) <= {"open", "closed"}:
            raise invalid("status: open, closed, or open,closed")
        query.start, query.end = _span(params.get("start_date"), params.get("end_date"), self.now)
        query.page = _int(params.get("page"), "page", 1, 1, 1_000_000)
        query.page_size = _int(params.get("page_size"), "page_size", PAGE_MAX, 1, PAGE_MAX)
        with_notes = _flag(params.get("extensions"), "extensions")
        async with self.services.db.session() as session:
            street = await _street(session, request, call.key)
            query.street_ids = await visible_streets(session, call.key, street)
            cases = await find(session, query)
            items = await self._shown(session, call, cases, with_notes)
        return _reply(call.fmt, "service_requests", items)

    async def one_request(self, request: Request, call: Call) -> Response:
        assert call.key is not None
        try:
            number = int(request.path_params["number"])
        except ValueError:
            raise Refusal(404, "service_request_id: no such request") from None
        if not 0 < number < NUMBER_LIMIT:
            raise Refusal(404, "service_request_id: no such request")
        async with self.services.db.session() as session:
            street = await _street(session, request, call.key)
            query = Query(street_ids=await visible_streets(session, call.key, street))
            query.numbers = [number]
            cases = await find(session, query)
            if not cases:
                raise Refusal(404, "service_request_id: no such request")
            items = await self._shown(session, call, cases, True)
        return _reply(call.fmt, "service_requests", items)

    async def token(self, request: Request, call: Call) -> Response:
        assert call.key is not None
        async with self.services.db.session() as session:
            row = await keys.by_token(session, request.path_params["token"])
            case = await session.get(Case, row.case_id) if row is not None else None
            street = await session.get(Street, case.street_id) if case is not None else None
            if row is None or case is None or street is None or not call.key.may_see(street.code):
                raise Refusal(404, "token: no such token")
        number = None if CaseState(case.state) == CaseState.TRIAGE else case.number
        item = {"service_request_id": str(number) if number else "", "token": row.token}
        return _reply(call.fmt, "service_requests", [item])

    async def post(self, request: Request, call: Call) -> Response:
        key = call.key
        assert key is not None and key.id is not None
        sub = _submission(request.state.form, call.i18n.locale)
        if key.read_only:
            raise Refusal(403, "api_key: this key may only read")
        # A malformed request (a client's bug) does not use up the key's filings.
        config = self.services.config.open311
        precheck(self.services.classifier.categories, sub, config.allow_private_callbacks)
        await self._limit(self.post_rate[0], "post", str(key.id), "api_key: too many cases filed")
        async with self.filing:
            if self.services.yield_to_chat is not None:
                await self.services.yield_to_chat()
            answer = await self._file(call, key.id, sub)
        self.services.poke_sender()
        return _reply(call.fmt, "service_requests", [answer])

    async def _file(self, call: Call, key_id: int, sub: Submission) -> dict[str, Any]:
        config = self.services.config.open311

        async def work(session: AsyncSession) -> dict[str, Any]:
            intake = await self.services.intake(session)
            live = await session.get(ApiKey, key_id)  # the key, in this session
            assert live is not None
            done = await submit(
                session,
                intake,
                live,
                sub,
                self.now(),
                allow_private_callbacks=config.allow_private_callbacks,
            )
            live.last_used_at = self.now()
            session.add(live)
            if isinstance(done.outcome, Created):
                await Messenger(self.bot, session, self.services).announce(done.case)
            street = await session.get(Street, done.case.street_id)
            tz = ZoneInfo(street.timezone if street else self.services.config.app.timezone)
            answer = self._answer(call, done.case.number, done, tz)
            await session.commit()
            return answer

        return await in_session(self.services, work)

    def _answer(self, call: Call, number: int | None, done: Any, tz: ZoneInfo) -> dict[str, Any]:
        request: ServiceRequest = done.request
        if done.waits_for_triage:
            return texts.waiting(request.token, texts.triage_notice(call.i18n))
        assert number is not None
        if not isinstance(done.outcome, Created):
            notice = texts.repeat_notice(call.i18n, number)
        else:
            notice = texts.filed_notice(call.i18n, number, done.case.due_at, tz)
        return texts.created(number, notice, request.account_id)

    async def _shown(
        self, session: AsyncSession, call: Call, cases: list[Any], with_notes: bool
    ) -> list[dict[str, Any]]:
        public_media = self.services.config.open311.public_media
        media: dict[int, list[CaseAttachment]] = {}
        if public_media and cases:
            # Only links a filing system gave (never a Telegram file): those are public already.
            filed = select(ServiceRequest.filed_case_id)
            rows = await session.exec(
                select(CaseAttachment).where(
                    col(CaseAttachment.case_id).in_([c.id for c in cases]),
                    col(CaseAttachment.case_id).in_(filed),
                    col(CaseAttachment.file_id).startswith("http"),
                    col(CaseAttachment.event_id).is_(None),
                )
            )
            for row in rows:
                media.setdefault(row.case_id, []).append(row)
        return [
            texts.request(
                call.i18n,
                item,
                with_notes=with_notes,
                media=media.get(item.case.id or 0, []),
            )
            for item in await shown(session, cases)
        ]

    def now(self) -> datetime:
        return self.services.clock.now()


# Reading the request ---------------------------------------------------------------------------


async def _form(request: Request) -> dict[str, str]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise invalid("the body: application/x-www-form-urlencoded is expected")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > BODY_MAX:
        raise Refusal(413, f"the body: at most {BODY_MAX // 1024} KB")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > BODY_MAX:
            raise Refusal(413, f"the body: at most {BODY_MAX // 1024} KB")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=FIELDS_MAX,
        )
    except UnicodeDecodeError:
        raise invalid("the body: not UTF-8") from None
    except ValueError:
        raise invalid(f"the body: at most {FIELDS_MAX} fields") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise invalid(f"{name[:40]}: given twice")
        form[name] = value
    return form


def _submission(form: dict[str, str], locale: str) -> Submission:
    def text(name: str) -> str | None:
        value = form.get(name, "").strip()
        return value or None

    def number(name: str, low: float, high: float) -> float | None:
        value = text(name)
        if value is None:
            return None
        try:
            parsed = float(value)
        except ValueError:
            raise invalid(f"{name}: a number is expected") from None
        if not low <= parsed <= high:
            raise invalid(f"{name}: between {low:g} and {high:g}")
        return parsed

    return Submission(
        jurisdiction_id=text("jurisdiction_id"),
        service_code=text("service_code"),
        lat=number("lat", -90, 90),
        long=number("long", -180, 180),
        address_string=text("address_string"),
        address_id=text("address_id"),
        description=form.get("description", ""),
        media_url=text("media_url"),
        first_name=text("first_name"),
        last_name=text("last_name"),
        phone=text("phone"),
        email=text("email"),
        account_id=text("account_id"),
        callback_url=text("callback_url"),
        anonymous=_flag(text("anonymous"), "anonymous"),
        locale=locale,
    )


async def _street(
    session: AsyncSession, request: Request, key: ApiKey | None = None
) -> Street | None:
    """The jurisdiction asked for; with several streets here and none asked, None (all)."""
    code = request.query_params.get("jurisdiction_id")
    return await jurisdiction(session, code, key)


async def _parties(session: AsyncSession, street: Street | None) -> dict[str, Party]:
    if street is None:
        streets = list(await session.exec(select(Street).limit(2)))
        if len(streets) != 1:
            return {}
        street = streets[0]
    rows = await session.exec(select(Party).where(Party.street_id == street.id))
    return {party.code: party for party in rows}


def _list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        parsed = int(value)
    except ValueError:
        raise invalid(f"{name}: a whole number is expected") from None
    if not low <= parsed <= high:
        raise invalid(f"{name}: between {low} and {high}")
    return parsed


def _flag(value: str | None, name: str) -> bool:
    word = (value or "").strip().lower()
    if word in ("", "false", "0", "no"):
        return False
    if word in ("true", "1", "yes"):
        return True
    raise invalid(f"{name}: true or false")


def _date(value: str, name: str) -> datetime:
    if " " in value.strip():  # a "+" not encoded in a query string arrives as a space
        raise invalid(f"{name}: write the offset's + as %2B in a URL, e.g. T00:00:00%2B08:00")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise invalid(f"{name}: an ISO 8601 date, e.g. 2026-11-01T00:00:00+08:00") from None
    if parsed.tzinfo is None:
        raise invalid(f"{name}: give the offset, e.g. 2026-11-01T00:00:00+08:00")
    return parsed


def _span(
    start: str | None, end: str | None, now: Callable[[], datetime]
) -> tuple[datetime, datetime]:
    """The dates asked for; the last 90 days when none. At most 90 days apart."""
    begin = _date(start, "start_date") if start else None
    finish = _date(end, "end_date") if end else None
    if begin is None and finish is None:
        finish = now()
        begin = finish - SPAN_MAX
    elif begin is None:
        assert finish is not None
        begin = finish - SPAN_MAX
    elif finish is None:
        finish = begin + SPAN_MAX
    if finish < begin:
        raise invalid("end_date: before start_date")
    if finish - begin > SPAN_MAX + timedelta(seconds=1):
        raise invalid("start_date/end_date: at most 90 days apart")
    return begin, finish


# Answers ----------------------------------------------------------------------------------------


def _reply(fmt: str, root: str, content: Any, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(texts.xml(root, content), status, media_type="text/xml; charset=utf-8")
    return JSONResponse(content, status)


def _errors(fmt: str, code: int, description: str) -> Response:
    return _reply(fmt, "errors", [texts.error(code, description)], code)


def routes(services: Services, bot: Bot) -> list[BaseRoute]:
    return Open311(services, bot).routes()
