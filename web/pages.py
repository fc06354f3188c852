"""The public pages (docs/signboards.md): a signboard's report page /r/{token}, a case's page
/c/{public id}, an alley's known problems /a/{token}, and photos /p/{token}.jpg.

Thin like the handlers: read the request, check the limits, call the domain, answer a page.
Every refusal is a page that says why; nothing is stored by a refused report.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Bot
from telegram.error import TelegramError

from locales.i18n import I18n
from models import web_reports
from models.cases import Case, CaseState, Category
from models.db import describe, is_transient
from models.dispatch import load
from models.intake import Created
from models.lifecycle import OPEN_STATES
from models.org import Alley, Party, Street
from models.signboards import alley_by_token
from models.web_photos import WebPhoto
from models.web_reports import PHOTOS_MAX, Refused, WebReport
from notify.messenger import Messenger
from notify.verdicts import tell_assignee
from services.registry import Services
from views import pages
from views.case_text import category_name, state_name
from web.images import NotAPhoto, read
from web.language import locale_of
from web.sessions import in_session

log = logging.getLogger(__name__)
BODY_MAX = 30 << 20  # three photos straight from a phone's camera, with room to spare
PHOTO_MAX = 12 << 20


class Pages:
    def __init__(self, services: Services, bot: Bot) -> None:
        self.services = services
        self.bot = bot
        config = services.config.web
        self.per_address = parse(config.reports_per_address)
        self.per_alley = parse(config.reports_per_alley)
        self.plus = parse("1/day")
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/r/{token}", self.report_form, methods=["GET"]),
            Route("/r/{token}", self.report, methods=["POST"]),
            Route("/c/{public_id}", self.case_page, methods=["GET"]),
            Route("/c/{public_id}/verdict", self.verdict, methods=["POST"]),
            Route("/c/{public_id}/mark", self.mark, methods=["POST"]),
            Route("/a/{token}", self.alley_page, methods=["GET"]),
            Route("/a/{token}/plus/{number}", self.plus_one, methods=["POST"]),
            Route("/p/{token}.jpg", self.photo, methods=["GET"]),
        ]

    # -- helpers ----------------------------------------------------------------------------

    def i18n(self, request: Request, street: Street | None = None) -> I18n:
        locale = locale_of(request.headers.get("accept-language"))
        return self.services.i18n(locale, street.timezone if street else None)

    def base(self, request: Request) -> str:
        return self.services.config.web.public_url or str(request.base_url).rstrip("/")

    def refuse(self, request: Request, code: str, status: int, back: str | None = None) -> Response:
        page = pages.problem(self.i18n(request), code, back)
        return _html(page, status)

    @staticmethod
    def address(request: Request) -> str:
        return request.client.host if request.client else "?"

    async def _alley(self, token: str) -> tuple[Alley, Street] | None:
        async with self.services.db.session() as session:
            alley = await alley_by_token(session, token)
            street = await session.get(Street, alley.street_id) if alley else None
        return (alley, street) if alley is not None and street is not None else None

    # -- the report page --------------------------------------------------------------------

    async def report_form(self, request: Request) -> Response:
        token = request.path_params["token"]
        async with self.services.db.session() as session:
            alley = await alley_by_token(session, token)
            if alley is None:
                return self.refuse(request, "unknown_board", 404)
            street = await session.get(Street, alley.street_id)
            assert street is not None
            known = len(await web_reports.alley_cases(session, alley, self.services.clock.now()))
        i18n = self.i18n(request, street)
        nonce = secrets.token_urlsafe(16)
        page = pages.report_form(
            i18n, street, alley, f"/r/{token}", f"/a/{token}", known, nonce=nonce
        )
        return _html(page, nonce=nonce)

    async def report(self, request: Request) -> Response:
        token = request.path_params["token"]
        found = await self._alley(token)
        if found is None:
            return self.refuse(request, "unknown_board", 404)
        alley, _street = found
        back = f"/r/{token}"
        length = request.headers.get("content-length", "")
        if not length.isdigit():
            return self.refuse(request, "not_sent", 411, back)
        if int(length) > BODY_MAX:
            return self.refuse(request, "photo_big", 413, back)
        try:
            form = await request.form(max_files=PHOTOS_MAX + 1, max_fields=20)
        except Exception as err:  # a body that is not the form this page sends
            code = "text_long" if "maximum size" in str(err) else "not_sent"
            return self.refuse(request, code, 400, back)
        try:
            if form.get("website"):  # the field people cannot see, which robots fill in
                return self.refuse(request, "not_sent", 400, back)
            report = await self._report(form, alley, self.i18n(request).locale)
        except Refused as refused:
            return self.refuse(request, str(refused), 400, back)
        finally:
            await form.close()
        # Counted once the report is well formed: a mistake does not use up the limit.
        if not await self.limiter.hit(self.per_address, "report", self.address(request)):
            return self.refuse(request, "too_many", 429, back)
        if not await self.limiter.hit(self.per_alley, "alley", str(alley.id)):
            return self.refuse(request, "alley_busy", 429, back)
        try:
            filed = await self._file(request, report)
        except Refused as refused:
            return self.refuse(request, str(refused), 400, back)
        except Exception as err:
            if not is_transient(err):
                raise
            log.warning("web report: database unavailable: %s", describe(err))
            return self.refuse(request, "busy", 503, back)
        self.services.poke_sender()
        mark = "repeat" if filed.repeat else "new"
        return RedirectResponse(f"/c/{filed.case.public_id}?{mark}=1", status_code=303)

    async def _report(self, form: Any, alley: Alley, locale: str) -> WebReport:
        uploads = [u for u in form.getlist("photos") if isinstance(u, UploadFile) and u.filename]
        if len(uploads) > PHOTOS_MAX:
            raise Refused("photos_many")
        want_location = form.get("use_location") == "1"
        photos, location = [], None
        for upload in uploads:
            data = await upload.read(PHOTO_MAX + 1)
            if len(data) > PHOTO_MAX:
                raise Refused("photo_big")
            try:
                photo = await asyncio.to_thread(read, data, want_location)
            except NotAPhoto:
                raise Refused("photo_bad") from None
            photos.append(photo.photo)
            location = location or photo.location
        lat, lon = _coordinates(form) if want_location else (None, None)
        if lat is None and location is not None:
            lat, lon = location
        assert alley.id is not None
        report = WebReport(
            alley_id=alley.id,
            text=str(form.get("text") or ""),
            phone=str(form.get("phone") or "").strip() or None,
            anonymous=form.get("anonymous") == "1",
            lat=lat,
            lon=lon,
            photos=tuple(photos),
            locale=locale,
        )
        web_reports.check(report)
        return report

    async def _file(self, request: Request, report: WebReport) -> web_reports.WebFiled:
        base = self.base(request)

        async def work(session: AsyncSession) -> web_reports.WebFiled:
            intake = await self.services.intake(session)
            filed = await web_reports.file_report(
                session,
                intake,
                report,
                self.services.clock.now(),
                lambda token: f"{base}/p/{token}.jpg",
            )
            if isinstance(filed.outcome, Created):
                await Messenger(self.bot, session, self.services).announce(filed.case)
            await session.commit()
            return filed

        return await in_session(self.services, work)

    # -- the case page ----------------------------------------------------------------------

    async def case_page(self, request: Request) -> Response:
        public_id = request.path_params["public_id"]
        async with self.services.db.session() as session:
            case = await web_reports.case_by_public_id(session, public_id)
            if case is None or case.number is None:
                return self.refuse(request, "unknown_case", 404)
            street = await session.get(Street, case.street_id)
            if street is not None and street.publish_fix_photos:
                await self._publish_fix_photos(session, case)
            shown = await web_reports.public_case(session, case)
            category = await session.get(Category, case.category_id) if case.category_id else None
            party = await session.get(Party, shown.party_id) if shown.party_id else None
        i18n = self.i18n(request, shown.street)
        banner = more = None
        if request.query_params.get("new") or request.query_params.get("repeat"):
            banner, more = pages.filed_banner(
                i18n, case, party, bool(request.query_params.get("repeat"))
            )
        elif request.query_params.get("answered") or request.query_params.get("marked"):
            banner = i18n.gettext("Thank you for your answer.")
        alley_token = shown.alley.board_token if shown.alley else None
        page = pages.case_page(
            i18n,
            case,
            category,
            shown.street,
            shown.alley,
            party,
            shown.history,
            banner=banner,
            banner_more=more,
            ask=CaseState(case.state) == CaseState.DONE,
            verdict_url=f"/c/{public_id}/verdict",
            # Asked right after "yes, it is fixed", of the one who said so.
            rate=bool(request.query_params.get("answered"))
            and CaseState(case.state) == CaseState.CLOSED
            and case.satisfaction is None,
            rate_url=f"/c/{public_id}/mark",
            photos=[f"/p/{token}.jpg" for token in shown.fix_photos],
            alley_url=f"/a/{alley_token}" if alley_token else None,
            units=shown.units,
        )
        return _html(page)

    async def _publish_fix_photos(self, session: AsyncSession, case: Case) -> None:
        """The photos of the fix, fetched from Telegram once, drawn again without metadata."""
        for file_id in await web_reports.unpublished_fix_photos(session, case):
            try:
                found = await self.bot.get_file(file_id)
                data = bytes(await found.download_as_bytearray())
                photo = await asyncio.to_thread(read, data, False)
            except (TelegramError, NotAPhoto) as err:
                log.warning("case %s: a photo of the fix cannot be published: %s", case.id, err)
                continue
            session.add(
                web_reports.fix_photo(case, file_id, photo.photo, self.services.clock.now())
            )
        await session.commit()

    async def verdict(self, request: Request) -> Response:
        public_id = request.path_params["public_id"]
        form = await request.form(max_files=0, max_fields=5)
        fixed = form.get("fixed")
        if fixed not in ("yes", "no"):
            return self.refuse(request, "not_sent", 400, f"/c/{public_id}")

        async def work(session: AsyncSession) -> Response | None:
            case = await web_reports.case_by_public_id(session, public_id)
            ctx = await load(session, case.id) if case and case.id else None
            if ctx is None:
                return self.refuse(request, "unknown_case", 404)
            now = self.services.clock.now()
            if not await web_reports.verdict(session, ctx, fixed == "yes", now):
                return self.refuse(request, "verdict_late", 409, f"/c/{public_id}")
            messenger = Messenger(self.bot, session, self.services)
            kind = "closed" if fixed == "yes" else "reopened"
            await tell_assignee(messenger, ctx, kind)
            await messenger.progress(ctx.case, kind)
            await session.commit()
            return None

        refused = await in_session(self.services, work)
        if refused is not None:
            return refused
        self.services.poke_sender()
        return RedirectResponse(f"/c/{public_id}?answered=1", status_code=303)

    async def mark(self, request: Request) -> Response:
        public_id = request.path_params["public_id"]
        form = await request.form(max_files=0, max_fields=5)
        value = str(form.get("mark") or "")
        if not value.isdigit() or len(value) > 1:
            return self.refuse(request, "not_sent", 400, f"/c/{public_id}")
        async with self.services.db.session() as session:
            case = await web_reports.case_by_public_id(session, public_id)
            if case is None:
                return self.refuse(request, "unknown_case", 404)
            if not await web_reports.mark(session, case, int(value)):
                return self.refuse(request, "verdict_late", 409, f"/c/{public_id}")
            await session.commit()
        return RedirectResponse(f"/c/{public_id}?marked=1", status_code=303)

    # -- the alley page ---------------------------------------------------------------------

    async def alley_page(self, request: Request, banner: str | None = None) -> Response:
        token = request.path_params["token"]
        now = self.services.clock.now()
        async with self.services.db.session() as session:
            alley = await alley_by_token(session, token)
            if alley is None:
                return self.refuse(request, "unknown_board", 404)
            street = await session.get(Street, alley.street_id)
            assert street is not None
            cases = await web_reports.alley_cases(session, alley, now)
            ids = {c.category_id for c in cases if c.category_id is not None}
            categories = {
                c.id: c
                for c in await session.exec(select(Category).where(Category.id.in_(ids)))  # type: ignore[union-attr]
            }
        i18n = self.i18n(request, street)
        known = [
            pages.Known(
                number=case.number,
                category=category_name(i18n, categories.get(case.category_id)),
                state=state_name(i18n, case.state),
                age=pages.age(i18n, case.created_at, now),
                plus_url=f"/a/{token}/plus/{case.number}"
                if CaseState(case.state) in OPEN_STATES
                else None,
            )
            for case in cases
        ]
        counted = request.query_params.get("counted", "")
        already = request.query_params.get("already", "")
        if counted.isdigit():
            banner = pages.plus_banner(i18n, int(counted), True)
        elif already.isdigit():
            banner = pages.already_banner(i18n, int(already))
        page = pages.alley_page(i18n, street, alley, known, f"/r/{token}", banner)
        return _html(page)

    async def plus_one(self, request: Request) -> Response:
        token = request.path_params["token"]
        number = request.path_params["number"]
        if not number.isdigit() or len(number) > 18:
            return self.refuse(request, "unknown_case", 404, f"/a/{token}")
        found = await self._alley(token)
        if found is None:
            return self.refuse(request, "unknown_board", 404)
        alley, _street = found
        # Once a day per address and case: a press again is said to be counted already.
        first = await self.limiter.hit(self.plus, "plus", self.address(request), number)
        if not first:
            return RedirectResponse(f"/a/{token}?already={number}", status_code=303)
        async with self.services.db.session() as session:
            case = (
                await session.exec(
                    select(Case).where(Case.number == int(number), Case.alley_id == alley.id)
                )
            ).first()
            if case is None:
                return self.refuse(request, "unknown_case", 404, f"/a/{token}")
            await web_reports.plus_one(session, case, self.services.clock.now())
            await session.commit()
        return RedirectResponse(f"/a/{token}?counted={number}", status_code=303)

    # -- photos -------------------------------------------------------------------------------

    async def photo(self, request: Request) -> Response:
        token = request.path_params["token"]
        if len(token) > 32:
            return Response(status_code=404)
        async with self.services.db.session() as session:
            photo = (await session.exec(select(WebPhoto).where(WebPhoto.token == token))).first()
            if photo is not None and photo.role == "fix":
                case = await session.get(Case, photo.case_id)
                street = await session.get(Street, case.street_id) if case else None
                if street is None or not street.publish_fix_photos:
                    photo = None
        if photo is None:
            return Response(status_code=404)
        return Response(
            photo.data,
            media_type=photo.content_type,
            headers={"Cache-Control": "private, max-age=86400"},
        )


def _html(page: str, status: int = 200, nonce: str | None = None) -> HTMLResponse:
    """A page with the headers that keep it to itself: its own script only (by nonce), no
    framing by other sites, no address leaked to links, not cached (it may be personal)."""
    script = f"'nonce-{nonce}'" if nonce else "'none'"
    policy = (
        f"default-src 'none'; script-src {script}; style-src 'unsafe-inline'; "
        "img-src 'self' blob: data:; connect-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    return HTMLResponse(
        page,
        status,
        headers={
            "Content-Security-Policy": policy,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        },
    )


def _coordinates(form: Any) -> tuple[float | None, float | None]:
    try:
        lat, lon = float(form.get("lat") or ""), float(form.get("lon") or "")
    except ValueError:
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def routes(services: Services, bot: Bot) -> list[BaseRoute]:
    return Pages(services, bot).routes()
